import FeeGateTestSupport
import FeeGateCore
import FeeGateVietQR
import Testing

@Suite("VietQR encoder")
struct EncoderTests {
    @Test("encoding the NAPAS spec's fields reproduces the published payloads V1, V2, V3 exactly")
    func napasExamples() throws {
        let v1 = VietQR(bin: "970403", account: "9704031101234567", service: .cardTransfer)
        #expect(try VietQRCodec.encode(v1) == VectorTests.v1)
        let v2 = VietQR(bin: "970403", account: "0011012345678", amount: Money(180_000),
                        additionalData: .init(billNumber: "NPS6869", purpose: "thanh toan don hang"))
        #expect(try VietQRCodec.encode(v2) == VectorTests.v2)
        let v3 = VietQR(bin: "970403", account: "9704031101234567", service: .cardTransfer, amount: Money(180_000),
                        additionalData: .init(billNumber: "NPS6869", purpose: "thanh toan don hang"))
        #expect(try VietQRCodec.encode(v3) == VectorTests.v3)
    }

    @Test("wallet payloads published by xuannghia/vietnam-qr-pay (ZaloPay, MoMo) are reproduced")
    func wallets() throws {
        let zalo = VietQR(bin: "970454", account: "99ZP24009M07248267")
        #expect(try VietQRCodec.encode(zalo)
            == "00020101021138620010A00000072701320006970454011899ZP24009M072482670208QRIBFTTA53037045802VN6304073C")
        let momo = VietQR(bin: "970454", account: "99MM24011M34875080",
                          additionalData: .init(referenceLabel: "MOMOW2W34875080"),
                          extraObjects: [.init(parent: "", object: EMVDataObject(tag: "80", value: "046"))])
        #expect(try VietQRCodec.encode(momo)
            == "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN62190515MOMOW2W3487508080030466304EBC8")
    }

    @Test("Vietnamese diacritics are removed from free text (đ→d, Đ→D, every tone)")
    func diacritics() throws {
        let cases: [(String, String)] = [
            ("Thanh toán hóa đơn", "Thanh toan hoa don"),
            ("Phí gửi xe Đường Láng", "Phi gui xe Duong Lang"),
            ("Nguyễn Thị Ánh Tuyết", "Nguyen Thi Anh Tuyet"),
            ("Quận Đống Đa", "Quan Dong Da"),
            ("àáảãạăằắẳẵặâầấẩẫậ", String(repeating: "a", count: 17)),
            ("ÈÉẺẼẸÊỀẾỂỄỆ", String(repeating: "E", count: 11)),
            ("ìíỉĩị ỲÝỶỸỴ", "iiiii YYYYY"),
            ("òóỏõọôồốổỗộơờớởỡợ", String(repeating: "o", count: 17)),
            ("ÙÚỦŨỤƯỪỨỬỮỰ", String(repeating: "U", count: 11)),
            ("đĐ", "dD"),
            ("Tha\u{0300}nh pho\u{0302}\u{0301}", "Thanh pho"),  // decomposed (NFD) input
        ]
        for (input, expected) in cases {
            #expect(ASCIIText.foldVietnamese(input) == expected, "\(input)")
        }
        let qr = VietQR(bin: "970436", account: "0011004123456", amount: Money(25_000),
                        additionalData: .init(purpose: "Phí gửi xe Đường Láng"))
        let payload = try VietQRCodec.encode(qr)
        #expect(payload.contains("0821Phi gui xe Duong Lang"))
        #expect(payload.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
    }

    @Test("too-long fields are rejected with their length, never truncated")
    func tooLong() {
        let purpose = String(repeating: "X", count: 26)
        #expect(throws: VietQRError.fieldTooLong(field: "purpose (62/08)", length: 26, maximum: 25)) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", additionalData: .init(purpose: purpose)))
        }
        // 25 folded characters fit even though the original is longer in UTF-8 bytes.
        #expect(throws: Never.self) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", additionalData: .init(purpose: "Phí gửi xe Đường Láng 123")))
        }
        #expect(throws: VietQRError.fieldTooLong(field: "account", length: 20, maximum: 19)) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: String(repeating: "1", count: 20)))
        }
        #expect(throws: VietQRError.fieldTooLong(field: "merchant city (60)", length: 16, maximum: 15)) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", merchantCity: "Thanh pho Ha Noi"))
        }
        // Four 25-character fields: 4 × (4 + 25) = 116 > 99 for template 62.
        let full = String(repeating: "A", count: 25)
        #expect(throws: VietQRError.templateTooLong(tag: "62", length: 116)) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1",
                                          additionalData: .init(billNumber: full, referenceLabel: full, terminalLabel: full, purpose: full)))
        }
    }

    @Test("fields that cannot be carried are rejected")
    func invalidFields() {
        #expect(throws: VietQRError.unsupportedCharacter(field: "purpose (62/08)", character: "\\u{0001F697}")) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", additionalData: .init(purpose: "xe 🚗")))
        }
        #expect(throws: VietQRError.unsupportedCharacter(field: "bill number (62/01)", character: "\\n")) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", additionalData: .init(billNumber: "a\nb")))
        }
        #expect(throws: VietQRError.emptyField(field: "purpose (62/08)")) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", additionalData: .init(purpose: "")))
        }
        #expect(throws: VietQRError.invalidField(field: "bin", value: "97043", reason: "a bank BIN is six digits")) {
            try VietQRCodec.encode(VietQR(bin: "97043", account: "1"))
        }
        #expect(throws: VietQRError.invalidField(field: "account", value: "0011-004", reason: "only ASCII letters and digits are allowed")) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "0011-004"))
        }
        #expect(throws: VietQRError.self) { try VietQRCodec.encode(VietQR(bin: "970436", account: "1", amount: Money(0))) }
        #expect(throws: VietQRError.self) { try VietQRCodec.encode(VietQR(bin: "970436", account: "1", amount: Money(-5))) }
        #expect(throws: VietQRError.self) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", amount: Money(10_000_000_000_000)))
        }
        #expect(throws: VietQRError.self) {
            try VietQRCodec.encode(VietQR(bin: "970436", account: "1", extraObjects: [.init(parent: "", object: EMVDataObject(tag: "54", value: "1"))]))
        }
    }

    @Test("amount sets dynamic (12), no amount static (11); explicit initiation wins")
    func initiation() throws {
        #expect(try VietQRCodec.encode(VietQR(bin: "970436", account: "1", amount: Money(5))).hasPrefix("000201010212"))
        #expect(try VietQRCodec.encode(VietQR(bin: "970436", account: "1")).hasPrefix("000201010211"))
        #expect(try VietQRCodec.encode(VietQR(bin: "970436", account: "1", amount: Money(5), initiation: .staticQR)).hasPrefix("000201010211"))
    }

    @Test("random models round-trip through encode and decode")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            let qr = RandomVietQR.make(using: &rng)
            let payload = try VietQRCodec.encode(qr)
            let decoded = try VietQRCodec.decodeVietQR(payload)
            var expected = qr
            expected.additionalData.purpose = qr.additionalData.purpose.map(ASCIIText.foldVietnamese)
            expected.additionalData.billNumber = qr.additionalData.billNumber.map(ASCIIText.foldVietnamese)
            #expect(decoded == expected, "\(payload)")
            // And canonical encoding is a fixed point.
            #expect(try VietQRCodec.encode(decoded) == payload)
        }
    }
}

/// Random valid VietQR models for round-trip and independent-decoder tests.
enum RandomVietQR {
    static let bins = ["970403", "970405", "970407", "970415", "970416", "970418", "970422", "970436", "970454", "971025"]
    static let words = ["Thanh toan", "phí gửi xe", "Vé xe buýt", "HD", "tuyến 32", "Đống Đa", "FG7K3M9X5", "Ba Đình", "ô tô"]

    static func make(using rng: inout SplitMix64) -> VietQR {
        let digits = Array("0123456789")
        let alnum = Array("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        let accountLength = Int.random(in: 6...19, using: &rng)
        let account = String((0..<accountLength).map { _ in (Bool.random(using: &rng) ? digits : alnum).randomElement(using: &rng) ?? "0" })
        let amount: Money? = Bool.random(using: &rng) ? Money(Int64.random(in: 1...499_999_999, using: &rng)) : nil
        func text() -> String? {
            guard Bool.random(using: &rng) else { return nil }
            var value = ""
            while value.isEmpty || ASCIIText.foldVietnamese(value).count > 25 {
                value = (0..<Int.random(in: 1...3, using: &rng)).map { _ in words.randomElement(using: &rng) ?? "x" }.joined(separator: " ")
                if ASCIIText.foldVietnamese(value).count > 25 { value = String(value.prefix(20)) }
            }
            return value
        }
        return VietQR(
            bin: bins.randomElement(using: &rng) ?? "970436",
            account: account,
            service: Bool.random(using: &rng) ? .accountTransfer : .cardTransfer,
            amount: amount,
            additionalData: .init(billNumber: text(), purpose: text())
        )
    }
}
