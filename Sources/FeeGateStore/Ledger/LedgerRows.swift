import FeeGateCore
import Foundation
import GRDB

/// Column lists and row decoding for the ledger tables. Kept here so SQL and decoding agree.
enum LedgerRows {
    static let accountColumns =
        "seq, id, ledger, code, flags, operator_code, name, timestamp, debits_pending, debits_posted, credits_pending, credits_posted"
    static let transferColumns =
        "seq, id, debit_account_id, credit_account_id, amount, pending_id, timeout, ledger, code, flags, reference, timestamp"

    static func uuid(_ row: Row, _ column: String) throws -> UUID {
        guard let data = row[column] as Data?, let id = UUID(bytes: data) else {
            throw StoreError.database("column \(column) does not hold a 16-byte id")
        }
        return id
    }

    static func account(_ row: Row) throws -> Account {
        let rawCode: UInt16 = row["code"]
        guard let code = AccountCode(rawValue: rawCode) else { throw StoreError.database("unknown account code \(rawCode)") }
        return Account(
            id: try uuid(row, "id"), ledger: row["ledger"], code: code, flags: AccountFlags(rawValue: row["flags"]),
            operatorCode: row["operator_code"], name: row["name"], timestamp: row["timestamp"],
            debitsPending: row["debits_pending"], debitsPosted: row["debits_posted"],
            creditsPending: row["credits_pending"], creditsPosted: row["credits_posted"])
    }

    static func transfer(_ row: Row) throws -> Transfer {
        let rawCode: UInt16 = row["code"]
        guard let code = TransferCode(rawValue: rawCode) else { throw StoreError.database("unknown transfer code \(rawCode)") }
        let pending = row["pending_id"] as Data?
        return Transfer(
            id: try uuid(row, "id"), debitAccountID: try uuid(row, "debit_account_id"),
            creditAccountID: try uuid(row, "credit_account_id"), amount: row["amount"],
            pendingID: pending.flatMap { UUID(bytes: $0) }, timeoutSeconds: row["timeout"], ledger: row["ledger"],
            code: code, flags: TransferFlags(rawValue: row["flags"]), reference: row["reference"], timestamp: row["timestamp"])
    }
}

extension UUID {
    /// The 16 raw bytes as a SQLite blob.
    var blob: Data { Data(bytes) }
}

/// Reads committed ledger state inside a write transaction, with cached prepared statements.
struct SQLiteLedgerReader: LedgerReader {
    let db: Database

    func account(id: UUID) throws -> Account? {
        let statement = try db.cachedStatement(sql: "SELECT \(LedgerRows.accountColumns) FROM account WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id.blob]).map(LedgerRows.account)
    }

    static let transferByID = "SELECT \(LedgerRows.transferColumns) FROM transfer WHERE id = ?"

    func transfer(id: UUID) throws -> Transfer? {
        // Almost every id the engine looks up is new: answer those with an index-only probe through
        // the C API, and read the row only when the id exists.
        guard try RawSQLite.exists(db.cachedStatement(sql: "SELECT 1 FROM transfer WHERE id = ?"), id: id, db) else { return nil }
        let statement = try db.cachedStatement(sql: Self.transferByID)
        return try Row.fetchOne(statement, arguments: [id.blob]).map(LedgerRows.transfer)
    }

    /// One index probe over both tables (the engine's question for every new transfer).
    func isUnused(id: UUID) throws -> Bool {
        let probe = try db.cachedStatement(
            sql: "SELECT 1 FROM transfer WHERE id = ?1 UNION ALL SELECT 1 FROM transfer_failure WHERE id = ?1 LIMIT 1")
        return try !RawSQLite.exists(probe, id: id, db)
    }

    func failure(id: UUID) throws -> TransferFailure? {
        guard try RawSQLite.exists(db.cachedStatement(sql: "SELECT 1 FROM transfer_failure WHERE id = ?"), id: id, db) else { return nil }
        let statement = try db.cachedStatement(sql: "SELECT result, timestamp FROM transfer_failure WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id.blob]) else { return nil }
        let raw: String = row["result"]
        return TransferFailure(id: id, result: TransferResult(rawValue: raw) ?? .idAlreadyFailed, timestamp: row["timestamp"])
    }

    func resolution(ofPending id: UUID) throws -> PendingResolution? {
        let statement = try db.cachedStatement(sql: "SELECT flags FROM transfer WHERE pending_id = ? LIMIT 1")
        guard let raw = try UInt16.fetchOne(statement, arguments: [id.blob]) else { return nil }
        let flags = TransferFlags(rawValue: raw)
        if flags.contains(.expiry) { return .expired }
        return flags.contains(.postPendingTransfer) ? .posted : .voided
    }
}
