import FeeGateCore
import FeeGateQRImage
import FeeGateVietQR
import FeeGateTestSupport
import Foundation
import Testing

/// Round trips through decoders that share no code with FeeGate: the PyPI package
/// `napas-qr-python` (module `qr_pay`), a CRC written from the NAPAS rule in Python, and zbar
/// reading the PNG images.
@Suite("Independent decoders", .serialized)
struct IndependentDecoderTests {
    static let pipHint = "pip install napas-qr-python==0.2.0"

    /// Reads payloads (one per line) on stdin; prints one JSON object per payload.
    static let pythonDecoder = """
        import json, sys
        import qr_pay
        def crc(data):
            c = 0xFFFF
            for b in data:
                c ^= b << 8
                for _ in range(8):
                    c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
            return c
        for line in sys.stdin.read().splitlines():
            d = qr_pay.decode(line)
            d["independent_crc_ok"] = line[-8:-4] == "6304" and ("%04X" % crc(line[:-4].encode("utf-8"))) == line[-4:].upper()
            print(json.dumps(d))
        """

    @Test("payloads FeeGate encodes are read identically by napas-qr-python")
    func pythonDecoderAgrees() throws {
        var rng = SplitMix64(seed: 7)
        var models: [VietQR] = []
        var payloads: [String] = []
        for _ in 0..<400 {
            let qr = RandomVietQR.make(using: &rng)
            models.append(qr)
            payloads.append(try VietQRCodec.encode(qr))
        }
        let result = try runTool(["python3", "-c", Self.pythonDecoder], stdin: payloads.joined(separator: "\n"), installHint: Self.pipHint)
        try #require(result.status == 0, "napas-qr-python failed (\(Self.pipHint)): \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == payloads.count)
        for (index, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let qr = models[index]
            #expect(object["independent_crc_ok"] as? Bool == true, "\(payloads[index])")
            #expect(object["bin_id"] as? String == qr.bin)
            #expect(object["consumer_id"] as? String == qr.account)
            #expect(object["service_code"] as? String == qr.service?.code)
            #expect(object["glocal_uuid"] as? String == "A000000727")
            #expect(object["transaction_currency"] as? String == "704")
            #expect(object["country_code"] as? String == "VN")
            #expect(object["point_of_initiation_method"] as? String == (qr.amount == nil ? "11" : "12"))
            #expect(object["transaction_amount"] as? String == qr.amount.map { String($0.vnd) })
            #expect(object["purpose_of_transaction"] as? String == qr.additionalData.purpose.map(ASCIIText.foldVietnamese))
            #expect(object["bill_number"] as? String == qr.additionalData.billNumber.map(ASCIIText.foldVietnamese))
        }
    }

    @Test("napas-qr-python also rejects the CRC-corrupted shared vectors")
    func pythonRejectsBadCRC() throws {
        for payload in [VectorTests.n1, VectorTests.n3] {
            let result = try runTool(["python3", "-c", "import qr_pay, sys; qr_pay.decode(sys.argv[1])", payload], installHint: Self.pipHint)
            #expect(result.status != 0 && result.stderr.contains("CRC"), "\(result.stderr)")
        }
    }

    @Test("PNG images of encoded payloads scan back to the same text with zbarimg")
    func zbarReadsPNG() throws {
        var rng = SplitMix64(seed: 99)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var payloads = [VectorTests.v1, VectorTests.v2, VectorTests.v3]
        for _ in 0..<5 { payloads.append(try VietQRCodec.encode(RandomVietQR.make(using: &rng))) }
        for (index, payload) in payloads.enumerated() {
            let level = QRSymbol.ErrorCorrection.allCases[index % 4]
            let png = try QRSymbol(encoding: payload, errorCorrection: level).png(moduleSize: 3 + index % 5)
            let file = directory.appendingPathComponent("qr\(index).png")
            try Data(png).write(to: file)
            let result = try runTool(["zbarimg", "--raw", "-q", file.path], installHint: "apt-get install zbar-tools")
            #expect(result.status == 0, "zbarimg could not read \(file.lastPathComponent): \(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .newlines) == payload)
            // And what zbar read decodes to the same model.
            #expect(try VietQRCodec.decode(result.stdout.trimmingCharacters(in: .newlines)).vietQR == VietQRCodec.decode(payload).vietQR)
        }
    }
}
