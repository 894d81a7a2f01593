import ArgumentParser
import FeeGateCore
import FeeGateReconciliation
import FeeGateStore
import Foundation

extension StatementFormat: ExpressibleByArgument {}
extension ResolutionAction: ExpressibleByArgument {}

extension FeeGate {
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bank reconciliation: import statements, match them against payments and payouts, resolve differences.",
            discussion: """
                Examples:
                  feegate reconcile import statement-2026-11-21.xml                 # camt.053, format detected
                  feegate reconcile import vcb-2026-11-21.csv --mapping debit-credit --account 0011001234567
                  feegate reconcile run --date 2026-11-21                           # exit 0 all matched, 2 differences
                  feegate reconcile run --from 2026-11-01 --to 2026-11-30 --csv > november.csv
                  feegate reconcile resolve 1842 --as write-off --note "bank fee, confirmed with VCB"
                  feegate reconcile report --date 2026-11-21 --json
                """,
            subcommands: [Import.self, Run.self, Resolve.self, Report.self])

        /// The finance user recorded with imports, runs and resolutions.
        struct UserOptions: ParsableArguments {
            @Option(help: ArgumentHelp("Finance user recorded with the action.", discussion: "Default: $FEEGATE_USER, else $USER.", valueName: "name"))
            var user: String?

            var resolved: String {
                user ?? ProcessInfo.processInfo.environment["FEEGATE_USER"].flatMap { $0.isEmpty ? nil : $0 }
                    ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            }
        }

        struct OutputOptions: ParsableArguments {
            @Flag(help: "Print the full line-by-line report as JSON.") var json = false
            @Flag(help: "Print the full line-by-line report as CSV.") var csv = false

            func validate() throws {
                if json && csv { throw ValidationError("choose one of --json and --csv") }
            }
        }

        // MARK: import

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import a bank statement (camt.053, camt.054, MT940, CSV or XLSX); re-importing the same statement changes nothing.",
                discussion: """
                    The whole file is imported in one transaction, or nothing is: a malformed file stops with the line
                    (CSV, MT940), the sheet and cell (XLSX) or the element path (camt) at fault. CSV and Excel (.xlsx)
                    exports need a column mapping: a file, or the name of one in Config/reconciliation/mappings
                    (debit-credit, signed-amount); the same mapping reads a bank's CSV and XLSX exports.

                    Examples:
                      feegate reconcile import camt053-2026-11-21.xml
                      feegate reconcile import MT940_20261121.sta --format mt940
                      feegate reconcile import sao-ke.csv --mapping debit-credit --account 0011001234567
                      feegate reconcile import sao-ke.xlsx --mapping debit-credit --account 0011001234567 [--sheet "Sao kê"]
                    """)
            @Argument(help: "The statement file.") var file: String
            @Option(help: "camt053, camt054, mt940, csv or xlsx (default: detected from the content; csv with --mapping).") var format: StatementFormat?
            @Option(help: ArgumentHelp("CSV/XLSX column mapping: a YAML file or a name in Config/reconciliation/mappings.", valueName: "mapping"))
            var mapping: String?
            @Option(help: ArgumentHelp("XLSX: the worksheet to read (default: the first).", valueName: "name")) var sheet: String?
            @Option(help: ArgumentHelp("The bank account the statement is for (overrides the file's; required for CSV without one).", valueName: "account"))
            var account: String?
            @OptionGroup var userOptions: UserOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
                let source = URL(fileURLWithPath: file).lastPathComponent
                guard let chosen = StatementReader.format(of: data, requested: format, hasMapping: mapping != nil) else {
                    throw CLIError("\(file): cannot tell the format; pass --format camt053|camt054|mt940, or --mapping M for a CSV export")
                }
                let tableMapping = try chosen.needsMapping ? Reconcile.loadMapping(mapping) : nil
                let statements = try StatementReader.read(data, source: source, format: chosen, mapping: tableMapping, account: account, sheet: sheet)
                let results = try await database.open().importStatements(statements, source: source, importedBy: userOptions.resolved)
                for r in results {
                    print(
                        r.alreadyImported
                            ? "already imported: statement \(r.statementID) of account \(r.account) (\(r.lineCount) lines); nothing changed"
                            : "imported statement \(r.statementID) of account \(r.account): \(r.lineCount) lines")
                }
            }
        }

        /// A mapping file, or the name of one in the mapping directory.
        static func loadMapping(_ name: String?) throws -> CSVMapping {
            guard let name else { throw CLIError("a CSV or XLSX statement needs --mapping FILE or a name in Config/reconciliation/mappings (debit-credit, signed-amount)") }
            if FileManager.default.fileExists(atPath: name) { return try CSVMapping.load(path: name) }
            return try MappingDirectory.standard().mapping(named: name)
        }

        // MARK: run

        struct Run: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Match imported bank lines against what the ledger expected; store and print the result.",
                discussion: """
                    Prints counts and amounts per status: matched, amount_mismatch, duplicate, unmatched_bank (money the
                    ledger does not know), unmatched_ledger (what the ledger expected and the bank never moved), late.
                    Exit status 0 when no money difference remains (everything matched, late, duplicate or resolved),
                    2 when differences remain. Progress goes to standard error.

                    Examples:
                      feegate reconcile run --date 2026-11-21
                      feegate reconcile run --date 2026-11-21 --dry-run --rules my-rules.yaml
                      feegate reconcile run --from 2026-11-01 --to 2026-11-30 --json > november.json
                    """)
            @Option(help: "One business day, YYYY-MM-DD.") var date: String?
            @Option(help: "First day of a range.") var from: String?
            @Option(help: "Last day of a range.") var to: String?
            @Option(
                help: ArgumentHelp(
                    "Rules file (YAML).", discussion: "Default: $FEEGATE_RECONCILIATION_RULES, else ./Config/reconciliation/rules.yaml, else the built-in rules.",
                    valueName: "file"))
            var rules: String?
            @Flag(help: "Compute and print, store nothing.") var dryRun = false
            @OptionGroup var output: OutputOptions
            @OptionGroup var userOptions: UserOptions
            @OptionGroup var database: DatabaseOptions

            func validate() throws {
                if (date == nil) == (from == nil && to == nil) { throw ValidationError("give --date D, or --from D1 --to D2") }
                if date == nil && (from == nil || to == nil) { throw ValidationError("--from and --to go together") }
            }

            func run() async throws {
                guard let first = BusinessDay(date ?? from ?? ""), let last = BusinessDay(date ?? to ?? "") else {
                    throw CLIError("dates are YYYY-MM-DD calendar days")
                }
                guard first <= last else { throw CLIError("--from \(first) is after --to \(last)") }
                let (ruleSet, rulesText) = try RuleSet.resolve(path: rules)
                let store = try database.open()
                let clock = ContinuousClock.now
                let progress = RunProgress()
                let result = try await store.runReconciliation(
                    from: first, to: last, rules: ruleSet, rulesText: rulesText, dryRun: dryRun, runBy: userOptions.resolved,
                    progress: ReconciliationProgress(phase: { progress.phase($0) }, step: { progress.step($0, $1) }))
                progress.phase("done in \((ContinuousClock.now - clock).formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))", last: true)
                try Reconcile.printReport(result, output: output)
                if !result.allMatched { throw ExitCode(2) }
            }
        }

        /// Progress on standard error, so a long run never looks frozen and stdout stays clean for --json/--csv.
        final class RunProgress: @unchecked Sendable {
            let start = ContinuousClock.now
            let lock = NSLock()
            var lastPrinted = -1

            func phase(_ text: String, last: Bool = false) {
                Output.error("[\(elapsed)] \(text)")
            }

            func step(_ done: Int, _ total: Int) {
                let percent = total == 0 ? 100 : done * 100 / total
                lock.withLock {
                    guard percent / 10 != lastPrinted / 10 || done == total else { return }
                    lastPrinted = percent
                    let bar = String(repeating: "#", count: percent / 5).padding(toLength: 20, withPad: ".", startingAt: 0)
                    Output.error("[\(elapsed)] [\(bar)] \(percent)% (\(done)/\(total) bank lines)")
                }
            }

            var elapsed: String {
                let d = ContinuousClock.now - start
                let ms = d.components.seconds * 1_000 + d.components.attoseconds / 1_000_000_000_000_000
                return String(format: "%6.1fs", Double(ms) / 1_000)
            }
        }

        static func printReport(_ report: ReconciliationReport, output: OutputOptions) throws {
            if output.json { return try Output.json(report) }
            if output.csv { return Swift.print(report.csv(), terminator: "") }
            let range = report.from == report.to ? "\(report.from)" : "\(report.from) … \(report.to)"
            Swift.print("reconciliation \(range) — \(report.run.map { "run \($0)" } ?? "dry run, nothing stored")")
            Output.table(
                ["STATUS", "BANK LINES", "BANK AMOUNT", "LEDGER ITEMS", "LEDGER AMOUNT", "DIFFERENCE"],
                report.summary.map {
                    [$0.status.rawValue, "\($0.bankLines)", Output.vnd($0.bankAmount), "\($0.ledgerItems)", Output.vnd($0.ledgerAmount), Output.vnd($0.difference)]
                })
            let open = report.lines.filter { $0.status.isDifference && $0.resolution == nil }
            if open.isEmpty {
                Swift.print("\nno differences remain")
                return
            }
            Swift.print("\ndifferences (resolve with: feegate reconcile resolve LINE --as refund|accept|write-off --note \"…\")")
            Output.table(
                ["LINE", "STATUS", "DATE", "BANK", "LEDGER", "DIFFERENCE", "TEXT / DETAIL"],
                open.prefix(50).map { l in
                    [l.bankLineID.map(String.init) ?? l.ledgerKey ?? "-", l.status.rawValue, (l.bookingDate ?? l.ledgerDate)?.description ?? "-",
                     l.bankAmount.map(Output.vnd) ?? "-", l.ledgerAmount.map(Output.vnd) ?? l.ledgerKey.map { _ in "-" } ?? "-", Output.vnd(l.difference),
                     String((l.detail.isEmpty ? (l.text ?? l.ledgerKey ?? "") : l.detail).prefix(60))]
                })
            if open.count > 50 { Swift.print("… and \(open.count - 50) more (--csv or --json for all)") }
        }

        // MARK: resolve

        struct Resolve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Resolve a difference with a ledger posting (a new transfer with your note; never an edit).",
                discussion: """
                    LINE is a bank line id from the run's report, or a ledger key (e.g. payout:2026-11-21:HN-PARK-01)
                    for an unmatched_ledger item. The whole group of the line is settled by one transfer of the
                    difference (bank − ledger) between the bank account and:
                      refund     → refund_liability (money to give back; only when the bank holds more)
                      accept     → suspense reconciliation (recorded, to be identified)
                      write-off  → control reconciliation-write-off (a gain or loss of the gateway)

                    Examples:
                      feegate reconcile resolve 1842 --as refund --note "paid twice by the citizen, ticket #5521"
                      feegate reconcile resolve payout:2026-11-21:HN-PARK-01 --account 0011001234567 --as accept --note "payout delayed by the bank"
                    """)
            @Argument(help: "Bank line id, or ledger key.") var line: String
            @Option(name: .customLong("as"), help: "refund, accept or write-off.") var action: ResolutionAction
            @Option(help: "Why (recorded with the transfer; required).") var note: String
            @Option(help: ArgumentHelp("Bank account, for a ledger item no bank line names.", valueName: "account")) var account: String?
            @OptionGroup var userOptions: UserOptions
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CLIError("--note must say why") }
                let user = userOptions.resolved
                let outcome = try await database.open().resolveReconciliation(line: line, action: action, note: note, account: account, user: user)
                let r = outcome.resolution
                Swift.print(
                    "\(outcome.replayed ? "already resolved" : "resolved") \(r.items.joined(separator: ", ")) (\(outcome.status.rawValue), difference \(Output.vnd(outcome.difference)) VND) as \(r.action) by \(r.resolvedBy)")
                Swift.print("transfer \(r.transferID.lowercasedString): \(outcome.debit) → \(outcome.credit), \(Output.vnd(abs(outcome.difference))) VND")
            }
        }

        // MARK: report

        struct Report: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a stored reconciliation result again, exactly as the run stored it.",
                discussion: """
                    Examples:
                      feegate reconcile report --date 2026-11-21
                      feegate reconcile report --run 7 --csv
                    """)
            @Option(help: "A business day: the latest run covering it.") var date: String?
            @Option(name: .customLong("run"), help: "A run number.") var runNumber: Int64?
            @OptionGroup var output: OutputOptions
            @OptionGroup var database: DatabaseOptions

            func validate() throws {
                if (date == nil) == (runNumber == nil) { throw ValidationError("give --date D or --run N") }
            }

            func run() async throws {
                var day: BusinessDay?
                if let date {
                    guard let d = BusinessDay(date) else { throw CLIError("--date is YYYY-MM-DD") }
                    day = d
                }
                guard let report = try await database.open().reconciliationReport(day: day, run: runNumber) else {
                    throw CLIError("no stored reconciliation run \(date.map { "covers \($0)" } ?? "has number \(runNumber ?? 0)")")
                }
                try Reconcile.printReport(report, output: output)
                if !report.allMatched { throw ExitCode(2) }
            }
        }
    }
}
