import FeeGateCore
import Foundation
import GRDB

/// One running total of a business day: an operator's collections through one channel, or what one
/// funder owes an operator for 0-VND rides and waived fees.
public struct SettlementRollupRow: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable { case channel, funder }

    public let day: BusinessDay
    public let operatorCode: String
    public let kind: Kind
    /// The channel (`card`, `qr`, `transit_card` …) or the funder (`city-budget`, `pass` …).
    public let qualifier: String
    /// Channel: Σ sale legs debited to the clearing account (VAT included). Funder: Σ receivable legs (reference amounts).
    public var gross: Int64
    /// Sales (channel) or funded events (funder): legs that are not VAT legs.
    public var count: Int64
    /// Channel only: Σ refund and reversal legs credited to the clearing account.
    public var refunds: Int64
    public var refundCount: Int64
    /// Part of `gross` whose event day was already closed when it arrived (moved into this day).
    public var lateAmount: Int64
    public var lateCount: Int64

    public init(day: BusinessDay, operatorCode: String, kind: Kind, qualifier: String, gross: Int64 = 0, count: Int64 = 0, refunds: Int64 = 0,
                refundCount: Int64 = 0, lateAmount: Int64 = 0, lateCount: Int64 = 0) {
        self.day = day
        self.operatorCode = operatorCode
        self.kind = kind
        self.qualifier = qualifier
        self.gross = gross
        self.count = count
        self.refunds = refunds
        self.refundCount = refundCount
        self.lateAmount = lateAmount
        self.lateCount = lateCount
    }

    var key: GroupKey { GroupKey(day: day.number, operatorCode: operatorCode, kind: kind, qualifier: qualifier) }
}

struct GroupKey: Hashable {
    let day: Int64
    let operatorCode: String
    let kind: SettlementRollupRow.Kind
    let qualifier: String
}

/// What settlement needs to know about an account: whether it is a well-known clearing or
/// subsidy-receivable account, and of which operator and channel/funder.
struct SettlementAccountClass: Sendable, Hashable {
    let kind: SettlementRollupRow.Kind
    let operatorCode: String
    let qualifier: String
}

/// Account id → settlement class, computed once per account (accounts never change identity).
final class SettlementAccountCache: @unchecked Sendable {
    private let lock = NSLock()
    private var classes: [UUID: SettlementAccountClass?] = [:]

    func classify(_ account: Account) -> SettlementAccountClass? {
        if let known = lock.withLock({ classes[account.id] }) { return known }
        let computed = Self.compute(account)
        lock.withLock { classes[account.id] = .some(computed) }
        return computed
    }

    /// A clearing or subsidy-receivable account counts only if it is the chart's well-known account
    /// (its id is the name-based id of its key), so hand-made accounts never leak into settlement.
    static func compute(_ account: Account) -> SettlementAccountClass? {
        let kind: SettlementRollupRow.Kind
        switch account.code {
        case .channelClearing: kind = .channel
        case .subsidyReceivable: kind = .funder
        default: return nil
        }
        guard let op = account.operatorCode else { return nil }
        let prefix = "\(op) \(account.code.name) "
        guard account.name.hasPrefix(prefix) else { return nil }
        let qualifier = String(account.name.dropFirst(prefix.count))
        guard AccountKey(operatorCode: op, code: account.code, qualifier: qualifier).id == account.id else { return nil }
        return SettlementAccountClass(kind: kind, operatorCode: op, qualifier: qualifier)
    }
}

/// Maintains the settlement roll-ups inside the posting transaction.
enum SettlementRollup {
    /// How one transfer contributes to a roll-up row (pure; also used to recompute from the journal).
    static func contribution(
        _ t: Transfer, debit: SettlementAccountClass?, credit: SettlementAccountClass?, debitCode: AccountCode?
    ) -> (SettlementAccountClass, gross: Int64, count: Int64, refunds: Int64, refundCount: Int64)? {
        if t.flags.contains(.pending) { return nil }  // reserved, not collected
        let counted: Int64 = t.code == .vat ? 0 : 1
        if let debit {
            return (debit, t.amount, counted, 0, 0)
        }
        if let credit, credit.kind == .channel, t.code == .refund || t.code == .reversal {
            return (credit, 0, 0, t.amount, debitCode == .vatPayable ? 0 : 1)
        }
        return nil
    }

    /// Adds the committed transfers to their days' roll-ups. `eventDays` gives the event day of
    /// transfers whose request named one (offline uploads); others use their posting day. A day that
    /// is already closed passes its transfers to the next open day, and they are counted as late.
    static func apply(_ changes: LedgerChanges, _ db: Database, eventDays: [UUID: BusinessDay], cache: SettlementAccountCache) throws {
        guard !changes.transfers.isEmpty else { return }
        // The accounts a commit touches are few (hot operator accounts): classify each once.
        var classes: [UUID: (code: AccountCode, class: SettlementAccountClass?)] = [:]
        classes.reserveCapacity(changes.accounts.count)
        for a in changes.accounts { classes[a.id] = (a.code, cache.classify(a)) }
        var totals: [GroupKey: SettlementRollupRow] = [:]
        var assigned: [Int64: Int64] = [:]
        var moved: [(UUID, BusinessDay, BusinessDay)] = []
        for t in changes.transfers {
            let debitAccount = classes[t.debitAccountID]
            let debit = debitAccount?.class
            let credit = classes[t.creditAccountID]?.class
            guard debit != nil || credit != nil,
                let c = contribution(t, debit: debit, credit: credit, debitCode: debitAccount?.code)
            else { continue }
            let posting = BusinessDay(ledgerTimestamp: t.timestamp)
            let event = eventDays[t.id] ?? posting
            let day: Int64
            if let known = assigned[event.number] {
                day = known
            } else {
                day = try firstOpenDay(from: event, db).number
                assigned[event.number] = day
            }
            let late = day != event.number
            if day != posting.number { moved.append((t.id, event, BusinessDay(number: day))) }
            let key = GroupKey(day: day, operatorCode: c.0.operatorCode, kind: c.0.kind, qualifier: c.0.qualifier)
            var row = totals[key] ?? SettlementRollupRow(day: BusinessDay(number: day), operatorCode: key.operatorCode, kind: key.kind, qualifier: key.qualifier)
            row.gross += c.gross
            row.count += c.count
            row.refunds += c.refunds
            row.refundCount += c.refundCount
            if late {
                row.lateAmount += c.gross + c.refunds
                row.lateCount += c.count + c.refundCount
            }
            totals[key] = row
        }
        guard !totals.isEmpty else { return }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO settlement_rollup (day, operator_code, kind, qualifier, gross, count, refunds, refund_count, late_amount, late_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, operator_code, kind, qualifier) DO UPDATE SET
                    gross = gross + excluded.gross, count = count + excluded.count, refunds = refunds + excluded.refunds,
                    refund_count = refund_count + excluded.refund_count, late_amount = late_amount + excluded.late_amount,
                    late_count = late_count + excluded.late_count
                """)
        for row in totals.values {
            try upsert.execute(arguments: [
                row.day.description, row.operatorCode, row.kind.rawValue, row.qualifier, row.gross, row.count, row.refunds, row.refundCount,
                row.lateAmount, row.lateCount,
            ])
        }
        if !moved.isEmpty {
            let insert = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO settlement_assignment (transfer_id, event_day, assigned_day) VALUES (?, ?, ?)")
            for (id, event, day) in moved { try insert.execute(arguments: [id.blob, event.description, day.description]) }
        }
    }

    /// `day` if it is open, else the first open day after it.
    static func firstOpenDay(from day: BusinessDay, _ db: Database) throws -> BusinessDay {
        var candidate = day
        let closed = try db.cachedStatement(sql: "SELECT 1 FROM settlement_day WHERE day = ?")
        while try Int.fetchOne(closed, arguments: [candidate.description]) != nil { candidate = candidate.next }
        return candidate
    }

    static func rows(day: BusinessDay, _ db: Database) throws -> [SettlementRollupRow] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM settlement_rollup WHERE day = ? ORDER BY operator_code, kind, qualifier", arguments: [day.description]
        ).map { row in
            SettlementRollupRow(
                day: day, operatorCode: row["operator_code"], kind: SettlementRollupRow.Kind(rawValue: row["kind"]) ?? .channel,
                qualifier: row["qualifier"], gross: row["gross"], count: row["count"], refunds: row["refunds"], refundCount: row["refund_count"],
                lateAmount: row["late_amount"], lateCount: row["late_count"])
        }
    }
}
