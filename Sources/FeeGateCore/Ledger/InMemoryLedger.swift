import Foundation

/// A complete ledger held in memory: the reference model for property tests and the simulator's
/// in-process mode. It runs the same ``LedgerEngine`` as the SQLite store.
public struct InMemoryLedger: LedgerReader, Sendable {
    public private(set) var accounts: [UUID: Account] = [:]
    public private(set) var journal: [Transfer] = []
    public private(set) var failures: [UUID: TransferFailure] = [:]
    private var transfersByID: [UUID: Int] = [:]
    private var resolutions: [UUID: PendingResolution] = [:]
    private var lastTimestamp: Int64 = 0

    public init() {}

    public func account(id: UUID) -> Account? { accounts[id] }
    public func transfer(id: UUID) -> Transfer? { transfersByID[id].map { journal[$0] } }
    public func failure(id: UUID) -> TransferFailure? { failures[id] }
    public func resolution(ofPending id: UUID) -> PendingResolution? { resolutions[id] }

    /// Creates an account (idempotent like the store: `exists` for an identical retry).
    public mutating func createAccount(_ request: AccountRequest, now: Int64) -> CreateAccountResult {
        if let invalid = CreateAccountResult.validate(request) { return invalid }
        if let existing = accounts[request.id] { return CreateAccountResult.compare(request, with: existing) }
        lastTimestamp = max(now, lastTimestamp + 1)
        accounts[request.id] = Account(
            id: request.id, ledger: request.ledger, code: request.code, flags: request.flags,
            operatorCode: request.operatorCode, name: request.name, timestamp: lastTimestamp)
        return .ok
    }

    /// Runs one request through the engine and applies its changes.
    public mutating func execute(_ batch: [TransferRequest], now: Int64, makeID: @escaping () -> UUID = { UUID() }) -> [TransferResult] {
        var engine = LedgerEngine(reader: self, now: now, lastTimestamp: lastTimestamp, makeID: makeID)
        // The in-memory reader never throws.
        guard let results = try? engine.execute(batch) else { return [] }
        apply(engine.changes, lastTimestamp: engine.currentTimestamp)
        return results
    }

    /// Expires due pending transfers.
    @discardableResult
    public mutating func expirePending(now: Int64, makeID: @escaping () -> UUID = { UUID() }) -> Int {
        let due = journal.filter { t in
            guard let expiresAt = t.expiresAt else { return false }
            return expiresAt <= now && resolutions[t.id] == nil
        }.map(\.id)
        var engine = LedgerEngine(reader: self, now: now, lastTimestamp: lastTimestamp, makeID: makeID)
        guard let count = try? engine.expire(pendingIDs: due) else { return 0 }
        apply(engine.changes, lastTimestamp: engine.currentTimestamp)
        return count
    }

    private mutating func apply(_ changes: LedgerChanges, lastTimestamp: Int64) {
        for account in changes.accounts { accounts[account.id] = account }
        for transfer in changes.transfers {
            transfersByID[transfer.id] = journal.count
            journal.append(transfer)
            if let pendingID = transfer.pendingID {
                resolutions[pendingID] =
                    transfer.flags.contains(.expiry) ? .expired : transfer.flags.contains(.postPendingTransfer) ? .posted : .voided
            }
        }
        for failure in changes.failures { failures[failure.id] = failure }
        self.lastTimestamp = max(self.lastTimestamp, lastTimestamp)
    }
}

/// Recomputes balances from a journal and compares them with account counters.
///
/// The effect of each journal row on its two accounts:
/// - plain transfer: `debits_posted`/`credits_posted` += amount;
/// - pending: `debits_pending`/`credits_pending` += amount;
/// - post of pending P: pending −= P.amount, posted += amount;
/// - void or expiry of pending P: pending −= P.amount.
public enum LedgerAudit {
    /// The four counters of one account, recomputed.
    public struct Counters: Equatable, Sendable {
        public var debitsPending: Int64 = 0
        public var debitsPosted: Int64 = 0
        public var creditsPending: Int64 = 0
        public var creditsPosted: Int64 = 0
        public init() {}
    }

    /// Counters per account implied by `journal` (rows in commit order).
    public static func counters(from journal: [Transfer]) -> [UUID: Counters] {
        var out: [UUID: Counters] = [:]
        var pendingAmount: [UUID: Int64] = [:]
        for t in journal {
            var d = out[t.debitAccountID] ?? Counters()
            var c = out[t.creditAccountID] ?? Counters()
            if t.flags.contains(.pending) {
                d.debitsPending += t.amount
                c.creditsPending += t.amount
                pendingAmount[t.id] = t.amount
            } else if let pid = t.pendingID {
                let released = pendingAmount[pid] ?? 0
                d.debitsPending -= released
                c.creditsPending -= released
                if t.flags.contains(.postPendingTransfer) {
                    d.debitsPosted += t.amount
                    c.creditsPosted += t.amount
                }
            } else {
                d.debitsPosted += t.amount
                c.creditsPosted += t.amount
            }
            out[t.debitAccountID] = d
            out[t.creditAccountID] = c
        }
        return out
    }

    /// Human-readable problems; empty when the books are consistent.
    public static func problems(accounts: [Account], journal: [Transfer]) -> [String] {
        var problems: [String] = []
        let expected = counters(from: journal)
        var sums = (dp: Int64(0), dpo: Int64(0), cp: Int64(0), cpo: Int64(0))
        for account in accounts.sorted(by: { $0.timestamp < $1.timestamp }) {
            let e = expected[account.id] ?? Counters()
            var actual = Counters()
            actual.debitsPending = account.debitsPending
            actual.debitsPosted = account.debitsPosted
            actual.creditsPending = account.creditsPending
            actual.creditsPosted = account.creditsPosted
            if e != actual { problems.append("account \(account.id): counters \(actual) but journal implies \(e)") }
            if account.debitsPending < 0 || account.creditsPending < 0 { problems.append("account \(account.id): negative pending counter") }
            sums.dp += account.debitsPending
            sums.dpo += account.debitsPosted
            sums.cp += account.creditsPending
            sums.cpo += account.creditsPosted
        }
        if sums.dpo != sums.cpo { problems.append("Σ debits_posted \(sums.dpo) ≠ Σ credits_posted \(sums.cpo)") }
        if sums.dp != sums.cp { problems.append("Σ debits_pending \(sums.dp) ≠ Σ credits_pending \(sums.cp)") }
        var seen = Set<UUID>()
        var last = Int64.min
        for t in journal {
            if !seen.insert(t.id).inserted { problems.append("transfer \(t.id) appears twice") }
            if t.timestamp <= last { problems.append("transfer \(t.id): timestamp not strictly increasing") }
            last = t.timestamp
            if t.debitAccountID == t.creditAccountID { problems.append("transfer \(t.id): debit = credit account") }
            if t.amount < 0 { problems.append("transfer \(t.id): negative amount") }
        }
        return problems
    }
}
