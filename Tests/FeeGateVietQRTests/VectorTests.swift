import FeeGateCore
import FeeGateVietQR
import FeeGateTestSupport
import Foundation
import Testing

/// The shared vectors (../shared/vectors/vietqr.tsv) and other published real-world payloads.
@Suite("VietQR vectors")
struct VectorTests {
    // Verbatim from vietqr.tsv (NAPAS QR Format T&C v1.0 §6.1, archived in subiz/vietqr).
    static let v1 = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52"
    static let v2 = "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E"
    static let v3 = "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN62340107NPS68690819thanh toan don hang6304A203"
    static let n1 = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB5"
    static let n2 = "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
    static let n3 = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN6304A203"

    @Test("V1: static QR to a card at Sacombank")
    func v1Decodes() throws {
        let qr = try VietQRCodec.decodeVietQR(Self.v1)
        #expect(qr.initiation == .staticQR)
        #expect(qr.bin == "970403")
        #expect(qr.account == "9704031101234567")
        #expect(qr.service == .cardTransfer)
        #expect(qr.amount == nil)
        #expect(qr.additionalData.isEmpty)
        #expect(qr.extraObjects.isEmpty)
        #expect(BankDirectory.standard.bank(bin: qr.bin)?.shortName == "Sacombank")
    }

    @Test("V2: dynamic QR to an account, 180000 VND, bill NPS6869, purpose")
    func v2Decodes() throws {
        let qr = try VietQRCodec.decodeVietQR(Self.v2)
        #expect(qr.initiation == .dynamicQR)
        #expect(qr.bin == "970403")
        #expect(qr.account == "0011012345678")
        #expect(qr.service == .accountTransfer)
        #expect(qr.amount == Money(180_000))
        #expect(qr.additionalData.billNumber == "NPS6869")
        #expect(qr.additionalData.purpose == "thanh toan don hang")
    }

    @Test("V3: dynamic QR to a card, 180000 VND, bill NPS6869")
    func v3Decodes() throws {
        let qr = try VietQRCodec.decodeVietQR(Self.v3)
        #expect(qr.initiation == .dynamicQR)
        #expect(qr.account == "9704031101234567")
        #expect(qr.service == .cardTransfer)
        #expect(qr.amount == Money(180_000))
        #expect(qr.additionalData.billNumber == "NPS6869")
    }

    @Test("N1: altered CRC is reported with the correct value BBB8")
    func n1() {
        #expect(throws: VietQRError.crcMismatch(found: "BBB5", expected: "BBB8")) { try VietQRCodec.decode(Self.n1) }
    }

    @Test("N2: CRC valid but 38/01/01 declares 12 for a 13-digit account")
    func n2() {
        #expect(throws: VietQRError.lengthMismatch(path: "38/01/01", declared: 12, actual: 13)) { try VietQRCodec.decode(Self.n2) }
        #expect(String(describing: VietQRError.lengthMismatch(path: "38/01/01", declared: 12, actual: 13)).contains("38/01/01"))
    }

    @Test("N3: CRC copy-paste error in the spec, correct is 4F52")
    func n3() {
        #expect(throws: VietQRError.crcMismatch(found: "A203", expected: "4F52")) { try VietQRCodec.decode(Self.n3) }
    }

    @Test("every row of the shared vietqr.tsv file reproduces")
    func sharedFile() throws {
        let directory = try #require(sharedVectorsDirectory(), "shared/vectors/vietqr.tsv not found beside the package or its ancestors")
        let text = try String(contentsOf: directory.appendingPathComponent("vietqr.tsv"), encoding: .utf8)
        var valid = 0, invalid = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(columns.count >= 3, "bad row \(line)")
            switch columns[1] {
            case "valid":
                let qr = try VietQRCodec.decodeVietQR(columns[2])
                // The payload must also re-encode from the model to the same text (canonical vectors).
                #expect(try VietQRCodec.encode(qr) == columns[2], "\(columns[0]) does not re-encode")
                valid += 1
            case "invalid":
                #expect(throws: VietQRError.self, "\(columns[0]) must be rejected") { try VietQRCodec.decode(columns[2]) }
                invalid += 1
            default:
                Issue.record("unknown expectation \(columns[1])")
            }
        }
        #expect(valid == 3 && invalid == 3)
    }

    // MARK: Real-world payloads from xuannghia/vietnam-qr-pay tests (independent of this code).

    @Test("VietQR from an ACB account (xuannghia/vietnam-qr-pay test-vietqr) decodes; N1 is its altered-CRC twin")
    func acb() throws {
        let qr = try VietQRCodec.decodeVietQR("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8")
        #expect(qr.bin == "970416")
        #expect(BankDirectory.standard.bank(bin: qr.bin)?.shortName == "ACB")
        #expect(qr.account == "257678859")
        #expect(qr.amount == Money(1000))
        #expect(qr.additionalData.purpose == "Chuyen tien")
    }

    @Test("MoMo wallet VietQR keeps its proprietary root tag 80 and round-trips byte for byte")
    func momo() throws {
        let payload = "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN62190515MOMOW2W3487508080030466304EBC8"
        let qr = try VietQRCodec.decodeVietQR(payload)
        #expect(qr.bin == "970454")
        #expect(qr.account == "99MM24011M34875080")
        #expect(qr.additionalData.referenceLabel == "MOMOW2W34875080")
        #expect(qr.extraObjects == [VietQR.ExtraObject(parent: "", object: EMVDataObject(tag: "80", value: "046"))])
        #expect(try VietQRCodec.encode(qr) == payload)
    }

    @Test("VNPAY-QR merchant payload is recognised as VNPAY-QR, not VietQR")
    func vnpay() throws {
        let payload = "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50"
        let decoded = try VietQRCodec.decode(payload)
        #expect(decoded.scheme == .vnpayQR)
        #expect(decoded.vietQR == nil)
        #expect(decoded.payload.value(at: "26/01") == "0108799042")
        #expect(decoded.payload.value(at: "62/03") == "MY PHAM HER")
        #expect(throws: VietQRError.notVietQR(scheme: .vnpayQR)) { try VietQRCodec.decodeVietQR(payload) }
        // Its altered-CRC twin from the same test file.
        #expect(throws: VietQRError.crcMismatch(found: "1C55", expected: "1C50")) {
            try VietQRCodec.decode("00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C55")
        }
    }

    @Test("EVN electricity bill and AirPay payloads are other EMVCo schemes")
    func otherSchemes() throws {
        let evn = try VietQRCodec.decode("000201010211262400020001140100101114-0195204490053037045802VN5931EVN CONG TY DIEN LUC THANH XUAN6006Ha Noi62450302000613PD000000000000702000812TT tien dien6304DC30")
        #expect(evn.scheme == .otherEMVCo(guids: ["00"]))
        #expect(evn.payload.value(at: "62/06") == "PD00000000000")
        let airpay = try VietQRCodec.decode("00020101021126610013vn.airpay.www014000000201010100064185noC4efDjGKq0or5GbeBz5204581253037045910RESTAURANT6009HOCHIMINH5802VN6304DA5C")
        #expect(airpay.scheme == .otherEMVCo(guids: ["vn.airpay.www"]))
    }

    @Test("a payload whose non-ASCII value is counted in characters (EMVCo rule) decodes")
    func nonASCIICharacters() throws {
        // "Personal VNPayQR" from xuannghia/vietnam-qr-pay: 08 = "Lê Anh Tú" declared 09 characters.
        let decoded = try VietQRCodec.decode("00020101021002020103069084010411VNPayWallet071003933571580809Lê Anh Tú09051000010037041107content63042678")
        #expect(decoded.payload.value(at: "08") == "Lê Anh Tú")
        #expect(decoded.payload.lengthUnit == .characters)
    }

    @Test("a payload that counts UTF-8 bytes for non-ASCII text is accepted only when every length then matches")
    func utf8ByteLengths() throws {
        // Built by hand: 62/08 "Thanh toán hóa đơn" is 18 characters but 22 UTF-8 bytes (as vietqr-ts emits).
        let purpose = "Thanh toán hóa đơn"
        let body = "000201010212" + "38570010A00000072701270006970403011300110123456780208QRIBFTTA" + "5303704" + "5802VN"
            + "6226" + "0822" + purpose
        let payload = EMVCodec.sealed(body)
        let qr = try VietQRCodec.decode(payload)
        #expect(qr.payload.lengthUnit == .utf8Bytes)
        #expect(qr.vietQR?.additionalData.purpose == purpose)
    }

    @Test("lower-case CRC hex (as MBBank emits) is accepted")
    func lowerCaseCRC() throws {
        #expect(Self.v1.hasSuffix("4F52"))
        let lower = String(Self.v1.dropLast(4)) + "4f52"
        #expect(try VietQRCodec.decodeVietQR(lower).account == "9704031101234567")
    }

    @Test("object order is free except 00 first and 63 last (62 before 38 decodes)")
    func freeOrder() throws {
        let payload = EMVCodec.sealed("000201010212" + "62340107NPS68690819thanh toan don hang" + "5802VN" + "5406180000"
            + "5303704" + "38570010A00000072701270006970403011300110123456780208QRIBFTTA")
        let qr = try VietQRCodec.decodeVietQR(payload)
        #expect(qr.amount == Money(180_000))
        #expect(qr.account == "0011012345678")
        // Canonical re-encoding puts the objects back in NAPAS order: exactly V2.
        #expect(try VietQRCodec.encode(qr) == Self.v2)
    }
}
