import FeeGateCore

/// What the structural verifier established about a document.
public struct VerifiedDocument: Sendable, Hashable {
    public let kind: EInvoiceDocument.Kind
    public let dataID: String
    public let templateText: String
    public let seriesText: String
    public let number: DocumentNumber
    public let issueDate: VietnamTime
    public let sellerTaxCode: TaxCode
    public let authorityCode: MTTCode?
    public let totals: DocumentTotals
    /// The per-rate summaries recomputed from the lines (empty for fee receipts, which carry no VAT).
    public let rateSummaries: [RateSummary]
    /// The sold lines as given (a replacement re-issues them).
    public let lines: [InvoiceLineInput]
    public let priceBasis: PriceBasis
    /// Note lines (`TChat` 4), e.g. the funder of a 0-VND ticket.
    public let notes: [String]
    /// `TTKhac` "Hình thức thanh toán", if present.
    public let paymentMethod: String?
    public let amountInWords: String
    /// Template + series + number of the invoice this one replaces, if any.
    public let replaces: String?
    /// `true` when `DSCKS/NBan` holds a `Signature` (checked separately by FeeGateInvoiceSigning).
    public let hasSellerSignature: Bool
}

/// Checks a FeeGate e-invoice / e-ticket / fee e-receipt XML file without trusting anything in it:
/// element tree and order, identity formats (template, series, number, MTT code, tax codes), the year rules,
/// every line amount, the per-rate summaries and totals **recomputed from the lines** with
/// ``InvoiceArithmetic``, and the amount in words. The signature is checked by FeeGateInvoiceSigning.
public enum InvoiceVerifier {
    /// - Throws: ``InvoicingError`` with the path of the first problem found.
    public static func verify(_ xml: [UInt8]) throws(InvoicingError) -> VerifiedDocument {
        let root = try XMLTree.parse(xml)
        guard root.name == "HDon" else { throw .structure(path: "/", reason: "the root element is <\(root.name)>, expected <HDon>") }
        guard root.attributes.isEmpty else { throw .structure(path: "/HDon", reason: "HDon takes no attributes") }
        var top = try Children(root, path: "/HDon")
        let data = try top.required("DLHDon")
        _ = top.optional("DLQRCode")
        let mccqt = top.optional("MCCQT")
        let dscks = try top.required("DSCKS")
        try top.end()

        // DLHDon
        let dataPath = "/HDon/DLHDon"
        guard data.attributes.count == 1, let dataID = data.attribute("Id") else {
            throw .structure(path: dataPath, reason: "DLHDon must carry exactly one attribute, Id (the signed area)")
        }
        _ = try EInvoiceDocument.validateID(dataID)
        var dl = try Children(data, path: dataPath)
        let general = try dl.required("TTChung")
        let content = try dl.required("NDHDon")
        try dl.end()

        // TTChung
        let gPath = dataPath + "/TTChung"
        var g = try Children(general, path: gPath)
        let version = try leaf(try g.required("PBan"), gPath + "/PBan")
        guard version.count <= 6 else { throw .structure(path: gPath + "/PBan", reason: "PBan is at most 6 characters") }
        let title = try leaf(try g.required("THDon"), gPath + "/THDon")
        let templateText = try leaf(try g.required("KHMSHDon"), gPath + "/KHMSHDon")
        let seriesText = try leaf(try g.required("KHHDon"), gPath + "/KHHDon")
        let number = try DocumentNumber.parse(try leaf(try g.required("SHDon"), gPath + "/SHDon"))
        let nlapText = try leaf(try g.required("NLap"), gPath + "/NLap")
        guard nlapText.count == 10 else { throw .invalidField(field: "NLap", value: nlapText, rule: "NLap is a date YYYY-MM-DD") }
        let issueDate = try VietnamTime.parse(nlapText)
        let related = g.optional("TTHDLQuan")
        let extra = g.optional("TTKhac")
        try g.end()

        let kind: EInvoiceDocument.Kind
        var invoiceTemplate: TemplateSymbol?
        var invoiceSeries: InvoiceSeries?
        let yearOfCentury: Int
        if templateText.hasPrefix("EBL") {
            _ = try ReceiptTemplate.parse(templateText)
            let series = try ReceiptSeries.parse(seriesText)
            kind = .feeReceipt
            yearOfCentury = series.yearOfCentury
        } else {
            let template = try TemplateSymbol.parse(templateText)
            let series = try InvoiceSeries.parse(seriesText)
            switch template.digit {
            case 1, 2:
                kind = .cashRegisterInvoice
                guard series.kind == .cashRegister else {
                    throw .invalidField(field: "KHHDon", value: seriesText, rule: "a cash-register invoice needs series kind M (C{YY}M{XX})")
                }
            case 5:
                kind = .eTicket
                guard series.kind == .cashRegister || series.kind == .registered else {
                    throw .invalidField(field: "KHHDon", value: seriesText, rule: "an e-ticket uses series kind M or T")
                }
            default:
                throw .invalidField(field: "KHMSHDon", value: templateText, rule: "FeeGate issues templates 1, 2 (cash-register invoices), 5 (e-tickets) and EBL01/EBL02 (fee e-receipts)")
            }
            invoiceTemplate = template
            invoiceSeries = series
            yearOfCentury = series.yearOfCentury
        }
        guard yearOfCentury == issueDate.year % 100 else {
            throw .invalidField(field: "KHHDon", value: seriesText, rule: "the series year must be the year of NLap (\(issueDate.year))")
        }
        let expectedTitle: String? = switch (kind, invoiceTemplate?.digit) {
        case (.cashRegisterInvoice, 1): EInvoiceDocument.vatInvoiceTitle
        case (.cashRegisterInvoice, _): EInvoiceDocument.salesInvoiceTitle
        case (.feeReceipt, _): EInvoiceDocument.feeReceiptTitle
        case (.eTicket, _): nil
        }
        if let expectedTitle, title != expectedTitle {
            throw .mismatch(path: gPath + "/THDon", expected: expectedTitle, found: title)
        }

        var replaces: String?
        if let related {
            replaces = try verifyRelated(related, path: gPath + "/TTHDLQuan", issueDate: issueDate)
        }
        var paymentMethod: String?
        if let extra {
            for info in try infos(extra, path: gPath + "/TTKhac") where info.field == InvoiceXML.paymentMethodField { paymentMethod = info.value }
            for info in try infos(extra, path: gPath + "/TTKhac") where info.field == InvoiceXML.issueTimeField {
                let time = try VietnamTime.parse(info.value)
                guard info.type == "dateTime", info.value.count == 19, time.startOfDay == issueDate else {
                    throw .mismatch(path: gPath + "/TTKhac/\(InvoiceXML.issueTimeField)", expected: "a dateTime on \(nlapText)", found: info.value)
                }
            }
        }

        // NDHDon
        let cPath = dataPath + "/NDHDon"
        var c = try Children(content, path: cPath)
        let seller = try c.required("NBan")
        let buyer = try c.required("NMua")
        let items = try c.required("DSHHDVu")
        let payment = try c.required("TToan")
        try c.end()

        var s = try Children(seller, path: cPath + "/NBan")
        _ = try leaf(try s.required("Ten"), cPath + "/NBan/Ten")
        let sellerTaxCode = try TaxCode.field(try leaf(try s.required("MST"), cPath + "/NBan/MST"))
        _ = try leaf(try s.required("DChi"), cPath + "/NBan/DChi")
        if let phone = s.optional("SDThoai") { _ = try leaf(phone, cPath + "/NBan/SDThoai") }
        try s.end()

        try verifyBuyer(buyer, path: cPath + "/NMua")

        // Lines
        let (inputs, notes) = try verifyLines(items, path: cPath + "/DSHHDVu", kind: kind)
        let basis: PriceBasis = inputs.first?.inclusive == true ? .inclusive : .exclusive
        guard !inputs.isEmpty else { throw .structure(path: cPath + "/DSHHDVu", reason: "a document needs at least one line with TChat 1") }
        guard inputs.allSatisfy({ $0.inclusive == (basis == .inclusive) }) else {
            throw .structure(path: cPath + "/DSHHDVu", reason: "lines mix VAT-inclusive and VAT-exclusive prices; a document uses one price basis")
        }
        if invoiceTemplate == .salesInvoice, let taxed = inputs.first(where: { $0.input.vatRate.basisPoints != 0 }) {
            throw .structure(path: cPath + "/DSHHDVu", reason: "a sales invoice (template 2) carries no VAT, but line '\(taxed.input.name)' has \(taxed.input.vatRate.label)")
        }
        let computed = try InvoiceArithmetic.compute(inputs.map(\.input), basis: basis)
        for (line, given) in zip(computed.lines, inputs) {
            let path = cPath + "/DSHHDVu/HHDVu[\(line.position)]"
            if kind != .feeReceipt, line.unitPriceBeforeVAT != given.shownUnitPrice {
                throw .mismatch(path: path + "/DGia", expected: InvoiceXML.amount(line.unitPriceBeforeVAT), found: InvoiceXML.amount(given.shownUnitPrice))
            }
            if line.amountBeforeVAT != given.shownAmount {
                throw .mismatch(path: path + "/ThTien", expected: InvoiceXML.amount(line.amountBeforeVAT), found: InvoiceXML.amount(given.shownAmount))
            }
        }

        // TToan
        let tPath = cPath + "/TToan"
        var t = try Children(payment, path: tPath)
        if kind != .feeReceipt {
            let table = try t.required("THTTLTSuat")
            var rows = try Children(table, path: tPath + "/THTTLTSuat")
            let summaries = rows.many("LTSuat")
            try rows.end()
            guard summaries.count == computed.summaries.count else {
                throw .mismatch(path: tPath + "/THTTLTSuat", expected: "\(computed.summaries.count) LTSuat (one per rate used by the lines)", found: "\(summaries.count)")
            }
            for (index, (row, expected)) in zip(summaries, computed.summaries).enumerated() {
                let rPath = tPath + "/THTTLTSuat/LTSuat[\(index + 1)]"
                var r = try Children(row, path: rPath)
                let rate = try leaf(try r.required("TSuat"), rPath + "/TSuat")
                let base = try amount(try r.required("ThTien"), rPath + "/ThTien")
                let vat = try amount(try r.required("TThue"), rPath + "/TThue")
                try r.end()
                try expect(rate, expected.rate.label, rPath + "/TSuat")
                try expect(base, expected.amountBeforeVAT, rPath + "/ThTien")
                try expect(vat, expected.vat, rPath + "/TThue")
            }
            try expect(try amount(try t.required("TgTCThue"), tPath + "/TgTCThue"), computed.totals.beforeVAT, tPath + "/TgTCThue")
            try expect(try amount(try t.required("TgTThue"), tPath + "/TgTThue"), computed.totals.vat, tPath + "/TgTThue")
        }
        let payable = try amount(try t.required("TgTTTBSo"), tPath + "/TgTTTBSo")
        try expect(payable, computed.totals.payable, tPath + "/TgTTTBSo")
        let words = try leaf(try t.required("TgTTTBChu"), tPath + "/TgTTTBChu")
        try t.end()
        let expectedWords = try VietnameseNumberWords.invoiceText(payable)
        guard words == expectedWords else { throw .mismatch(path: tPath + "/TgTTTBChu", expected: expectedWords, found: words) }

        if kind == .eTicket {
            let zeroNote = notes.contains { $0.hasPrefix("Vé 0 đồng — ") && $0.hasSuffix(" chi trả") }
            if payable == .zero, !zeroNote {
                throw .structure(path: cPath + "/DSHHDVu", reason: "a 0-VND ticket must carry the note 'Vé 0 đồng — … chi trả' naming its funder")
            }
            if payable != .zero, zeroNote {
                throw .structure(path: cPath + "/DSHHDVu", reason: "a paid ticket carries a 0-VND funder note")
            }
        }

        // MCCQT
        var code: MTTCode?
        switch (invoiceSeries?.withAuthorityCode, mccqt) {
        case (true?, nil):
            throw .structure(path: "/HDon/MCCQT", reason: "series \(seriesText) has a tax-authority code (C), so MCCQT is required")
        case (true?, let element?):
            let parsed = try MTTCode.parse(try leaf(element, "/HDon/MCCQT"))
            guard parsed.template == invoiceTemplate else {
                throw .invalidField(field: "MCCQT", value: parsed.text, rule: "C2 must equal KHMSHDon (\(templateText))")
            }
            guard parsed.yearOfCentury == issueDate.year % 100 else {
                throw .invalidField(field: "MCCQT", value: parsed.text, rule: "C3C4 must be the year of NLap (\(issueDate.year))")
            }
            code = parsed
        case (_, .some):
            throw .structure(path: "/HDon/MCCQT", reason: "only a C series carries MCCQT; series \(seriesText) does not")
        case (_, nil): break
        }

        // DSCKS
        var sigs = try Children(dscks, path: "/HDon/DSCKS")
        let sellerSig = try sigs.required("NBan")
        _ = sigs.optional("NMua")
        _ = sigs.optional("CCKSKhac")
        _ = sigs.optional("CQT")
        try sigs.end()
        var ns = try Children(sellerSig, path: "/HDon/DSCKS/NBan")
        let signature = ns.optional("Signature")
        try ns.end()

        return VerifiedDocument(
            kind: kind, dataID: dataID, templateText: templateText, seriesText: seriesText, number: number,
            issueDate: issueDate, sellerTaxCode: sellerTaxCode, authorityCode: code, totals: computed.totals,
            rateSummaries: kind == .feeReceipt ? [] : computed.summaries, lines: inputs.map(\.input), priceBasis: basis, notes: notes,
            paymentMethod: paymentMethod, amountInWords: words, replaces: replaces, hasSellerSignature: signature != nil)
    }

    private struct ParsedLine {
        let input: InvoiceLineInput
        let inclusive: Bool
        let shownUnitPrice: Money
        let shownAmount: Money
    }

    private static func verifyLines(_ list: XMLElement, path: String, kind: EInvoiceDocument.Kind) throws(InvoicingError) -> ([ParsedLine], [String]) {
        var children = try Children(list, path: path)
        let rows = children.many("HHDVu")
        try children.end()
        var lines: [ParsedLine] = []
        var notes: [String] = []
        for (index, row) in rows.enumerated() {
            let p = path + "/HHDVu[\(index + 1)]"
            var r = try Children(row, path: p)
            let nature = try leaf(try r.required("TChat"), p + "/TChat")
            let position = try leaf(try r.required("STT"), p + "/STT")
            try expect(position, String(index + 1), p + "/STT")
            switch nature {
            case "4":
                guard lines.count + notes.count == index else { throw .structure(path: p, reason: "note lines (TChat 4) come after the item lines") }
                notes.append(try leaf(try r.required("THHDVu"), p + "/THHDVu"))
                try r.end()
                continue
            case "1": break
            default:
                throw .structure(path: p + "/TChat", reason: "FeeGate documents use TChat 1 (item) and 4 (note); found '\(nature)'")
            }
            guard notes.isEmpty else { throw .structure(path: p, reason: "item lines (TChat 1) must come before note lines (TChat 4)") }
            if kind == .feeReceipt {
                let name = try leaf(try r.required("THHDVu"), p + "/THHDVu")
                let value = try amount(try r.required("ThTien"), p + "/ThTien")
                try r.end()
                let input = try InvoiceLineInput(name: name, quantity: 1, unitPrice: value, vatRate: .notSubject)
                lines.append(ParsedLine(input: input, inclusive: false, shownUnitPrice: value, shownAmount: value))
                continue
            }
            let code = try r.optional("MHHDVu").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, p + "/MHHDVu") }
            let name = try leaf(try r.required("THHDVu"), p + "/THHDVu")
            let unit = try r.optional("DVTinh").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, p + "/DVTinh") }
            let quantityText = try leaf(try r.required("SLuong"), p + "/SLuong")
            guard quantityText.allSatisfy({ $0.isASCII && $0.isNumber }), let quantity = Int64(quantityText) else {
                throw .invalidField(field: "SLuong", value: quantityText, rule: "FeeGate quantities are whole numbers")
            }
            let unitPrice = try amount(try r.required("DGia"), p + "/DGia")
            let lineAmount = try amount(try r.required("ThTien"), p + "/ThTien")
            let rateText = try leaf(try r.required("TSuat"), p + "/TSuat")
            guard let rate = VATRate(label: rateText) else {
                throw .invalidField(field: "TSuat", value: rateText, rule: "expected 0%, 5%, 8%, 10%, KCT, KKKNT or KHAC:AB.CD%")
            }
            var inclusivePrice: Money?
            if let extra = r.optional("TTKhac") {
                for info in try infos(extra, path: p + "/TTKhac") where info.field == InvoiceXML.inclusiveUnitPriceField {
                    guard info.type == "numeric", let value = Int64(info.value), value >= 0, String(value) == info.value else {
                        throw .invalidField(field: InvoiceXML.inclusiveUnitPriceField, value: info.value, rule: "a whole number of đồng")
                    }
                    inclusivePrice = Money(value)
                }
            }
            try r.end()
            let input = try InvoiceLineInput(code: code, name: name, unit: unit, quantity: quantity, unitPrice: inclusivePrice ?? unitPrice, vatRate: rate)
            lines.append(ParsedLine(input: input, inclusive: inclusivePrice != nil, shownUnitPrice: unitPrice, shownAmount: lineAmount))
        }
        return (lines, notes)
    }

    private static func verifyBuyer(_ buyer: XMLElement, path: String) throws(InvoicingError) {
        var b = try Children(buyer, path: path)
        let name = try b.optional("Ten").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, path + "/Ten") }
        let taxCode = try b.optional("MST").map { (e: XMLElement) throws(InvoicingError) in try TaxCode.field(try leaf(e, path + "/MST")) }
        let address = try b.optional("DChi").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, path + "/DChi") }
        let phone = try b.optional("SDThoai").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, path + "/SDThoai") }
        let person = try b.optional("HVTNMHang").map { (e: XMLElement) throws(InvoicingError) in try leaf(e, path + "/HVTNMHang") }
        let id = try b.optional("CCCDan").map { (e: XMLElement) throws(InvoicingError) in try PersonalID(try leaf(e, path + "/CCCDan")) }
        try b.end()
        if let name, AnonymousBuyer(rawValue: name) != nil {
            guard taxCode == nil, address == nil, phone == nil, person == nil, id == nil else {
                throw .structure(path: path, reason: "an anonymous buyer ('\(name)') carries no other buyer data")
            }
            return
        }
        _ = try BuyerDetails(name: name, taxCode: taxCode, address: address, phone: phone, personName: person, personalID: id)
    }

    private static func verifyRelated(_ related: XMLElement, path: String, issueDate: VietnamTime) throws(InvoicingError) -> String {
        var r = try Children(related, path: path)
        let nature = try leaf(try r.required("TCHDon"), path + "/TCHDon")
        guard nature == "1" else {
            throw .structure(path: path + "/TCHDon", reason: "cash-register documents are corrected only by replacement (TCHDon 1), found '\(nature)' (TT 91/2026 Art. 10.1.c)")
        }
        let kindText = try leaf(try r.required("LHDCLQuan"), path + "/LHDCLQuan")
        guard ["1", "2", "3", "4"].contains(kindText) else {
            throw .invalidField(field: "LHDCLQuan", value: kindText, rule: "the related-invoice type is 1–4")
        }
        let template = try TemplateSymbol.parse(try leaf(try r.required("KHMSHDCLQuan"), path + "/KHMSHDCLQuan"))
        let series = try InvoiceSeries.parse(try leaf(try r.required("KHHDCLQuan"), path + "/KHHDCLQuan"))
        let number = try DocumentNumber.parse(try leaf(try r.required("SHDCLQuan"), path + "/SHDCLQuan"))
        let dateText = try leaf(try r.required("NLHDCLQuan"), path + "/NLHDCLQuan")
        let date = try VietnamTime.parse(dateText)
        guard date <= issueDate else {
            throw .structure(path: path + "/NLHDCLQuan", reason: "the replaced invoice (\(dateText)) cannot be dated after its replacement (\(issueDate.dateText))")
        }
        if let note = r.optional("GChu") { _ = try leaf(note, path + "/GChu") }
        try r.end()
        return "\(template)\(series.text) no. \(number)"
    }

    private struct Info { let field: String; let type: String; let value: String }

    private static func infos(_ extra: XMLElement, path: String) throws(InvoicingError) -> [Info] {
        var c = try Children(extra, path: path)
        let items = c.many("TTin")
        try c.end()
        var out: [Info] = []
        for (index, item) in items.enumerated() {
            let p = path + "/TTin[\(index + 1)]"
            var t = try Children(item, path: p)
            let field = try leaf(try t.required("TTruong"), p + "/TTruong")
            let type = try leaf(try t.required("KDLieu"), p + "/KDLieu")
            let value = try leaf(try t.required("DLieu"), p + "/DLieu")
            try t.end()
            out.append(Info(field: field, type: type, value: value))
        }
        return out
    }

    private static func expect(_ found: Money, _ expected: Money, _ path: String) throws(InvoicingError) {
        guard found == expected else { throw .mismatch(path: path, expected: InvoiceXML.amount(expected), found: InvoiceXML.amount(found)) }
    }

    private static func expect(_ found: String, _ expected: String, _ path: String) throws(InvoicingError) {
        guard found == expected else { throw .mismatch(path: path, expected: expected, found: found) }
    }

    /// The text of an element that must hold only non-empty text.
    static func leaf(_ e: XMLElement, _ path: String) throws(InvoicingError) -> String {
        guard e.attributes.isEmpty else { throw .structure(path: path, reason: "takes no attributes") }
        var text = ""
        for child in e.children {
            switch child {
            case .text(let t): text += t
            case .element(let c): throw .structure(path: path, reason: "must hold text, found element <\(c.name)>")
            }
        }
        guard !text.isEmpty else { throw .structure(path: path, reason: "is empty; optional elements are omitted, not left empty") }
        return text
    }

    /// A whole, non-negative number of đồng (FeeGate never writes decimals or signs).
    static func amount(_ e: XMLElement, _ path: String) throws(InvoicingError) -> Money {
        let text = try leaf(e, path)
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), text.count <= 16, let value = Int64(text),
              String(value) == text, Money(value).isValidAmount
        else { throw .invalidField(field: path, value: text, rule: "an amount is a whole number of đồng, 0 … 10^15, without sign, separators or leading zeros") }
        return Money(value)
    }
}

/// Walks an element's children in order, so the verifier enforces the GDT element order.
struct Children {
    let path: String
    let elements: [XMLElement]
    var index = 0

    /// - Throws: when the element holds text between its child elements (QĐ 1271: no whitespace between tags).
    init(_ parent: XMLElement, path: String) throws(InvoicingError) {
        self.path = path
        for child in parent.children {
            if case .text(let t) = child {
                throw .structure(path: path, reason: "text '\(t.prefix(20))' between tags; FeeGate documents have no whitespace or text between elements")
            }
        }
        if parent.name != "DLHDon", parent.name != "Signature", !parent.attributes.isEmpty {
            throw .structure(path: path, reason: "unexpected attribute \(parent.attributes[0].name)")
        }
        elements = parent.elementChildren
    }

    mutating func required(_ name: String) throws(InvoicingError) -> XMLElement {
        guard index < elements.count else { throw .structure(path: path, reason: "missing <\(name)>") }
        guard elements[index].name == name else {
            throw .structure(path: path, reason: "expected <\(name)> but found <\(elements[index].name)>")
        }
        index += 1
        return elements[index - 1]
    }

    mutating func optional(_ name: String) -> XMLElement? {
        guard index < elements.count, elements[index].name == name else { return nil }
        index += 1
        return elements[index - 1]
    }

    mutating func many(_ name: String) -> [XMLElement] {
        var out: [XMLElement] = []
        while let e = optional(name) { out.append(e) }
        return out
    }

    func end() throws(InvoicingError) {
        guard index == elements.count else {
            throw .structure(path: path, reason: "unexpected <\(elements[index].name)> (wrong order or unknown element)")
        }
    }
}
