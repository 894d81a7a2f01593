import ArgumentParser
import FeeGateCore
import FeeGateCrypto
import FeeGateOperations
import FeeGateStore
import Foundation

extension FeeGate {
    struct CloseDay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close-day",
            abstract: "Close a business day: signed daily closings and TDiep 206 messages per operator.",
            discussion: """
                Closes DATE (GMT+7) for every operator with a document profile, or only --operator CODE, after first closing
                any earlier day of that operator that is still open. Idempotent: an already closed day prints its closing
                unchanged. A day that has not ended yet is refused. `feegate serve` also closes ended days by itself.
                Example: feegate close-day --date 2026-11-20 --documents-config /etc/feegate/documents.json
                """)

        @Option(help: "Business day YYYY-MM-DD (Hanoi time).") var date: String
        @Option(name: .customLong("operator"), help: "Only this operator.") var operatorCode: String?
        @Flag(help: "Print the closings as JSON.") var json = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var documents: DocumentsOptions

        func run() async throws {
            guard let day = BusinessDay(date) else { throw CLIError("--date must be a calendar date YYYY-MM-DD, got '\(date)'") }
            let store = try database.open(migrate: true)
            let config = try documents.require(for: "closing a day")
            let closings = DailyClosings(store: store, profiles: try await config.profiles(store: store, environment: ProcessInfo.processInfo.environment))
            let closed: [StoredClosing]
            if let operatorCode {
                closed = Array(try await closings.close(operatorCode: operatorCode, through: day).suffix(1))
            } else {
                closed = try await closings.closeAll(through: day)
            }
            if json {
                let rows = closed.map { c in
                    ["operator": c.operatorCode, "date": c.day.description, "number": String(c.number), "documents": String(c.documentCount),
                     "late_documents": String(c.lateCount), "total": String(c.total), "vat": String(c.vat), "cumulative": String(c.cumulative), "hash": Hex.encode(c.hash)]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                return
            }
            if closed.isEmpty { print("nothing to close: no document was issued up to \(day)\(operatorCode.map { " by \($0)" } ?? "")") }
            for c in closed {
                print("\(c.operatorCode) \(c.day): closing no. \(c.number), \(c.documentCount) documents (\(c.lateCount) late), total \(Money(c.total)), VAT \(Money(c.vat)), hash \(Hex.encode(c.hash).prefix(16))…")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the tax office's ZIP of a closed day (documents, TDiep messages, 01/TTGD, closings, signed manifest).",
            discussion: """
                The same day and operator always give a byte-identical file. The day must be closed first (feegate close-day).
                The manifest is signed with the gateway's key ("gateway" in the documents configuration).
                Example: feegate export --date 2026-11-20 --operator HN-PARK-01 --out hn-park-01-2026-11-20.zip
                """)

        @Option(help: "Business day YYYY-MM-DD (Hanoi time).") var date: String
        @Option(name: .customLong("operator"), help: "Only this operator (default: every operator closed that day).") var operatorCode: String?
        @Option(help: "Output file.") var out: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var documents: DocumentsOptions

        func run() async throws {
            guard let day = BusinessDay(date) else { throw CLIError("--date must be a calendar date YYYY-MM-DD, got '\(date)'") }
            let store = try database.open(migrate: false)
            let config = try documents.require(for: "signing an export")
            let exporter = TaxExporter(store: store, gatewaySigner: try config.gatewaySigner(environment: ProcessInfo.processInfo.environment))
            let zip = try await exporter.export(day: day, operatorCode: operatorCode)
            let url = URL(fileURLWithPath: out)
            do { try Data(zip).write(to: url, options: .atomic) } catch { throw CLIError("cannot write \(out): \(error.localizedDescription)") }
            print("wrote \(out): \(zip.count) bytes, SHA-256 \(Hex.encode(Digest.sha256(zip)))")
        }
    }
}
