import ArgumentParser
import FeeGateStore

extension FeeGate {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove the ledger is intact (hash chains, balances, counters).",
            discussion: """
                Recomputes every hash chain, checks that every transfer balances and that every account's counters equal
                the sums of its transfers. Exit 0 with a one-line summary when intact; exit 1 listing the first broken
                rows (table, seq, id, what is wrong) when anything was edited, deleted or inserted outside FeeGate.
                Example: feegate verify --db /var/lib/feegate/feegate.sqlite
                """)

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let report = try await database.open(migrate: false).verify()
            if report.isIntact {
                print(report.summary)
            } else {
                Output.error("LEDGER BROKEN: \(report.problems.count) problem(s) found")
                for problem in report.problems { Output.error("  \(problem)") }
                throw ExitCode.failure
            }
        }
    }
}
