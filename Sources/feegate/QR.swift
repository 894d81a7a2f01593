import ArgumentParser
import FeeGateCore
import FeeGateQRImage
import FeeGateVietQR
import Foundation

/// `feegate qr`: decode and encode VietQR / EMVCo bank-transfer QR payloads.
struct QRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Decode or encode VietQR (NAPAS) bank-transfer QR payloads.",
        discussion: """
            Examples:
              feegate qr decode '00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E'
              feegate qr encode --bin 970436 --account 0011004123456 --amount 25000 --purpose 'Phi gui xe FG7K3M9X5' --png qr.png
            """,
        subcommands: [Decode.self, Encode.self]
    )

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check and decode a QR payload (VietQR or any EMVCo merchant-presented payload).",
            discussion: """
                Exits 0 and prints the fields for a valid payload, exits 1 with the precise reason (bad CRC with the expected value, length mismatch at a tag path such as 38/01/01, missing mandatory tag, …) for an invalid one. Pass "-" to read the payload from standard input, e.g. `zbarimg --raw -q qr.png | feegate qr decode -`.

                Example:
                  feegate qr decode --json '00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52'
                """
        )

        @Argument(help: "The payload text as scanned from the QR code, or - for standard input.")
        var payload: String

        @Flag(help: "Print JSON (snake_case keys, sorted) instead of text.")
        var json = false

        func run() async throws {
            var text = payload
            if text == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            // Scanners and shells add line breaks; a valid payload never starts or ends with whitespace.
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let decoded: DecodedQR
            do {
                decoded = try VietQRCodec.decode(text)
            } catch {
                QRCommand.printError("invalid QR payload: \(error)")
                throw ExitCode(1)
            }
            let report = DecodeReport(decoded, banks: .standard)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text)
            }
        }
    }

    struct Encode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a VietQR payload (and optionally a PNG image of it).",
            discussion: """
                Free text (bill number, reference, purpose, names) loses its Vietnamese diacritics (đ→d, all tones) so every bank app reads the same ASCII; a field that is still too long is an error, never truncated. With --amount the QR is dynamic (01 = 12), without it static (11).

                Example:
                  feegate qr encode --bin 970436 --account 0011004123456 --amount 25000 --bill HD000123 --purpose 'Phí gửi xe FG7K3M9X5' --png qr.png
                """
        )

        @Option(help: "Bank BIN / BNB ID (6 digits), e.g. 970436 for Vietcombank.")
        var bin: String

        @Option(help: "Beneficiary account number (or card number with --card), at most 19 characters.")
        var account: String

        @Option(help: "Amount in whole VND (no separators).")
        var amount: Int64?

        @Option(help: "Bill number (62/01), at most 25 characters.")
        var bill: String?

        @Option(help: "Reference label (62/05), at most 25 characters.")
        var reference: String?

        @Option(help: "Terminal label (62/07), e.g. gate or bus ID, at most 25 characters.")
        var terminal: String?

        @Option(help: "Purpose of transaction (62/08): the transfer content bank apps pre-fill, at most 25 characters.")
        var purpose: String?

        @Option(help: "Merchant name (59), at most 25 characters.")
        var merchantName: String?

        @Option(help: "Merchant city (60), at most 15 characters.")
        var merchantCity: String?

        @Flag(help: "Transfer to a card number (QRIBFTTC) instead of an account (QRIBFTTA).")
        var card = false

        @Option(help: "Also write a QR code image of the payload to this PNG file.")
        var png: String?

        @Option(help: "PNG pixels per QR module (1–64).")
        var moduleSize: Int = 8

        func run() async throws {
            let qr = VietQR(
                bin: bin,
                account: account,
                service: card ? .cardTransfer : .accountTransfer,
                amount: amount.map { Money($0) },
                additionalData: VietQR.AdditionalData(
                    billNumber: bill, referenceLabel: reference, terminalLabel: terminal, purpose: purpose
                ),
                merchantName: merchantName,
                merchantCity: merchantCity
            )
            let payload: String
            do {
                payload = try VietQRCodec.encode(qr)
            } catch {
                QRCommand.printError("cannot encode VietQR: \(error)")
                throw ExitCode(1)
            }
            if let png {
                do {
                    let image = try QRSymbol(encoding: payload, errorCorrection: .medium).png(moduleSize: moduleSize)
                    try Data(image).write(to: URL(fileURLWithPath: png), options: .atomic)
                } catch {
                    QRCommand.printError("cannot write PNG \(png): \(error)")
                    throw ExitCode(1)
                }
            }
            print(payload)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

/// What `qr decode` prints; JSON keys become snake_case.
private struct DecodeReport: Encodable {
    var scheme: String
    var schemeName: String
    var initiation: String?
    var bin: String?
    var bankName: String?
    var account: String?
    var service: String?
    var amount: Int64?
    var currency: String?
    var country: String?
    var billNumber: String?
    var reference: String?
    var purpose: String?
    var terminalLabel: String?
    var storeLabel: String?
    var mobileNumber: String?
    var customerLabel: String?
    var loyaltyNumber: String?
    var merchantName: String?
    var merchantCity: String?
    var postalCode: String?
    var merchantCategoryCode: String?
    var crc: String?
    var lengthUnit: String
    /// Objects the VietQR model does not name, by path (all objects for other schemes).
    var unknownTags: [String: String]

    init(_ decoded: DecodedQR, banks: BankDirectory) {
        let payload = decoded.payload
        scheme = decoded.scheme.identifier
        schemeName = decoded.scheme.displayName
        lengthUnit = decoded.payload.lengthUnit.rawValue
        crc = payload.value(at: "63")
        currency = payload.value(at: "53")
        country = payload.value(at: "58")
        if let qr = decoded.vietQR {
            initiation = qr.initiation == .dynamicQR ? "dynamic" : "static"
            bin = qr.bin
            bankName = banks.bank(bin: qr.bin)?.shortName
            account = qr.account
            service = qr.service?.code
            amount = qr.amount?.vnd
            let data = qr.additionalData
            billNumber = data.billNumber
            reference = data.referenceLabel
            purpose = data.purpose
            terminalLabel = data.terminalLabel
            storeLabel = data.storeLabel
            mobileNumber = data.mobileNumber
            customerLabel = data.customerLabel
            loyaltyNumber = data.loyaltyNumber
            merchantName = qr.merchantName
            merchantCity = qr.merchantCity
            postalCode = qr.postalCode
            merchantCategoryCode = qr.merchantCategoryCode
            var unknown: [String: String] = [:]
            for extra in qr.extraObjects { Self.flatten(extra.object, parent: extra.parent, into: &unknown) }
            unknownTags = unknown
        } else {
            switch payload.value(at: "01") {
            case "11": initiation = "static"
            case "12": initiation = "dynamic"
            default: initiation = payload.value(at: "01")
            }
            merchantName = payload.value(at: "59")
            merchantCity = payload.value(at: "60")
            merchantCategoryCode = payload.value(at: "52")
            billNumber = payload.value(at: "62/01")
            reference = payload.value(at: "62/05")
            purpose = payload.value(at: "62/08")
            terminalLabel = payload.value(at: "62/07")
            storeLabel = payload.value(at: "62/03")
            var all: [String: String] = [:]
            for object in payload.objects where !["00", "63"].contains(object.tag) {
                Self.flatten(object, parent: "", into: &all)
            }
            unknownTags = all
        }
    }

    private static func flatten(_ object: EMVDataObject, parent: String, into map: inout [String: String]) {
        let path = parent.isEmpty ? object.tag : parent + "/" + object.tag
        if let children = object.children {
            for child in children { flatten(child, parent: path, into: &map) }
        } else {
            map[path] = object.value
        }
    }

    var text: String {
        var lines: [(String, String?)] = [
            ("scheme", schemeName), ("initiation", initiation), ("bin", bin), ("bank", bankName),
            ("account", account), ("service", service), ("amount", amount.map { "\($0) VND" }),
            ("bill_number", billNumber), ("reference", reference), ("purpose", purpose),
            ("terminal_label", terminalLabel), ("store_label", storeLabel), ("mobile_number", mobileNumber),
            ("customer_label", customerLabel), ("loyalty_number", loyaltyNumber),
            ("merchant_name", merchantName), ("merchant_city", merchantCity), ("postal_code", postalCode),
            ("merchant_category_code", merchantCategoryCode), ("crc", crc),
        ]
        if lengthUnit != TLVLengthUnit.characters.rawValue { lines.append(("length_unit", lengthUnit)) }
        for (path, value) in unknownTags.sorted(by: { $0.key < $1.key }) { lines.append(("tag \(path)", value)) }
        return lines.compactMap { key, value in value.map { key.padding(toLength: 24, withPad: " ", startingAt: 0) + $0 } }
            .joined(separator: "\n")
    }
}
