import FeeGateCore
import FeeGateCrypto
import FeeGateInvoicing
import Foundation

/// One document as a daily closing counts it.
public struct ClosingEntry: Sendable, Hashable {
    /// Position in the document chain: closings list documents in this order.
    public let seq: Int64
    /// `cash_register_invoice`, `e_ticket` or `fee_receipt`.
    public let kind: String
    public let template: String
    public let series: String
    public let number: Int64
    public let authorityCode: String?
    /// `NLap` (GMT+7 date) of the document.
    public let issueDate: String
    public let total: Money
    public let vat: Money
    /// Per-rate amounts recomputed from the document's lines; empty for fee receipts (no VAT).
    public let rates: [RateSummary]
    /// SHA-256 of the stored signed XML.
    public let xmlSHA256: [UInt8]
    /// Issued for an earlier business day than the closing's (it arrived after that day was closed).
    public let late: Bool

    public init(seq: Int64, kind: String, template: String, series: String, number: Int64, authorityCode: String?, issueDate: String,
                total: Money, vat: Money, rates: [RateSummary], xmlSHA256: [UInt8], late: Bool) {
        self.seq = seq
        self.kind = kind
        self.template = template
        self.series = series
        self.number = number
        self.authorityCode = authorityCode
        self.issueDate = issueDate
        self.total = total
        self.vat = vat
        self.rates = rates
        self.xmlSHA256 = xmlSHA256
        self.late = late
    }
}

/// A TDiep batch produced by a closing, as the closing references it.
public struct BatchReference: Sendable, Hashable {
    public let messageID: String
    public let documentCount: Int
    public let xmlSHA256: [UInt8]

    public init(messageID: String, documentCount: Int, xmlSHA256: [UInt8]) {
        self.messageID = messageID
        self.documentCount = documentCount
        self.xmlSHA256 = xmlSHA256
    }
}

/// Counts and amounts of one (document kind, VAT rate) pair in a closing.
public struct ClosingGroup: Sendable, Hashable {
    public let kind: String
    /// `TSuat` label, or `nil` for fee receipts (outside VAT).
    public let rate: String?
    public let documents: Int
    public let beforeVAT: Money
    public let vat: Money
    public var payable: Money { Money(beforeVAT.vnd + vat.vnd) }
}

/// The signed daily closing ("Z report") of one operator's business day: what was issued, per document kind
/// and VAT rate, which documents arrived late, the TDiep batches sent, a running grand total since the first
/// closing, and the hash of the previous closing so that closings form a chain (fiscal-integrity.md §3.3–3.4).
///
/// FeeGate's own format (the GDT defines none for closings), in the style of the GDT XML: `BCChotNgay/
/// DLBCChot[@Id]` signed like an invoice into `DSCKS/NBan`. Rather than list every document (a busy day has
/// hundreds of thousands), it carries their count, first and last chain position and `SHA256DSCTu`, the
/// SHA-256 over `seq:SHA-256(xml)` lines of every included document in chain order, and lists late documents.
///
/// **Rules.** Groups are ordered by kind then rate (the ``InvoiceArithmetic`` rate order); a document with
/// several rates counts once in each rate's group and once in `SLCTu`. `LKTgTTTBSo` = previous closing's
/// `LKTgTTTBSo` + this closing's `TgTTTBSo` (never resets).
public struct DailyClosing: Sendable {
    public let operatorCode: String
    public let sellerTaxCode: String
    public let day: BusinessDay
    /// 1, 2, 3… per operator, without gaps.
    public let number: Int64
    public let closedAt: VietnamTime
    /// SHA-256 of the previous closing's XML (32 zero bytes for the first).
    public let previousHash: [UInt8]
    public let previousCumulative: Money
    /// Included documents in chain order.
    public let entries: [ClosingEntry]
    public let batches: [BatchReference]

    public init(operatorCode: String, sellerTaxCode: String, day: BusinessDay, number: Int64, closedAt: VietnamTime, previousHash: [UInt8],
                previousCumulative: Money, entries: [ClosingEntry], batches: [BatchReference]) {
        self.operatorCode = operatorCode
        self.sellerTaxCode = sellerTaxCode
        self.day = day
        self.number = number
        self.closedAt = closedAt
        self.previousHash = previousHash
        self.previousCumulative = previousCumulative
        self.entries = entries.sorted { $0.seq < $1.seq }
        self.batches = batches
    }

    /// `DLBCChot/@Id`.
    public var dataID: String { Self.dataID(operatorCode: operatorCode, day: day) }

    public static func dataID(operatorCode: String, day: BusinessDay) -> String {
        "CHOT-\(operatorCode)-\(day.description.replacingOccurrences(of: "-", with: ""))"
    }

    public var total: Money { Money(entries.reduce(0) { $0 + $1.total.vnd }) }
    public var vat: Money { Money(entries.reduce(0) { $0 + $1.vat.vnd }) }
    public var cumulative: Money { Money(previousCumulative.vnd + total.vnd) }
    public var lateCount: Int { entries.filter(\.late).count }

    /// Groups per (kind, rate), ordered.
    public var groups: [ClosingGroup] {
        struct Key: Hashable { let kind: String; let rate: VATRate? }
        var acc: [Key: (Int, Int64, Int64)] = [:]
        for e in entries {
            if e.rates.isEmpty {
                let k = Key(kind: e.kind, rate: nil)
                let v = acc[k] ?? (0, 0, 0)
                acc[k] = (v.0 + 1, v.1 + e.total.vnd, v.2)
            }
            for r in e.rates {
                let k = Key(kind: e.kind, rate: r.rate)
                let v = acc[k] ?? (0, 0, 0)
                acc[k] = (v.0 + 1, v.1 + r.amountBeforeVAT.vnd, v.2 + r.vat.vnd)
            }
        }
        let kinds = ["cash_register_invoice", "e_ticket", "fee_receipt"]
        return acc.keys.sorted { a, b in
            let ka = kinds.firstIndex(of: a.kind) ?? kinds.count, kb = kinds.firstIndex(of: b.kind) ?? kinds.count
            if ka != kb { return ka < kb }
            if a.kind != b.kind { return a.kind < b.kind }
            switch (a.rate, b.rate) {
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return InvoiceArithmetic.rateOrder(x, y)
            }
        }.map { k in
            let v = acc[k]!
            return ClosingGroup(kind: k.kind, rate: k.rate?.label, documents: v.0, beforeVAT: Money(v.1), vat: Money(v.2))
        }
    }

    /// SHA-256 over `"<seq>:<hex SHA-256 of xml>\n"` of every included document, in chain order.
    public var documentsDigest: [UInt8] {
        var text = ""
        for e in entries { text += "\(e.seq):\(Hex.encode(e.xmlSHA256))\n" }
        return Digest.sha256(Array(text.utf8))
    }

    /// The canonical `DLBCChot` element (the signed area).
    public func dataElement() -> String {
        var w = CanonicalXMLWriter()
        w.open("DLBCChot", [("Id", dataID)])
        w.leaf("PBan", "1.0")
        w.leaf("MaDVi", operatorCode)
        w.leaf("MST", sellerTaxCode)
        w.leaf("Ngay", day.description)
        w.leaf("STT", String(number))
        w.leaf("TGChot", closedAt.dateTimeText)
        w.leaf("HashTruoc", Hex.encode(previousHash))
        w.open("DSTHop")
        for g in groups {
            w.open("THop")
            w.leaf("LCTu", g.kind)
            w.optionalLeaf("TSuat", g.rate)
            w.leaf("SLCTu", String(g.documents))
            w.leaf("ThTien", String(g.beforeVAT.vnd))
            w.leaf("TThue", String(g.vat.vnd))
            w.leaf("TgTTTBSo", String(g.payable.vnd))
            w.close("THop")
        }
        w.close("DSTHop")
        w.open("TToan")
        w.leaf("SLCTu", String(entries.count))
        w.leaf("SLCTuMuon", String(lateCount))
        w.leaf("TgTThue", String(vat.vnd))
        w.leaf("TgTTTBSo", String(total.vnd))
        w.leaf("LKTgTTTBSo", String(cumulative.vnd))
        w.close("TToan")
        w.open("CTu")
        w.leaf("STTDau", String(entries.first?.seq ?? 0))
        w.leaf("STTCuoi", String(entries.last?.seq ?? 0))
        w.leaf("SHA256DSCTu", Hex.encode(documentsDigest))
        w.close("CTu")
        w.open("DSCTuMuon")
        for e in entries where e.late {
            w.open("CTuMuon")
            w.leaf("LCTu", e.kind)
            w.leaf("KHMSHDon", e.template)
            w.leaf("KHHDon", e.series)
            w.leaf("SHDon", String(e.number))
            w.optionalLeaf("MCCQT", e.authorityCode)
            w.leaf("NLap", e.issueDate)
            w.leaf("TgTTTBSo", String(e.total.vnd))
            w.close("CTuMuon")
        }
        w.close("DSCTuMuon")
        w.open("DSTDiep")
        for b in batches {
            w.open("TDiep")
            w.leaf("MTDiep", b.messageID)
            w.leaf("SLuong", String(b.documentCount))
            w.leaf("SHA256", Hex.encode(b.xmlSHA256))
            w.close("TDiep")
        }
        w.close("DSTDiep")
        w.close("DLBCChot")
        return w.text
    }

    /// The closing document with `signature` (a canonical `Signature` element) in `DSCKS/NBan`.
    public func xml(signature: String) -> [UInt8] {
        SellerSignedXML.document(root: "BCChotNgay", data: dataElement(), signature: signature)
    }
}

/// The fields of a stored closing that cannot be recomputed from the documents (when and with what batches it
/// was closed), read back so a verifier can rebuild the closing and compare it byte for byte.
public struct ParsedClosing: Sendable {
    public let root: XMLElement
    public let dataID: String
    public let operatorCode: String
    public let day: BusinessDay
    public let number: Int64
    public let closedAt: VietnamTime
    public let previousHash: String
    public let cumulative: Int64
    public let batches: [BatchReference]

    public static func parse(_ xml: [UInt8]) throws(InvoicingError) -> ParsedClosing {
        let root = try XMLTree.parse(xml)
        guard root.name == "BCChotNgay", let data = root.elementChildren.first, data.name == "DLBCChot", let id = data.attribute("Id") else {
            throw .structure(path: "/", reason: "a closing is BCChotNgay/DLBCChot[@Id]")
        }
        func text(_ e: XMLElement?, _ path: String) throws(InvoicingError) -> String {
            guard let e else { throw .structure(path: path, reason: "missing") }
            return e.text
        }
        let base = "/BCChotNgay/DLBCChot"
        guard let day = BusinessDay(try text(data.child("Ngay"), base + "/Ngay")) else { throw .structure(path: base + "/Ngay", reason: "not YYYY-MM-DD") }
        guard let number = Int64(try text(data.child("STT"), base + "/STT")) else { throw .structure(path: base + "/STT", reason: "not a number") }
        let closedAt = try VietnamTime.parse(try text(data.child("TGChot"), base + "/TGChot"))
        guard let totals = data.child("TToan"), let cumulative = Int64(try text(totals.child("LKTgTTTBSo"), base + "/TToan/LKTgTTTBSo")) else {
            throw .structure(path: base + "/TToan", reason: "missing LKTgTTTBSo")
        }
        var batches: [BatchReference] = []
        for b in data.child("DSTDiep")?.elementChildren ?? [] {
            guard let count = Int(try text(b.child("SLuong"), base + "/DSTDiep/TDiep/SLuong")),
                  let digest = Hex.decode(try text(b.child("SHA256"), base + "/DSTDiep/TDiep/SHA256"))
            else { throw .structure(path: base + "/DSTDiep/TDiep", reason: "bad SLuong or SHA256") }
            batches.append(BatchReference(messageID: try text(b.child("MTDiep"), base + "/DSTDiep/TDiep/MTDiep"), documentCount: count, xmlSHA256: digest))
        }
        return ParsedClosing(
            root: root, dataID: id, operatorCode: try text(data.child("MaDVi"), base + "/MaDVi"), day: day, number: number, closedAt: closedAt,
            previousHash: try text(data.child("HashTruoc"), base + "/HashTruoc"), cumulative: cumulative, batches: batches)
    }

    /// The canonical form of the stored `DLBCChot` (to compare with a rebuilt ``DailyClosing/dataElement()``).
    public var canonicalData: [UInt8] {
        XMLTree.canonicalize(root.elementChildren[0], inheritedNamespace: "")
    }

    /// The closing's seller `Signature` element.
    public var signature: XMLElement? {
        root.child("DSCKS")?.child("NBan")?.child("Signature")
    }
}
