import Foundation
import GRDB
import GRDBSQLite

/// The few hot-path statements of the posting transaction run through the SQLite C API on GRDB's
/// cached prepared statements: binding 16-byte ids and hashes without `Data`/`StatementArguments`
/// allocations. Only used inside a transaction GRDB opened, on statements GRDB prepared.
enum RawSQLite {
    /// Binds `id` as parameter 1 of a statement returning at most one row; `true` if it returns one.
    static func exists(_ statement: Statement, id: UUID, _ db: Database) throws -> Bool {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        var raw = id.uuid
        _ = withUnsafeBytes(of: &raw) { sqlite3_bind_blob(s, 1, $0.baseAddress, 16, SQLITE_TRANSIENT) }
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(rc, db, statement)
        }
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ id: UUID) {
        var raw = id.uuid
        _ = withUnsafeBytes(of: &raw) { sqlite3_bind_blob(s, index, $0.baseAddress, 16, SQLITE_TRANSIENT) }
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ id: UUID?) {
        if let id { bind(s, index, id) } else { sqlite3_bind_null(s, index) }
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { sqlite3_bind_blob(s, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(s, index, value)
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(s, index, value) } else { sqlite3_bind_null(s, index) }
    }

    static func bind(_ s: SQLiteStatement, _ index: Int32, _ text: String?) {
        guard var text else { sqlite3_bind_null(s, index); return }
        text.withUTF8 { utf8 in
            _ = utf8.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(s, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        }
    }

    /// Steps a write statement to completion and resets it; throws GRDB's error on failure.
    static func execute(_ statement: Statement, _ db: Database) throws {
        let s = statement.sqliteStatement
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        guard rc == SQLITE_DONE else { throw error(rc, db, statement) }
    }

    static func error(_ rc: Int32, _ db: Database, _ statement: Statement) -> DatabaseError {
        let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: statement.sql)
    }
}

/// SQLite's "copy the value now" destructor (the C macro SQLITE_TRANSIENT).
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
