import FeeGateCore
import FeeGateVietQR
import Testing

/// `ID` + two-digit length + value, written out independently of the code under test.
func tlv(_ tag: String, _ value: String) -> String {
    let count = value.unicodeScalars.count
    return tag + (count < 10 ? "0" : "") + String(count) + value
}

/// Hand-built payloads, each breaking exactly one rule; the expected error follows from the rule.
@Suite("Decoder rules")
struct DecoderRuleTests {
    /// V2's objects, to be recombined.
    static let account = "38570010A00000072701270006970403011300110123456780208QRIBFTTA"
    static let rest = "5303704" + "5406180000" + "5802VN"

    @Test("CRC-16/CCITT-FALSE check value")
    func crcCheckValue() {
        #expect(CRC16.ccittFalse(Array("123456789".utf8)) == 0x29B1)
        #expect(CRC16.hex(of: "123456789") == "29B1")
    }

    @Test("a CRC with leading zero digits keeps them")
    func crcLeadingZeros() {
        // "0000" hex digits appear whenever the CRC < 0x1000; search a small space for one and check padding.
        var found = false
        for n in 0..<50_000 {
            let body = "0002010102125303704540\(n)"
            if CRC16.ccittFalse(Array((body + "6304").utf8)) < 0x1000 {
                let sealed = EMVCodec.sealed(body)
                #expect(sealed.suffix(4).first == "0")
                #expect(sealed.count == body.count + 8)
                found = true
                break
            }
        }
        #expect(found)
    }

    @Test("no CRC object at all")
    func missingCRC() {
        #expect(throws: VietQRError.missingTag(path: "63", name: "CRC")) {
            try VietQRCodec.decode("000201010212" + Self.account + Self.rest)
        }
    }

    @Test("CRC object not last")
    func crcNotLast() {
        let sealed = EMVCodec.sealed("000201010212" + Self.account + Self.rest)
        #expect(throws: VietQRError.crcNotLast) { try VietQRCodec.decode(sealed + "5902AB") }
    }

    @Test("00 must come first and be 01")
    func formatIndicator() {
        #expect(throws: VietQRError.formatIndicatorNotFirst(found: "01")) {
            try VietQRCodec.decode(EMVCodec.sealed("010212000201" + Self.account + Self.rest))
        }
        #expect(throws: VietQRError.unsupportedFormatIndicator("02")) {
            try VietQRCodec.decode(EMVCodec.sealed("000202010212" + Self.account + Self.rest))
        }
    }

    @Test("duplicate, empty and malformed objects")
    func structure() {
        #expect(throws: VietQRError.duplicateTag(path: "58")) {
            try VietQRCodec.decode(EMVCodec.sealed("000201010212" + Self.account + Self.rest + "5802VN"))
        }
        #expect(throws: VietQRError.emptyValue(path: "59")) {
            try VietQRCodec.decode(EMVCodec.sealed("000201010212" + Self.account + Self.rest + "5900"))
        }
        #expect(throws: VietQRError.malformedHeader(path: "", offset: 12, found: "3A57")) {
            try VietQRCodec.decode(EMVCodec.sealed("000201010212" + "3A57" + Self.account.dropFirst(4) + Self.rest))
        }
        // 62 declares 08 but holds a 9-character object: overrun inside the template.
        #expect(throws: VietQRError.lengthMismatch(path: "62/08", declared: 5, actual: 4)) {
            try VietQRCodec.decode(EMVCodec.sealed("000201010212" + Self.account + Self.rest + "62080805abcd"))
        }
        // Root overrun: 59 claims 20 characters, only 6 remain before the CRC object's own 8.
        #expect(throws: VietQRError.self) {
            try VietQRCodec.decode(EMVCodec.sealed("000201010212" + Self.account + Self.rest + "5920ABCDEF"))
        }
    }

    @Test("VietQR mandatory fields and value rules")
    func vietQRRules() {
        func sealed(_ body: String) -> String { EMVCodec.sealed(body) }
        #expect(throws: VietQRError.missingTag(path: "53", name: "transaction currency")) {
            try VietQRCodec.decode(sealed("000201010212" + Self.account + "5802VN"))
        }
        #expect(throws: VietQRError.invalidValue(path: "53", value: "840", reason: "VietQR transfers are in VND (704)")) {
            try VietQRCodec.decode(sealed("000201010212" + Self.account + "5303840" + "5802VN"))
        }
        #expect(throws: VietQRError.missingTag(path: "58", name: "country code")) {
            try VietQRCodec.decode(sealed("000201010212" + Self.account + "5303704"))
        }
        #expect(throws: VietQRError.missingTag(path: "01", name: "point of initiation method")) {
            try VietQRCodec.decode(sealed("000201" + Self.account + Self.rest))
        }
        #expect(throws: VietQRError.invalidValue(path: "01", value: "13", reason: "must be 11 (static) or 12 (dynamic)")) {
            try VietQRCodec.decode(sealed("000201010213" + Self.account + Self.rest))
        }
        // BIN of five digits: 38 = 00 GUID, 01 = {00 "97040", 01 account}, 02 service.
        let shortBIN = tlv("38", tlv("00", "A000000727") + tlv("01", tlv("00", "97040") + tlv("01", "0011012345678")) + tlv("02", "QRIBFTTA"))
        #expect(throws: VietQRError.invalidValue(path: "38/01/00", value: "97040", reason: "a bank BIN is six digits")) {
            try VietQRCodec.decode(sealed("000201010212" + shortBIN + Self.rest))
        }
        // 38/01 without an account number.
        let noAccount = tlv("38", tlv("00", "A000000727") + tlv("01", tlv("00", "970403")) + tlv("02", "QRIBFTTA"))
        #expect(throws: VietQRError.missingTag(path: "38/01/01", name: "account or card number")) {
            try VietQRCodec.decode(sealed("000201010212" + noAccount + Self.rest))
        }
        for bad in ["0", "00", "50 000", "1.5", "12345678901234"] {
            let amount = "54" + (bad.count < 10 ? "0\(bad.count)" : "\(bad.count)") + bad
            #expect(throws: VietQRError.self, "amount \(bad)") {
                try VietQRCodec.decode(sealed("000201010212" + Self.account + "5303704" + amount + "5802VN"))
            }
        }
    }

    @Test("amount with a trailing dot is whole VND (NAPAS allows \"50000.\")")
    func amountTrailingDot() throws {
        let qr = try VietQRCodec.decodeVietQR(EMVCodec.sealed("000201010212" + Self.account + "5303704" + "540650000." + "5802VN"))
        #expect(qr.amount == Money(50_000))
    }

    @Test("unknown objects at the root, in 38, 38/01 and 62 are kept with their paths")
    func unknownKept() throws {
        let account = tlv("38", tlv("00", "A000000727") + tlv("01", tlv("00", "970403") + tlv("01", "0011012345678") + tlv("02", "XYZ"))
            + tlv("02", "QRIBFTTA"))
        let payload = EMVCodec.sealed("000201010211" + account + "5303704" + "5802VN" + tlv("55", "01") + tlv("62", tlv("09", "AME")) + tlv("85", "ABCD"))
        let qr = try VietQRCodec.decodeVietQR(payload)
        let paths = Set(qr.extraObjects.map { "\($0.path)=\($0.object.value)" })
        #expect(paths == ["38/01/02=XYZ", "55=01", "85=ABCD"])
        #expect(qr.additionalData.consumerDataRequest == "AME")
    }
}
