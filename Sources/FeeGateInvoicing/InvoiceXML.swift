import FeeGateCore

/// Writes XML directly in **canonical form** (W3C Canonical XML 1.0, inclusive, without comments).
///
/// Why our output *is* its own C14N (so the signer may digest the bytes it wrote):
/// - no XML declaration inside the signed elements, no DTD, no comments, no processing instructions, no CDATA;
/// - no whitespace between tags (QĐ 1271 Phần IV asks for that anyway), and text never starts/ends with whitespace;
/// - every element is written as a start/end pair (`<a></a>`, never `<a/>`), as C14N renders empty elements;
/// - attributes are written sorted by name, after the namespace declaration, with `"` quotes; element and
///   attribute names are unprefixed, so C14N's order (namespace nodes first, then attributes by URI/local name)
///   is plain name order;
/// - text escapes exactly `&` `<` `>` and attribute values exactly `&` `<` `"` — C14N's rules; the control
///   characters C14N would turn into character references (`#x9`, `#xA`, `#xD`) are rejected at model level;
/// - all strings are Unicode NFC (normalised when the model is built) and written as UTF-8;
/// - the only namespace is the XMLDSig default namespace on `Signature`; when a signed sub-element (`SignedInfo`,
///   `Object`) is canonicalised on its own, C14N adds the inherited `xmlns` to it, which the signer writes
///   explicitly (see `XMLDSig` in FeeGateInvoiceSigning).
public struct CanonicalXMLWriter: Sendable {
    public private(set) var text = ""

    public init() {}

    /// `<name xmlns="…" attr="v" …>`: the namespace declaration first, then attributes in name order (C14N order
    /// for unprefixed names).
    public mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        text += "<" + name
        let ordered = attributes.filter { $0.0 == "xmlns" } + attributes.filter { $0.0 != "xmlns" }.sorted {
            $0.0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.0.unicodeScalars.map(\.value))
        }
        for (key, value) in ordered {
            text += " \(key)=\"\(Self.escapeAttribute(value))\""
        }
        text += ">"
    }

    public mutating func close(_ name: String) { text += "</\(name)>" }

    /// `<name>escaped text</name>`.
    public mutating func leaf(_ name: String, _ value: String, _ attributes: [(String, String)] = []) {
        open(name, attributes)
        text += Self.escapeText(value)
        close(name)
    }

    /// Appends `leaf` only when `value` is present (QĐ 1271 Phần IV: omit optional empty tags).
    public mutating func optionalLeaf(_ name: String, _ value: String?) {
        if let value { leaf(name, value) }
    }

    /// Appends already-canonical XML (e.g. a signature element).
    public mutating func raw(_ xml: String) { text += xml }

    /// C14N text escaping: `&`, `<`, `>`, and CR as `&#xD;`.
    public static func escapeText(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#xD;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// C14N attribute escaping: `&`, `<`, `"`, TAB, LF, CR.
    public static func escapeAttribute(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case "\"": out += "&quot;"
            case "\t": out += "&#x9;"
            case "\n": out += "&#xA;"
            case "\r": out += "&#xD;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

/// Serialises an ``EInvoiceDocument`` in the GDT tree
/// `HDon/DLHDon[@Id]/{TTChung, NDHDon/{NBan, NMua, DSHHDVu/HHDVu*, TToan}}, MCCQT, DSCKS`
/// (QĐ 1271 Phần II Mục II.1; einvoice-vn.md §2.2). Same document → same bytes.
public enum InvoiceXML {
    /// `TTKhac/TTin/TTruong` naming the issue date-time (cash-register forms have a date-only `NLap`).
    public static let issueTimeField = "Thời điểm lập"
    /// `TTKhac/TTin/TTruong` naming the payment method (cash-register forms have no `HTTToan`).
    public static let paymentMethodField = "Hình thức thanh toán"
    /// `HHDVu/TTKhac/TTin/TTruong` carrying the VAT-inclusive unit price of a line priced VAT-inclusive, so a
    /// verifier can redo `VATRate.split(inclusive:)`.
    public static let inclusiveUnitPriceField = "Đơn giá sau thuế"
    /// The XML declaration written before `HDon` (outside every signed area).
    public static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// The canonical bytes of `DLHDon` (the first signed area; its C14N form — no namespace is in scope).
    public static func dataElement(_ doc: EInvoiceDocument) -> String {
        var w = CanonicalXMLWriter()
        writeData(doc, into: &w)
        return w.text
    }

    /// The whole document as UTF-8 bytes.
    ///
    /// - Parameter sellerSignature: a canonical `<Signature …>…</Signature>` element placed in `DSCKS/NBan`,
    ///   or `nil` for an unsigned document (`<DSCKS><NBan></NBan></DSCKS>`).
    public static func document(_ doc: EInvoiceDocument, sellerSignature: String? = nil) -> [UInt8] {
        var w = CanonicalXMLWriter()
        w.raw(declaration)
        w.open("HDon")
        writeData(doc, into: &w)
        if let code = doc.authorityCode { w.leaf("MCCQT", code.text) }
        w.open("DSCKS")
        w.open("NBan")
        if let sellerSignature { w.raw(sellerSignature) }
        w.close("NBan")
        w.close("DSCKS")
        w.close("HDon")
        return Array(w.text.utf8)
    }

    static func amount(_ m: Money) -> String { String(m.vnd) }

    private static func writeInfo(_ w: inout CanonicalXMLWriter, _ field: String, _ type: String, _ value: String) {
        w.open("TTin")
        w.leaf("TTruong", field)
        w.leaf("KDLieu", type)
        w.leaf("DLieu", value)
        w.close("TTin")
    }

    private static func writeData(_ doc: EInvoiceDocument, into w: inout CanonicalXMLWriter) {
        w.open("DLHDon", [("Id", doc.dataID)])
        // TTChung, cash-register form 2/h order: PBan, THDon, KHMSHDon, KHHDon, SHDon, NLap, TTHDLQuan, TTKhac.
        w.open("TTChung")
        w.leaf("PBan", EInvoiceDocument.formatVersion)
        w.leaf("THDon", doc.title)
        w.leaf("KHMSHDon", doc.symbol.templateText)
        w.leaf("KHHDon", doc.symbol.seriesText)
        w.leaf("SHDon", doc.number.description)
        w.leaf("NLap", doc.issuedAt.dateText)
        if let r = doc.replaces {
            w.open("TTHDLQuan")
            w.leaf("TCHDon", "1")
            w.leaf("LHDCLQuan", String(ReplacedInvoice.relatedInvoiceKind))
            w.leaf("KHMSHDCLQuan", r.template.description)
            w.leaf("KHHDCLQuan", r.series.text)
            w.leaf("SHDCLQuan", r.number.description)
            w.leaf("NLHDCLQuan", r.issueDate.dateText)
            w.leaf("GChu", r.reason)
            w.close("TTHDLQuan")
        }
        w.open("TTKhac")
        writeInfo(&w, issueTimeField, "dateTime", doc.issuedAt.dateTimeText)
        if let method = doc.paymentMethod { writeInfo(&w, paymentMethodField, "string", method) }
        w.close("TTKhac")
        w.close("TTChung")

        w.open("NDHDon")
        w.open("NBan")
        w.leaf("Ten", doc.seller.name)
        w.leaf("MST", doc.seller.taxCode.text)
        w.leaf("DChi", doc.seller.address)
        w.optionalLeaf("SDThoai", doc.seller.phone)
        w.close("NBan")
        w.open("NMua")
        switch doc.buyer {
        case .anonymous(let label):
            w.leaf("Ten", label.rawValue)
        case .identified(let b):
            // General NMua order restricted to the cash-register fields: Ten, MST, DChi, SDThoai, HVTNMHang, CCCDan.
            w.optionalLeaf("Ten", b.name)
            w.optionalLeaf("MST", b.taxCode?.text)
            w.optionalLeaf("DChi", b.address)
            w.optionalLeaf("SDThoai", b.phone)
            w.optionalLeaf("HVTNMHang", b.personName)
            w.optionalLeaf("CCCDan", b.personalID?.text)
        }
        w.close("NMua")

        w.open("DSHHDVu")
        for line in doc.lines {
            w.open("HHDVu")
            w.leaf("TChat", "1")
            w.leaf("STT", String(line.position))
            if doc.kind == .feeReceipt {
                // A receipt line is "tên loại khoản thu + số tiền" (Decree 254 Art. 23.2): no quantity, no VAT.
                w.leaf("THHDVu", line.input.name)
                w.leaf("ThTien", amount(line.amountBeforeVAT))
            } else {
                w.optionalLeaf("MHHDVu", line.input.code)
                w.leaf("THHDVu", line.input.name)
                w.optionalLeaf("DVTinh", line.input.unit)
                w.leaf("SLuong", String(line.input.quantity))
                w.leaf("DGia", amount(line.unitPriceBeforeVAT))
                w.leaf("ThTien", amount(line.amountBeforeVAT))
                w.leaf("TSuat", line.input.vatRate.label)
                if let inclusive = line.inclusiveUnitPrice {
                    w.open("TTKhac")
                    writeInfo(&w, inclusiveUnitPriceField, "numeric", amount(inclusive))
                    w.close("TTKhac")
                }
            }
            w.close("HHDVu")
        }
        for (offset, note) in doc.notes.enumerated() {
            w.open("HHDVu")
            w.leaf("TChat", "4")
            w.leaf("STT", String(doc.lines.count + offset + 1))
            w.leaf("THHDVu", note)
            w.close("HHDVu")
        }
        w.close("DSHHDVu")

        w.open("TToan")
        if doc.kind != .feeReceipt {
            w.open("THTTLTSuat")
            for s in doc.summaries {
                w.open("LTSuat")
                w.leaf("TSuat", s.rate.label)
                w.leaf("ThTien", amount(s.amountBeforeVAT))
                w.leaf("TThue", amount(s.vat))
                w.close("LTSuat")
            }
            w.close("THTTLTSuat")
            w.leaf("TgTCThue", amount(doc.totals.beforeVAT))
            w.leaf("TgTThue", amount(doc.totals.vat))
        }
        w.leaf("TgTTTBSo", amount(doc.totals.payable))
        w.leaf("TgTTTBChu", doc.amountInWords)
        w.close("TToan")
        w.close("NDHDon")
        w.close("DLHDon")
    }
}
