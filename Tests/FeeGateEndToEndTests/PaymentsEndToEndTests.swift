import FeeGateTestSupport
import Foundation
import Testing

@Suite("Payments end to end")
struct PaymentsEndToEndTests {
    static let sepayKey = "e2e-sepay-api-key-5f1c"

    static func config(_ scratch: Scratch) throws -> String {
        let path = scratch.path("payments.json")
        try #"""
            {"operators": {"HN-PARK-01": {
              "collection_account": {"bin": "970436", "account": "0011001234567"},
              "sepay": {"api_key": "\#(sepayKey)"}
            }}}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func sepayBody(id: Int, amount: Int, content: String) -> String {
        #"{"id":\#(id),"gateway":"Vietcombank","transactionDate":null,"accountNumber":"0011001234567","code":null,"content":"\#(content)","transferType":"in","transferAmount":\#(amount),"accumulated":0,"subAccount":null,"referenceCode":"FT\#(id)","description":"\#(content)"}"#
    }

    /// A real `feegate serve --payments-config`, a SePay notification paying an intent, a duplicate and an
    /// unmatched one; then `feegate payments list` shows them and `feegate verify` passes.
    @Test func paymentsAreVisibleInTheCLIAndTheLedgerStaysIntact() async throws {
        let scratch = try Scratch()
        let db = scratch.path("payments.sqlite")
        let config = try Self.config(scratch)
        #expect(try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "Hapark", "--tax-code", "0101234567", "--kind", "parking", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "admin", "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--payments-config", config])
        defer { server.stop() }

        let formatter = ISO8601DateFormatter()
        let expiresAt = formatter.string(from: Date().addingTimeInterval(3600))
        let id = UUID().uuidString.lowercased()
        let created = try await HTTP.send(
            .POST, "\(server.base)/v1/payments/qr", key: key,
            json: #"{"id":"\#(id)","operator":"HN-PARK-01","amount":25000,"purpose":"Phi gui xe","expires_at":"\#(expiresAt)","vat_rate":"8%"}"#)
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let reference = try #require(created.json["reference"] as? String)

        let auth = ["Authorization": "Apikey \(Self.sepayKey)", "Content-Type": "application/json"]
        let paid = try await HTTP.send(
            .POST, "\(server.base)/v1/notifications/sepay", json: Self.sepayBody(id: 1, amount: 25_000, content: "IBFT \(reference) gui xe"), headers: auth)
        #expect(paid.status == 200 && paid.json["success"] as? Bool == true && paid.json["outcome"] as? String == "paid")
        let duplicate = try await HTTP.send(
            .POST, "\(server.base)/v1/notifications/sepay", json: Self.sepayBody(id: 1, amount: 25_000, content: "IBFT \(reference) gui xe"), headers: auth)
        #expect(duplicate.status == 200 && duplicate.json["duplicate"] as? Bool == true)
        let stray = try await HTTP.send(
            .POST, "\(server.base)/v1/notifications/sepay", json: Self.sepayBody(id: 2, amount: 7_000, content: "tra tien com"), headers: auth)
        #expect(stray.json["outcome"] as? String == "unmatched")
        let forged = try await HTTP.send(
            .POST, "\(server.base)/v1/notifications/sepay", json: Self.sepayBody(id: 3, amount: 1, content: reference), headers: ["Authorization": "Apikey wrong"])
        #expect(forged.status == 401)
        let shown = try await HTTP.send(.GET, "\(server.base)/v1/payments/\(id)", key: key)
        #expect(shown.json["status"] as? String == "paid" && (shown.json["notifications"] as? [Any])?.count == 2)

        let all = try Tools.feegate(["payments", "list", "--json", "--db", db])
        #expect(all.status == 0, "\(all.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["paid", "unmatched"])
        #expect(rows.first?["reference"] as? String == reference && rows.first?["paid"] as? Int == 25_000)
        #expect(rows.last?["amount"] as? Int == 7_000 && rows.last?["provider"] as? String == "sepay")
        let unmatched = try Tools.feegate(["payments", "list", "--status", "unmatched", "--db", db])
        #expect(unmatched.status == 0 && unmatched.stdout.contains("tra tien com") && !unmatched.stdout.contains(reference))
        let pending = try Tools.feegate(["payments", "list", "--status", "pending", "--operator", "HN-PARK-01", "--json", "--db", db])
        #expect(pending.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || pending.stdout.contains("[]"))
        let badStatus = try Tools.feegate(["payments", "list", "--status", "lost", "--db", db])
        #expect(badStatus.status != 0)

        // Raw notifications are append-only, and the books balance.
        let edit = try Tools.sqlite3(db, "UPDATE payment_notification SET raw_body = x'00';")
        #expect(edit.status != 0 && edit.output.contains("append-only"))
        let verify = try Tools.feegate(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.output)")
        // The secrets never reach the log.
        let log = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
        #expect(!log.contains(Self.sepayKey))
    }

    @Test func serveRefusesABrokenPaymentsConfiguration() throws {
        let scratch = try Scratch()
        let path = scratch.path("bad.json")
        try #"{"operators": {"HN-PARK-01": {"sepay": {"api_kee": "x"}}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Tools.feegate(["serve", "--payments-config", path, "--db", scratch.path("x.sqlite"), "--port", "0"])
        #expect(result.status != 0 && result.stderr.contains("unknown key 'api_kee'"), "\(result.output)")
    }

    @Test func paymentsListHasHelpWithAnExample() throws {
        let help = try Tools.feegate(["payments", "list", "--help"])
        #expect(help.status == 0 && help.stdout.contains("Example"))
    }
}
