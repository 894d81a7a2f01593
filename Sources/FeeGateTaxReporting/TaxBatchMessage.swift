import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing

/// One document to batch: its identity and the stored signed XML.
public struct BatchDocument: Sendable {
    public let template: String
    public let series: String
    public let number: Int64
    public let late: Bool
    public let xml: [UInt8]

    public init(template: String, series: String, number: Int64, late: Bool, xml: [UInt8]) {
        self.template = template
        self.series = series
        self.number = number
        self.late = late
        self.xml = xml
    }
}

/// A signed `TDiep` message ready for the T-VAN.
public struct TaxBatchMessage: Sendable, Hashable {
    /// `MTDiep`: sender + 32 upper-case hex digits.
    public let messageID: String
    public let template: String
    public let series: String
    public let documentCount: Int
    public let lateCount: Int
    public let xml: [UInt8]
}

/// Builds the end-of-day message of cash-register invoices with a tax-authority code: `TDiep` with `MLTDiep`
/// 206 (QĐ 1271 Phần I Mục IV.5; einvoice-vn.md §3.2): `TTChung` (`PBan`, `MNGui`, `MNNhan`, `MLTDiep`,
/// `MTDiep` = `MNGui` + 32 upper-case hex of a UUID v4, `MST`, `SLuong`), `DLieu[@Id]` holding the day's
/// `HDon` elements, and `CKSNNT` with the seller's signature over `DLieu` and over its own `SigningTime` object.
///
/// **Batching rules.** One message holds documents of one seller, one template and one series (vendor practice
/// noted in einvoice-vn.md §3.2), in number order, and is at most `maxBytes` (2 MB) long — documents go
/// to the next message when the next one would not fit. The invoices keep their own seller signatures
/// unchanged inside `DLieu` (what was issued is what is sent). Late documents (of an earlier day) go in the
/// next day's messages like the others; the closing and the export manifest list them.
public enum TaxBatchBuilder {
    /// QĐ 1271 / vendor limit per message.
    public static let maxBytes = 2 * 1024 * 1024
    public static let messageType = "206"
    public static let version = "2.1.0"

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case documentTooLarge(series: String, number: Int64, bytes: Int)
        case badDocument(String)
        case signing(InvoiceSigningError)

        public var description: String {
            switch self {
            case .documentTooLarge(let s, let n, let b): return "document \(s) no. \(n) (\(b) bytes) does not fit in one TDiep message"
            case .badDocument(let why): return "cannot batch a document: \(why)"
            case .signing(let e): return "cannot sign the TDiep message: \(e)"
            }
        }
    }

    /// The messages for `documents` (any order; grouped and sorted here).
    ///
    /// - Parameters:
    ///   - sender: `MNGui` (the solution provider's or seller's code as agreed with the T-VAN).
    ///   - newMessageHex: 32 upper-case hex digits of a fresh UUID v4 per message (injected for tests).
    public static func build(
        documents: [BatchDocument], sender: String, receiver: String = "TCT", sellerTaxCode: String, signer: EnvelopedSigner, signingTime: VietnamTime,
        maxBytes: Int = maxBytes, newMessageHex: () -> String
    ) throws(Failure) -> [TaxBatchMessage] {
        let sorted = documents.sorted { ($0.template, $0.series, $0.number) < ($1.template, $1.series, $1.number) }
        var groups: [[BatchDocument]] = []
        for d in sorted {
            if let last = groups.last?.last, last.template == d.template, last.series == d.series { groups[groups.count - 1].append(d) } else { groups.append([d]) }
        }
        // The envelope and the signature have a fixed length for a given key, sender and time (digests and the
        // RSA value have fixed sizes; Ids have fixed lengths), so one dummy message measures every message exactly.
        let dummyHex = String(repeating: "0", count: 32)
        let dummySignature: String
        do { dummySignature = try signer.signature(dataCanonical: dataElement(id: "DLieu-" + dummyHex, bodies: []), dataID: "DLieu-" + dummyHex, signingTime: signingTime) } catch {
            throw .signing(error)
        }
        let fixed = render(bodies: [], sender: sender, receiver: receiver, taxCode: sellerTaxCode, count: 0, hex: dummyHex, signature: dummySignature).utf8.count - 1
        func size(bodies: Int, count: Int) -> Int { fixed + bodies + String(count).count }

        var messages: [TaxBatchMessage] = []
        for group in groups {
            var pending: [(BatchDocument, String)] = []
            var pendingBytes = 0
            for d in group {
                let body = try body(of: d)
                let bytes = body.utf8.count
                guard size(bodies: bytes, count: 1) <= maxBytes else { throw .documentTooLarge(series: d.series, number: d.number, bytes: bytes) }
                if !pending.isEmpty, size(bodies: pendingBytes + bytes, count: pending.count + 1) > maxBytes {
                    messages.append(try message(pending, sender, receiver, sellerTaxCode, signer, signingTime, newMessageHex()))
                    pending = []
                    pendingBytes = 0
                }
                pending.append((d, body))
                pendingBytes += bytes
            }
            if !pending.isEmpty { messages.append(try message(pending, sender, receiver, sellerTaxCode, signer, signingTime, newMessageHex())) }
        }
        return messages
    }

    /// `HDon…` without the XML declaration.
    static func body(of d: BatchDocument) throws(Failure) -> String {
        guard let text = String(validating: d.xml, as: UTF8.self) else { throw .badDocument("\(d.series) no. \(d.number) is not UTF-8") }
        let trimmed = text.hasPrefix(InvoiceXML.declaration) ? String(text.dropFirst(InvoiceXML.declaration.count)) : text
        guard trimmed.hasPrefix("<HDon>") else { throw .badDocument("\(d.series) no. \(d.number) is not an HDon document") }
        return trimmed
    }

    private static func message(_ items: [(BatchDocument, String)], _ sender: String, _ receiver: String, _ taxCode: String, _ signer: EnvelopedSigner,
                                _ time: VietnamTime, _ hex: String) throws(Failure) -> TaxBatchMessage {
        let dataID = "DLieu-\(hex)"
        let data = dataElement(id: dataID, bodies: items.map(\.1))
        let signature: String
        do { signature = try signer.signature(dataCanonical: data, dataID: dataID, signingTime: time) } catch { throw .signing(error) }
        let xml = render(bodies: items.map(\.1), sender: sender, receiver: receiver, taxCode: taxCode, count: items.count, hex: hex, signature: signature)
        return TaxBatchMessage(messageID: sender + hex, template: items[0].0.template, series: items[0].0.series, documentCount: items.count,
                               lateCount: items.filter { $0.0.late }.count, xml: Array(xml.utf8))
    }

    static func dataElement(id: String, bodies: [String]) -> String {
        "<DLieu Id=\"\(CanonicalXMLWriter.escapeAttribute(id))\">" + bodies.joined() + "</DLieu>"
    }

    private static func render(bodies: [String], sender: String, receiver: String, taxCode: String, count: Int, hex: String, signature: String?) -> String {
        var w = CanonicalXMLWriter()
        w.raw(InvoiceXML.declaration)
        w.open("TDiep")
        w.open("TTChung")
        w.leaf("PBan", version)
        w.leaf("MNGui", sender)
        w.leaf("MNNhan", receiver)
        w.leaf("MLTDiep", messageType)
        w.leaf("MTDiep", sender + hex)
        w.leaf("MST", taxCode)
        w.leaf("SLuong", String(count))
        w.close("TTChung")
        w.raw(dataElement(id: "DLieu-\(hex)", bodies: bodies))
        w.open("CKSNNT")
        if let signature { w.raw(signature) }
        w.close("CKSNNT")
        w.close("TDiep")
        return w.text
    }

    /// A fresh `MTDiep` suffix: 32 upper-case hex digits of a random UUID v4.
    public static func randomMessageHex() -> String {
        var bytes = SecureRandom.bytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Hex.encode(bytes).uppercased()
    }
}

/// Checks a stored TDiep 206 message: envelope fields, `SLuong` = the `HDon` count, `MTDiep` form, every
/// invoice's own structure, and the `CKSNNT` signature over `DLieu`.
public enum TaxBatchVerifier {
    public struct Result: Sendable {
        public let messageID: String
        public let documentCount: Int
        public let signature: SignatureCheck
    }

    public static func verify(_ xml: [UInt8], trustedCAs: [X509Certificate] = []) throws(InvoiceSigningError) -> Result {
        let root: XMLElement
        do { root = try XMLTree.parse(xml) } catch { throw .document(error) }
        let parts = root.elementChildren
        guard root.name == "TDiep", parts.count == 3, parts[0].name == "TTChung", parts[1].name == "DLieu", parts[2].name == "CKSNNT",
              let dataID = parts[1].attribute("Id")
        else { throw .malformedSignature("a TDiep message is TDiep/{TTChung, DLieu[@Id], CKSNNT}") }
        func field(_ name: String) -> String? {
            parts[0].child(name)?.text
        }
        guard field("MLTDiep") == TaxBatchBuilder.messageType, let sender = field("MNGui"), let id = field("MTDiep"), id.hasPrefix(sender),
              id.count == sender.count + 32, id.dropFirst(sender.count).allSatisfy({ $0.isHexDigit && !$0.isLowercase }), id.count <= 46
        else { throw .malformedSignature("TTChung: MLTDiep must be 206 and MTDiep = MNGui + 32 upper-case hex digits") }
        let invoices = parts[1].elementChildren
        guard invoices.allSatisfy({ $0.name == "HDon" }), field("SLuong") == String(invoices.count) else {
            throw .malformedSignature("SLuong must equal the number of HDon in DLieu (\(invoices.count))")
        }
        for (index, invoice) in invoices.enumerated() {
            do { _ = try InvoiceVerifier.verify(Array(XMLTree.canonicalize(invoice, inheritedNamespace: ""))) } catch {
                throw .malformedSignature("DLieu/HDon[\(index + 1)]: \(error)")
            }
        }
        guard let signature = parts[2].elementChildren.first, parts[2].elementChildren.count == 1 else { throw .unsigned }
        let check = try EnvelopedSignatureVerifier.verify(signature: signature, in: root, dataID: dataID, trustedCAs: trustedCAs)
        guard let mst = field("MST"), check.certificate.taxCode == mst else {
            throw .taxCodeMismatch(certificate: check.certificate.taxCode, seller: field("MST") ?? "none")
        }
        return Result(messageID: id, documentCount: invoices.count, signature: check)
    }
}
