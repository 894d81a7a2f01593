import ArgumentParser
import FeeGateCore
import FeeGateStore

extension OperatorKind: ExpressibleByArgument {}

extension FeeGate {
    struct Operators: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register and list operators.", subcommands: [Add.self, List.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a parking, bus or public-fee operator.",
                discussion: """
                    Example:
                      feegate operators add --code HN-PARK-01 --name "Công ty CP Trông giữ xe Hà Nội" \\
                        --tax-code 0101234567 --kind parking --mtt-prefix K7Q2M --invoice-series C26MAA
                    """)

            @Option(help: "Short unique code (A-Z, 0-9, -).") var code: String
            @Option(help: "Legal name.") var name: String
            @Option(help: "Tax code (MST): 10 digits or 10-3 digits.") var taxCode: String
            @Option(help: "parking, bus or fees.") var kind: OperatorKind
            @Option(help: "The 5-character MTT prefix issued by the tax authority.") var mttPrefix: String?
            @Option(help: "Invoice series (KHHDon), e.g. C26MAA.") var invoiceSeries: String?
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let op = try await database.open().addOperator(
                    code: code, name: name, taxCode: taxCode, kind: kind, mttPrefix: mttPrefix, invoiceSeries: invoiceSeries)
                print("added operator \(op.code) (\(op.kind.rawValue), MST \(op.taxCode))")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List operators.", discussion: "Example: feegate operators list --json")
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            struct Row: Encodable {
                let code: String, name: String, tax_code: String, kind: String, mtt_prefix: String?, invoice_series: String?
            }

            func run() async throws {
                let rows = try await database.open().operators().map {
                    Row(code: $0.code, name: $0.name, tax_code: $0.taxCode, kind: $0.kind.rawValue, mtt_prefix: $0.mttPrefix, invoice_series: $0.invoiceSeries)
                }
                if json { return try Output.json(rows) }
                Output.table(["CODE", "KIND", "TAX CODE", "MTT", "SERIES", "NAME"],
                             rows.map { [$0.code, $0.kind, $0.tax_code, $0.mtt_prefix ?? "-", $0.invoice_series ?? "-", $0.name] })
            }
        }
    }
}
