import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// A closed business day: the settlement record as written, chained to the previous closed day.
public struct ClosedSettlementDay: Sendable, Equatable {
    public let seq: Int64
    public let day: BusinessDay
    /// Ledger time of the close (nanoseconds).
    public let closedAt: Int64
    /// The settlement record (canonical JSON, sorted keys) exactly as hashed.
    public let record: String
    /// Hash of the previous closed day (32 zero bytes for the first).
    public let prevHash: [UInt8]
    /// `SHA-256(prevHash ‖ record)`.
    public let hash: [UInt8]

    public var hashHex: String { hash.map { String(format: "%02x", $0) }.joined() }
}

/// What the settlement planner (pure code outside the store) produces for a day's roll-ups.
public struct SettlementClosePlan: Sendable {
    public var accounts: [AccountKey]
    public var transfers: [TransferRequest]
    /// The record to seal; the store hashes these bytes.
    public var record: String

    public init(accounts: [AccountKey], transfers: [TransferRequest], record: String) {
        self.accounts = accounts
        self.transfers = transfers
        self.record = record
    }
}

/// A transfer that arrived after its event day was closed, and the day that took it.
public struct LateSettlementTransfer: Sendable, Equatable, Codable {
    public let transferID: UUID
    public let eventDay: BusinessDay
    public let assignedDay: BusinessDay

    enum CodingKeys: String, CodingKey { case transferID = "transfer_id", eventDay = "event_day", assignedDay = "assigned_day" }
}

extension GatewayStore {
    /// The running totals of `day` (channel collections and funder claims), read in O(groups).
    public func settlementRollup(day: BusinessDay) async throws -> [SettlementRollupRow] {
        try await mapErrors { try await writer.read { db in try SettlementRollup.rows(day: day, db) } }
    }

    /// The closed record of `day`, or `nil` while it is open.
    public func closedSettlementDay(_ day: BusinessDay) async throws -> ClosedSettlementDay? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM settlement_day WHERE day = ?", arguments: [day.description]).map(Self.decodeClosed)
            }
        }
    }

    /// Transfers counted in `day` although their event happened on an earlier, already closed day.
    public func lateSettlementTransfers(day: BusinessDay) async throws -> [LateSettlementTransfer] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM settlement_assignment WHERE assigned_day = ? AND event_day <> assigned_day ORDER BY event_day, transfer_id",
                    arguments: [day.description]
                ).compactMap { row in
                    guard let id = UUID(bytes: row["transfer_id"] as Data), let event = BusinessDay(row["event_day"] as String) else { return nil }
                    return LateSettlementTransfer(transferID: id, eventDay: event, assignedDay: day)
                }
            }
        }
    }

    /// Closes `day` once and for all, in one transaction: reads its roll-ups, lets `planner` compute
    /// the fee, payout and claim transfers and the record, creates any missing accounts, posts the
    /// transfers (all must succeed or nothing is written) and appends the hash-chained record.
    ///
    /// Idempotent: closing a closed day returns the stored record (`alreadyClosed == true`) and posts
    /// nothing. Transfers posted after the close for an event on this day go to the next open day.
    public func closeSettlementDay(
        _ day: BusinessDay, planner: @escaping @Sendable (_ rows: [SettlementRollupRow], _ closedAt: Int64) throws -> SettlementClosePlan
    ) async throws -> (closed: ClosedSettlementDay, alreadyClosed: Bool) {
        let now = clock()
        let cache = settlementAccounts
        return try await mapErrors {
            try await writer.write { db in
                if let existing = try Row.fetchOne(db, sql: "SELECT * FROM settlement_day WHERE day = ?", arguments: [day.description]) {
                    return (try Self.decodeClosed(existing), true)
                }
                let rows = try SettlementRollup.rows(day: day, db)
                let plan = try planner(rows, now)
                var seen = Set<UUID>()
                let requests = plan.accounts.filter { seen.insert($0.id).inserted }.map(\.request)
                for (request, result) in zip(requests, try LedgerWrites.insertAccounts(requests, db, now: now))
                where result != .ok && result != .exists {
                    throw StoreError.conflict("settlement account \(request.name) cannot be created: \(result.rawValue)")
                }
                var engine = LedgerEngine(reader: SQLiteLedgerReader(db: db), now: now, lastTimestamp: try ChainHead.lastTimestamp(db))
                for start in stride(from: 0, to: plan.transfers.count, by: Self.maxTransfersPerRequest) {
                    let chunk = Array(plan.transfers[start..<min(start + Self.maxTransfersPerRequest, plan.transfers.count)])
                    let results = try engine.execute(chunk)
                    if let (index, failed) = results.enumerated().first(where: { !$0.element.isSuccess }) {
                        throw StoreError.conflict(
                            "settlement of \(day) cannot post transfer \(chunk[index].id.lowercasedString): \(failed.rawValue); nothing was written")
                    }
                }
                try LedgerWrites.persist(engine.changes, db, eventDays: [:], cache: cache)
                let previous = try Data.fetchOne(db, sql: "SELECT hash FROM settlement_day ORDER BY seq DESC LIMIT 1").map { [UInt8]($0) }
                    ?? [UInt8](repeating: 0, count: 32)
                let hash = Digest.sha256(previous + Array(plan.record.utf8))
                let seq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM settlement_day") ?? 0) + 1
                try db.execute(
                    sql: "INSERT INTO settlement_day (seq, day, closed_at, record, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [seq, day.description, now, plan.record, Data(previous), Data(hash)])
                return (ClosedSettlementDay(seq: seq, day: day, closedAt: now, record: plan.record, prevHash: previous, hash: hash), false)
            }
        }
    }

    /// Checks the chain of closed days: each hash is `SHA-256(previous hash ‖ record)`. Returns the problems.
    public func verifySettlementChain() async throws -> [String] {
        try await mapErrors {
            try await writer.read { db in
                var problems: [String] = []
                var previous = [UInt8](repeating: 0, count: 32)
                for row in try Row.fetchAll(db, sql: "SELECT * FROM settlement_day ORDER BY seq") {
                    let closed = try Self.decodeClosed(row)
                    if closed.prevHash != previous { problems.append("settlement \(closed.day): previous hash does not match the day before") }
                    if Digest.sha256(closed.prevHash + Array(closed.record.utf8)) != closed.hash {
                        problems.append("settlement \(closed.day): record does not match its hash (edited?)")
                    }
                    previous = closed.hash
                }
                return problems
            }
        }
    }

    /// Recomputes `day`'s roll-ups from the journal alone (a full scan: for audits and the simulator's
    /// invariant check, never for closing). Must equal ``settlementRollup(day:)``.
    public func recomputeSettlementFromJournal(day: BusinessDay) async throws -> [SettlementRollupRow] {
        let cache = settlementAccounts
        return try await mapErrors {
            try await writer.read { db in
                var accounts: [UUID: Account] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT \(LedgerRows.accountColumns) FROM account") {
                    let a = try LedgerRows.account(row)
                    accounts[a.id] = a
                }
                var assigned: [UUID: (event: BusinessDay, day: BusinessDay)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM settlement_assignment") {
                    if let id = UUID(bytes: row["transfer_id"] as Data), let e = BusinessDay(row["event_day"] as String),
                        let d = BusinessDay(row["assigned_day"] as String)
                    {
                        assigned[id] = (e, d)
                    }
                }
                var totals: [GroupKey: SettlementRollupRow] = [:]
                let cursor = try Row.fetchCursor(db, sql: "SELECT \(LedgerRows.transferColumns) FROM transfer")
                while let row = try cursor.next() {
                    let t = try LedgerRows.transfer(row)
                    let debitAccount = accounts[t.debitAccountID]
                    guard
                        let c = SettlementRollup.contribution(
                            t, debit: debitAccount.flatMap(cache.classify), credit: accounts[t.creditAccountID].flatMap(cache.classify),
                            debitCode: debitAccount?.code)
                    else { continue }
                    let a = assigned[t.id]
                    let tday = a?.day ?? BusinessDay(ledgerTimestamp: t.timestamp)
                    guard tday == day else { continue }
                    let key = GroupKey(day: day.number, operatorCode: c.0.operatorCode, kind: c.0.kind, qualifier: c.0.qualifier)
                    var r = totals[key] ?? SettlementRollupRow(day: day, operatorCode: key.operatorCode, kind: key.kind, qualifier: key.qualifier)
                    r.gross += c.gross
                    r.count += c.count
                    r.refunds += c.refunds
                    r.refundCount += c.refundCount
                    if let a, a.event != a.day {
                        r.lateAmount += c.gross + c.refunds
                        r.lateCount += c.count + c.refundCount
                    }
                    totals[key] = r
                }
                return totals.values.sorted { ($0.operatorCode, $0.kind.rawValue, $0.qualifier) < ($1.operatorCode, $1.kind.rawValue, $1.qualifier) }
            }
        }
    }

    static func decodeClosed(_ row: Row) throws -> ClosedSettlementDay {
        guard let day = BusinessDay(row["day"] as String) else { throw StoreError.database("settlement_day has a malformed day") }
        return ClosedSettlementDay(
            seq: row["seq"], day: day, closedAt: row["closed_at"], record: row["record"], prevHash: [UInt8](row["prev_hash"] as Data),
            hash: [UInt8](row["hash"] as Data))
    }
}
