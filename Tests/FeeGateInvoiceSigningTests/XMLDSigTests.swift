import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateTestSupport
import Foundation
import Testing

/// Signed documents checked by an independent implementation (xmlsec1, OpenSSL CLI) with a PKI made at test time.
/// Requires: apt-get install -y openssl xmlsec1
@Suite("XMLDSig signing and verification", .serialized)
struct XMLDSigTests {
    /// The signing time, injected: two minutes after the test starts, so it falls after the moment openssl creates
    /// the test certificates (valid from creation for 30 days) whatever the machine's speed.
    let now = VietnamTime(unixSeconds: Int64(Date().timeIntervalSince1970) + 120)

    func identity(_ pki: TestPKI) throws -> PKCS12Identity {
        try PKCS12Identity(pkcs12: Array(try Data(contentsOf: pki.sellerP12)), password: pki.password)
    }

    func seller(taxCode: String = "0101234567") throws -> Seller {
        try Seller(name: "Công ty TNHH Bãi đỗ xe Hà Nội", taxCode: TaxCode.field(taxCode), address: "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội")
    }

    func invoice(taxCode: String = "0101234567") throws -> EInvoiceDocument {
        try EInvoiceDocument.cashRegisterInvoice(
            dataID: "HD-7", template: .vatInvoice, series: InvoiceSeries.cashRegister(year: now.year, suffix: "AA"),
            number: DocumentNumber(7), authorityCode: MTTCode(template: .vatInvoice, year: now.year, prefix: "A1B2C", counter: 7),
            issuedAt: now, seller: seller(taxCode: taxCode), buyer: .anonymous(.consumer),
            lines: [
                InvoiceLineInput(code: "PK-OTO", name: "Gửi xe ô tô", unit: "lượt", quantity: 1, unitPrice: 25_000, vatRate: .eight),
                InvoiceLineInput(name: "Rửa xe & hút bụi <nhanh>", quantity: 1, unitPrice: 55_000, vatRate: .ten),
            ], priceBasis: .inclusive, paymentMethod: "Chuyển khoản")
    }

    func ticket() throws -> EInvoiceDocument {
        try EInvoiceDocument.eTicket(
            dataID: "VE-1", series: InvoiceSeries.cashRegister(year: now.year, suffix: "BA"), number: DocumentNumber(1),
            authorityCode: MTTCode(template: .other, year: now.year, prefix: "A1B2C", counter: 8), issuedAt: now,
            seller: seller(), buyer: .anonymous(.consumer),
            lines: [InvoiceLineInput(name: "Vé lượt tuyến 32", unit: "lượt", quantity: 1, unitPrice: 0, vatRate: .notSubject)],
            zeroFareFunder: "ngân sách thành phố")
    }

    func receipt() throws -> EInvoiceDocument {
        try EInvoiceDocument.feeReceipt(
            dataID: "BL-1", template: .withoutFaceValue, series: ReceiptSeries(year: now.year, letters: "AA"), number: DocumentNumber(1),
            issuedAt: now, collector: seller(), payer: .anonymous(.consumer),
            items: [EInvoiceDocument.FeeItem(name: "Phí sử dụng tạm thời lòng đường để đỗ ô tô", amount: 30_000)])
    }

    static func value(of tag: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(tag)>"), let close = xml.range(of: "</\(tag)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }

    static func values(of tag: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
            out.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    @Test("PKCS#12 loads key, certificate, subject and MST")
    func loadIdentity() throws {
        let pki = try TestPKI()
        let id = try identity(pki)
        #expect(id.certificate.taxCode == "0101234567")
        #expect(id.certificate.subjectName == "UID=MST:0101234567,CN=Công ty TNHH Bãi đỗ xe Hà Nội,O=Công ty TNHH Bãi đỗ xe Hà Nội,L=Hà Nội,C=VN")
        #expect(id.certificate.issuerName == "CN=FeeGate Test Root CA,O=FeeGate Test CA,C=VN")
        #expect(id.chain.count == 1)
        #expect(id.privateKey.bits == 2048)
        // DER matches what openssl itself writes for the certificate.
        let derFile = pki.directory.appendingPathComponent("seller.der")
        try Tool.openssl(["x509", "-in", "seller.pem", "-outform", "DER", "-out", derFile.path], in: pki.directory)
        #expect(id.certificate.der == Array(try Data(contentsOf: derFile)))
        #expect(throws: SigningCryptoError.wrongPassword) {
            try PKCS12Identity(pkcs12: Array(try Data(contentsOf: pki.sellerP12)), password: "sai-mat-khau")
        }
        #expect(throws: SigningCryptoError.self) { try PKCS12Identity(pkcs12: [1, 2, 3], password: pki.password) }
    }

    @Test("RSA-SHA256 signatures verify with the openssl CLI, and ours reject altered messages")
    func rsa() throws {
        let pki = try TestPKI()
        let id = try identity(pki)
        let message = Array("Hóa đơn số 7".utf8)
        let signature = try RSASignature.signSHA256(message, with: id.privateKey)
        #expect(signature.count == 256)
        #expect(try RSASignature.verifySHA256(signature, message: message, certificate: id.certificate))
        #expect(try !RSASignature.verifySHA256(signature, message: Array("Hóa đơn số 8".utf8), certificate: id.certificate))
        let msgFile = try pki.write(message, name: "msg.bin"), sigFile = try pki.write(signature, name: "msg.sig")
        try Tool.openssl(["x509", "-in", "seller.pem", "-pubkey", "-noout", "-out", "seller.pub"], in: pki.directory)
        let result = try Tool.run(try Tool.path("openssl", install: "apt-get install -y openssl"),
                                  ["dgst", "-sha256", "-verify", "seller.pub", "-signature", sigFile.path, msgFile.path], in: pki.directory)
        #expect(result.status == 0 && result.output.contains("Verified OK"), "openssl said: \(result.output)")
    }

    @Test("signed invoice, e-ticket and fee receipt verify with xmlsec1 and with our verifier")
    func xmlsecAcceptsEveryKind() throws {
        let pki = try TestPKI()
        let signer = InvoiceSigner(identity: try identity(pki))
        let trusted = try X509Certificate.certificates(pem: Array(try Data(contentsOf: pki.caPEM)))
        for document in [try invoice(), try ticket(), try receipt()] {
            let signed = try signer.sign(document, signingTime: now)
            let file = try pki.write(signed, name: "\(document.dataID).xml")
            let result = try Tool.xmlsecVerify(file, trustedCA: pki.caPEM)
            #expect(result.status == 0, "xmlsec1 rejected \(document.kind): \(result.output)")
            #expect(result.output.contains("SignedInfo References (ok/all): 2/2"), "\(result.output)")
            let report = try InvoiceSignatureVerifier.verify(signed, trustedCAs: trusted)
            #expect(report.taxCode == "0101234567" && report.chainVerified && report.signingTime == now)
            // Deterministic: PKCS#1 v1.5 + fixed inputs → identical bytes.
            #expect(try signer.sign(document, signingTime: now) == signed)
        }
    }

    @Test("signature shape and placement follow QĐ 1271 (DSCKS/NBan, two references, SigningTime with Target)")
    func shape() throws {
        let pki = try TestPKI()
        let signed = String(decoding: try InvoiceSigner(identity: try identity(pki)).sign(try invoice(), signingTime: now), as: UTF8.self)
        #expect(signed.contains(##"</MCCQT><DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="HD-7-seller"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></CanonicalizationMethod><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></SignatureMethod><Reference URI="#HD-7"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></Transform></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod><DigestValue>"##))
        #expect(signed.contains(##"<Reference URI="#HD-7-SigningTime"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod>"##))
        #expect(signed.contains(##"<Object Id="HD-7-SigningTime"><SignatureProperties><SignatureProperty Target="#HD-7-seller"><SigningTime>\##(now.dateTimeText)</SigningTime></SignatureProperty></SignatureProperties></Object></Signature></NBan></DSCKS></HDon>"##))
        #expect(Self.value(of: "X509SubjectName", in: signed)?.contains("UID=MST:0101234567") == true)
        // The DLHDon digest is SHA-256 of the unsigned serialisation of DLHDon, computed here with the openssl CLI.
        let dataFile = try pki.write(Array(InvoiceXML.dataElement(try invoice()).utf8), name: "dlhdon.xml")
        let digest = try Tool.run(try Tool.path("openssl", install: "apt-get install -y openssl"),
                                  ["dgst", "-sha256", "-binary", "-out", "dlhdon.sha256", dataFile.path], in: pki.directory)
        #expect(digest.status == 0)
        let expectedDigest = try Data(contentsOf: pki.directory.appendingPathComponent("dlhdon.sha256")).base64EncodedString()
        #expect(Self.values(of: "DigestValue", in: signed).first == expectedDigest)
    }

    @Test("xmlsec1 signing the same template gives byte-identical DigestValues and SignatureValue")
    func xmlsecOracle() throws {
        let pki = try TestPKI()
        let signed = String(decoding: try InvoiceSigner(identity: try identity(pki)).sign(try invoice(), signingTime: now), as: UTF8.self)
        var template = signed
        for tag in ["DigestValue", "SignatureValue"] {
            for value in Self.values(of: tag, in: signed) {
                template = template.replacingOccurrences(of: "<\(tag)>\(value)</\(tag)>", with: "<\(tag)></\(tag)>")
            }
        }
        #expect(Self.values(of: "DigestValue", in: template) == ["", ""])
        let templateFile = try pki.write(Array(template.utf8), name: "template.xml")
        let out = pki.directory.appendingPathComponent("xmlsec-signed.xml")
        let result = try Tool.run(try Tool.path("xmlsec1", install: "apt-get install -y xmlsec1"),
                                  ["--sign", "--privkey-pem", "\(pki.sellerKey.path),\(pki.sellerCert.path)", "--id-attr:Id", "DLHDon",
                                   "--output", out.path, templateFile.path])
        #expect(result.status == 0, "xmlsec1 --sign failed: \(result.output)")
        let theirs = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        #expect(Self.values(of: "DigestValue", in: theirs) == Self.values(of: "DigestValue", in: signed))
        let strip: (String?) -> String? = { $0?.filter { !$0.isWhitespace } }
        #expect(strip(Self.value(of: "SignatureValue", in: theirs)) == Self.value(of: "SignatureValue", in: signed))
    }

    @Test("altering one character makes xmlsec1 and our verifier fail", arguments: [
        ("<THHDVu>Gửi xe ô tô</THHDVu>", "<THHDVu>Gửi xe ô tồ</THHDVu>", "digest mismatch for Reference URI=\"#HD-7\""),
        ("<MST>0101234567</MST>", "<MST>0101234568</MST>", "digest mismatch for Reference URI=\"#HD-7\""),
        ("<SigningTime>2", "<SigningTime>3", "SigningTime"),
        ("rsa-sha256\"></SignatureMethod>", "rsa-sha256\" ></SignatureMethod>", ""),  // whitespace in a tag: same canonical form
    ])
    func tampering(old: String, new: String, ourMessage: String) throws {
        let pki = try TestPKI()
        let signed = String(decoding: try InvoiceSigner(identity: try identity(pki)).sign(try invoice(), signingTime: now), as: UTF8.self)
        #expect(signed.contains(old))
        let altered = signed.replacingOccurrences(of: old, with: new)
        let file = try pki.write(Array(altered.utf8), name: "altered.xml")
        let result = try Tool.xmlsecVerify(file, trustedCA: pki.caPEM)
        let trusted = try X509Certificate.certificates(pem: Array(try Data(contentsOf: pki.caPEM)))
        if ourMessage.isEmpty {
            // Control case: a change that C14N removes is not an alteration of the signed data.
            #expect(result.status == 0, "\(result.output)")
            #expect(throws: Never.self) { try InvoiceSignatureVerifier.verify(Array(altered.utf8), trustedCAs: trusted) }
            return
        }
        #expect(result.status != 0, "xmlsec1 accepted an altered document")
        do {
            _ = try InvoiceSignatureVerifier.verify(Array(altered.utf8), trustedCAs: trusted)
            Issue.record("our verifier accepted an altered document")
        } catch {
            #expect(error.description.contains(ourMessage), "got: \(error)")
        }
    }

    @Test("every single-character change inside a base64 value is caught by xmlsec1 and by us")
    func base64Tampering() throws {
        let pki = try TestPKI()
        let signed = String(decoding: try InvoiceSigner(identity: try identity(pki)).sign(try invoice(), signingTime: now), as: UTF8.self)
        for tag in ["DigestValue", "SignatureValue"] {
            let original = try #require(Self.value(of: tag, in: signed))
            var chars = Array(original)
            chars[10] = chars[10] == "A" ? "B" : "A"
            let altered = signed.replacingOccurrences(of: "<\(tag)>\(original)</\(tag)>", with: "<\(tag)>\(String(chars))</\(tag)>")
            let result = try Tool.xmlsecVerify(try pki.write(Array(altered.utf8), name: "b64.xml"), trustedCA: pki.caPEM)
            #expect(result.status != 0, "xmlsec1 accepted a changed \(tag)")
            #expect(throws: InvoiceSigningError.self) { try InvoiceSignatureVerifier.verify(Array(altered.utf8)) }
        }
    }

    @Test("certificate MST must match NBan/MST")
    func taxCodeMismatch() throws {
        let pki = try TestPKI()
        let signer = InvoiceSigner(identity: try identity(pki))
        #expect(throws: InvoiceSigningError.taxCodeMismatch(certificate: "0101234567", seller: "0109999999")) {
            try signer.sign(try invoice(taxCode: "0109999999"), signingTime: now)
        }
    }

    @Test("a chain to an untrusted CA is rejected by xmlsec1 and by us")
    func untrustedCA() throws {
        let pki = try TestPKI()
        let signed = try InvoiceSigner(identity: try identity(pki)).sign(try invoice(), signingTime: now)
        let file = try pki.write(signed, name: "signed.xml")
        #expect(try Tool.xmlsecVerify(file, trustedCA: pki.otherCA).status != 0)
        let other = try X509Certificate.certificates(pem: Array(try Data(contentsOf: pki.otherCA)))
        do {
            _ = try InvoiceSignatureVerifier.verify(signed, trustedCAs: other)
            Issue.record("accepted a certificate from an untrusted CA")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("certificate not trusted: unable to get local issuer certificate"), "\(message)")
        }
        // Without a trust anchor the signature itself still verifies, and the report says the chain was not checked.
        #expect(try InvoiceSignatureVerifier.verify(signed).chainVerified == false)
    }

    @Test("unsigned documents are reported as such")
    func unsigned() throws {
        #expect(throws: InvoiceSigningError.unsigned) { try InvoiceSignatureVerifier.verify(InvoiceXML.document(try invoice())) }
    }
}
