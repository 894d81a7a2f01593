import FeeGateCore
import FeeGateInvoicing
import Testing

/// Identity rules from einvoice-vn.md §1 (TT 91/2026 Phụ lục I and II.2, Decree 254 Phụ lục, QĐ 1271).
@Suite("Document identity rules")
struct DocumentIdentityTests {
    /// The message must name the rule, so an operator knows what to fix.
    func rejects(_ rule: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a rejection mentioning '\(rule)'")
        } catch let error as InvoicingError {
            #expect(error.description.contains(rule), "message was: \(error.description)")
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test func templateSymbol() throws {
        #expect(try TemplateSymbol.parse("1") == .vatInvoice)
        #expect(try TemplateSymbol.parse("5").digit == 5)
        rejects("one digit 1–9") { _ = try TemplateSymbol.parse("0") }
        rejects("exactly one digit") { _ = try TemplateSymbol.parse("12") }
        rejects("exactly one digit") { _ = try TemplateSymbol.parse("A") }
    }

    @Test func series() throws {
        let s = try InvoiceSeries.parse("C26MAB")
        #expect(s.withAuthorityCode && s.yearOfCentury == 26 && s.kind == .cashRegister && s.suffix == "AB")
        #expect(try InvoiceSeries.cashRegister(year: 2026, suffix: "YY").text == "C26MYY")
        #expect(try InvoiceSeries.parse("K26TYY").kind == .registered)
        #expect(try InvoiceSeries.cashRegister(year: 2007, suffix: "FB").text == "C07MFB")
        rejects("got 7 characters") { _ = try InvoiceSeries.parse("1C26MAB") }
        rejects("position 1 must be C") { _ = try InvoiceSeries.parse("A26MAB") }
        rejects("positions 2–3") { _ = try InvoiceSeries.parse("CX6MAB") }
        rejects("position 4 must be one of") { _ = try InvoiceSeries.parse("C26QAB") }
        rejects("two upper-case letters") { _ = try InvoiceSeries.parse("C26Mab") }
        rejects("two upper-case letters") { _ = try InvoiceSeries.parse("C26M1B") }
        rejects("2000–2099") { _ = try InvoiceSeries.cashRegister(year: 1999, suffix: "AA") }
    }

    @Test func number() throws {
        #expect(try DocumentNumber.parse("1").value == 1)
        #expect(try DocumentNumber.parse("99999999").value == 99_999_999)
        rejects("1 to 8 digits") { _ = try DocumentNumber.parse("123456789") }
        rejects("1 to 8 digits") { _ = try DocumentNumber.parse("12a") }
        rejects("no leading zero") { _ = try DocumentNumber.parse("0012") }
        rejects("from 1 to 99999999") { _ = try DocumentNumber(0) }
        rejects("from 1 to 99999999") { _ = try DocumentNumber(100_000_000) }
    }

    @Test func mttCode() throws {
        let code = try MTTCode.parse("M2-25-A1B2C-00001234567")
        #expect(code.template.digit == 2 && code.yearOfCentury == 25 && code.prefix == "A1B2C" && code.counter == 1_234_567)
        let built = try MTTCode(template: .vatInvoice, year: 2026, prefix: "VZQYY", counter: 42)
        #expect(built.text == "M1-26-VZQYY-00000000042")
        #expect(built.text.count == 23)
        rejects("got 22 characters") { _ = try MTTCode.parse("M1-26-A1B2C-0000000042") }
        rejects("C1 must be M") { _ = try MTTCode.parse("K1-26-A1B2C-00000000042") }
        rejects("separators") { _ = try MTTCode.parse("M1_26-A1B2C-00000000042") }
        rejects("C2 must be the template digit") { _ = try MTTCode.parse("M0-26-A1B2C-00000000042") }
        rejects("C3C4") { _ = try MTTCode.parse("M1-2A-A1B2C-00000000042") }
        rejects("C5–C9") { _ = try MTTCode.parse("M1-26-a1b2c-00000000042") }
        rejects("11 digits") { _ = try MTTCode.parse("M1-26-A1B2C-0000000004X") }
        rejects("from 1 to 99999999999") { _ = try MTTCode.parse("M1-26-A1B2C-00000000000") }
    }

    @Test func receiptSymbols() throws {
        #expect(try ReceiptTemplate.parse("EBL01") == .withoutFaceValue)
        #expect(try ReceiptSeries.parse("26TAA").text == "26TAA")
        rejects("EBL01") { _ = try ReceiptTemplate.parse("EBL03") }
        rejects("position 3 must be T") { _ = try ReceiptSeries.parse("26PAA") }
        // F, J, O, W, Z, I are not in the TT 91 letter list.
        rejects("two letters from") { _ = try ReceiptSeries.parse("26TAF") }
        rejects("5 characters") { _ = try ReceiptSeries.parse("26T") }
    }

    @Test func taxCodeAndPersonalID() throws {
        #expect(try TaxCode.field("0101234567").text == "0101234567")
        #expect(try TaxCode.field("0302431595-999").text == "0302431595-999")
        rejects("10 digits") { _ = try TaxCode.field("010123456") }
        rejects("10 digits") { _ = try TaxCode.field("0302431595_999") }
        #expect(try PersonalID("001099012345").text == "001099012345")
        rejects("exactly 12 digits") { _ = try PersonalID("00109901234") }
    }

    @Test func vietnamTime() throws {
        // 2026-03-10T02:00:00Z = 1773108000 → 09:00 in Hanoi.
        let t = VietnamTime(unixSeconds: 1_773_108_000)
        #expect(t.dateTimeText == "2026-03-10T09:00:00")
        #expect(t.unixSeconds == 1_773_108_000)
        // 2026-12-31T17:30:00Z is already 1 January 2027 00:30 in Hanoi: the series year changes here.
        #expect(VietnamTime(unixSeconds: 1_798_738_200).dateTimeText == "2027-01-01T00:30:00")
        #expect(try VietnamTime.parse("2028-02-29").dateText == "2028-02-29")
        rejects("not a valid calendar date") { _ = try VietnamTime.parse("2026-02-29") }
        rejects("expected YYYY-MM-DD") { _ = try VietnamTime.parse("2026-03-10T09:00:00+07:00") }
    }
}
