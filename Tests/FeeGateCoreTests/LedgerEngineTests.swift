import FeeGateCore
import Foundation
import Testing

/// Scenario tests of the ledger state machine; every expectation is worked out by hand from
/// TigerBeetle's documented semantics.
@Suite("Ledger engine")
struct LedgerEngineTests {
    static let t0: Int64 = 1_790_000_000_000_000_000
    let world = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
    let wallet = UUID(uuidString: "00000000-0000-4000-8000-000000000002")!
    let revenue = UUID(uuidString: "00000000-0000-4000-8000-000000000003")!
    let other = UUID(uuidString: "00000000-0000-4000-8000-000000000004")!

    func ledger() -> InMemoryLedger {
        var l = InMemoryLedger()
        #expect(l.createAccount(.init(id: world, code: .control, name: "world"), now: Self.t0) == .ok)
        #expect(l.createAccount(.init(id: wallet, code: .riderStoredValue, flags: .debitsMustNotExceedCredits, name: "rider"), now: Self.t0) == .ok)
        #expect(l.createAccount(.init(id: revenue, code: .operatorRevenue, name: "revenue"), now: Self.t0) == .ok)
        #expect(l.createAccount(.init(id: other, ledger: 840, code: .control, name: "usd"), now: Self.t0) == .ok)
        return l
    }

    func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "10000000-0000-4000-8000-%012d", n))! }

    func t(_ n: Int, _ debit: UUID, _ credit: UUID, _ amount: Int64?, flags: TransferFlags = [], pending: UUID? = nil, timeout: UInt32 = 0,
           code: TransferCode? = .busFare, reference: String? = nil) -> TransferRequest {
        TransferRequest(id: id(n), debitAccountID: debit, creditAccountID: credit, amount: amount, pendingID: pending,
                        timeoutSeconds: timeout, code: code, flags: flags, reference: reference)
    }

    @Test func plainTransferMovesPostedCounters() {
        var l = ledger()
        #expect(l.execute([t(1, world, wallet, 100_000)], now: Self.t0 + 1) == [.ok])
        #expect(l.execute([t(2, wallet, revenue, 8_000)], now: Self.t0 + 2) == [.ok])
        #expect(l.account(id: wallet)?.creditsPosted == 100_000)
        #expect(l.account(id: wallet)?.debitsPosted == 8_000)
        #expect(l.account(id: revenue)?.creditsPosted == 8_000)
        #expect(l.account(id: world)?.debitsPosted == 100_000)
        #expect(LedgerAudit.problems(accounts: Array(l.accounts.values), journal: l.journal).isEmpty)
    }

    @Test func zeroDongTransfersAreRecorded() {
        var l = ledger()
        #expect(l.execute([t(1, world, revenue, 0, code: .subsidy)], now: Self.t0 + 1) == [.ok])
        #expect(l.journal.count == 1)
        #expect(l.journal[0].amount == 0)
    }

    @Test func retriesAreIdempotentAndConflictsAreSpecific() {
        var l = ledger()
        #expect(l.execute([t(1, world, revenue, 8_000, reference: "tap-1")], now: Self.t0 + 1) == [.ok])
        #expect(l.execute([t(1, world, revenue, 8_000, reference: "tap-1")], now: Self.t0 + 2) == [.exists])
        #expect(l.execute([t(1, world, revenue, 9_000, reference: "tap-1")], now: Self.t0 + 3) == [.existsWithDifferentAmount])
        #expect(l.execute([t(1, world, wallet, 8_000, reference: "tap-1")], now: Self.t0 + 3) == [.existsWithDifferentCreditAccountID])
        #expect(l.execute([t(1, revenue, world, 8_000, reference: "tap-1")], now: Self.t0 + 3) == [.existsWithDifferentDebitAccountID])
        #expect(l.execute([t(1, world, revenue, 8_000, code: .parkingFee, reference: "tap-1")], now: Self.t0 + 3) == [.existsWithDifferentCode])
        #expect(l.execute([t(1, world, revenue, 8_000, reference: "tap-2")], now: Self.t0 + 3) == [.existsWithDifferentReference])
        #expect(l.execute([t(1, world, revenue, 8_000, flags: .pending, reference: "tap-1")], now: Self.t0 + 3) == [.existsWithDifferentFlags])
        #expect(l.journal.count == 1)
        #expect(l.account(id: revenue)?.creditsPosted == 8_000)
        // The same id twice in one request: the second is a retry of the first.
        #expect(l.execute([t(2, world, revenue, 1), t(2, world, revenue, 1)], now: Self.t0 + 4) == [.ok, .exists])
    }

    @Test func stateDependentFailuresAreSticky() {
        var l = ledger()
        // The rider's wallet is empty: debits may not exceed credits.
        #expect(l.execute([t(1, wallet, revenue, 8_000)], now: Self.t0 + 1) == [.exceedsCredits])
        #expect(l.execute([t(2, world, wallet, 100_000)], now: Self.t0 + 2) == [.ok])
        // Now there would be money, but the same id must not flip to success.
        #expect(l.execute([t(1, wallet, revenue, 8_000)], now: Self.t0 + 3) == [.idAlreadyFailed])
        #expect(l.execute([t(3, wallet, revenue, 8_000)], now: Self.t0 + 4) == [.ok])
        #expect(l.failures.count == 1)
        // Missing accounts are sticky too.
        let ghost = UUID()
        #expect(l.execute([t(4, ghost, revenue, 1)], now: Self.t0 + 5) == [.debitAccountNotFound])
        #expect(l.execute([t(4, ghost, revenue, 1)], now: Self.t0 + 6) == [.idAlreadyFailed])
    }

    @Test func validationFailuresAreNotSticky() {
        var l = ledger()
        #expect(l.execute([t(1, world, world, 5)], now: Self.t0 + 1) == [.accountsMustBeDifferent])
        #expect(l.execute([t(1, world, revenue, 5)], now: Self.t0 + 2) == [.ok])
    }

    @Test(arguments: [
        (TransferRequest(id: .zero, debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, code: .busFare), TransferResult.idMustNotBeZero),
        (TransferRequest(id: UUID(), debitAccountID: nil, creditAccountID: UUID(), amount: 1, code: .busFare), .debitAccountIDRequired),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: nil, amount: 1, code: .busFare), .creditAccountIDRequired),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: nil, code: .busFare), .amountRequired),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: -1, code: .busFare), .amountMustNotBeNegative),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1_000_000_000_000_001, code: .busFare), .amountExceedsMaximum),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, code: nil), .codeRequired),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, pendingID: UUID(), code: .busFare), .pendingIDMustBeZero),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, timeoutSeconds: 5, code: .busFare), .timeoutReservedForPendingTransfer),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, code: .busFare, flags: [.pending, .voidPendingTransfer]), .flagsAreMutuallyExclusive),
        (TransferRequest(id: UUID(), debitAccountID: nil, creditAccountID: nil, amount: nil, code: nil, flags: .postPendingTransfer), .pendingIDRequired),
        (TransferRequest(id: UUID(), debitAccountID: nil, creditAccountID: nil, amount: nil, pendingID: UUID(), code: nil, flags: [.postPendingTransfer, .balancingDebit]), .flagsAreMutuallyExclusive),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, code: .busFare, flags: .expiry), .reservedFlag),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, ledger: 0, code: .busFare), .ledgerMustNotBeZero),
        (TransferRequest(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 1, code: .busFare, reference: String(repeating: "x", count: 257)), .referenceTooLong),
    ])
    func rejectsInvalidRequests(request: TransferRequest, expected: TransferResult) {
        #expect(LedgerEngine<InMemoryLedger>.validate(request) == expected)
    }

    @Test func pendingIDMustNameAnotherTransfer() {
        let id = UUID()
        let request = TransferRequest(id: id, debitAccountID: nil, creditAccountID: nil, amount: nil, pendingID: id, code: nil, flags: .voidPendingTransfer)
        #expect(LedgerEngine<InMemoryLedger>.validate(request) == .pendingIDMustBeDifferent)
    }

    @Test func accountsMustShareALedger() {
        var l = ledger()
        #expect(l.execute([t(1, world, other, 5)], now: Self.t0 + 1) == [.accountsMustHaveTheSameLedger])
        var request = t(2, world, revenue, 5)
        request.ledger = 840
        #expect(l.execute([request], now: Self.t0 + 1) == [.transferMustHaveTheSameLedgerAsAccounts])
    }

    @Test func linkedChainsCommitOrFailWhole() {
        var l = ledger()
        #expect(l.execute([t(1, world, wallet, 10_000)], now: Self.t0 + 1) == [.ok])
        // wallet → revenue 8,000 then wallet → revenue 8,000 again: the second would overdraw.
        let results = l.execute(
            [t(2, world, revenue, 1), t(3, wallet, revenue, 8_000, flags: .linked), t(4, wallet, revenue, 8_000), t(5, world, revenue, 2)],
            now: Self.t0 + 2)
        #expect(results == [.ok, .linkedEventFailed, .exceedsCredits, .ok])
        #expect(l.account(id: wallet)?.debitsPosted == 0)
        #expect(l.account(id: revenue)?.creditsPosted == 3)
        #expect(l.transfer(id: id(3)) == nil)
        // The chain member that succeeded tentatively can be retried on its own; the failed one is sticky.
        #expect(l.execute([t(3, wallet, revenue, 8_000)], now: Self.t0 + 3) == [.ok])
        #expect(l.execute([t(4, wallet, revenue, 8_000)], now: Self.t0 + 3) == [.idAlreadyFailed])
    }

    @Test func aRequestMayNotEndInsideAChain() {
        var l = ledger()
        let results = l.execute([t(1, world, revenue, 1), t(2, world, revenue, 1, flags: .linked), t(3, world, revenue, 1, flags: .linked)], now: Self.t0 + 1)
        #expect(results == [.ok, .linkedEventFailed, .linkedEventChainOpen])
        #expect(l.journal.count == 1)
    }

    @Test func twoPhaseTransfersPostPartiallyAndOnlyOnce() {
        var l = ledger()
        #expect(l.execute([t(1, world, wallet, 50_000)], now: Self.t0 + 1) == [.ok])
        #expect(l.execute([t(2, wallet, revenue, 30_000, flags: .pending)], now: Self.t0 + 2) == [.ok])
        #expect(l.account(id: wallet)?.debitsPending == 30_000)
        // A second hold of 30,000 would exceed the 50,000 credit (30,000 already reserved).
        #expect(l.execute([t(3, wallet, revenue, 30_000, flags: .pending)], now: Self.t0 + 3) == [.exceedsCredits])
        // Post 25,000 of the 30,000 hold: 5,000 returns to available.
        #expect(l.execute([t(4, wallet, revenue, 25_000, flags: .postPendingTransfer, pending: id(2), code: nil)], now: Self.t0 + 4) == [.ok])
        let w = l.account(id: wallet)
        #expect(w?.debitsPending == 0 && w?.debitsPosted == 25_000)
        #expect(l.account(id: revenue)?.creditsPosted == 25_000 && l.account(id: revenue)?.creditsPending == 0)
        #expect(l.execute([t(5, wallet, revenue, nil, flags: .voidPendingTransfer, pending: id(2), code: nil)], now: Self.t0 + 5) == [.pendingTransferAlreadyPosted])
        #expect(l.execute([t(6, wallet, revenue, 40_000, flags: .postPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 5) == [.pendingTransferNotPending])
        #expect(l.execute([t(7, nil ?? world, revenue, nil, flags: .postPendingTransfer, pending: UUID(), code: nil)], now: Self.t0 + 5) == [.pendingTransferNotFound])
        #expect(LedgerAudit.problems(accounts: Array(l.accounts.values), journal: l.journal).isEmpty)
    }

    @Test func postingMoreThanHeldIsRejectedAndVoidReleasesAll() {
        var l = ledger()
        #expect(l.execute([t(1, world, revenue, 10_000, flags: .pending)], now: Self.t0 + 1) == [.ok])
        #expect(l.execute([t(2, world, revenue, 10_001, flags: .postPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 2) == [.exceedsPendingTransferAmount])
        #expect(l.execute([t(3, world, revenue, 9_999, flags: .voidPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 2) == [.pendingTransferHasDifferentAmount])
        #expect(l.execute([t(4, revenue, world, nil, flags: .voidPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 2) == [.pendingTransferHasDifferentDebitAccountID])
        #expect(l.execute([t(5, world, revenue, nil, flags: .voidPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 2) == [.ok])
        #expect(l.account(id: revenue)?.creditsPending == 0 && l.account(id: revenue)?.creditsPosted == 0)
        #expect(l.execute([t(6, world, revenue, nil, flags: .postPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 3) == [.pendingTransferAlreadyVoided])
    }

    @Test func pendingTransfersExpire() {
        var l = ledger()
        let second: Int64 = 1_000_000_000
        #expect(l.execute([t(1, world, revenue, 7_000, flags: .pending, timeout: 60)], now: Self.t0) == [.ok])
        // 59 s later: not yet expired.
        #expect(l.expirePending(now: Self.t0 + 59 * second) == 0)
        // 61 s later a post finds it expired; the ledger writes the expiry and releases the hold.
        #expect(l.execute([t(2, world, revenue, nil, flags: .postPendingTransfer, pending: id(1), code: nil)], now: Self.t0 + 61 * second) == [.pendingTransferExpired])
        #expect(l.account(id: revenue)?.creditsPending == 0)
        #expect(l.journal.count == 2)
        #expect(l.journal[1].flags.contains(.expiry) && l.journal[1].code == .pendingExpiry && l.journal[1].amount == 7_000)
        #expect(l.resolution(ofPending: id(1)) == .expired)
        // The sweeper expires another one without anybody touching it.
        #expect(l.execute([t(3, world, revenue, 1_000, flags: .pending, timeout: 1)], now: Self.t0 + 100 * second) == [.ok])
        #expect(l.expirePending(now: Self.t0 + 102 * second) == 1)
        #expect(l.expirePending(now: Self.t0 + 103 * second) == 0)
        #expect(LedgerAudit.problems(accounts: Array(l.accounts.values), journal: l.journal).isEmpty)
    }

    @Test func balancingTransfersClampToTheAvailableBalance() {
        var l = ledger()
        #expect(l.execute([t(1, world, wallet, 12_000)], now: Self.t0 + 1) == [.ok])
        // Sweep "up to 20,000" from the wallet: only 12,000 is there.
        #expect(l.execute([t(2, wallet, revenue, 20_000, flags: .balancingDebit)], now: Self.t0 + 2) == [.ok])
        #expect(l.transfer(id: id(2))?.amount == 12_000)
        #expect(l.account(id: wallet)?.debitBalance == 0)
        // Retrying with the requested amount matches; the stored amount is the clamped one.
        #expect(l.execute([t(2, wallet, revenue, 20_000, flags: .balancingDebit)], now: Self.t0 + 3) == [.exists])
        // Nothing left: a balancing transfer of 0 is recorded.
        #expect(l.execute([t(3, wallet, revenue, 5_000, flags: .balancingDebit)], now: Self.t0 + 4) == [.ok])
        #expect(l.transfer(id: id(3))?.amount == 0)
    }

    @Test func timestampsAreUniqueAndIncreasingEvenWhenTheClockStalls() {
        var l = ledger()
        _ = l.execute([t(1, world, revenue, 1), t(2, world, revenue, 1)], now: Self.t0 + 10)
        _ = l.execute([t(3, world, revenue, 1)], now: Self.t0 + 5)  // clock went backwards
        let stamps = l.journal.map(\.timestamp)
        #expect(stamps == stamps.sorted() && Set(stamps).count == 3)
        #expect(stamps[0] == Self.t0 + 10)
    }

    @Test func countersOverflowIsRejected() {
        var l = ledger()
        let big = Money.maximum.vnd
        // 9,223 transfers of 10^15 would pass Int64.max (9.22e18); instead check overflow directly with a pre-loaded account.
        for n in 0..<9_223 { _ = l.execute([t(100 + n, world, revenue, big)], now: Self.t0 + Int64(n)) }
        #expect(l.account(id: revenue)?.creditsPosted == 9_223 * big)
        #expect(l.execute([t(99_999, world, revenue, big)], now: Self.t0 + 99_999) == [.overflowsDebitsPosted])
    }
}
