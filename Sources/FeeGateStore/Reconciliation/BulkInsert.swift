import Foundation
import GRDB
import GRDBSQLite

/// A prepared INSERT driven through SQLite's C API, for the million-row writes of reconciliation (statement
/// lines, run results): binding through `StatementArguments` boxes every value and costs ~8 µs a row; this
/// costs ~1 µs. Only for INSERTs inside a GRDB write transaction; errors become ``StoreError``.
struct BulkInsert {
    private let statement: Statement
    private let db: Database
    private var handle: OpaquePointer { statement.sqliteStatement }
    /// SQLite copies the bytes during the call (SQLITE_TRANSIENT), so Swift strings may be temporaries.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(handle, index, Int64(value)) }

    func bind(_ index: Int32, _ value: String?) {
        if let value { sqlite3_bind_text(handle, index, value, -1, Self.transient) } else { sqlite3_bind_null(handle, index) }
    }

    /// Runs the INSERT with the values bound so far, then resets it for the next row.
    func step() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw StoreError.database(String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}

/// A SELECT stepped through SQLite's C API, for reading a million rows without a GRDB `Row` per row.
struct BulkSelect {
    private let statement: Statement
    private let db: Database
    private var handle: OpaquePointer { statement.sqliteStatement }

    init(_ db: Database, sql: String, arguments: [Int64]) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
        sqlite3_reset(statement.sqliteStatement)
        for (i, value) in arguments.enumerated() { sqlite3_bind_int64(statement.sqliteStatement, Int32(i + 1), value) }
    }

    /// Advances to the next row; `false` at the end.
    func next() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw StoreError.database(String(cString: sqlite3_errmsg(db.sqliteConnection))) }
        return false
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }
}

extension BulkSelect {
    /// A 16-byte BLOB column as a UUID (ids are stored that way), else `nil`.
    func uuid(_ column: Int32) -> UUID? {
        guard sqlite3_column_bytes(handle, column) == 16, let raw = sqlite3_column_blob(handle, column) else { return nil }
        let b = raw.assumingMemoryBound(to: UInt8.self)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
