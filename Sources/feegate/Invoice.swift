import ArgumentParser
import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateStore
import Foundation

/// `feegate invoice …`: amounts in words, verification of XML files, and issued documents from the database.
struct InvoiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "E-invoice tools: amount in Vietnamese words, verification of invoice XML files, issued documents.",
        subcommands: [Words.self, Verify.self, Show.self]
    )

    /// `feegate invoice words AMOUNT`.
    struct Words: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "words",
            abstract: "Print an amount in Vietnamese words, as written in TgTTTBChu.",
            discussion: """
                AMOUNT is a whole number of đồng from 0 to 1000000000000000 (10^15). Thousands may be grouped \
                with '.', ',', '_' or spaces in groups of three.

                Examples:
                  feegate invoice words 25000          → Hai mươi lăm nghìn đồng
                  feegate invoice words 105.000        → Một trăm linh năm nghìn đồng
                  feegate invoice words --plain 1005   → một nghìn không trăm linh năm
                """
        )

        @Argument(help: "Amount in đồng (0 … 10^15).")
        var amount: String

        @Flag(help: "Print lower-case words without the \" đồng\" suffix.")
        var plain = false

        func run() async throws {
            guard let value = Self.parseAmount(amount) else {
                FileHandle.standardError.write(Data("error: '\(amount)' is not a whole number of đồng (digits, optionally grouped by 3 with '.', ',', '_' or spaces)\n".utf8))
                throw ExitCode(1)
            }
            do {
                print(plain ? try VietnameseNumberWords.words(value) : try VietnameseNumberWords.invoiceText(Money(value)))
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// Digits, optionally grouped by thousands with one separator kind; `nil` otherwise.
        static func parseAmount(_ text: String) -> Int64? {
            let separators: Set<Character> = [".", ",", "_", " "]
            let used = Set(text.filter { separators.contains($0) })
            guard used.count <= 1, !text.isEmpty else { return nil }
            let groups = used.first.map { sep in text.split(separator: sep, omittingEmptySubsequences: false).map(String.init) } ?? [text]
            guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
            if groups.count > 1 {
                guard groups[0].count <= 3, groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
            }
            let digits = groups.joined()
            guard digits.count <= 16 else { return nil }
            return Int64(digits)
        }
    }

    /// `feegate invoice verify FILE.xml`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify an e-invoice, e-ticket or fee e-receipt XML file.",
            discussion: """
                Checks the element tree and order, template/series/number and MTT code formats, the year rules, \
                every line amount, the per-rate summaries and totals recomputed from the lines, the amount in \
                words, and the seller's XMLDSig signature (digests, RSA-SHA256, certificate MST = NBan/MST, \
                validity at SigningTime; the chain too when --ca is given). Exits 1 with the reason on failure.

                Examples:
                  feegate invoice verify invoice.xml
                  feegate invoice verify invoice.xml --ca vn-root-ca.pem --json
                  feegate invoice verify unsigned-mtt.xml --allow-unsigned
                """
        )

        @Argument(help: "The XML file to verify.")
        var file: String

        @Option(help: "PEM file of trusted CA certificates; the signing certificate must chain to one of them.")
        var ca: String?

        @Flag(help: "Accept a document without a seller signature (MTT invoices need none, Decree 254 Art. 8.9.b).")
        var allowUnsigned = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        struct Output: Encodable {
            let valid: Bool
            let kind: String
            let dataId: String
            let template: String
            let series: String
            let number: Int
            let issueDate: String
            let sellerTaxCode: String
            let authorityCode: String?
            let totalBeforeVat: Int64?
            let totalVat: Int64?
            let totalPayable: Int64
            let amountInWords: String
            let replaces: String?
            let signed: Bool
            let signer: String?
            let signingTime: String?
            let chainVerified: Bool
        }

        func run() async throws {
            do {
                let xml = try Self.read(file)
                let document = try InvoiceVerifier.verify(xml)
                var report: SignatureReport?
                if document.hasSellerSignature || !allowUnsigned {
                    let trusted = try ca.map { try X509Certificate.certificates(pem: try Self.read($0)) } ?? []
                    report = try InvoiceSignatureVerifier.verify(xml, trustedCAs: trusted)
                }
                let hasVAT = document.kind != .feeReceipt
                let output = Output(
                    valid: true, kind: document.kind.rawValue, dataId: document.dataID, template: document.templateText,
                    series: document.seriesText, number: document.number.value, issueDate: document.issueDate.dateText,
                    sellerTaxCode: document.sellerTaxCode.text, authorityCode: document.authorityCode?.text,
                    totalBeforeVat: hasVAT ? document.totals.beforeVAT.vnd : nil, totalVat: hasVAT ? document.totals.vat.vnd : nil,
                    totalPayable: document.totals.payable.vnd, amountInWords: document.amountInWords, replaces: document.replaces,
                    signed: report != nil, signer: report?.subjectName, signingTime: report?.signingTime.dateTimeText,
                    chainVerified: report?.chainVerified ?? false)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    encoder.keyEncodingStrategy = .convertToSnakeCase
                    print(String(decoding: try encoder.encode(output), as: UTF8.self))
                } else {
                    var line = "OK: \(document.kind.rawValue) \(document.templateText)\(document.seriesText) no. \(document.number)"
                    line += " of \(document.issueDate.dateText), seller MST \(document.sellerTaxCode), total \(document.totals.payable)"
                    if let code = document.authorityCode { line += ", code \(code.text)" }
                    print(line)
                    if let report {
                        print("signature: valid, signed by \(report.subjectName) at \(report.signingTime.dateTimeText)"
                            + (report.chainVerified ? ", chain verified" : " (chain not checked: pass --ca)"))
                    } else {
                        print("signature: none (accepted with --allow-unsigned)")
                    }
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                FileHandle.standardError.write(Data("verification failed: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        static func read(_ path: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read file '\(path)'")
            }
            return Array(data)
        }
    }
}

extension InvoiceCommand {
    /// `feegate invoice show ID [--xml]`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show an issued e-invoice, e-ticket or fee e-receipt.",
            discussion: """
                Prints the document's numbering, codes and totals; --xml prints the signed XML exactly as issued
                (pipe it to `feegate invoice verify /dev/stdin` or xmlsec1).
                Example: feegate invoice show 6f1c2d3e-4b5a-8c7d-9e0f-1a2b3c4d5e6f --xml > invoice.xml
                """)

        @Argument(help: "The document id (from the flow's response, or GET /v1/invoices/{id}).") var id: String
        @Flag(help: "Print the signed XML.") var xml = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let uuid = UUID(text: id) else { throw CLIError("'\(id)' is not a UUID") }
            guard let d = try await database.open().document(id: uuid) else { throw CLIError("no document \(id)") }
            if xml {
                FileHandle.standardOutput.write(Data(d.xml))
                return
            }
            print("document        \(d.id.lowercasedString)  \(d.kind)  [\(d.operatorCode)]")
            print("template/series \(d.template) / \(d.series)   number \(d.number)   year \(d.year)")
            if let code = d.authorityCode { print("MTT code        \(code)") }
            print("source          \(d.source)")
            print("issued at       \(LedgerTime.iso8601(nanoseconds: d.issuedAt * 1_000_000_000))")
            print("total           \(Output.vnd(d.total)) VND (VAT \(Output.vnd(d.vat)) VND)")
            print("in words        \((try? VietnameseNumberWords.invoiceText(Money(d.total))) ?? "-")")
            print("XML SHA-256     \(Hex.encode(Digest.sha256(d.xml)))")
        }
    }
}
