import FeeGateCore
/// Identity fields of Vietnamese e-invoices, e-tickets and fee e-receipts as validated value types.
///
/// Rules come from `shared/domain/einvoice-vn.md` §1 (TT 91/2026 Phụ lục I and II.2, Decree 254/2026 Phụ lục,
/// QĐ 1271/QĐ-CT). Each type has a throwing initialiser from parts and a `parse` from its printed form;
/// both reject malformed values with a message naming the tag and the rule.

private func isASCIIDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
private func isASCIIUpper(_ c: Character) -> Bool { c.isASCII && c.isUppercase }

/// Invoice template symbol `KHMSHDon`: one digit 1–9 (TT 91/2026 Art. 4.1, Phụ lục I; einvoice-vn.md §1.2).
public struct TemplateSymbol: Sendable, Hashable, CustomStringConvertible {
    /// The digit 1…9.
    public let digit: Int

    /// 1 = VAT invoice (hóa đơn giá trị gia tăng), for deduction-method sellers.
    public static let vatInvoice = TemplateSymbol(unchecked: 1)
    /// 2 = sales invoice (hóa đơn bán hàng), for direct-method sellers.
    public static let salesInvoice = TemplateSymbol(unchecked: 2)
    /// 5 = other documents with invoice content: e-tickets, e-cards, e-stamps, receipts.
    public static let other = TemplateSymbol(unchecked: 5)

    private init(unchecked digit: Int) { self.digit = digit }

    /// - Throws: ``InvoicingError/invalidField(field:value:rule:)`` unless `digit` is 1…9.
    public init(_ digit: Int) throws(InvoicingError) {
        guard (1...9).contains(digit) else {
            throw .invalidField(field: "KHMSHDon", value: String(digit), rule: "the template symbol is one digit 1–9 (TT 91/2026 Phụ lục I)")
        }
        self.digit = digit
    }

    /// Parses the printed symbol, e.g. `"1"`.
    public static func parse(_ text: String) throws(InvoicingError) -> TemplateSymbol {
        guard text.count == 1, let c = text.first, isASCIIDigit(c), let d = c.wholeNumberValue else {
            throw .invalidField(field: "KHMSHDon", value: text, rule: "the template symbol is exactly one digit 1–9 (TT 91/2026 Phụ lục I)")
        }
        return try TemplateSymbol(d)
    }

    public var description: String { String(digit) }
}

/// Position 4 of `KHHDon`: the kind of invoice (TT 91/2026 Phụ lục I; einvoice-vn.md §1.3).
public enum SeriesKind: Character, Sendable, Hashable, CaseIterable {
    /// Registered with the tax authority by an enterprise or household.
    case registered = "T"
    /// Public assets, national reserve, special invoices not needing some fields.
    case special = "D"
    /// Issued per occurrence by the tax authority.
    case perOccurrence = "L"
    /// Generated from a cash register (máy tính tiền, MTT).
    case cashRegister = "M"
    /// Internal transfer note.
    case internalTransfer = "N"
    /// Consignment note.
    case consignment = "B"
    /// Stamps, tickets, cards that are VAT invoices.
    case ticketVAT = "G"
    /// Stamps, tickets, cards that are sales invoices.
    case ticketSales = "H"
    /// Commercial invoice (exports).
    case commercial = "X"
    /// VAT invoice cum refund declaration (TT 91/2026 only).
    case refund = "F"
}

/// Invoice series symbol `KHHDon`: 6 characters `{C|K}{YY}{kind}{XX}` (TT 91/2026 Phụ lục I; einvoice-vn.md §1.3).
///
/// Cash-register (MTT) invoices with a tax-authority code use `C{YY}M{XX}`, built by ``cashRegister(year:suffix:)``.
/// `XX` is two upper-case letters A–Z chosen by the seller (`YY` when it has no need); real series include
/// `FB`, so the letters are not limited to the Vietnamese alphabet.
public struct InvoiceSeries: Sendable, Hashable, CustomStringConvertible {
    /// `C`: invoice with a tax-authority code; `K`: without.
    public let withAuthorityCode: Bool
    /// Last two digits of the year of issue (0…99).
    public let yearOfCentury: Int
    public let kind: SeriesKind
    /// The seller's two letters.
    public let suffix: String

    /// - Parameters:
    ///   - year: the full year of issue (2000…2099) or its last two digits (0…99).
    /// - Throws: ``InvoicingError/invalidField(field:value:rule:)`` for a bad year or suffix.
    public init(withAuthorityCode: Bool, year: Int, kind: SeriesKind, suffix: String) throws(InvoicingError) {
        let yy: Int
        switch year {
        case 0...99: yy = year
        case 2000...2099: yy = year - 2000
        default:
            throw .invalidField(field: "KHHDon", value: String(year), rule: "positions 2–3 are the last two digits of the year of issue (2000–2099)")
        }
        guard suffix.count == 2, suffix.allSatisfy(isASCIIUpper) else {
            throw .invalidField(field: "KHHDon", value: suffix, rule: "positions 5–6 are two upper-case letters A–Z chosen by the seller (YY when unused)")
        }
        self.withAuthorityCode = withAuthorityCode
        self.yearOfCentury = yy
        self.kind = kind
        self.suffix = suffix
    }

    /// `C{YY}M{XX}`: cash-register invoice with a tax-authority code, the series every MTT document of ours uses.
    public static func cashRegister(year: Int, suffix: String) throws(InvoicingError) -> InvoiceSeries {
        try InvoiceSeries(withAuthorityCode: true, year: year, kind: .cashRegister, suffix: suffix)
    }

    /// Parses a 6-character series such as `C26MAB`.
    public static func parse(_ text: String) throws(InvoicingError) -> InvoiceSeries {
        let chars = Array(text)
        let rule = "the series is 6 characters {C|K}{YY}{kind}{XX}, e.g. C26MAB (TT 91/2026 Phụ lục I)"
        guard chars.count == 6 else {
            throw .invalidField(field: "KHHDon", value: text, rule: "\(rule); got \(chars.count) characters")
        }
        guard chars[0] == "C" || chars[0] == "K" else {
            throw .invalidField(field: "KHHDon", value: text, rule: "position 1 must be C (with tax-authority code) or K (without)")
        }
        guard isASCIIDigit(chars[1]), isASCIIDigit(chars[2]), let yy = Int(String(chars[1...2])) else {
            throw .invalidField(field: "KHHDon", value: text, rule: "positions 2–3 must be the two-digit year of issue")
        }
        guard let kind = SeriesKind(rawValue: chars[3]) else {
            let letters = SeriesKind.allCases.map { String($0.rawValue) }.joined(separator: " ")
            throw .invalidField(field: "KHHDon", value: text, rule: "position 4 must be one of \(letters) (M = cash register)")
        }
        return try InvoiceSeries(withAuthorityCode: chars[0] == "C", year: yy, kind: kind, suffix: String(chars[4...5]))
    }

    /// The printed 6-character series.
    public var text: String {
        "\(withAuthorityCode ? "C" : "K")\(yearOfCentury < 10 ? "0" : "")\(yearOfCentury)\(kind.rawValue)\(suffix)"
    }

    public var description: String { text }
}

/// A document number (`SHDon`, receipt number): 1 … 99 999 999, at most 8 digits, restarting every 1 January
/// (Decree 254/2026 Phụ lục item 2; Art. 23.2 for receipts; einvoice-vn.md §1.4 and §4).
public struct DocumentNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: Int
    public static let maximum = 99_999_999

    /// - Throws: ``InvoicingError/invalidField(field:value:rule:)`` outside 1…99 999 999.
    public init(_ value: Int) throws(InvoicingError) {
        guard (1...DocumentNumber.maximum).contains(value) else {
            throw .invalidField(field: "SHDon", value: String(value), rule: "the number runs from 1 to 99999999 (at most 8 digits, Decree 254/2026 Phụ lục item 2)")
        }
        self.value = value
    }

    /// Parses the XML form: 1–8 ASCII digits without a leading zero (the element is numeric).
    public static func parse(_ text: String) throws(InvoicingError) -> DocumentNumber {
        guard (1...8).contains(text.count), text.allSatisfy(isASCIIDigit) else {
            throw .invalidField(field: "SHDon", value: text, rule: "the number is 1 to 8 digits (Decree 254/2026 Phụ lục item 2)")
        }
        guard text.first != "0" else {
            throw .invalidField(field: "SHDon", value: text, rule: "the number is numeric and starts at 1: no leading zero")
        }
        guard let value = Int(text) else {
            throw .invalidField(field: "SHDon", value: text, rule: "not a number")
        }
        return try DocumentNumber(value)
    }

    public static func < (lhs: DocumentNumber, rhs: DocumentNumber) -> Bool { lhs.value < rhs.value }
    public var description: String { String(value) }
}

/// The 23-character tax-authority code of a cash-register invoice, `M{template}-{YY}-{XXXXX}-{11 digits}`
/// (QĐ 1271/QĐ-CT Phần I "Mã của cơ quan thuế"; einvoice-vn.md §1.1), e.g. `M1-26-A1B2C-00000000042`.
///
/// `XXXXX` is the 5-character prefix the tax authority issued on accepting the MTT registration (upper-case
/// letters and digits, as in real data); the 11 digits come from the operator's strictly increasing counter,
/// which starts at 1 (our choice: a counter that is never reused never needs 0).
public struct MTTCode: Sendable, Hashable, CustomStringConvertible {
    public let template: TemplateSymbol
    public let yearOfCentury: Int
    public let prefix: String
    public let counter: Int64

    public static let maximumCounter: Int64 = 99_999_999_999

    /// - Parameters:
    ///   - year: the full year of issue (2000…2099) or its last two digits.
    /// - Throws: ``InvoicingError/invalidField(field:value:rule:)`` for a bad year, prefix or counter.
    public init(template: TemplateSymbol, year: Int, prefix: String, counter: Int64) throws(InvoicingError) {
        switch year {
        case 0...99: yearOfCentury = year
        case 2000...2099: yearOfCentury = year - 2000
        default:
            throw .invalidField(field: "MCCQT", value: String(year), rule: "C3C4 are the last two digits of the year of issue (2000–2099)")
        }
        guard prefix.count == 5, prefix.allSatisfy({ isASCIIUpper($0) || isASCIIDigit($0) }) else {
            throw .invalidField(field: "MCCQT", value: prefix, rule: "C5–C9 are the 5 upper-case letters/digits the tax authority issued for the MTT registration")
        }
        guard (1...MTTCode.maximumCounter).contains(counter) else {
            throw .invalidField(field: "MCCQT", value: String(counter), rule: "C10–C20 are an 11-digit counter from 1 to 99999999999")
        }
        self.template = template
        self.prefix = prefix
        self.counter = counter
    }

    /// Parses a code such as `M2-25-A1B2C-00001234567`.
    public static func parse(_ text: String) throws(InvoicingError) -> MTTCode {
        let rule = "an MTT code is 23 characters M{template}-{YY}-{XXXXX}-{11 digits}, e.g. M1-26-A1B2C-00000000042"
        let chars = Array(text)
        guard chars.count == 23 else {
            throw .invalidField(field: "MCCQT", value: text, rule: "\(rule); got \(chars.count) characters")
        }
        guard chars[0] == "M" else {
            throw .invalidField(field: "MCCQT", value: text, rule: "C1 must be M (cash register)")
        }
        guard chars[2] == "-", chars[5] == "-", chars[11] == "-" else {
            throw .invalidField(field: "MCCQT", value: text, rule: "separators '-' must be at positions 3, 6 and 12 (\(rule))")
        }
        guard isASCIIDigit(chars[1]), let t = chars[1].wholeNumberValue else {
            throw .invalidField(field: "MCCQT", value: text, rule: "C2 must be the template digit 1–9")
        }
        let template: TemplateSymbol
        do { template = try TemplateSymbol(t) } catch {
            throw .invalidField(field: "MCCQT", value: text, rule: "C2 must be the template digit 1–9")
        }
        guard chars[3...4].allSatisfy(isASCIIDigit), let yy = Int(String(chars[3...4])) else {
            throw .invalidField(field: "MCCQT", value: text, rule: "C3C4 must be the two-digit year of issue")
        }
        let digits = chars[12...22]
        guard digits.allSatisfy(isASCIIDigit), let counter = Int64(String(digits)) else {
            throw .invalidField(field: "MCCQT", value: text, rule: "C10–C20 must be 11 digits")
        }
        return try MTTCode(template: template, year: yy, prefix: String(chars[6...10]), counter: counter)
    }

    /// The printed 23-character code.
    public var text: String {
        let count = String(counter)
        let padded = String(repeating: "0", count: 11 - count.count) + count
        return "M\(template.digit)-\(yearOfCentury < 10 ? "0" : "")\(yearOfCentury)-\(prefix)-\(padded)"
    }

    public var description: String { text }
}

/// Fee e-receipt template symbol: 5 characters, `EBL01` (no face value) or `EBL02` (with face value)
/// (TT 91/2026 Phụ lục II.2; einvoice-vn.md §4).
public enum ReceiptTemplate: String, Sendable, Hashable, CaseIterable {
    case withoutFaceValue = "EBL01"
    case withFaceValue = "EBL02"

    public static func parse(_ text: String) throws(InvoicingError) -> ReceiptTemplate {
        guard let value = ReceiptTemplate(rawValue: text) else {
            throw .invalidField(field: "receipt template", value: text, rule: "must be EBL01 (no face value) or EBL02 (with face value) (TT 91/2026 Phụ lục II.2)")
        }
        return value
    }
}

/// Fee e-receipt series: 5 characters `{YY}T{XX}`, the two letters from A B C D E G H K L M N P Q R S T U V X Y
/// (TT 91/2026 Phụ lục II.2; einvoice-vn.md §4), e.g. `26TAA`.
public struct ReceiptSeries: Sendable, Hashable, CustomStringConvertible {
    public let yearOfCentury: Int
    public let letters: String

    /// The letters TT 91/2026 Phụ lục II.2 allows (the Vietnamese alphabet without Đ, plus none of F J O W Z I).
    public static let allowedLetters: Set<Character> = Set("ABCDEGHKLMNPQRSTUVXY")

    public init(year: Int, letters: String) throws(InvoicingError) {
        switch year {
        case 0...99: yearOfCentury = year
        case 2000...2099: yearOfCentury = year - 2000
        default:
            throw .invalidField(field: "receipt series", value: String(year), rule: "starts with the last two digits of the year of issue (2000–2099)")
        }
        guard letters.count == 2, letters.allSatisfy({ ReceiptSeries.allowedLetters.contains($0) }) else {
            throw .invalidField(field: "receipt series", value: letters, rule: "ends with two letters from A B C D E G H K L M N P Q R S T U V X Y (TT 91/2026 Phụ lục II.2)")
        }
        self.letters = letters
    }

    public static func parse(_ text: String) throws(InvoicingError) -> ReceiptSeries {
        let chars = Array(text)
        guard chars.count == 5 else {
            throw .invalidField(field: "receipt series", value: text, rule: "the receipt series is 5 characters {YY}T{XX}, e.g. 26TAA; got \(chars.count)")
        }
        guard chars[0...1].allSatisfy(isASCIIDigit), let yy = Int(String(chars[0...1])) else {
            throw .invalidField(field: "receipt series", value: text, rule: "positions 1–2 must be the two-digit year of issue")
        }
        guard chars[2] == "T" else {
            throw .invalidField(field: "receipt series", value: text, rule: "position 3 must be T (e-receipt)")
        }
        return try ReceiptSeries(year: yy, letters: String(chars[3...4]))
    }

    public var text: String { "\(yearOfCentury < 10 ? "0" : "")\(yearOfCentury)T\(letters)" }
    public var description: String { text }
}

extension TaxCode {
    /// A tax code read for a document field (``FeeGateCore/TaxCode``'s format): an invalid one is an
    /// ``InvoicingError`` naming `MST`.
    public static func field(_ text: String) throws(InvoicingError) -> TaxCode {
        guard let code = TaxCode(text) else {
            throw .invalidField(field: "MST", value: text, rule: "a tax code is 10 digits, or 10 digits + '-' + 3 digits for a branch (e.g. 0302431595-999)")
        }
        return code
    }
}

/// A personal identification number (`CCCDan`, số định danh cá nhân): 12 digits (einvoice-vn.md §1.5).
public struct PersonalID: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) throws(InvoicingError) {
        guard text.count == 12, text.allSatisfy(isASCIIDigit) else {
            throw .invalidField(field: "CCCDan", value: text, rule: "a personal identification number is exactly 12 digits")
        }
        self.text = text
    }

    public var description: String { text }
}
