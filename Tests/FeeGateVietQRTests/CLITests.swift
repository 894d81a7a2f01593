import FeeGateVietQR
import FeeGateTestSupport
import Foundation
import Testing

/// Drives the built `feegate qr …` command.
@Suite("qr command", .serialized)
struct CLITests {
    static let binary = packageRoot.appendingPathComponent(".build/debug/feegate").path

    func run(_ arguments: [String]) throws -> CommandResult {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
        return try runTool([Self.binary] + arguments, installHint: "swift build")
    }

    @Test("decode --json prints the VietQR fields with snake_case keys")
    func decodeJSON() throws {
        let result = try run(["qr", "decode", "--json", VectorTests.v2])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["scheme"] as? String == "vietqr")
        #expect(json["bin"] as? String == "970403")
        #expect(json["bank_name"] as? String == "Sacombank")
        #expect(json["account"] as? String == "0011012345678")
        #expect(json["service"] as? String == "QRIBFTTA")
        #expect(json["amount"] as? Int == 180_000)
        #expect(json["bill_number"] as? String == "NPS6869")
        #expect(json["purpose"] as? String == "thanh toan don hang")
        #expect(json["initiation"] as? String == "dynamic")
    }

    @Test("decode exits 1 with the precise reason")
    func decodeInvalid() throws {
        let n2 = try run(["qr", "decode", VectorTests.n2])
        #expect(n2.status == 1)
        #expect(n2.stderr.contains("length mismatch at 38/01/01"))
        let n1 = try run(["qr", "decode", VectorTests.n1])
        #expect(n1.status == 1)
        #expect(n1.stderr.contains("BBB8"))
    }

    @Test("decode recognises VNPAY-QR and lists its tags")
    func decodeVNPay() throws {
        let result = try run(["qr", "decode", "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("VNPAY-QR"))
        #expect(result.stdout.contains("26/01"))
    }

    @Test("encode prints the payload and --png writes an image zbar reads back")
    func encodePNG() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-cli-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try run(["qr", "encode", "--bin", "970403", "--account", "0011012345678", "--amount", "180000",
                              "--bill", "NPS6869", "--purpose", "thanh toán đơn hàng", "--png", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .newlines) == VectorTests.v2)
        let scanned = try runTool(["zbarimg", "--raw", "-q", file.path], installHint: "apt-get install zbar-tools")
        #expect(scanned.stdout.trimmingCharacters(in: .newlines) == VectorTests.v2)
    }

    @Test("encode rejects a too-long purpose with exit 1")
    func encodeTooLong() throws {
        let result = try run(["qr", "encode", "--bin", "970436", "--account", "1", "--purpose", String(repeating: "x", count: 30)])
        #expect(result.status == 1)
        #expect(result.stderr.contains("maximum is 25"))
    }
}
