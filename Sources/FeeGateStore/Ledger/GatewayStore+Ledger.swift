import FeeGateCore
import Foundation
import GRDB

extension GatewayStore {
    /// The most transfers one request may carry (TigerBeetle's limit).
    public static let maxTransfersPerRequest = 8_190

    /// Creates accounts; one result per request. Identical retries return `exists`.
    public func createAccounts(_ requests: [AccountRequest]) async throws -> [CreateAccountResult] {
        try await LedgerWrites.createAccounts(requests, writer: writer, now: clock())
    }

    /// Posts one request's transfers through the group-commit writer and returns one result per
    /// transfer once they are durable. Transfers not linked to each other succeed or fail independently.
    ///
    /// - Parameter businessDay: the day the business event happened, when it is not the posting day
    ///   (an offline device uploading yesterday's taps); settlement counts the transfers in that day,
    ///   or in the next open day if it is already closed. `nil` = the posting day.
    public func submitTransfers(_ transfers: [TransferRequest], businessDay: BusinessDay? = nil) async throws -> [TransferResult] {
        try await submitTransfersReturningCommitted(transfers, businessDay: businessDay).map(\.result)
    }

    /// Like ``submitTransfers(_:businessDay:)``, and also returns each transfer this request wrote
    /// with its journal position, as committed (so callers need not read it back).
    public func submitTransfersReturningCommitted(_ transfers: [TransferRequest], businessDay: BusinessDay? = nil) async throws -> [TransferOutcome] {
        precondition(transfers.count <= Self.maxTransfersPerRequest, "caller must enforce the request size limit")
        guard !transfers.isEmpty else { return [] }
        return try await committer.submit(transfers, businessDay: businessDay)
    }

    /// Expires due pending transfers (called periodically by ``PendingExpiryService``).
    @discardableResult
    public func expirePendingTransfers(limit: Int = 1_000) async throws -> Int {
        try await LedgerWrites.expireDue(writer: writer, now: clock(), limit: limit, cache: settlementAccounts)
    }

    /// One account, or `nil`.
    public func account(id: UUID) async throws -> Account? {
        try await mapErrors { try await writer.read { db in try SQLiteLedgerReader(db: db).account(id: id) } }
    }

    /// Accounts in creation order, optionally only one operator's; `after` is the last `seq` seen.
    public func accounts(operatorCode: String? = nil, after: Int64 = 0, limit: Int = 100) async throws -> [(seq: Int64, account: Account)] {
        try await mapErrors {
            try await writer.read { db in
                var sql = "SELECT \(LedgerRows.accountColumns) FROM account WHERE seq > ?"
                var arguments: StatementArguments = [after]
                if let operatorCode {
                    sql += " AND operator_code = ?"
                    arguments += [operatorCode]
                }
                sql += " ORDER BY seq LIMIT ?"
                arguments += [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { (seq: $0["seq"], account: try LedgerRows.account($0)) }
            }
        }
    }

    /// A committed transfer and its journal position, or `nil`.
    public func transfer(id: UUID) async throws -> (seq: Int64, transfer: Transfer)? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT \(LedgerRows.transferColumns) FROM transfer WHERE id = ?", arguments: [id.blob])
                    .map { (seq: $0["seq"], transfer: try LedgerRows.transfer($0)) }
            }
        }
    }

    /// The sticky failure recorded for a transfer id, or `nil`.
    public func transferFailure(id: UUID) async throws -> TransferFailure? {
        try await mapErrors { try await writer.read { db in try SQLiteLedgerReader(db: db).failure(id: id) } }
    }

    /// How a pending transfer was resolved, or `nil` while pending.
    public func resolution(ofPending id: UUID) async throws -> PendingResolution? {
        try await mapErrors { try await writer.read { db in try SQLiteLedgerReader(db: db).resolution(ofPending: id) } }
    }

    /// Transfers touching an account, oldest first, after journal position `after`.
    public func history(accountID: UUID, after: Int64 = 0, limit: Int = 100) async throws -> [(seq: Int64, transfer: Transfer)] {
        try await mapErrors {
            try await writer.read { db in
                let sql = """
                    SELECT \(LedgerRows.transferColumns) FROM transfer WHERE seq > ? AND debit_account_id = ?
                    UNION ALL
                    SELECT \(LedgerRows.transferColumns) FROM transfer WHERE seq > ? AND credit_account_id = ?
                    ORDER BY seq LIMIT ?
                    """
                return try Row.fetchAll(db, sql: sql, arguments: [after, accountID.blob, after, accountID.blob, limit])
                    .map { (seq: $0["seq"], transfer: try LedgerRows.transfer($0)) }
            }
        }
    }

    /// Counts of journal rows, for summaries.
    public func ledgerCounts() async throws -> (accounts: Int64, transfers: Int64, failures: Int64) {
        try await mapErrors {
            try await writer.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT (SELECT seq FROM chain_head WHERE name = 'account') a, (SELECT seq FROM chain_head WHERE name = 'transfer') t, (SELECT seq FROM chain_head WHERE name = 'transfer_failure') f")
                return (accounts: row?["a"] ?? 0, transfers: row?["t"] ?? 0, failures: row?["f"] ?? 0)
            }
        }
    }
}
