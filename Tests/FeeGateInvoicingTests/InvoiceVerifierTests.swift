import FeeGateCore
import FeeGateInvoicing
import Foundation
import Testing

@Suite("Structural verifier")
struct InvoiceVerifierTests {
    /// The mixed-rate invoice of `InvoiceDocumentTests.inclusiveMixedRates` as XML.
    func mixedInvoiceXML() throws -> String {
        let doc = try EInvoiceDocument.cashRegisterInvoice(
            dataID: "HD42", template: .vatInvoice, series: InvoiceSeries.parse("C26MAA"), number: DocumentNumber(42),
            authorityCode: Fixtures.code(1042), issuedAt: Fixtures.issued, seller: Fixtures.seller(), buyer: .anonymous(.declined),
            lines: [
                InvoiceLineInput(name: "Gửi xe ô tô 2 giờ", quantity: 1, unitPrice: 25_000, vatRate: .eight),
                InvoiceLineInput(name: "Gửi xe máy", quantity: 3, unitPrice: 5_000, vatRate: .eight),
                InvoiceLineInput(name: "Rửa xe", quantity: 1, unitPrice: 55_000, vatRate: .ten),
                InvoiceLineInput(name: "Vé xe buýt", quantity: 2, unitPrice: 7_000, vatRate: .notSubject),
            ], priceBasis: .inclusive)
        return String(decoding: InvoiceXML.document(doc), as: UTF8.self)
    }

    func failure(_ xml: String) -> String? {
        do {
            _ = try InvoiceVerifier.verify(Array(xml.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    /// Replaces exactly one occurrence, so each tamper case changes what it says it changes.
    func tamper(_ xml: String, _ old: String, _ new: String) -> String {
        let parts = xml.components(separatedBy: old)
        precondition(parts.count == 2, "'\(old)' must occur exactly once in the fixture")
        return parts.joined(separator: new)
    }

    @Test("a valid document passes and reports the recomputed totals")
    func valid() throws {
        let verified = try InvoiceVerifier.verify(Array(try mixedInvoiceXML().utf8))
        #expect(verified.kind == .cashRegisterInvoice)
        #expect(verified.totals == DocumentTotals(beforeVAT: 101_038, vat: 7_962, payable: 109_000))
        #expect(verified.amountInWords == "Một trăm linh chín nghìn đồng")
        #expect(verified.authorityCode?.text == "M1-26-A1B2C-00000001042")
        #expect(!verified.hasSellerSignature)
    }

    @Test("each kind of tampering is caught with the path and reason", arguments: [
        // (old, new, expected fragment of the message)
        ("<TgTTTBSo>109000</TgTTTBSo>", "<TgTTTBSo>109001</TgTTTBSo>", "TgTTTBSo: expected '109000'"),
        ("<TgTTTBChu>Một trăm linh chín nghìn đồng</TgTTTBChu>", "<TgTTTBChu>Một trăm lẻ chín nghìn đồng</TgTTTBChu>", "TgTTTBChu: expected 'Một trăm linh chín nghìn đồng'"),
        ("<TThue>2962</TThue>", "<TThue>2963</TThue>", "LTSuat[1]/TThue: expected '2962'"),
        ("<ThTien>13890</ThTien>", "<ThTien>13900</ThTien>", "HHDVu[2]/ThTien: expected '13890'"),
        ("<DLieu>55000</DLieu>", "<DLieu>56000</DLieu>", "HHDVu[3]/DGia: expected '50909'"),
        ("<TgTCThue>101038</TgTCThue>", "<TgTCThue>101039</TgTCThue>", "TgTCThue: expected '101038'"),
        ("<MCCQT>M1-26-A1B2C-00000001042</MCCQT>", "<MCCQT>M1-26-A1B2C-0000001042</MCCQT>", "got 22 characters"),
        ("<MCCQT>M1-26-A1B2C-00000001042</MCCQT>", "<MCCQT>M2-26-A1B2C-00000001042</MCCQT>", "C2 must equal KHMSHDon"),
        ("<MCCQT>M1-26-A1B2C-00000001042</MCCQT>", "", "MCCQT is required"),
        ("<KHHDon>C26MAA</KHHDon>", "<KHHDon>C26MA</KHHDon>", "got 5 characters"),
        ("<KHHDon>C26MAA</KHHDon>", "<KHHDon>C25MAA</KHHDon>", "series year must be the year of NLap"),
        ("<SHDon>42</SHDon>", "<SHDon>042</SHDon>", "no leading zero"),
        ("<SHDon>42</SHDon>", "<SHDon>123456789</SHDon>", "1 to 8 digits"),
        ("<TSuat>10%</TSuat><ThTien>50000", "<TSuat>12%</TSuat><ThTien>50000", "LTSuat[2]/TSuat: expected '10%'"),
        ("<TSuat>KCT</TSuat><TTKhac>", "<TSuat>KCX</TSuat><TTKhac>", "expected 0%, 5%, 8%, 10%"),
        ("<NMua>", "<NMua> ", "between tags"),
        ("<PBan>2.1.0</PBan>", "", "expected <PBan> but found <THDon>"),
        ("<STT>2</STT>", "<STT>3</STT>", "HHDVu[2]/STT: expected '2'"),
        ("</HDon>", "</HDon><!-- x -->", "comments are not allowed"),
        ("<HDon>", "<!DOCTYPE HDon><HDon>", "DTDs"),
        ("<DSCKS>", "<DSCKS", "expected"),
    ])
    func tampering(old: String, new: String, expected: String) throws {
        let message = failure(tamper(try mixedInvoiceXML(), old, new))
        #expect(message?.contains(expected) == true, "got: \(message ?? "no failure")")
    }

    @Test("XML parser and C14N: entities, attribute normalisation, inherited namespace")
    func parserAndC14N() throws {
        let xml = #"<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x"><b z="1" a="&#9;x&#10;&quot;"  >t&amp;&#x3C;&gt;"'<c/></b></a>"#
        let root = try XMLTree.parse(Array(xml.utf8))
        guard case .element(let b)? = root.children.first else { Issue.record("no child"); return }
        // Hand-written per C14N 1.0: xmlns inherited onto the apex, attributes sorted, TAB/LF as char refs,
        // '>' escaped in text, quotes not escaped in text, empty element as a start/end pair.
        let expected = #"<b xmlns="urn:x" a="&#x9;x&#xA;&quot;" z="1">t&amp;&lt;&gt;"'<c></c></b>"#
        #expect(String(decoding: XMLTree.canonicalize(b, inheritedNamespace: "urn:x"), as: UTF8.self) == expected)
        #expect(throws: InvoicingError.self) { try XMLTree.parse(Array("<a:b xmlns:a='u'/>".utf8)) }
        #expect(throws: InvoicingError.self) { try XMLTree.parse(Array("<a>&nbsp;</a>".utf8)) }
        #expect(throws: InvoicingError.self) { try XMLTree.parse([0x3C, 0x61, 0x3E, 0xFF, 0x3C, 0x2F, 0x61, 0x3E]) }
        #expect(throws: InvoicingError.self) { try XMLTree.parse(Array("<a x='1' x='2'/>".utf8)) }
    }
}
