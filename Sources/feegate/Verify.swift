import ArgumentParser
import FeeGateCrypto
import FeeGateOperations
import FeeGateStore
import Foundation

extension FeeGate {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove the ledger and the fiscal records are intact (hash chains, balances, counters, signatures, closings).",
            discussion: """
                Recomputes every hash chain, checks that every transfer balances and that every account's counters equal
                the sums of its transfers, that document numbers are gapless per series and year and MTT codes unique and
                well-formed; verifies every document (structure, totals, words) and its signature, every daily closing
                (signature, chain, counts and totals rebuilt from its documents), every TDiep message, and the chain of
                settlement days. Exit 0 with a summary when intact; exit 1 listing the first problems otherwise.
                Example: feegate verify --db /var/lib/feegate/feegate.sqlite --ca /etc/feegate/ca.pem
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Trusted CA certificate(s) (PEM) to check every signer's chain against.", valueName: "pem"))
        var ca: [String] = []

        func run() async throws {
            let store = try database.open(migrate: false)
            let report = try await store.verify()
            var cas: [X509Certificate] = []
            for path in ca {
                guard let pem = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read CA file \(path)") }
                do { cas += try X509Certificate.certificates(pem: Array(pem)) } catch { throw CLIError("\(path): \(error)") }
            }
            let fiscal = try await FiscalAudit(store: store, trustedCAs: cas).run()
            if report.isIntact && fiscal.isIntact {
                print(report.summary)
                print(fiscal.summary)
            } else {
                Output.error("LEDGER BROKEN: \(report.problems.count + fiscal.problems.count) problem(s) found")
                for problem in report.problems { Output.error("  \(problem)") }
                for problem in fiscal.problems { Output.error("  \(problem)") }
                throw ExitCode.failure
            }
        }
    }
}
