import FeeGateCore

/// Whether line prices include VAT (retail, what the customer paid) or exclude it.
public enum PriceBasis: Sendable, Hashable {
    /// Prices are before VAT; VAT is added per rate.
    case exclusive
    /// Prices include VAT; each unit price is split with `VATRate.split(inclusive:)`.
    case inclusive
}

/// One sold item as given by the caller (`HHDVu` with `TChat = 1`).
public struct InvoiceLineInput: Sendable, Hashable {
    /// `MHHDVu`, ≤ 50.
    public let code: String?
    /// `THHDVu`, ≤ 500.
    public let name: String
    /// `DVTinh`, ≤ 50 (services may omit it, Decree 254 Phụ lục 5.a.2).
    public let unit: String?
    /// `SLuong`: a whole quantity ≥ 1 (FeeGate sells rides, passes and parking sessions, never fractions).
    public let quantity: Int64
    /// Unit price, before or including VAT according to the document's ``PriceBasis``.
    public let unitPrice: Money
    /// `TSuat`.
    public let vatRate: VATRate

    public init(code: String? = nil, name: String, unit: String? = nil, quantity: Int64, unitPrice: Money, vatRate: VATRate) throws(InvoicingError) {
        self.code = try TextField.optional(code, field: "HHDVu/MHHDVu", maxLength: 50)
        self.name = try TextField.validated(name, field: "HHDVu/THHDVu", maxLength: 500)
        self.unit = try TextField.optional(unit, field: "HHDVu/DVTinh", maxLength: 50)
        guard quantity >= 1, quantity <= 1_000_000 else {
            throw .invalidField(field: "HHDVu/SLuong", value: String(quantity), rule: "the quantity is a whole number from 1 to 1000000")
        }
        guard unitPrice.isValidAmount else {
            throw .invalidField(field: "HHDVu/DGia", value: String(unitPrice.vnd), rule: "a unit price is 0 … 10^15 đồng")
        }
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.vatRate = vatRate
    }
}

/// A line as it appears on the document, with its amounts worked out.
public struct InvoiceLine: Sendable, Hashable {
    /// `STT`, from 1.
    public let position: Int
    public let input: InvoiceLineInput
    /// `DGia`: the unit price before VAT (for inclusive prices, `split(inclusive: unitPrice).beforeVAT`).
    public let unitPriceBeforeVAT: Money
    /// `ThTien`: `quantity × DGia`, before VAT.
    public let amountBeforeVAT: Money
    /// The VAT this line contributes when prices are VAT-inclusive (`quantity × split.vat`); `nil` for exclusive
    /// prices, whose VAT is computed once per rate.
    public let inclusiveVAT: Money?
    /// For inclusive prices, the VAT-inclusive unit price (carried in `HHDVu/TTKhac` so a verifier can redo the split).
    public var inclusiveUnitPrice: Money? { inclusiveVAT == nil ? nil : input.unitPrice }
}

/// One per-rate summary `THTTLTSuat/LTSuat`.
public struct RateSummary: Sendable, Hashable {
    /// `TSuat`.
    public let rate: VATRate
    /// `ThTien`: sum of the lines' `ThTien` at this rate.
    public let amountBeforeVAT: Money
    /// `TThue`: VAT at this rate (0 for KCT, KKKNT, 0%).
    public let vat: Money

    public init(rate: VATRate, amountBeforeVAT: Money, vat: Money) {
        self.rate = rate
        self.amountBeforeVAT = amountBeforeVAT
        self.vat = vat
    }
}

extension RateSummary {
    /// The summaries as one line of text for storage beside the document (`8%=111111+8889;KCT=15000+0`; empty for
    /// none), read back by ``list(storageText:)``. `TSuat` labels contain no `=`, `+` or `;`.
    public static func storageText(_ summaries: [RateSummary]) -> String {
        summaries.map { "\($0.rate.label)=\($0.amountBeforeVAT.vnd)+\($0.vat.vnd)" }.joined(separator: ";")
    }

    /// The summaries stored by ``storageText(_:)``, or `nil` if the text is not in that form.
    public static func list(storageText text: String) -> [RateSummary]? {
        if text.isEmpty { return [] }
        var out: [RateSummary] = []
        for item in text.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let rate = VATRate(label: String(pair[0])) else { return nil }
            let amounts = pair[1].split(separator: "+", omittingEmptySubsequences: false)
            guard amounts.count == 2, let before = Int64(amounts[0]), let vat = Int64(amounts[1]) else { return nil }
            out.append(RateSummary(rate: rate, amountBeforeVAT: Money(before), vat: Money(vat)))
        }
        return out
    }
}

/// Document totals.
public struct DocumentTotals: Sendable, Hashable {
    /// `TgTCThue`: total before VAT.
    public let beforeVAT: Money
    /// `TgTThue`: total VAT.
    public let vat: Money
    /// `TgTTTBSo`: total payable.
    public let payable: Money

    public init(beforeVAT: Money, vat: Money, payable: Money) {
        self.beforeVAT = beforeVAT
        self.vat = vat
        self.payable = payable
    }
}

/// The arithmetic of a document, in one place so the builder and the verifier agree.
///
/// **Rounding rule (explicit, one rounding per amount, all half up to the đồng via FeeGateCore `Rounding`):**
/// - *Exclusive prices*: `ThTien = SLuong × DGia` exactly; per rate, `TThue = round(ΣThTien × rate)` — VAT is
///   rounded **once per rate**, never per line, so many small lines cannot drift.
/// - *Inclusive prices*: each unit price is split with `VATRate.split(inclusive:)` (before = round(price / (1 +
///   rate)), vat = price − before); `DGia = before`, `ThTien = SLuong × before`, line VAT = `SLuong × vat`; per rate,
///   `TThue = Σ line VAT`. So `ThTien + TThue` per rate is **exactly** what the customer paid, `DGia × SLuong =
///   ThTien` holds on every line, and the VAT differs from `round(ThTien × rate)` by at most 0.55 đồng per unit.
/// - Totals: `TgTCThue = Σ ThTien(rate)`, `TgTThue = Σ TThue(rate)`, `TgTTTBSo = TgTCThue + TgTThue`.
/// - Rate summaries are ordered 0%, 5%, 8%, 10%, other percentages ascending, then KCT, then KKKNT.
public enum InvoiceArithmetic {
    /// Works out lines, per-rate summaries and totals.
    ///
    /// - Throws: ``InvoicingError/amountOverflow(_:)`` when any amount exceeds 10^15 đồng.
    public static func compute(_ inputs: [InvoiceLineInput], basis: PriceBasis) throws(InvoicingError) -> (lines: [InvoiceLine], summaries: [RateSummary], totals: DocumentTotals) {
        var lines: [InvoiceLine] = []
        var before: [VATRate: Money] = [:]
        var inclusiveVAT: [VATRate: Money] = [:]
        for (index, input) in inputs.enumerated() {
            let path = "HHDVu[\(index + 1)]"
            switch basis {
            case .exclusive:
                let amount = try checkedProduct(input.unitPrice, input.quantity, what: "\(path)/ThTien")
                lines.append(InvoiceLine(position: index + 1, input: input, unitPriceBeforeVAT: input.unitPrice, amountBeforeVAT: amount, inclusiveVAT: nil))
                before[input.vatRate] = try checkedSum(before[input.vatRate] ?? .zero, amount, what: "ThTien at \(input.vatRate.label)")
            case .inclusive:
                let split = input.vatRate.split(inclusive: input.unitPrice)
                let amount = try checkedProduct(split.beforeVAT, input.quantity, what: "\(path)/ThTien")
                let vat = try checkedProduct(split.vat, input.quantity, what: "\(path) VAT")
                lines.append(InvoiceLine(position: index + 1, input: input, unitPriceBeforeVAT: split.beforeVAT, amountBeforeVAT: amount, inclusiveVAT: vat))
                before[input.vatRate] = try checkedSum(before[input.vatRate] ?? .zero, amount, what: "ThTien at \(input.vatRate.label)")
                inclusiveVAT[input.vatRate] = try checkedSum(inclusiveVAT[input.vatRate] ?? .zero, vat, what: "TThue at \(input.vatRate.label)")
            }
        }
        var summaries: [RateSummary] = []
        for rate in before.keys.sorted(by: rateOrder) {
            let base = before[rate] ?? .zero
            let vat: Money
            switch basis {
            case .exclusive: vat = rate.vat(onExclusive: base)
            case .inclusive: vat = inclusiveVAT[rate] ?? .zero
            }
            summaries.append(RateSummary(rate: rate, amountBeforeVAT: base, vat: vat))
        }
        var totalBefore = Money.zero, totalVAT = Money.zero
        for s in summaries {
            totalBefore = try checkedSum(totalBefore, s.amountBeforeVAT, what: "TgTCThue")
            totalVAT = try checkedSum(totalVAT, s.vat, what: "TgTThue")
        }
        let payable = try checkedSum(totalBefore, totalVAT, what: "TgTTTBSo")
        return (lines, summaries, DocumentTotals(beforeVAT: totalBefore, vat: totalVAT, payable: payable))
    }

    /// Deterministic order of `LTSuat` entries.
    public static func rateOrder(_ a: VATRate, _ b: VATRate) -> Bool {
        func key(_ r: VATRate) -> (Int, Int) {
            switch r {
            case .percent(let bp): return (0, bp)
            case .notSubject: return (1, 0)
            case .notDeclared: return (2, 0)
            }
        }
        return key(a) < key(b)
    }

    static func checkedProduct(_ price: Money, _ quantity: Int64, what: String) throws(InvoicingError) -> Money {
        guard let product = price.multiplied(by: quantity), product.isValidAmount else { throw .amountOverflow(what) }
        return product
    }

    static func checkedSum(_ a: Money, _ b: Money, what: String) throws(InvoicingError) -> Money {
        guard let sum = a.adding(b), sum.isValidAmount else { throw .amountOverflow(what) }
        return sum
    }
}

/// How the document is identified: an invoice/e-ticket template + series, or a fee e-receipt's.
public enum DocumentSymbol: Sendable, Hashable {
    case invoice(template: TemplateSymbol, series: InvoiceSeries)
    case receipt(template: ReceiptTemplate, series: ReceiptSeries)

    /// Printed in `KHMSHDon`.
    public var templateText: String {
        switch self {
        case .invoice(let t, _): return t.description
        case .receipt(let t, _): return t.rawValue
        }
    }

    /// Printed in `KHHDon`.
    public var seriesText: String {
        switch self {
        case .invoice(_, let s): return s.text
        case .receipt(_, let s): return s.text
        }
    }

    var yearOfCentury: Int {
        switch self {
        case .invoice(_, let s): return s.yearOfCentury
        case .receipt(_, let s): return s.yearOfCentury
        }
    }
}

/// A finished e-invoice, e-ticket or fee e-receipt, ready to serialise and sign.
///
/// Build one with ``cashRegisterInvoice(dataID:template:series:number:authorityCode:issuedAt:seller:buyer:lines:priceBasis:paymentMethod:replacing:)``,
/// ``eTicket(dataID:series:number:authorityCode:issuedAt:seller:buyer:lines:priceBasis:title:zeroFareFunder:replacing:)``
/// or ``feeReceipt(dataID:template:series:number:issuedAt:collector:payer:items:)``. The number and the MTT
/// counter are given by the caller (the store allocates them gaplessly at commit); this type checks that they
/// agree with the series, template and year.
public struct EInvoiceDocument: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Hóa đơn khởi tạo từ máy tính tiền (template 1 or 2, series `?YYM??`).
        case cashRegisterInvoice = "cash_register_invoice"
        /// Vé điện tử, template 5.
        case eTicket = "e_ticket"
        /// Biên lai thu phí, lệ phí điện tử (EBL01/EBL02).
        case feeReceipt = "fee_receipt"
    }

    /// XML version printed in `PBan` (2026 vendor XML shows 2.1.0; einvoice-vn.md §2.1).
    public static let formatVersion = "2.1.0"

    public let kind: Kind
    /// `DLHDon/@Id`, the signed area.
    public let dataID: String
    /// `THDon`.
    public let title: String
    public let symbol: DocumentSymbol
    /// `SHDon`.
    public let number: DocumentNumber
    /// `NLap` (date) and the issue time in `TTChung/TTKhac`.
    public let issuedAt: VietnamTime
    public let seller: Seller
    public let buyer: Buyer
    public let priceBasis: PriceBasis
    public let lines: [InvoiceLine]
    /// `TChat = 4` description lines printed after the items (e.g. the funder of a 0-VND ticket).
    public let notes: [String]
    /// Per-rate summaries; empty on fee e-receipts (no VAT).
    public let summaries: [RateSummary]
    public let totals: DocumentTotals
    /// `TgTTTBChu`.
    public let amountInWords: String
    /// `MCCQT` for series with a tax-authority code (`C`).
    public let authorityCode: MTTCode?
    /// `TTHDLQuan` for a replacement.
    public let replaces: ReplacedInvoice?
    /// Payment method (free text, e.g. "Chuyển khoản"), carried in `TTChung/TTKhac` on cash-register forms.
    public let paymentMethod: String?

    /// Title of a cash-register VAT invoice (template 1).
    public static let vatInvoiceTitle = "Hóa đơn giá trị gia tăng khởi tạo từ máy tính tiền"
    /// Title of a cash-register sales invoice (template 2).
    public static let salesInvoiceTitle = "Hóa đơn bán hàng khởi tạo từ máy tính tiền"
    /// Default e-ticket title.
    public static let eTicketTitle = "Vé điện tử"
    /// Fee e-receipt title.
    public static let feeReceiptTitle = "Biên lai thu phí, lệ phí"

    /// The note printed on a 0-VND ticket: "Vé 0 đồng — {funder} chi trả".
    public static func zeroFareNote(funder: String) -> String { "Vé 0 đồng — \(funder) chi trả" }

    /// A cash-register (MTT) invoice: template 1 (VAT) or 2 (sales), series `{C|K}{YY}M{XX}`.
    ///
    /// - Parameters:
    ///   - dataID: `DLHDon/@Id`; `nil` derives `HD-{MST}-{template}{series}-{number}`.
    ///   - authorityCode: required for a `C` series and forbidden for `K`; its template and year must match.
    ///   - replacing: the original invoice when this one replaces it (`TCHDon = 1`).
    /// - Throws: ``InvoicingError`` naming the first broken rule.
    public static func cashRegisterInvoice(
        dataID: String? = nil, template: TemplateSymbol, series: InvoiceSeries, number: DocumentNumber,
        authorityCode: MTTCode?, issuedAt: VietnamTime, seller: Seller, buyer: Buyer,
        lines: [InvoiceLineInput], priceBasis: PriceBasis, paymentMethod: String? = nil,
        replacing: ReplacedInvoice? = nil
    ) throws(InvoicingError) -> EInvoiceDocument {
        guard template == .vatInvoice || template == .salesInvoice else {
            throw .invalidField(field: "KHMSHDon", value: template.description, rule: "a cash-register invoice uses template 1 (VAT invoice) or 2 (sales invoice)")
        }
        guard series.kind == .cashRegister else {
            throw .invalidField(field: "KHHDon", value: series.text, rule: "a cash-register invoice needs series kind M at position 4 (C{YY}M{XX})")
        }
        if template == .salesInvoice, let taxed = lines.first(where: { $0.vatRate.basisPoints != 0 }) {
            throw .invalidDocument("a sales invoice (template 2) carries no VAT, but line '\(taxed.name)' has \(taxed.vatRate.label)")
        }
        let title = template == .vatInvoice ? vatInvoiceTitle : salesInvoiceTitle
        return try build(
            kind: .cashRegisterInvoice, dataID: dataID, title: title, symbol: .invoice(template: template, series: series),
            number: number, authorityCode: authorityCode, issuedAt: issuedAt, seller: seller, buyer: buyer,
            lines: lines, priceBasis: priceBasis, notes: [], paymentMethod: paymentMethod, replacing: replacing)
    }

    /// An e-ticket (template 5) for bus rides and passes, usually `KCT`.
    ///
    /// A ticket whose total is 0 đồng must name who pays for it (`zeroFareFunder`, e.g. "ngân sách thành phố"); it
    /// is printed as the note "Vé 0 đồng — ngân sách thành phố chi trả". A paid ticket must not name a funder.
    /// The series is a cash-register (`M`) or registered (`T`) series; `C` series carry an `M5-…` code.
    public static func eTicket(
        dataID: String? = nil, series: InvoiceSeries, number: DocumentNumber, authorityCode: MTTCode?,
        issuedAt: VietnamTime, seller: Seller, buyer: Buyer, lines: [InvoiceLineInput],
        priceBasis: PriceBasis = .inclusive, title: String = eTicketTitle, zeroFareFunder: String? = nil,
        replacing: ReplacedInvoice? = nil
    ) throws(InvoicingError) -> EInvoiceDocument {
        guard series.kind == .cashRegister || series.kind == .registered else {
            throw .invalidField(field: "KHHDon", value: series.text, rule: "an e-ticket (template 5) uses series kind M (cash register) or T (registered)")
        }
        let (_, _, totals) = try InvoiceArithmetic.compute(lines, basis: priceBasis)
        var notes: [String] = []
        if totals.payable == .zero {
            guard let zeroFareFunder else {
                throw .invalidDocument("a 0-VND ticket must name who pays for it (zeroFareFunder, e.g. \"ngân sách thành phố\")")
            }
            let funder = try TextField.validated(zeroFareFunder, field: "zero-fare funder", maxLength: 200)
            notes.append(zeroFareNote(funder: funder))
        } else if zeroFareFunder != nil {
            throw .invalidDocument("only a 0-VND ticket names a funder; this ticket costs \(totals.payable)")
        }
        return try build(
            kind: .eTicket, dataID: dataID, title: try TextField.validated(title, field: "THDon", maxLength: 100),
            symbol: .invoice(template: .other, series: series), number: number, authorityCode: authorityCode,
            issuedAt: issuedAt, seller: seller, buyer: buyer, lines: lines, priceBasis: priceBasis, notes: notes,
            paymentMethod: nil, replacing: replacing)
    }

    /// One fee or charge collected on a receipt: its name and amount (no VAT).
    public struct FeeItem: Sendable, Hashable {
        public let name: String
        public let amount: Money
        public init(name: String, amount: Money) throws(InvoicingError) {
            self.name = try TextField.validated(name, field: "fee name", maxLength: 500)
            guard amount.isValidAmount else {
                throw .invalidField(field: "fee amount", value: String(amount.vnd), rule: "a fee is 0 … 10^15 đồng")
            }
            self.amount = amount
        }
    }

    /// A fee e-receipt (biên lai thu phí, lệ phí): no VAT, own template/series/number, total in figures and words
    /// (Decree 254/2026 Art. 23.2). 💡 No public XML layout for EBL receipts was found (einvoice-vn.md §4), so it
    /// is serialised in the invoice tree with no `TSuat`, `LTSuat`, `TgTCThue` or `TgTThue`.
    public static func feeReceipt(
        dataID: String? = nil, template: ReceiptTemplate, series: ReceiptSeries, number: DocumentNumber,
        issuedAt: VietnamTime, collector: Seller, payer: Buyer, items: [FeeItem]
    ) throws(InvoicingError) -> EInvoiceDocument {
        var lines: [InvoiceLineInput] = []
        for item in items {
            lines.append(try InvoiceLineInput(name: item.name, quantity: 1, unitPrice: item.amount, vatRate: .notSubject))
        }
        return try build(
            kind: .feeReceipt, dataID: dataID, title: feeReceiptTitle, symbol: .receipt(template: template, series: series),
            number: number, authorityCode: nil, issuedAt: issuedAt, seller: collector, buyer: payer, lines: lines,
            priceBasis: .exclusive, notes: [], paymentMethod: nil, replacing: nil)
    }

    private static func build(
        kind: Kind, dataID: String?, title: String, symbol: DocumentSymbol, number: DocumentNumber,
        authorityCode: MTTCode?, issuedAt: VietnamTime, seller: Seller, buyer: Buyer, lines inputs: [InvoiceLineInput],
        priceBasis: PriceBasis, notes: [String], paymentMethod: String?, replacing: ReplacedInvoice?
    ) throws(InvoicingError) -> EInvoiceDocument {
        guard !inputs.isEmpty else { throw .invalidDocument("a document needs at least one line") }
        guard inputs.count + notes.count <= 9999 else { throw .invalidDocument("at most 9999 lines (STT has 4 digits)") }
        guard symbol.yearOfCentury == issuedAt.year % 100 else {
            throw .invalidField(field: "KHHDon", value: symbol.seriesText, rule: "the series year must be the year of issue (\(issuedAt.year)); series change every 1 January")
        }
        if case .invoice(let template, let series) = symbol {
            switch (series.withAuthorityCode, authorityCode) {
            case (true, nil):
                throw .invalidDocument("series \(series.text) is a C series (with tax-authority code): the MTT code (MCCQT) is required")
            case (false, .some(let code)):
                throw .invalidDocument("series \(series.text) is a K series (without code) but MTT code \(code.text) was given")
            case (true, .some(let code)):
                guard code.template == template else {
                    throw .invalidField(field: "MCCQT", value: code.text, rule: "C2 must be the template symbol \(template.digit)")
                }
                guard code.yearOfCentury == issuedAt.year % 100 else {
                    throw .invalidField(field: "MCCQT", value: code.text, rule: "C3C4 must be the year of issue (\(issuedAt.year))")
                }
            case (false, nil): break
            }
        }
        if let replacing {
            guard replacing.issueDate <= issuedAt else {
                throw .invalidDocument("the replaced invoice (\(replacing.issueDate.dateText)) cannot be later than its replacement (\(issuedAt.dateText))")
            }
            if case .invoice(let template, let series) = symbol,
               replacing.template == template, replacing.series == series, replacing.number == number {
                throw .invalidDocument("an invoice cannot replace itself (\(template)\(series) no. \(number))")
            }
        }
        let id = try dataID.map { (id: String) throws(InvoicingError) -> String in try validateID(id) }
            ?? "HD-\(seller.taxCode.text)-\(symbol.templateText)\(symbol.seriesText)-\(number.value)"
        let (lines, summaries, totals) = try InvoiceArithmetic.compute(inputs, basis: priceBasis)
        return EInvoiceDocument(
            kind: kind, dataID: id, title: title, symbol: symbol, number: number, issuedAt: issuedAt,
            seller: seller, buyer: buyer, priceBasis: priceBasis, lines: lines, notes: notes,
            summaries: kind == .feeReceipt ? [] : summaries, totals: totals,
            amountInWords: try VietnameseNumberWords.invoiceText(totals.payable),
            authorityCode: authorityCode, replaces: replacing,
            paymentMethod: try TextField.optional(paymentMethod, field: "payment method", maxLength: 50))
    }

    /// `DLHDon/@Id` must be an XML name usable as a same-document reference (`URI="#id"`): a letter or `_`,
    /// then letters, digits, `_`, `-`, `.`; at most 100 characters.
    public static func validateID(_ id: String) throws(InvoicingError) -> String {
        let ok = (1...100).contains(id.count)
            && id.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
        guard ok else {
            throw .invalidField(field: "DLHDon/@Id", value: id, rule: "an Id starts with a letter or '_' and has only ASCII letters, digits, '_', '-', '.' (≤ 100)")
        }
        return id
    }
}
