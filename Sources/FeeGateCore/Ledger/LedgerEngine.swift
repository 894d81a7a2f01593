import Foundation

/// Read access to committed ledger state.
///
/// Implemented by the SQLite store (inside its write transaction) and by ``InMemoryLedger`` (tests,
/// simulator). The engine never writes through it: it returns ``LedgerChanges`` for the caller to
/// persist atomically.
public protocol LedgerReader {
    func account(id: UUID) throws -> Account?
    func transfer(id: UUID) throws -> Transfer?
    func failure(id: UUID) throws -> TransferFailure?
    /// How a pending transfer was resolved, or `nil` while it is still pending.
    func resolution(ofPending id: UUID) throws -> PendingResolution?
    /// `true` if no committed transfer and no sticky failure has this id: the common case of the
    /// posting path, which a store can answer with one probe instead of two lookups.
    func isUnused(id: UUID) throws -> Bool
}

extension LedgerReader {
    public func isUnused(id: UUID) throws -> Bool {
        try transfer(id: id) == nil && failure(id: id) == nil
    }
}

/// Everything one engine run decided, to be written in one transaction.
public struct LedgerChanges: Sendable {
    /// New journal rows, in commit order (timestamps strictly increasing).
    public var transfers: [Transfer] = []
    /// The final state of every account whose counters changed.
    public var accounts: [Account] = []
    /// New sticky failures (transient rejections recorded against their id).
    public var failures: [TransferFailure] = []

    public init() {}

    public var isEmpty: Bool { transfers.isEmpty && failures.isEmpty }
}

/// The ledger's state machine: validates and applies transfers with TigerBeetle's semantics.
///
/// Pure and deterministic given its reader, clock value and id generator. Requests are applied in
/// order; each sees the effects of the ones before it (also across the several requests of one
/// group commit). A linked chain succeeds or fails as a unit.
///
/// Invariants (asserted in tests and by `feegate verify`):
/// - every transfer moves `amount` from exactly one debit account to one credit account on the same ledger;
/// - Σ debits_posted = Σ credits_posted and Σ debits_pending = Σ credits_pending over all accounts;
/// - each account's counters equal the sums of its transfers' effects;
/// - a transfer id is committed at most once; a retry returns `exists` or a specific conflict code;
/// - a pending transfer is resolved (posted, voided or expired) at most once.
public struct LedgerEngine<Reader: LedgerReader> {
    private let reader: Reader
    private let now: Int64
    private var lastTimestamp: Int64
    private let makeID: () -> UUID

    private var accounts: [UUID: Account] = [:]
    private var dirtyAccounts: Set<UUID> = []
    private var newTransfers: [UUID: Transfer] = [:]
    private var transferOrder: [UUID] = []
    private var resolutions: [UUID: PendingResolution] = [:]
    private var failures: [UUID: TransferFailure] = [:]
    private var failureOrder: [UUID] = []
    private var undoLog: [Undo] = []

    private enum Undo {
        case account(Account)
        case transfer(UUID)
        case resolution(UUID)
    }

    /// - Parameters:
    ///   - reader: committed state.
    ///   - now: ledger time of this run, nanoseconds since the Unix epoch.
    ///   - lastTimestamp: the largest timestamp already in the journal; new ones are strictly greater.
    ///   - makeID: ids for rows the ledger writes itself (pending expiries).
    public init(reader: Reader, now: Int64, lastTimestamp: Int64, makeID: @escaping () -> UUID = { UUID() }) {
        self.reader = reader
        self.now = now
        self.lastTimestamp = lastTimestamp
        self.makeID = makeID
    }

    /// The changes decided so far.
    public var changes: LedgerChanges {
        var out = LedgerChanges()
        out.transfers = transferOrder.compactMap { newTransfers[$0] }
        out.accounts = dirtyAccounts.sorted { $0.uuidString < $1.uuidString }.compactMap { accounts[$0] }
        out.failures = failureOrder.compactMap { failures[$0] }
        return out
    }

    /// The largest timestamp handed out so far.
    public var currentTimestamp: Int64 { lastTimestamp }

    /// Applies one request's transfers and returns one result per transfer, in order.
    public mutating func execute(_ batch: [TransferRequest]) throws -> [TransferResult] {
        var results = [TransferResult](repeating: .ok, count: batch.count)
        var start = 0
        while start < batch.count {
            var end = start
            while end < batch.count - 1 && batch[end].flags.contains(.linked) { end += 1 }
            if batch[end].flags.contains(.linked) {
                // The request ends inside a chain: nothing in the chain may commit.
                for k in start..<end { results[k] = .linkedEventFailed }
                results[end] = .linkedEventChainOpen
                start = end + 1
                continue
            }
            let mark = undoLog.count
            var failedAt: Int?
            for k in start...end {
                let result = try apply(batch[k])
                results[k] = result
                if !result.isSuccess {
                    failedAt = k
                    break
                }
            }
            if let failedAt {
                rollback(to: mark)
                for k in start...end where k != failedAt { results[k] = .linkedEventFailed }
                let result = results[failedAt]
                if result.isTransient { recordFailure(id: batch[failedAt].id, result: result) }
                if result == .pendingTransferExpired, let pendingID = batch[failedAt].pendingID {
                    // The expiry is a fact about time, not about this request: keep it even though the request failed.
                    try expire(pendingID: pendingID)
                }
            }
            start = end + 1
        }
        return results
    }

    /// Writes the ledger's own void for each pending transfer whose timeout has passed and that is
    /// still unresolved. Returns how many expired.
    @discardableResult
    public mutating func expire(pendingIDs: [UUID]) throws -> Int {
        var count = 0
        for id in pendingIDs where try expire(pendingID: id) { count += 1 }
        return count
    }

    // MARK: - Applying one transfer

    private mutating func apply(_ r: TransferRequest) throws -> TransferResult {
        if let invalid = Self.validate(r) { return invalid }
        // Almost every id is new: one probe answers that; only a used id reads the row or the failure.
        let unused = try newTransfers[r.id] == nil && failures[r.id] == nil && reader.isUnused(id: r.id)
        if !unused {
            if let existing = try lookupTransfer(r.id) { return Self.compare(r, with: existing) }
            if try lookupFailure(r.id) != nil { return .idAlreadyFailed }
        }
        if r.flags.contains(.postPendingTransfer) || r.flags.contains(.voidPendingTransfer) {
            return try applyPostOrVoid(r)
        }
        // validate() guarantees these are present for a plain or pending transfer.
        guard let debitID = r.debitAccountID, let creditID = r.creditAccountID, let requested = r.amount, let code = r.code else {
            return .debitAccountIDRequired
        }
        guard var debit = try lookupAccount(debitID) else { return .debitAccountNotFound }
        guard var credit = try lookupAccount(creditID) else { return .creditAccountNotFound }
        if debit.ledger != credit.ledger { return .accountsMustHaveTheSameLedger }
        if let ledger = r.ledger, ledger != debit.ledger { return .transferMustHaveTheSameLedgerAsAccounts }

        var amount = requested
        if r.flags.contains(.balancingDebit) {
            let available = max(0, debit.creditsPosted - debit.debitsPosted - debit.debitsPending)
            amount = min(amount, available)
        }
        if r.flags.contains(.balancingCredit) {
            let available = max(0, credit.debitsPosted - credit.creditsPosted - credit.creditsPending)
            amount = min(amount, available)
        }

        let timestamp = nextTimestamp()
        let pending = r.flags.contains(.pending)
        if pending {
            guard let dp = debit.debitsPending.adding(amount) else { return .overflowsDebitsPending }
            guard let cp = credit.creditsPending.adding(amount) else { return .overflowsCreditsPending }
            if r.timeoutSeconds > 0 {
                let (span, o1) = Int64(r.timeoutSeconds).multipliedReportingOverflow(by: 1_000_000_000)
                let (_, o2) = timestamp.addingReportingOverflow(span)
                if o1 || o2 { return .overflowsTimeout }
            }
            if let limit = Self.checkLimits(debit: debit, credit: credit, amount: amount) { return limit }
            debit.debitsPending = dp
            credit.creditsPending = cp
        } else {
            guard let dp = debit.debitsPosted.adding(amount) else { return .overflowsDebitsPosted }
            guard let cp = credit.creditsPosted.adding(amount) else { return .overflowsCreditsPosted }
            if let limit = Self.checkLimits(debit: debit, credit: credit, amount: amount) { return limit }
            debit.debitsPosted = dp
            credit.creditsPosted = cp
        }
        let transfer = Transfer(
            id: r.id, debitAccountID: debitID, creditAccountID: creditID, amount: amount, pendingID: nil,
            timeoutSeconds: r.timeoutSeconds, ledger: debit.ledger, code: code, flags: r.flags, reference: r.reference,
            timestamp: timestamp)
        store(account: debit)
        store(account: credit)
        store(transfer: transfer)
        return .ok
    }

    private mutating func applyPostOrVoid(_ r: TransferRequest) throws -> TransferResult {
        guard let pendingID = r.pendingID else { return .pendingIDRequired }
        guard let p = try lookupTransfer(pendingID) else { return .pendingTransferNotFound }
        guard p.flags.contains(.pending) else { return .pendingTransferNotPending }
        if let d = r.debitAccountID, d != p.debitAccountID { return .pendingTransferHasDifferentDebitAccountID }
        if let c = r.creditAccountID, c != p.creditAccountID { return .pendingTransferHasDifferentCreditAccountID }
        if let ledger = r.ledger, ledger != p.ledger { return .pendingTransferHasDifferentLedger }
        if let code = r.code, code != p.code { return .pendingTransferHasDifferentCode }
        let posting = r.flags.contains(.postPendingTransfer)
        let amount: Int64
        if posting {
            amount = r.amount ?? p.amount
            if amount > p.amount { return .exceedsPendingTransferAmount }
        } else {
            if let requested = r.amount, requested != p.amount { return .pendingTransferHasDifferentAmount }
            amount = p.amount
        }
        switch try lookupResolution(pendingID) {
        case .posted: return .pendingTransferAlreadyPosted
        case .voided: return .pendingTransferAlreadyVoided
        case .expired: return .pendingTransferExpired
        case nil: break
        }
        if let expiresAt = p.expiresAt, expiresAt <= now { return .pendingTransferExpired }

        guard var debit = try lookupAccount(p.debitAccountID) else { return .debitAccountNotFound }
        guard var credit = try lookupAccount(p.creditAccountID) else { return .creditAccountNotFound }
        debit.debitsPending -= p.amount
        credit.creditsPending -= p.amount
        if posting {
            guard let dp = debit.debitsPosted.adding(amount) else { return .overflowsDebitsPosted }
            guard let cp = credit.creditsPosted.adding(amount) else { return .overflowsCreditsPosted }
            debit.debitsPosted = dp
            credit.creditsPosted = cp
        }
        let transfer = Transfer(
            id: r.id, debitAccountID: p.debitAccountID, creditAccountID: p.creditAccountID, amount: amount, pendingID: pendingID,
            timeoutSeconds: 0, ledger: p.ledger, code: r.code ?? p.code, flags: r.flags, reference: r.reference,
            timestamp: nextTimestamp())
        store(account: debit)
        store(account: credit)
        store(transfer: transfer)
        setResolution(pendingID, posting ? .posted : .voided)
        return .ok
    }

    /// Writes the expiry void of one pending transfer if it is due and unresolved.
    private mutating func expire(pendingID: UUID) throws -> Bool {
        guard let p = try lookupTransfer(pendingID), p.flags.contains(.pending),
            let expiresAt = p.expiresAt, expiresAt <= now,
            try lookupResolution(pendingID) == nil,
            var debit = try lookupAccount(p.debitAccountID), var credit = try lookupAccount(p.creditAccountID)
        else { return false }
        debit.debitsPending -= p.amount
        credit.creditsPending -= p.amount
        let transfer = Transfer(
            id: makeID(), debitAccountID: p.debitAccountID, creditAccountID: p.creditAccountID, amount: p.amount,
            pendingID: pendingID, timeoutSeconds: 0, ledger: p.ledger, code: .pendingExpiry,
            flags: [.voidPendingTransfer, .expiry], reference: p.reference, timestamp: nextTimestamp())
        store(account: debit)
        store(account: credit)
        store(transfer: transfer)
        setResolution(pendingID, .expired)
        return true
    }

    // MARK: - Pure checks

    /// Checks that depend on the request alone.
    public static func validate(_ r: TransferRequest) -> TransferResult? {
        let f = r.flags
        if r.id == UUID.zero { return .idMustNotBeZero }
        if !f.subtracting(knownFlags).isEmpty { return .reservedFlag }
        let post = f.contains(.postPendingTransfer), void = f.contains(.voidPendingTransfer), pending = f.contains(.pending)
        if (pending ? 1 : 0) + (post ? 1 : 0) + (void ? 1 : 0) > 1 { return .flagsAreMutuallyExclusive }
        let balancing = f.contains(.balancingDebit) || f.contains(.balancingCredit)
        if balancing && (post || void) { return .flagsAreMutuallyExclusive }
        if post || void {
            guard let pendingID = r.pendingID else { return .pendingIDRequired }
            if pendingID == r.id { return .pendingIDMustBeDifferent }
            if r.timeoutSeconds != 0 { return .timeoutReservedForPendingTransfer }
            if let d = r.debitAccountID, let c = r.creditAccountID, d == c { return .accountsMustBeDifferent }
        } else {
            guard let d = r.debitAccountID, d != UUID.zero else { return .debitAccountIDRequired }
            guard let c = r.creditAccountID, c != UUID.zero else { return .creditAccountIDRequired }
            if d == c { return .accountsMustBeDifferent }
            if r.pendingID != nil { return .pendingIDMustBeZero }
            if !pending && r.timeoutSeconds != 0 { return .timeoutReservedForPendingTransfer }
            if r.amount == nil { return .amountRequired }
            if r.code == nil { return .codeRequired }
        }
        if let amount = r.amount {
            if amount < 0 { return .amountMustNotBeNegative }
            if amount > Money.maximum.vnd { return .amountExceedsMaximum }
        }
        if r.ledger == 0 { return .ledgerMustNotBeZero }
        // A character is at least one UTF-8 byte: only a reference longer than the limit in bytes can exceed it in characters.
        if let reference = r.reference, reference.utf8.count > TransferRequest.maximumReferenceLength,
            reference.count > TransferRequest.maximumReferenceLength
        { return .referenceTooLong }
        return nil
    }

    private static var knownFlags: TransferFlags { LedgerEngineConstants.knownTransferFlags }

    /// Compares a retry with the committed transfer of the same id (TigerBeetle's field order).
    public static func compare(_ r: TransferRequest, with e: Transfer) -> TransferResult {
        if r.flags != e.flags { return .existsWithDifferentFlags }
        if r.pendingID != e.pendingID { return .existsWithDifferentPendingID }
        if r.timeoutSeconds != e.timeoutSeconds { return .existsWithDifferentTimeout }
        if let d = r.debitAccountID, d != e.debitAccountID { return .existsWithDifferentDebitAccountID }
        if let c = r.creditAccountID, c != e.creditAccountID { return .existsWithDifferentCreditAccountID }
        if let amount = r.amount {
            let balancing = r.flags.contains(.balancingDebit) || r.flags.contains(.balancingCredit)
            // A balancing transfer may have moved less than requested; the request still matches.
            if balancing ? amount < e.amount : amount != e.amount { return .existsWithDifferentAmount }
        }
        if r.reference != e.reference { return .existsWithDifferentReference }
        if let ledger = r.ledger, ledger != e.ledger { return .existsWithDifferentLedger }
        if let code = r.code, code != e.code { return .existsWithDifferentCode }
        return .exists
    }

    private static func checkLimits(debit: Account, credit: Account, amount: Int64) -> TransferResult? {
        if debit.flags.contains(.debitsMustNotExceedCredits) {
            let (used, o1) = debit.debitsPending.addingReportingOverflow(debit.debitsPosted)
            let (total, o2) = used.addingReportingOverflow(amount)
            if o1 || o2 || total > debit.creditsPosted { return .exceedsCredits }
        }
        if credit.flags.contains(.creditsMustNotExceedDebits) {
            let (used, o1) = credit.creditsPending.addingReportingOverflow(credit.creditsPosted)
            let (total, o2) = used.addingReportingOverflow(amount)
            if o1 || o2 || total > credit.debitsPosted { return .exceedsDebits }
        }
        return nil
    }

    // MARK: - Overlay with undo log

    private mutating func nextTimestamp() -> Int64 {
        lastTimestamp = max(now, lastTimestamp + 1)
        return lastTimestamp
    }

    private mutating func lookupAccount(_ id: UUID) throws -> Account? {
        if let cached = accounts[id] { return cached }
        guard let loaded = try reader.account(id: id) else { return nil }
        accounts[id] = loaded
        return loaded
    }

    private func lookupTransfer(_ id: UUID) throws -> Transfer? {
        if let new = newTransfers[id] { return new }
        return try reader.transfer(id: id)
    }

    private func lookupFailure(_ id: UUID) throws -> TransferFailure? {
        if let new = failures[id] { return new }
        return try reader.failure(id: id)
    }

    private func lookupResolution(_ id: UUID) throws -> PendingResolution? {
        if let new = resolutions[id] { return new }
        return try reader.resolution(ofPending: id)
    }

    private mutating func store(account: Account) {
        if let previous = accounts[account.id] { undoLog.append(.account(previous)) }
        accounts[account.id] = account
        dirtyAccounts.insert(account.id)
    }

    private mutating func store(transfer: Transfer) {
        newTransfers[transfer.id] = transfer
        transferOrder.append(transfer.id)
        undoLog.append(.transfer(transfer.id))
    }

    private mutating func setResolution(_ id: UUID, _ resolution: PendingResolution) {
        resolutions[id] = resolution
        undoLog.append(.resolution(id))
    }

    private mutating func recordFailure(id: UUID, result: TransferResult) {
        failures[id] = TransferFailure(id: id, result: result, timestamp: nextTimestamp())
        failureOrder.append(id)
    }

    private mutating func rollback(to mark: Int) {
        while undoLog.count > mark {
            switch undoLog.removeLast() {
            case .account(let previous): accounts[previous.id] = previous
            case .transfer(let id):
                newTransfers[id] = nil
                if transferOrder.last == id { transferOrder.removeLast() }
            case .resolution(let id): resolutions[id] = nil
            }
        }
    }
}

/// Values computed once (generic types cannot hold static stored properties).
enum LedgerEngineConstants {
    static let knownTransferFlags = TransferFlags.named.reduce(TransferFlags()) { $0.union($1.flag) }
}

extension Int64 {
    /// Checked addition for balance counters; `nil` on overflow.
    func adding(_ other: Int64) -> Int64? {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? nil : sum
    }
}
