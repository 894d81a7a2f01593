import FeeGateCore
import FeeGateReconciliation
import Foundation

/// What resolving a difference did (or had done, for a replay).
public struct ResolutionOutcome: Sendable, Hashable {
    public let resolution: ReconciliationResolution
    /// The status of the resolved group in its run.
    public let status: ReconciliationStatus
    public let run: Int64
    /// bank − ledger of the group: the transfer's amount, signed.
    public let difference: Int64
    /// The transfer's debit and credit accounts, in that order.
    public let debit: AccountKey
    public let credit: AccountKey
    /// `true` when the same resolution (same action and note) had already been recorded: nothing was posted now.
    public let replayed: Bool
}

/// Progress of a reconciliation run, for long runs: named phases, and matched lines out of the total.
public struct ReconciliationProgress: Sendable {
    public var phase: @Sendable (String) -> Void
    public var step: (@Sendable (Int, Int) -> Void)?

    public init(phase: @escaping @Sendable (String) -> Void, step: (@Sendable (Int, Int) -> Void)? = nil) {
        self.phase = phase
        self.step = step
    }
}

extension GatewayStore {
    /// Matches the bank lines booked from `from` through `to` against what the ledger expected (from `lookback_days`
    /// earlier), marks what was resolved before, and stores the result unless `dryRun`. `feegate reconcile run`
    /// and `POST /v1/reconciliation/runs` both run this.
    ///
    /// - Parameters:
    ///   - rulesText: the rules as stored with the run (the file's text, or "built-in rules").
    ///   - runBy: the finance user recorded with the run.
    public func runReconciliation(
        from first: BusinessDay, to last: BusinessDay, rules: RuleSet, rulesText: String, dryRun: Bool, runBy: String?,
        progress: ReconciliationProgress? = nil
    ) async throws -> ReconciliationReport {
        let started = now()
        progress?.phase("loading bank lines")
        let bank = try await reconciliationBankLines(from: first, to: last)
        progress?.phase("loading ledger items")
        let ledger = try await reconciliationLedgerItems(from: first.adding(days: -rules.lookbackDays), to: last)
        progress?.phase("matching \(bank.count) bank lines against \(ledger.count) ledger items")
        // A bar only for statements long enough to need one.
        let rows = Matcher(rules: rules).run(bank: bank, ledger: ledger, reportLedgerFrom: first, progress: bank.count >= 50_000 ? progress?.step : nil)
        var report = ReconciliationReport(run: nil, from: first, to: last, dryRun: dryRun, rules: rulesText, rows: rows, bank: bank, ledger: ledger)
        let resolutions = try await reconciliationResolutions()
        if !resolutions.isEmpty {
            for i in report.lines.indices {
                let line = report.lines[i]
                if let item = line.item, let r = resolutions[item] ?? line.ledgerKey.flatMap({ resolutions[$0] }) {
                    report.lines[i].resolution = "\(r.action) by \(r.resolvedBy): \(r.note) (transfer \(r.transferID.lowercasedString))"
                }
            }
        }
        if !dryRun {
            progress?.phase("storing \(report.lines.count) result lines")
            report.run = try await recordReconciliationRun(from: first, to: last, rules: rulesText, runBy: runBy, startedAt: started, lines: report.lines)
        }
        return report
    }

    /// Settles the difference of `line` (a bank line id, or a ledger key) with one ledger transfer, as
    /// `feegate reconcile resolve` and `POST /v1/reconciliation/lines/{line}/resolution` do.
    ///
    /// Resolving again with the same action and note returns the recorded resolution (`replayed`) and posts
    /// nothing; a different action or note for a resolved line is a conflict.
    ///
    /// - Parameter account: the bank account, required when the line's group has no bank line (an `unmatched_ledger` item).
    public func resolveReconciliation(line: String, action: ResolutionAction, note: String, account: String?, user: String) async throws -> ResolutionOutcome {
        guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw StoreError.invalid("the note must say why the difference is resolved") }
        let item = Int64(line).map { "line:\($0)" } ?? line
        guard let (run, rows) = try await latestReconciliationRows(item: item), let first = rows.first else {
            throw StoreError.notFound("\(line) is in no stored reconciliation run; run `feegate reconcile run` first")
        }
        guard first.status.isDifference else {
            throw StoreError.conflict(
                "\(line) is \(first.status.rawValue) in run \(run): only amount_mismatch, unmatched_bank and unmatched_ledger need a resolution")
        }
        guard let bankAccount = account ?? rows.compactMap(\.account).first else {
            throw StoreError.invalid("\(line) has no bank line: give the bank account the money should have moved on (--account, or \"account\")")
        }
        var items: [String] = []
        for r in rows {
            for i in [r.item, r.ledgerKey].compactMap({ $0 }) where !items.contains(i) { items.append(i) }
        }
        let difference = first.difference
        let plan = try ResolutionPosting.plan(
            items: items, account: bankAccount, difference: difference, action: action, reference: "reconciliation \(item) \(action.rawValue) by \(user): \(note)")
        let (debit, credit) = difference > 0 ? (plan.accounts[0], plan.accounts[1]) : (plan.accounts[1], plan.accounts[0])
        func outcome(_ resolution: ReconciliationResolution, replayed: Bool) -> ResolutionOutcome {
            ResolutionOutcome(resolution: resolution, status: first.status, run: run, difference: difference, debit: debit, credit: credit, replayed: replayed)
        }
        if let found = try await reconciliationResolutions(items: items).values.first, found.action == action.rawValue, found.note == note,
            found.transferID == plan.transfer.id
        {
            return outcome(found, replayed: true)
        }
        let resolution = try await recordReconciliationResolution(
            items: items, run: run, status: first.status.rawValue, action: action.rawValue, amount: difference, note: note, resolvedBy: user,
            accounts: plan.accounts, transfer: plan.transfer)
        return outcome(resolution, replayed: false)
    }
}
