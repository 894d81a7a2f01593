import FeeGateCore
import FeeGateTestSupport
import Foundation
import Testing

/// Random workloads against the engine, checked against a model written here from the rules
/// (not from the engine's code): posted/pending balances per account, and the set of committed ids.
@Suite("Ledger properties")
struct LedgerPropertyTests {
    struct Model {
        var posted: [UUID: (debits: Int64, credits: Int64)] = [:]
        var pending: [UUID: (debits: Int64, credits: Int64)] = [:]
        var committed: [UUID: TransferRequest] = [:]
        var holds: [UUID: (debit: UUID, credit: UUID, amount: Int64, open: Bool)] = [:]

        mutating func post(_ d: UUID, _ c: UUID, _ amount: Int64) {
            posted[d, default: (0, 0)].debits += amount
            posted[c, default: (0, 0)].credits += amount
        }
        mutating func reserve(_ d: UUID, _ c: UUID, _ amount: Int64) {
            pending[d, default: (0, 0)].debits += amount
            pending[c, default: (0, 0)].credits += amount
        }
    }

    @Test(arguments: 1...12)
    func randomWorkloadsKeepTheBooksBalanced(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &* 7919)
        var ledger = InMemoryLedger()
        let accounts = (0..<6).map { _ in UUID() }
        // Accounts 0–2 may not be overdrawn; 3–5 are unconstrained.
        for (i, id) in accounts.enumerated() {
            let flags: AccountFlags = i < 3 ? .debitsMustNotExceedCredits : []
            #expect(ledger.createAccount(.init(id: id, code: .control, flags: flags, name: "a\(i)"), now: 1) == .ok)
        }
        var model = Model()
        var sent: [TransferRequest] = []
        var now: Int64 = 1_000

        for _ in 0..<300 {
            now += Int64.random(in: 1...1_000_000_000, using: &rng)
            var batch: [TransferRequest] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let roll = Int.random(in: 0..<100, using: &rng)
                if roll < 15, let old = sent.randomElement(using: &rng) {
                    // Retry an earlier request: identical, or with a changed amount.
                    var retry = old
                    if roll < 5, let amount = retry.amount { retry.amount = amount + 1 }
                    retry.flags.remove(.linked)
                    batch.append(retry)
                    continue
                }
                let openHolds = model.holds.filter { $0.value.open }
                if roll < 30, let hold = openHolds.randomElement(using: &rng) {
                    let post = Bool.random(using: &rng)
                    let amount: Int64? = post ? Int64.random(in: 0...hold.value.amount, using: &rng) : nil
                    batch.append(TransferRequest(id: UUID(), debitAccountID: nil, creditAccountID: nil, amount: amount, pendingID: hold.key,
                                                 code: nil, flags: post ? .postPendingTransfer : .voidPendingTransfer))
                    continue
                }
                let d = accounts.randomElement(using: &rng)!
                var c = accounts.randomElement(using: &rng)!
                if c == d { c = accounts[(accounts.firstIndex(of: d)! + 1) % accounts.count] }
                var flags: TransferFlags = []
                if roll < 45 { flags.insert(.pending) }
                if roll > 90 { flags.insert(.linked) }
                batch.append(TransferRequest(id: UUID(), debitAccountID: d, creditAccountID: c, amount: Int64.random(in: 0...50_000, using: &rng), code: .adjustment, flags: flags))
            }
            let results = ledger.execute(batch, now: now)
            #expect(results.count == batch.count)
            // Apply the committed ones (result ok) to the model, in order.
            for (request, result) in zip(batch, results) {
                if result == .exists { #expect(model.committed[request.id] != nil, "exists for an id never committed") }
                guard result == .ok else { continue }
                #expect(model.committed[request.id] == nil, "id committed twice")
                model.committed[request.id] = request
                sent.append(request)
                if let pid = request.pendingID, let hold = model.holds[pid] {
                    model.holds[pid]?.open = false
                    model.pending[hold.debit, default: (0, 0)].debits -= hold.amount
                    model.pending[hold.credit, default: (0, 0)].credits -= hold.amount
                    if request.flags.contains(.postPendingTransfer) { model.post(hold.debit, hold.credit, request.amount ?? hold.amount) }
                } else if let d = request.debitAccountID, let c = request.creditAccountID, let amount = request.amount {
                    if request.flags.contains(.pending) {
                        model.reserve(d, c, amount)
                        model.holds[request.id] = (d, c, amount, true)
                    } else {
                        model.post(d, c, amount)
                    }
                }
            }
            for request in batch where !model.committed.keys.contains(request.id) { sent.append(request) }
            // A linked chain is all-or-nothing.
            var k = 0
            while k < batch.count {
                var end = k
                while end < batch.count - 1 && batch[end].flags.contains(.linked) { end += 1 }
                let chain = results[k...end]
                let fresh = chain.filter { $0 == .ok }.count, failed = chain.filter { !$0.isSuccess }.count
                #expect(fresh == 0 || failed == 0, "partial chain commit")
                k = end + 1
            }
        }
        // The engine's books equal the model's, and balance.
        var totals = (d: Int64(0), c: Int64(0), dp: Int64(0), cp: Int64(0))
        for id in accounts {
            let a = try #require(ledger.account(id: id))
            #expect(a.debitsPosted == model.posted[id]?.debits ?? 0)
            #expect(a.creditsPosted == model.posted[id]?.credits ?? 0)
            #expect(a.debitsPending == model.pending[id]?.debits ?? 0)
            #expect(a.creditsPending == model.pending[id]?.credits ?? 0)
            if a.flags.contains(.debitsMustNotExceedCredits) { #expect(a.debitsPosted + a.debitsPending <= a.creditsPosted) }
            totals.d += a.debitsPosted; totals.c += a.creditsPosted; totals.dp += a.debitsPending; totals.cp += a.creditsPending
        }
        #expect(totals.d == totals.c && totals.dp == totals.cp)
        #expect(ledger.journal.count == model.committed.count)
        #expect(LedgerAudit.problems(accounts: Array(ledger.accounts.values), journal: ledger.journal).isEmpty)
    }
}
