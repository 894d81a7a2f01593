import FeeGateCore
import Foundation

/// Text checks shared by every free-text field of a document.
enum TextField {
    /// Returns `value` in Unicode NFC after checking it is non-empty, has no surrounding whitespace, no control
    /// characters (XML 1.0 cannot carry most of them and none belongs in a printed invoice) and at most
    /// `maxLength` characters (the GDT field lengths, einvoice-vn.md §2.2).
    ///
    /// NFC makes the bytes deterministic: "hóa" typed with a combining accent serialises like the precomposed one
    /// (TCVN 6909:2001 is Unicode; NFC is its usual form).
    static func validated(_ value: String, field: String, maxLength: Int) throws(InvoicingError) -> String {
        let nfc = value.precomposedStringWithCanonicalMapping
        guard !nfc.isEmpty else {
            throw .invalidField(field: field, value: value, rule: "must not be empty")
        }
        guard nfc.trimmingCharacters(in: .whitespacesAndNewlines) == nfc else {
            throw .invalidField(field: field, value: value, rule: "must not start or end with whitespace")
        }
        if let bad = nfc.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
            throw .invalidField(field: field, value: value, rule: "contains the control character U+\(String(bad.value, radix: 16, uppercase: true)), which an invoice cannot carry")
        }
        guard nfc.count <= maxLength else {
            throw .invalidField(field: field, value: value, rule: "is \(nfc.count) characters; at most \(maxLength) are allowed")
        }
        return nfc
    }

    static func optional(_ value: String?, field: String, maxLength: Int) throws(InvoicingError) -> String? {
        guard let value else { return nil }
        return try validated(value, field: field, maxLength: maxLength)
    }
}

/// The seller (`NDHDon/NBan`) or, on a fee e-receipt, the collecting organisation.
///
/// Cash-register forms carry `Ten, MST, DChi, SDThoai` (einvoice-vn.md §2.2, form 2/h; Decree 254 Art. 10.4).
public struct Seller: Sendable, Hashable {
    /// `Ten`, ≤ 400 characters.
    public let name: String
    /// `MST`.
    public let taxCode: TaxCode
    /// `DChi`, ≤ 400 characters.
    public let address: String
    /// `SDThoai`, ≤ 20 characters.
    public let phone: String?

    public init(name: String, taxCode: TaxCode, address: String, phone: String? = nil) throws(InvoicingError) {
        self.name = try TextField.validated(name, field: "NBan/Ten", maxLength: 400)
        self.taxCode = taxCode
        self.address = try TextField.validated(address, field: "NBan/DChi", maxLength: 400)
        self.phone = try TextField.optional(phone, field: "NBan/SDThoai", maxLength: 20)
    }
}

/// How an anonymous buyer is written in `NMua/Ten`.
public enum AnonymousBuyer: String, Sendable, Hashable, CaseIterable {
    /// "Bán cho người tiêu dùng": the wording of Decree 254/2026 Phụ lục item 4.b for a sale without buyer data
    /// (einvoice-vn.md §1.5). The default under the current regime.
    case consumer = "Bán cho người tiêu dùng"
    /// "Người mua không lấy hóa đơn": the wording cash-register invoices used under Decree 123/2020 when the
    /// buyer did not take the invoice; kept for operators whose templates still print it.
    case declined = "Người mua không lấy hóa đơn"
}

/// The buyer (`NDHDon/NMua`), or the payer on a fee e-receipt.
public enum Buyer: Sendable, Hashable {
    /// No buyer data: `NMua` holds only `Ten` with the conventional wording.
    case anonymous(AnonymousBuyer)
    /// The buyer asked for an invoice in their name (Decree 254 Art. 10.4: tax code, personal id or phone).
    case identified(BuyerDetails)
}

/// Buyer data given when the buyer asks for it. At least one of tax code, personal id or phone is required,
/// and a buyer with a tax code (a business) must also give its name and address.
public struct BuyerDetails: Sendable, Hashable {
    /// `Ten` (organisation or person), ≤ 400.
    public let name: String?
    /// `MST`.
    public let taxCode: TaxCode?
    /// `DChi`, ≤ 400.
    public let address: String?
    /// `SDThoai`, ≤ 20.
    public let phone: String?
    /// `HVTNMHang`: the buying person's name, ≤ 100.
    public let personName: String?
    /// `CCCDan`: personal identification number (12 digits).
    public let personalID: PersonalID?

    public init(
        name: String? = nil, taxCode: TaxCode? = nil, address: String? = nil, phone: String? = nil,
        personName: String? = nil, personalID: PersonalID? = nil
    ) throws(InvoicingError) {
        self.name = try TextField.optional(name, field: "NMua/Ten", maxLength: 400)
        self.taxCode = taxCode
        self.address = try TextField.optional(address, field: "NMua/DChi", maxLength: 400)
        self.phone = try TextField.optional(phone, field: "NMua/SDThoai", maxLength: 20)
        self.personName = try TextField.optional(personName, field: "NMua/HVTNMHang", maxLength: 100)
        self.personalID = personalID
        guard taxCode != nil || personalID != nil || phone != nil else {
            throw .invalidDocument("an identified buyer needs a tax code (MST), a personal id (CCCDan) or a phone number (SDThoai); use an anonymous buyer otherwise")
        }
        if taxCode != nil, self.name == nil || self.address == nil {
            throw .invalidDocument("a buyer with a tax code (MST) must also give its name (Ten) and address (DChi)")
        }
    }
}

/// The invoice being replaced (`TTChung/TTHDLQuan` with `TCHDon=1`).
///
/// A wrong cash-register invoice is only ever replaced, never adjusted or deleted (TT 91/2026 Art. 10.1.c;
/// einvoice-vn.md §0 point 4): the replacement carries this reference, the original stays as issued.
public struct ReplacedInvoice: Sendable, Hashable {
    /// `KHMSHDCLQuan`: template symbol of the original.
    public let template: TemplateSymbol
    /// `KHHDCLQuan`: series of the original.
    public let series: InvoiceSeries
    /// `SHDCLQuan`: number of the original.
    public let number: DocumentNumber
    /// `NLHDCLQuan`: issue date of the original.
    public let issueDate: VietnamTime
    /// `GChu`: why it is replaced, ≤ 255 characters.
    public let reason: String

    /// `LHDCLQuan` = 1: the original is an e-invoice under the current e-invoice decree (not an old-regime or
    /// paper invoice; einvoice-vn.md §2.2 enumerations).
    public static let relatedInvoiceKind = 1

    public init(template: TemplateSymbol, series: InvoiceSeries, number: DocumentNumber, issueDate: VietnamTime, reason: String) throws(InvoicingError) {
        self.template = template
        self.series = series
        self.number = number
        self.issueDate = issueDate.startOfDay
        self.reason = try TextField.validated(reason, field: "TTHDLQuan/GChu", maxLength: 255)
    }
}
