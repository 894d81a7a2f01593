import FeeGateCore
import FeeGateInvoicing
import Foundation
import Testing

/// Shared fixtures: a Hanoi parking operator and a bus operator.
enum Fixtures {
    static let issued = VietnamTime(unixSeconds: 1_773_108_000)  // 2026-03-10T09:00:00 GMT+7

    static func seller(name: String = "Công ty TNHH Bãi đỗ xe Hà Nội") throws -> Seller {
        try Seller(name: name, taxCode: TaxCode.field("0101234567"), address: "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội")
    }

    static func code(_ counter: Int64, template: TemplateSymbol = .vatInvoice, year: Int = 2026) throws -> MTTCode {
        try MTTCode(template: template, year: year, prefix: "A1B2C", counter: counter)
    }

    /// One 25,000 đồng parking session, VAT 8 % included, sold to an anonymous consumer.
    static func parkingInvoice(number: Int = 1, dataID: String? = "HD1", sellerName: String = "Công ty TNHH Bãi đỗ xe Hà Nội") throws -> EInvoiceDocument {
        try EInvoiceDocument.cashRegisterInvoice(
            dataID: dataID, template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(number),
            authorityCode: code(Int64(number)), issuedAt: issued, seller: seller(name: sellerName), buyer: .anonymous(.consumer),
            lines: [InvoiceLineInput(code: "PK-OTO", name: "Gửi xe ô tô", unit: "lượt", quantity: 1, unitPrice: 25_000, vatRate: .eight)],
            priceBasis: .inclusive, paymentMethod: "Chuyển khoản")
    }
}

@Suite("Invoice documents: arithmetic, variants, XML")
struct InvoiceDocumentTests {
    /// Worked by hand (VAT-inclusive prices, per-unit split, half up):
    /// - 25,000 @8 %: 25,000/1.08 = 23,148.15 → 23,148 + VAT 1,852
    /// - 3 × 5,000 @8 %: 5,000/1.08 = 4,629.63 → 4,630 + 370 per unit → ThTien 13,890, VAT 1,110
    /// - 55,000 @10 %: 50,000 + 5,000
    /// - 2 × 7,000 KCT: 14,000, no VAT
    /// 8 %: ThTien 37,038, TThue 2,962 (note: round(37,038 × 8 %) would be 2,963 — inclusive prices keep what was paid)
    /// Totals: 101,038 + 7,962 = 109,000 = 25,000 + 15,000 + 55,000 + 14,000.
    @Test("VAT-inclusive lines at 8 %, 10 % and KCT")
    func inclusiveMixedRates() throws {
        let (lines, summaries, totals) = try InvoiceArithmetic.compute([
            InvoiceLineInput(name: "Gửi xe ô tô 2 giờ", quantity: 1, unitPrice: 25_000, vatRate: .eight),
            InvoiceLineInput(name: "Gửi xe máy", quantity: 3, unitPrice: 5_000, vatRate: .eight),
            InvoiceLineInput(name: "Rửa xe", quantity: 1, unitPrice: 55_000, vatRate: .ten),
            InvoiceLineInput(name: "Vé xe buýt", quantity: 2, unitPrice: 7_000, vatRate: .notSubject),
        ], basis: .inclusive)
        #expect(lines.map(\.unitPriceBeforeVAT) == [23_148, 4_630, 50_000, 7_000])
        #expect(lines.map(\.amountBeforeVAT) == [23_148, 13_890, 50_000, 14_000])
        #expect(summaries == [
            RateSummary(rate: .eight, amountBeforeVAT: 37_038, vat: 2_962),
            RateSummary(rate: .ten, amountBeforeVAT: 50_000, vat: 5_000),
            RateSummary(rate: .notSubject, amountBeforeVAT: 14_000, vat: 0),
        ])
        #expect(totals == DocumentTotals(beforeVAT: 101_038, vat: 7_962, payable: 109_000))
    }

    @Test("per-rate amounts stored as text read back exactly; anything else is refused")
    func rateSummaryStorageText() throws {
        let summaries = [
            RateSummary(rate: .eight, amountBeforeVAT: 37_038, vat: 2_962),
            RateSummary(rate: .percent(basisPoints: 350), amountBeforeVAT: 1_000, vat: 35),
            RateSummary(rate: .notSubject, amountBeforeVAT: 14_000, vat: 0),
        ]
        let text = RateSummary.storageText(summaries)
        #expect(text == "8%=37038+2962;KHAC:03.50%=1000+35;KCT=14000+0")
        #expect(RateSummary.list(storageText: text) == summaries)
        #expect(RateSummary.list(storageText: "") == [])
        for bad in ["8%=1+", "8%=1", "9%=1+2", "8%=1+2;", "8%=1.5+2", "8%=1+2;;KCT=1+0"] {
            #expect(RateSummary.list(storageText: bad) == nil, "\(bad)")
        }
    }

    /// Worked by hand (VAT-exclusive, VAT rounded once per rate):
    /// - 8 %: 10,005 + 10,005 = 20,010; 20,010 × 0.08 = 1,600.8 → 1,601 (per-line rounding would give 800 + 800 = 1,600)
    /// - 10 %: 2 × 4,999 = 9,998; × 0.10 = 999.8 → 1,000
    /// - KCT: 20,000
    /// Totals: 50,008 + 2,601 = 52,609.
    @Test("VAT-exclusive lines: VAT rounded once per rate")
    func exclusiveMixedRates() throws {
        let (_, summaries, totals) = try InvoiceArithmetic.compute([
            InvoiceLineInput(name: "Vé tháng xe máy", quantity: 1, unitPrice: 10_005, vatRate: .eight),
            InvoiceLineInput(name: "Dịch vụ sạc xe điện", quantity: 2, unitPrice: 4_999, vatRate: .ten),
            InvoiceLineInput(name: "Vé tháng xe đạp", quantity: 1, unitPrice: 10_005, vatRate: .eight),
            InvoiceLineInput(name: "Phí vệ sinh", quantity: 1, unitPrice: 20_000, vatRate: .notSubject),
        ], basis: .exclusive)
        #expect(summaries == [
            RateSummary(rate: .eight, amountBeforeVAT: 20_010, vat: 1_601),
            RateSummary(rate: .ten, amountBeforeVAT: 9_998, vat: 1_000),
            RateSummary(rate: .notSubject, amountBeforeVAT: 20_000, vat: 0),
        ])
        #expect(totals == DocumentTotals(beforeVAT: 50_008, vat: 2_601, payable: 52_609))
    }

    @Test("overflow beyond 10^15 is an error, not a wrap")
    func overflow() throws {
        #expect(throws: InvoicingError.self) {
            try InvoiceArithmetic.compute([
                InvoiceLineInput(name: "x", quantity: 1_000_000, unitPrice: Money(2_000_000_000_000), vatRate: .ten),
            ], basis: .exclusive)
        }
    }

    /// The complete expected XML, typed by hand from the GDT tree in einvoice-vn.md §2.2.
    @Test("cash-register invoice XML, byte for byte")
    func exactXML() throws {
        let expected = #"<?xml version="1.0" encoding="UTF-8"?><HDon><DLHDon Id="HD1"><TTChung><PBan>2.1.0</PBan><THDon>Hóa đơn giá trị gia tăng khởi tạo từ máy tính tiền</THDon><KHMSHDon>1</KHMSHDon><KHHDon>C26MAA</KHHDon><SHDon>1</SHDon><NLap>2026-03-10</NLap><TTKhac><TTin><TTruong>Thời điểm lập</TTruong><KDLieu>dateTime</KDLieu><DLieu>2026-03-10T09:00:00</DLieu></TTin><TTin><TTruong>Hình thức thanh toán</TTruong><KDLieu>string</KDLieu><DLieu>Chuyển khoản</DLieu></TTin></TTKhac></TTChung><NDHDon><NBan><Ten>Công ty TNHH Bãi đỗ xe Hà Nội</Ten><MST>0101234567</MST><DChi>Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội</DChi></NBan><NMua><Ten>Bán cho người tiêu dùng</Ten></NMua><DSHHDVu><HHDVu><TChat>1</TChat><STT>1</STT><MHHDVu>PK-OTO</MHHDVu><THHDVu>Gửi xe ô tô</THHDVu><DVTinh>lượt</DVTinh><SLuong>1</SLuong><DGia>23148</DGia><ThTien>23148</ThTien><TSuat>8%</TSuat><TTKhac><TTin><TTruong>Đơn giá sau thuế</TTruong><KDLieu>numeric</KDLieu><DLieu>25000</DLieu></TTin></TTKhac></HHDVu></DSHHDVu><TToan><THTTLTSuat><LTSuat><TSuat>8%</TSuat><ThTien>23148</ThTien><TThue>1852</TThue></LTSuat></THTTLTSuat><TgTCThue>23148</TgTCThue><TgTThue>1852</TgTThue><TgTTTBSo>25000</TgTTTBSo><TgTTTBChu>Hai mươi lăm nghìn đồng</TgTTTBChu></TToan></NDHDon></DLHDon><MCCQT>M1-26-A1B2C-00000000001</MCCQT><DSCKS><NBan></NBan></DSCKS></HDon>"#
        let bytes = InvoiceXML.document(try Fixtures.parkingInvoice())
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(bytes == Array(expected.precomposedStringWithCanonicalMapping.utf8))
    }

    @Test("deterministic bytes, NFC whatever the input composition, XML escaping")
    func determinismAndEscaping() throws {
        let composed = try Fixtures.parkingInvoice(sellerName: "Công ty A & B <Hà Nội>")
        // Same name typed with combining accents (NFD): must serialise to identical bytes.
        let decomposed = try Fixtures.parkingInvoice(sellerName: "Công ty A & B <Hà Nội>".decomposedStringWithCanonicalMapping)
        let a = InvoiceXML.document(composed), b = InvoiceXML.document(decomposed)
        #expect(a == b)
        #expect(a == InvoiceXML.document(try Fixtures.parkingInvoice(sellerName: "Công ty A & B <Hà Nội>")))
        #expect(String(decoding: a, as: UTF8.self).contains("<Ten>Công ty A &amp; B &lt;Hà Nội&gt;</Ten>"))
        #expect(!String(decoding: a, as: UTF8.self).contains("> <"))
    }

    @Test("free text with control characters or padding is rejected")
    func textRules() {
        #expect(throws: InvoicingError.self) { try Fixtures.parkingInvoice(sellerName: "Bãi xe\u{7}") }
        #expect(throws: InvoicingError.self) { try Fixtures.parkingInvoice(sellerName: " Bãi xe") }
        #expect(throws: InvoicingError.self) { try Fixtures.parkingInvoice(sellerName: "") }
    }

    @Test("identified buyer fields and anonymous conventions")
    func buyers() throws {
        let business = try BuyerDetails(name: "Công ty CP Vận tải Thủ đô", taxCode: TaxCode.field("0109876543"), address: "12 Láng Hạ, Hà Nội")
        let doc = try EInvoiceDocument.cashRegisterInvoice(
            template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(2),
            authorityCode: Fixtures.code(2), issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .identified(business),
            lines: [InvoiceLineInput(name: "Gửi xe ô tô", quantity: 1, unitPrice: 25_000, vatRate: .eight)], priceBasis: .inclusive)
        let xml = String(decoding: InvoiceXML.document(doc), as: UTF8.self)
        #expect(xml.contains("<NMua><Ten>Công ty CP Vận tải Thủ đô</Ten><MST>0109876543</MST><DChi>12 Láng Hạ, Hà Nội</DChi></NMua>"))
        #expect(xml.contains(#"<DLHDon Id="HD-0101234567-1C26MAA-2">"#))
        let rider = try BuyerDetails(phone: "0912345678", personalID: PersonalID("001099012345"))
        #expect(rider.taxCode == nil)
        #expect(throws: InvoicingError.self) { try BuyerDetails(name: "Anh Nam") }
        #expect(throws: InvoicingError.self) { try BuyerDetails(taxCode: TaxCode.field("0109876543")) }
        #expect(AnonymousBuyer.declined.rawValue == "Người mua không lấy hóa đơn")
    }

    @Test("series, code and year must agree")
    func identityAgreement() throws {
        func make(series: String, code: MTTCode?, template: TemplateSymbol = .vatInvoice) throws -> EInvoiceDocument {
            try EInvoiceDocument.cashRegisterInvoice(
                template: template, series: InvoiceSeries.parse(series), number: DocumentNumber(1), authorityCode: code,
                issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .anonymous(.consumer),
                lines: [InvoiceLineInput(name: "Gửi xe", quantity: 1, unitPrice: 10_000, vatRate: .notSubject)], priceBasis: .inclusive)
        }
        #expect(throws: InvoicingError.self) { try make(series: "C25MAA", code: Fixtures.code(1, year: 2025)) }  // last year's series
        #expect(throws: InvoicingError.self) { try make(series: "C26MAA", code: nil) }                          // C needs MCCQT
        #expect(throws: InvoicingError.self) { try make(series: "K26MAA", code: Fixtures.code(1)) }            // K has none
        #expect(throws: InvoicingError.self) { try make(series: "C26TAA", code: Fixtures.code(1)) }            // not a cash-register series
        #expect(throws: InvoicingError.self) { try make(series: "C26MAA", code: Fixtures.code(1, template: .salesInvoice)) }
        #expect(throws: InvoicingError.self) { try make(series: "C26MAA", code: Fixtures.code(1, year: 2027)) }
        #expect(throws: InvoicingError.self) {
            try EInvoiceDocument.cashRegisterInvoice(
                template: .salesInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(1),
                authorityCode: Fixtures.code(1, template: .salesInvoice), issuedAt: Fixtures.issued, seller: Fixtures.seller(),
                buyer: .anonymous(.consumer), lines: [InvoiceLineInput(name: "Gửi xe", quantity: 1, unitPrice: 10_000, vatRate: .eight)],
                priceBasis: .inclusive)
        }
        #expect(try make(series: "K26MAA", code: nil).authorityCode == nil)
    }

    @Test("replacement invoice references the original (TTHDLQuan, TCHDon = 1)")
    func replacement() throws {
        let original = try ReplacedInvoice(
            template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(7),
            issueDate: VietnamTime(year: 2026, month: 3, day: 9, hour: 18), reason: "Sai số tiền gửi xe")
        let doc = try EInvoiceDocument.cashRegisterInvoice(
            dataID: "HD8", template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(8),
            authorityCode: Fixtures.code(8), issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .anonymous(.consumer),
            lines: [InvoiceLineInput(name: "Gửi xe ô tô", quantity: 1, unitPrice: 25_000, vatRate: .eight)],
            priceBasis: .inclusive, replacing: original)
        let xml = String(decoding: InvoiceXML.document(doc), as: UTF8.self)
        #expect(xml.contains("<NLap>2026-03-10</NLap><TTHDLQuan><TCHDon>1</TCHDon><LHDCLQuan>1</LHDCLQuan><KHMSHDCLQuan>1</KHMSHDCLQuan><KHHDCLQuan>C26MAA</KHHDCLQuan><SHDCLQuan>7</SHDCLQuan><NLHDCLQuan>2026-03-09</NLHDCLQuan><GChu>Sai số tiền gửi xe</GChu></TTHDLQuan><TTKhac>"))
        let verified = try InvoiceVerifier.verify(InvoiceXML.document(doc))
        #expect(verified.replaces == "1C26MAA no. 7")

        let later = try ReplacedInvoice(template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(9),
                                        issueDate: VietnamTime(year: 2026, month: 3, day: 11), reason: "x")
        #expect(throws: InvoicingError.self) {
            try EInvoiceDocument.cashRegisterInvoice(
                template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(8), authorityCode: Fixtures.code(8),
                issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .anonymous(.consumer),
                lines: [InvoiceLineInput(name: "Gửi xe", quantity: 1, unitPrice: 1, vatRate: .eight)], priceBasis: .inclusive, replacing: later)
        }
        let itself = try ReplacedInvoice(template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(8),
                                         issueDate: VietnamTime(year: 2026, month: 3, day: 10), reason: "x")
        #expect(throws: InvoicingError.self) {
            try EInvoiceDocument.cashRegisterInvoice(
                template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(8), authorityCode: Fixtures.code(8),
                issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .anonymous(.consumer),
                lines: [InvoiceLineInput(name: "Gửi xe", quantity: 1, unitPrice: 1, vatRate: .eight)], priceBasis: .inclusive, replacing: itself)
        }
    }

    @Test("0-VND e-ticket shows its funder; paid tickets must not")
    func zeroFareTicket() throws {
        let busCompany = try Seller(name: "Tổng công ty Vận tải Hà Nội", taxCode: TaxCode.field("0100100079"), address: "32 Nguyễn Công Trứ, Hà Nội")
        let ride = try InvoiceLineInput(name: "Vé lượt tuyến 32", unit: "lượt", quantity: 1, unitPrice: 0, vatRate: .notSubject)
        let ticket = try EInvoiceDocument.eTicket(
            dataID: "VE1", series: InvoiceSeries.parse("C26MBA"), number: DocumentNumber(1),
            authorityCode: MTTCode(template: .other, year: 2026, prefix: "B8K2Q", counter: 1), issuedAt: Fixtures.issued,
            seller: busCompany, buyer: .anonymous(.consumer), lines: [ride], zeroFareFunder: "ngân sách thành phố")
        let xml = String(decoding: InvoiceXML.document(ticket), as: UTF8.self)
        #expect(xml.contains("<KHMSHDon>5</KHMSHDon><KHHDon>C26MBA</KHHDon>"))
        #expect(xml.contains("<HHDVu><TChat>4</TChat><STT>2</STT><THHDVu>Vé 0 đồng — ngân sách thành phố chi trả</THHDVu></HHDVu>"))
        #expect(xml.contains("<LTSuat><TSuat>KCT</TSuat><ThTien>0</ThTien><TThue>0</TThue></LTSuat>"))
        #expect(xml.contains("<TgTTTBSo>0</TgTTTBSo><TgTTTBChu>Không đồng</TgTTTBChu>"))
        #expect(xml.contains("<MCCQT>M5-26-B8K2Q-00000000001</MCCQT>"))
        #expect(try InvoiceVerifier.verify(InvoiceXML.document(ticket)).kind == .eTicket)

        #expect(throws: InvoicingError.self) {  // free ride without a funder
            try EInvoiceDocument.eTicket(series: InvoiceSeries.parse("K26MBA"), number: DocumentNumber(1), authorityCode: nil,
                                         issuedAt: Fixtures.issued, seller: busCompany, buyer: .anonymous(.consumer), lines: [ride])
        }
        let paid = try InvoiceLineInput(name: "Vé lượt tuyến 32", quantity: 1, unitPrice: 8_000, vatRate: .notSubject)
        #expect(throws: InvoicingError.self) {
            try EInvoiceDocument.eTicket(series: InvoiceSeries.parse("K26MBA"), number: DocumentNumber(1), authorityCode: nil,
                                         issuedAt: Fixtures.issued, seller: busCompany, buyer: .anonymous(.consumer), lines: [paid],
                                         zeroFareFunder: "ngân sách thành phố")
        }
    }

    @Test("fee e-receipt: no VAT, figures and words")
    func feeReceipt() throws {
        let collector = try Seller(name: "Ban Quản lý bãi đỗ xe quận Hoàn Kiếm", taxCode: TaxCode.field("0101111118"), address: "126 Hàng Trống, Hà Nội")
        let receipt = try EInvoiceDocument.feeReceipt(
            dataID: "BL1", template: .withoutFaceValue, series: ReceiptSeries.parse("26TAA"), number: DocumentNumber(15),
            issuedAt: Fixtures.issued, collector: collector, payer: .anonymous(.consumer),
            items: [EInvoiceDocument.FeeItem(name: "Phí sử dụng tạm thời lòng đường để đỗ ô tô", amount: 30_000),
                    EInvoiceDocument.FeeItem(name: "Phí sử dụng tạm thời hè phố", amount: 5_000)])
        let xml = String(decoding: InvoiceXML.document(receipt), as: UTF8.self)
        #expect(xml.contains("<THDon>Biên lai thu phí, lệ phí</THDon><KHMSHDon>EBL01</KHMSHDon><KHHDon>26TAA</KHHDon><SHDon>15</SHDon>"))
        #expect(xml.contains("<HHDVu><TChat>1</TChat><STT>1</STT><THHDVu>Phí sử dụng tạm thời lòng đường để đỗ ô tô</THHDVu><ThTien>30000</ThTien></HHDVu>"))
        #expect(xml.contains("<TToan><TgTTTBSo>35000</TgTTTBSo><TgTTTBChu>Ba mươi lăm nghìn đồng</TgTTTBChu></TToan>"))
        #expect(!xml.contains("TSuat") && !xml.contains("TgTThue") && !xml.contains("MCCQT"))
        let verified = try InvoiceVerifier.verify(InvoiceXML.document(receipt))
        #expect(verified.kind == .feeReceipt && verified.totals.payable == 35_000)
    }
}
