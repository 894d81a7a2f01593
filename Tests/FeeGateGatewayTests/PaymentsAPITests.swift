import FeeGateCore
import FeeGateGateway
import FeeGateStore
import FeeGateTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A settable ledger clock (nanoseconds); each reading advances by 1 µs so timestamps stay distinct.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanoseconds: Int64

    init(unixSeconds: Int64) { nanoseconds = unixSeconds * 1_000_000_000 }

    func now() -> Int64 {
        lock.withLock {
            nanoseconds += 1_000
            return nanoseconds
        }
    }

    func set(unixSeconds: Int64) { lock.withLock { nanoseconds = unixSeconds * 1_000_000_000 } }
    var seconds: Int64 { lock.withLock { nanoseconds / 1_000_000_000 } }
}

/// Collects the intents reported through the e-invoicing seam.
actor PaidLog {
    var paid: [PaidIntent] = []
    func add(_ intent: PaidIntent) { paid.append(intent) }
}

/// 2026-11-21 08:00:00 +07:00.
let t0: Int64 = 1_795_222_800

/// Keys of the test configuration (payOS and Casso keys are the published vector keys).
enum TestKeys {
    static let payOS = "test_checksum_key"
    static let casso = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
    static let vnpay = "test_secret"
    static let sepayAPIKey = "sepay-test-api-key-0123456789"
    static let sepayHMAC = "sepay-hmac-secret-bus"

    static let config = """
        {"operators": {
          "HN-PARK-01": {
            "collection_account": {"bin": "970436", "account": "0011001234567", "merchant_name": "Hapark"},
            "payos": {"checksum_key": "\(payOS)"},
            "casso": {"checksum_key": "\(casso)"},
            "vnpay": {"hash_secret": "\(vnpay)"},
            "sepay": {"api_key": "\(sepayAPIKey)"}
          },
          "HN-BUS-01": {
            "collection_account": {"bin": "970415", "account": "113366668888"},
            "sepay": {"hmac_secret": "\(sepayHMAC)", "timestamp_tolerance_seconds": 300}
          }
        }}
        """
}

/// Signatures computed by Python's `hmac`, independently of the Swift verifiers.
enum Sign {
    static let script = """
        import sys, json, hmac, hashlib, urllib.parse
        kind, key, payload = sys.argv[1], sys.argv[2], sys.argv[3]
        if kind == "payos":
            data = json.loads(payload)
            s = "&".join(f"{k}={'' if data[k] is None else data[k]}" for k in sorted(data))
            print(hmac.new(key.encode(), s.encode(), hashlib.sha256).hexdigest())
        elif kind == "casso":
            t = sys.argv[4]
            msg = t + "." + json.dumps(json.loads(payload), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            print(hmac.new(key.encode(), msg.encode(), hashlib.sha512).hexdigest())
        elif kind == "sepay":
            print(hmac.new(key.encode(), (sys.argv[4] + "." + payload).encode(), hashlib.sha256).hexdigest())
        elif kind == "vnpay":
            q = urllib.parse.urlencode(sorted(json.loads(payload).items()))
            print(q + "&vnp_SecureHash=" + hmac.new(key.encode(), q.encode(), hashlib.sha512).hexdigest())
        """

    static func run(_ arguments: [String]) throws -> String {
        let result = try runPython(script, arguments)
        guard result.status == 0 else { throw ToolMissing(message: "python signing failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A payOS webhook body around `data` (a JSON object), signed with `key`.
    static func payOS(data: String, key: String = TestKeys.payOS) throws -> String {
        #"{"code":"00","desc":"success","success":true,"data":\#(data),"signature":"\#(try run(["payos", key, data]))"}"#
    }

    /// A Casso V2 header for `body` signed at `t` milliseconds.
    static func casso(body: String, t: Int64, key: String = TestKeys.casso) throws -> String {
        "t=\(t),v1=\(try run(["casso", key, body, String(t)]))"
    }

    /// A VNPAY IPN query for `parameters`.
    static func vnpay(_ parameters: [String: String], key: String = TestKeys.vnpay) throws -> String {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: parameters), as: UTF8.self)
        return try run(["vnpay", key, json])
    }

    static func sepayHMAC(body: String, timestamp: Int64, key: String = TestKeys.sepayHMAC) throws -> String {
        "sha256=" + (try run(["sepay", key, body, String(timestamp)]))
    }
}

/// Vietnam local time for provider payloads: `yyyy-MM-dd HH:mm:ss`.
func vietnamTime(_ unixSeconds: Int64) -> String {
    let date = Date(timeIntervalSince1970: Double(unixSeconds + 7 * 3600))
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .current
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func two(_ v: Int?) -> String { String(format: "%02d", v ?? 0) }
    return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
}

/// A gateway with payments configured, a settable clock and one key per role.
struct PaymentsFixture {
    let base: Fixture
    let clock: TestClock
    let paidLog = PaidLog()
    var store: GatewayStore { base.store }

    static func make() async throws -> PaymentsFixture {
        let clock = TestClock(unixSeconds: t0)
        var options = GatewayStore.Options()
        options.clock = { clock.now() }
        let store = try GatewayStore.inMemory(options: options)
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Hapark", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil)
        _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        let fixture = Fixture(
            store: store,
            admin: try await store.createKey(role: .admin, operatorCode: nil, label: nil).secret,
            finance: try await store.createKey(role: .finance, operatorCode: nil, label: nil).secret,
            tax: try await store.createKey(role: .tax, operatorCode: nil, label: nil).secret,
            parking: try await store.createKey(role: .operator, operatorCode: "HN-PARK-01", label: nil).secret,
            bus: try await store.createKey(role: .operator, operatorCode: "HN-BUS-01", label: nil).secret)
        return PaymentsFixture(base: fixture, clock: clock)
    }

    func app() throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var configuration = GatewayConfiguration(host: "127.0.0.1", port: 0)
        configuration.payments = try PaymentsConfiguration.parse(Data(TestKeys.config.utf8), source: "test config")
        let log = paidLog
        configuration.onIntentPaid = { paid in await log.add(paid) }
        return try buildApplication(store: base.store, configuration: configuration, logger: logger)
    }

    /// The posted balances (debits, credits) of a well-known account; (0, 0) if it was never created.
    func balance(_ key: AccountKey) async throws -> (debits: Int64, credits: Int64) {
        guard let account = try await store.account(id: key.id) else { return (0, 0) }
        return (account.debitsPosted, account.creditsPosted)
    }

    /// The ledger is intact after every scenario.
    func expectIntact(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let report = try await store.verify()
        #expect(report.isIntact, "\(report.problems)", sourceLocation: sourceLocation)
    }
}

extension TestClientProtocol {
    /// A request with arbitrary headers (notification endpoints are not bearer-authenticated).
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: [String: String] = [:], body: String? = nil) async throws -> Reply {
        var fields: HTTPFields = [:]
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return Reply(status: response.status, headers: response.headers, json: json, text: text)
        }
    }

    /// Creates an intent and returns its reference.
    func createIntent(
        _ f: PaymentsFixture, id: UUID = UUID(), operatorCode: String = "HN-PARK-01", amount: Int64, vat: String = "8%",
        expiresAt: String = "2026-11-21T08:15:00+07:00", key: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (id: UUID, reference: String) {
        let body = #"{"id":"\#(id.uuidString)","operator":"\#(operatorCode)","amount":\#(amount),"purpose":"Phí gửi xe","expires_at":"\#(expiresAt)","vat_rate":"\#(vat)"}"#
        let reply = try await call(.post, "/v1/payments/qr", key: key ?? f.base.admin, body: body)
        #expect(reply.status == .created, "\(reply.text)", sourceLocation: sourceLocation)
        return (id, reply.json["reference"] as? String ?? "")
    }

    func intent(_ f: PaymentsFixture, _ id: UUID, key: String? = nil) async throws -> Reply {
        try await call(.get, "/v1/payments/\(id.uuidString.lowercased())", key: key ?? f.base.finance)
    }

    /// A SePay notification in API-key mode.
    func sepay(id: Int, amount: Int64, content: String, time: String, key: String = TestKeys.sepayAPIKey) async throws -> Reply {
        let body = #"{"id":\#(id),"gateway":"Vietcombank","transactionDate":"\#(time)","accountNumber":"0011001234567","code":null,"content":"\#(content)","transferType":"in","transferAmount":\#(amount),"accumulated":0,"subAccount":null,"referenceCode":"FT\#(id)","description":"BankAPINotify \#(content)"}"#
        return try await send(.post, "/v1/notifications/sepay", headers: ["Content-Type": "application/json", "Authorization": "Apikey \(key)"], body: body)
    }

    /// A payOS notification signed by Python.
    func payOS(reference: String, amount: Int64, description: String, time: String, key: String = TestKeys.payOS) async throws -> Reply {
        let data = #"{"accountNumber":"0011001234567","amount":\#(amount),"description":"\#(description)","reference":"\#(reference)","transactionDateTime":"\#(time)","virtualAccountNumber":"","counterAccountBankId":"970415","counterAccountBankName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"9876543210","virtualAccountName":"","currency":"VND","orderCode":123,"paymentLinkId":"pl-1","code":"00","desc":"success"}"#
        return try await send(.post, "/v1/notifications/payos", headers: ["Content-Type": "application/json"], body: try Sign.payOS(data: data, key: key))
    }
}

@Suite("Payments: intents over HTTP")
struct PaymentIntentAPITests {
    @Test func creationIsIdempotentAndScoped() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let id = UUID()
            let body = #"{"id":"\#(id.uuidString)","operator":"HN-PARK-01","amount":25000,"purpose":"Phí gửi xe","expires_at":"2026-11-21T08:15:00+07:00","vat_rate":"8%","code":"parking_fee"}"#
            let first = try await client.call(.post, "/v1/payments/qr", key: f.base.parking, body: body)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.json["status"] as? String == "pending" && first.json["amount"] as? Int == 25000)
            #expect(first.json["intent_id"] as? String == id.uuidString.lowercased())
            #expect(first.json["expires_at"] as? String == "2026-11-21T08:15:00.000+07:00")
            let reference = try #require(first.json["reference"] as? String)
            #expect(reference.count == 9 && reference.hasPrefix("FG"))
            // The VietQR: BIN and account of the configured collection account, amount, the reference in 62/08.
            let qr = try #require(first.json["vietqr"] as? String)
            #expect(qr.contains("0006970436011300110012345670208QRIBFTTA"), "\(qr)")
            #expect(qr.contains("540525000") && qr.contains("5802VN") && qr.contains("\(reference) Phi gui xe"), "\(qr)")
            // The same request again: the original answer, 200.
            let retry = try await client.call(.post, "/v1/payments/qr", key: f.base.parking, body: body)
            #expect(retry.status == .ok && retry.json["reference"] as? String == reference && retry.json["vietqr"] as? String == qr)
            // Same id, different amount: 409.
            let conflict = try await client.call(.post, "/v1/payments/qr", key: f.base.parking, body: body.replacingOccurrences(of: "25000", with: "26000"))
            #expect(conflict.status == .conflict && conflict.json["code"] as? String == "idempotency_conflict", "\(conflict.text)")
            // Scoping: another operator's key cannot create for HN-PARK-01 nor see its intent; finance and admin can read.
            let foreign = try await client.call(.post, "/v1/payments/qr", key: f.base.bus, body: body.replacingOccurrences(of: id.uuidString, with: UUID().uuidString))
            #expect(foreign.status == .forbidden)
            #expect(try await client.intent(f, id, key: f.base.bus).status == .notFound)
            #expect(try await client.intent(f, id, key: f.base.parking).status == .ok)
            #expect(try await client.intent(f, id, key: f.base.admin).status == .ok)
            #expect(try await client.intent(f, id, key: f.base.tax).status == .forbidden)
            #expect(try await client.call(.post, "/v1/payments/qr", key: f.base.finance, body: body).status == .forbidden)
            let shown = try await client.intent(f, id)
            #expect(shown.json["status"] as? String == "pending" && shown.json["code"] as? String == "parking_fee" && shown.json["vat_rate"] as? String == "8%")
            // A client-chosen reference must be valid and unused.
            let taken = try await client.call(
                .post, "/v1/payments/qr", key: f.base.admin,
                body: #"{"id":"\#(UUID().uuidString)","operator":"HN-PARK-01","amount":1000,"purpose":"x","expires_at":"2026-11-21T09:00:00+07:00","reference":"\#(reference.lowercased())"}"#)
            #expect(taken.status == .conflict && taken.json["code"] as? String == "reference_taken", "\(taken.text)")
        }
    }

    @Test(arguments: [
        (#""amount":0"#, HTTPResponse.Status.unprocessableContent, "invalid_amount"),
        (#""amount":1.5"#, .unprocessableContent, "invalid_amount"),
        (#""amount":1000,"memo":"x""#, .badRequest, "unknown_field"),
        (#""amount":1000,"reference":"FG2222223""#, .unprocessableContent, "invalid_reference"),
        (#""amount":1000,"vat_rate":"7%""#, .unprocessableContent, "invalid_field"),
        (#""amount":1000,"code":"refund""#, .unprocessableContent, "invalid_field"),
        (#""amount":1000,"expires_at":"2026-11-21T07:59:00+07:00""#, .unprocessableContent, "invalid_expiry"),
        (#""amount":1000,"expires_at":"tomorrow""#, .unprocessableContent, "invalid_field"),
        // Found by schemathesis: a year past 2262 overflowed nanoseconds and crashed the server.
        (#""amount":1000,"expires_at":"9547-07-10T08:01:17+13:28""#, .unprocessableContent, "invalid_field"),
        (#""amount":1000,"operator":"HN-TAXI-09""#, .unprocessableContent, "payments_not_configured"),
    ])
    func invalidIntentsAreRejected(fields: String, status: HTTPResponse.Status, code: String) async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            var object: [String: String] = ["operator": #""HN-PARK-01""#, "purpose": #""Phí gửi xe""#, "expires_at": #""2026-11-21T08:15:00+07:00""#]
            for key in ["operator", "expires_at"] where fields.contains("\"\(key)\"") { object[key] = nil }
            let rest = object.sorted { $0.key < $1.key }.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",")
            let body = #"{"id":"\#(UUID().uuidString)",\#(rest),\#(fields)}"#
            let reply = try await client.call(.post, "/v1/payments/qr", key: f.base.admin, body: body)
            #expect(reply.status == status, "\(reply.text)")
            #expect(reply.json["code"] as? String == code, "\(reply.text)")
        }
    }
}

@Suite("Payments: notifications and outcomes over HTTP")
struct PaymentNotificationAPITests {
    @Test func payExactlyThenTheSameNotificationAgain() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 25_000, vat: "8%")
            // Banks upper-case, add their own prefix and punctuation; SePay in API-key mode.
            let content = "MBVCB.3278126.\(intent.reference.lowercased()).CT tu 0011001234567 NGUYEN VAN A"
            let first = try await client.sepay(id: 92_704, amount: 25_000, content: content, time: vietnamTime(t0 + 120))
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.json["success"] as? Bool == true && first.json["outcome"] as? String == "paid" && first.json["duplicate"] as? Bool == false)
            // 25,000 at 8 %: 25,000 / 1.08 = 23,148.1… → 23,148 before VAT, 1,852 VAT.
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 23_148))
            #expect(try await f.balance(.vatPayable("HN-PARK-01")) == (0, 1_852))
            #expect(try await f.balance(.clearing("HN-PARK-01", channel: "qr")) == (25_000, 0))
            let transfersAfterFirst = try await f.store.ledgerCounts().transfers
            #expect(transfersAfterFirst == 2)
            // The same notification again: acknowledged, nothing changes.
            let again = try await client.sepay(id: 92_704, amount: 25_000, content: content, time: vietnamTime(t0 + 120))
            #expect(again.status == .ok && again.json["duplicate"] as? Bool == true && again.json["outcome"] as? String == "paid", "\(again.text)")
            #expect(try await f.store.ledgerCounts().transfers == transfersAfterFirst)
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 23_148))
            let shown = try await client.intent(f, intent.id)
            #expect(shown.json["status"] as? String == "paid" && shown.json["paid"] as? Int == 25_000)
            let notifications = try #require(shown.json["notifications"] as? [[String: Any]])
            #expect(notifications.count == 2)
            #expect(notifications.map { $0["duplicate"] as? Bool } == [false, true])
            #expect(notifications.allSatisfy { $0["provider_transaction_id"] as? String == "92704" && $0["outcome"] as? String == "paid" })
            #expect((notifications[0]["transfer_ids"] as? [String])?.count == 2 && (notifications[1]["transfer_ids"] as? [String])?.isEmpty == true)
            // The e-invoicing seam fired exactly once, with the VAT split.
            let paid = await f.paidLog.paid
            #expect(paid.count == 1 && paid.first?.intent.id == intent.id && paid.first?.split.vat == Money(1_852))
            let counts = try await f.store.paymentNotificationCounts()
            #expect(counts.received == 2 && counts.duplicates == 1 && counts.rejected == 0)
            try await f.expectIntact()
        }
    }

    @Test func partiallyThenFully() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            // 13,000 at 10 %: 13,000 / 1.1 = 11,818.18… → 11,818 + 1,182 VAT.
            let intent = try await client.createIntent(f, amount: 13_000, vat: "10%")
            let part = try await client.payOS(reference: "FT-A1", amount: 5_000, description: "\(intent.reference) phi gui xe", time: vietnamTime(t0 + 60))
            #expect(part.status == .ok && part.json["outcome"] as? String == "underpaid", "\(part.text)")
            #expect(try await f.balance(.unappliedPayments("HN-PARK-01")) == (0, 5_000))
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .ten)) == (0, 0))
            var shown = try await client.intent(f, intent.id)
            #expect(shown.json["status"] as? String == "underpaid" && shown.json["paid"] as? Int == 5_000)
            #expect(await f.paidLog.paid.isEmpty)
            let rest = try await client.payOS(reference: "FT-A2", amount: 8_000, description: "CK \(intent.reference)", time: vietnamTime(t0 + 300))
            #expect(rest.status == .ok && rest.json["outcome"] as? String == "paid", "\(rest.text)")
            // The whole price moves from unapplied payments to revenue and VAT.
            #expect(try await f.balance(.unappliedPayments("HN-PARK-01")) == (13_000, 13_000))
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .ten)) == (0, 11_818))
            #expect(try await f.balance(.vatPayable("HN-PARK-01")) == (0, 1_182))
            #expect(try await f.balance(.clearing("HN-PARK-01", channel: "qr")) == (13_000, 0))
            shown = try await client.intent(f, intent.id)
            #expect(shown.json["status"] as? String == "paid" && shown.json["paid"] as? Int == 13_000)
            #expect((shown.json["events"] as? [[String: Any]])?.map { $0["status"] as? String } == ["underpaid", "paid"])
            #expect((shown.json["notifications"] as? [Any])?.count == 2)
            #expect(await f.paidLog.paid.count == 1)
            try await f.expectIntact()
        }
    }

    /// The list shows each intent once with its status now, filters by status, pages with a stable cursor, and
    /// shows an operator only its own intents.
    @Test func listingIntentsByStatus() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let paid = try await client.createIntent(f, amount: 5_000)
            let waiting = try await client.createIntent(f, amount: 7_000)
            let other = try await client.createIntent(f, operatorCode: "HN-BUS-01", amount: 9_000, vat: "KCT")
            let ok = try await client.payOS(reference: "FT-L1", amount: 5_000, description: "\(paid.reference)", time: vietnamTime(t0 + 60))
            #expect(ok.json["outcome"] as? String == "paid", "\(ok.text)")
            func ids(_ reply: Reply) -> [String] { (reply.json["items"] as? [[String: Any]])?.compactMap { $0["intent_id"] as? String } ?? [] }
            let all = try await client.call(.get, "/v1/payments", key: f.base.finance)
            #expect(ids(all) == [paid.id, waiting.id, other.id].map { $0.uuidString.lowercased() }, "\(all.text)")
            let onlyPaid = try await client.call(.get, "/v1/payments?status=paid", key: f.base.finance)
            #expect(ids(onlyPaid) == [paid.id.uuidString.lowercased()] && (onlyPaid.json["items"] as? [[String: Any]])?.first?["paid"] as? Int == 5_000)
            let page1 = try await client.call(.get, "/v1/payments?limit=2", key: f.base.admin)
            #expect(ids(page1).count == 2)
            let page2 = try await client.call(.get, "/v1/payments?limit=2&cursor=\(page1.json["next_cursor"] as? String ?? "")", key: f.base.admin)
            #expect(ids(page2) == [other.id.uuidString.lowercased()])
            #expect(ids(try await client.call(.get, "/v1/payments", key: f.base.parking)) == [paid.id, waiting.id].map { $0.uuidString.lowercased() })
            #expect(ids(try await client.call(.get, "/v1/payments?operator=HN-BUS-01", key: f.base.finance)) == [other.id.uuidString.lowercased()])
            #expect(try await client.call(.get, "/v1/payments?status=nope", key: f.base.finance).status == .badRequest)
            #expect(try await client.call(.get, "/v1/payments", key: f.base.tax).status == .forbidden)
        }
    }

    /// A crash after "store first" and before processing: the provider's redelivery finishes the
    /// stored first delivery (posting once), rather than being acknowledged as a duplicate of nothing.
    @Test func redeliveryFinishesAFirstDeliveryThatWasStoredButNeverProcessed() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 25_000, vat: "8%")
            let content = "CT \(intent.reference)"
            // What the endpoint stores before processing, written as if the process died right after.
            _ = try await f.store.recordNotification(
                StoredNotification(
                    id: UUID(), provider: "sepay", method: "POST", rawQuery: nil, rawBody: Data("{}".utf8), headers: "{}", receivedAt: f.store.now(),
                    verified: true, verification: "ok", operatorCode: "HN-PARK-01", providerTransactionID: "555", direction: "credit",
                    amount: 25_000, content: content))
            #expect(try await f.store.unprocessedNotificationIDs().count == 1)
            #expect(try await f.store.ledgerCounts().transfers == 0)
            let redelivery = try await client.sepay(id: 555, amount: 25_000, content: content, time: vietnamTime(t0 + 60))
            #expect(redelivery.status == .ok && redelivery.json["duplicate"] as? Bool == true && redelivery.json["outcome"] as? String == "paid", "\(redelivery.text)")
            #expect(try await f.store.unprocessedNotificationIDs().isEmpty)
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 23_148))
            // A third delivery changes nothing.
            _ = try await client.sepay(id: 555, amount: 25_000, content: content, time: vietnamTime(t0 + 60))
            #expect(try await f.store.ledgerCounts().transfers == 2)
            #expect(await f.paidLog.paid.count == 1)
            try await f.expectIntact()
        }
    }

    @Test func tooMuchWithCasso() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 25_000, vat: "8%")
            let body = #"{"error":0,"data":{"id":4711,"reference":"FT24277","description":"\#(intent.reference) NGUYEN VAN A chuyen tien","amount":30000,"runningBalance":1000000,"transactionDateTime":"\#(vietnamTime(t0 + 200))","accountNumber":"0011001234567","bankName":"BIDV","bankAbbreviation":"BIDV","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"","counterAccountBankId":"","counterAccountBankName":""}}"#
            let header = try Sign.casso(body: body, t: f.clock.seconds * 1000)
            let reply = try await client.send(.post, "/v1/notifications/casso", headers: ["Content-Type": "application/json", "X-Casso-Signature": header], body: body)
            #expect(reply.status == .ok && reply.json["outcome"] as? String == "overpaid", "\(reply.text)")
            // The price to revenue and VAT, the 5,000 excess owed back.
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 23_148))
            #expect(try await f.balance(.vatPayable("HN-PARK-01")) == (0, 1_852))
            #expect(try await f.balance(.refundLiability("HN-PARK-01")) == (0, 5_000))
            #expect(try await f.balance(.clearing("HN-PARK-01", channel: "qr")) == (30_000, 0))
            let shown = try await client.intent(f, intent.id)
            #expect(shown.json["status"] as? String == "overpaid" && shown.json["paid"] as? Int == 25_000)
            #expect(await f.paidLog.paid.count == 1)
            try await f.expectIntact()
        }
    }

    @Test func afterExpiryWithVNPAYThenAccepted() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 25_000, vat: "8%", expiresAt: "2026-11-21T08:15:00+07:00")
            let untouched = try await client.createIntent(f, amount: 9_000, vat: "KCT", expiresAt: "2026-11-21T08:10:00+07:00")
            f.clock.set(unixSeconds: t0 + 25 * 60)
            // Nothing received and past expires_at: expired by itself, no money moved.
            #expect(try await client.intent(f, untouched.id).json["status"] as? String == "expired")
            let query = try Sign.vnpay([
                "vnp_Amount": "2500000", "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP14422999", "vnp_CardType": "ATM",
                "vnp_OrderInfo": "Thanh toan \(intent.reference)", "vnp_PayDate": "20261121082000", "vnp_ResponseCode": "00",
                "vnp_TmnCode": "TEST_TMN_CODE", "vnp_TransactionNo": "14422999", "vnp_TransactionStatus": "00", "vnp_TxnRef": "ORDER-77",
            ])
            let reply = try await client.send(.get, "/v1/notifications/vnpay?\(query)")
            #expect(reply.status == .ok && reply.json["RspCode"] as? String == "00" && reply.json["Message"] as? String == "Confirm Success", "\(reply.text)")
            // Late money is real: owed back (refund liability), flagged, never dropped.
            #expect(try await f.balance(.refundLiability("HN-PARK-01")) == (0, 25_000))
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 0))
            var shown = try await client.intent(f, intent.id)
            #expect(shown.json["status"] as? String == "late" && shown.json["late_amount"] as? Int == 25_000, "\(shown.text)")
            #expect((shown.json["notifications"] as? [[String: Any]])?.first?["outcome"] as? String == "late")
            #expect(await f.paidLog.paid.isEmpty)
            // Redelivery: 02.
            let again = try await client.send(.get, "/v1/notifications/vnpay?\(query)")
            #expect(again.json["RspCode"] as? String == "02")
            // Finance accepts the late payment: refund liability → revenue and VAT.
            let accepted = try await client.call(.post, "/v1/payments/\(intent.id.uuidString)/resolve", key: f.base.finance, body: #"{"action":"accept"}"#)
            #expect(accepted.status == .ok && accepted.json["status"] as? String == "paid", "\(accepted.text)")
            #expect(try await f.balance(.refundLiability("HN-PARK-01")) == (25_000, 25_000))
            #expect(try await f.balance(.revenue("HN-PARK-01", vat: .eight)) == (0, 23_148))
            #expect(try await f.balance(.vatPayable("HN-PARK-01")) == (0, 1_852))
            #expect(await f.paidLog.paid.count == 1)
            let twice = try await client.call(.post, "/v1/payments/\(intent.id.uuidString)/resolve", key: f.base.finance, body: #"{"action":"accept"}"#)
            #expect(twice.status == .conflict && twice.json["code"] as? String == "not_resolvable")
            shown = try await client.intent(f, intent.id)
            #expect((shown.json["events"] as? [[String: Any]])?.map { $0["status"] as? String } == ["late", "paid"])
            try await f.expectIntact()
        }
    }

    @Test func underpaidIntentRefundedByItsOperator() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 20_000, vat: "KCT")
            _ = try await client.sepay(id: 1, amount: 15_000, content: "\(intent.reference)", time: vietnamTime(t0 + 30))
            let other = try await client.call(.post, "/v1/payments/\(intent.id.uuidString)/resolve", key: f.base.bus, body: #"{"action":"refund"}"#)
            #expect(other.status == .notFound)
            let refunded = try await client.call(.post, "/v1/payments/\(intent.id.uuidString)/resolve", key: f.base.parking, body: #"{"action":"refund"}"#)
            #expect(refunded.status == .ok && refunded.json["status"] as? String == "refunded", "\(refunded.text)")
            #expect(try await f.balance(.unappliedPayments("HN-PARK-01")) == (15_000, 15_000))
            #expect(try await f.balance(.refundLiability("HN-PARK-01")) == (0, 15_000))
            try await f.expectIntact()
        }
    }

    @Test func badSignaturesAreRecordedAndNeverProcessed() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let intent = try await client.createIntent(f, amount: 25_000, vat: "8%")
            // payOS body signed with another key: 401, stored, nothing posted.
            let forged = try await client.payOS(reference: "FT-X", amount: 25_000, description: intent.reference, time: vietnamTime(t0), key: "not-the-key")
            #expect(forged.status == .unauthorized && forged.json["code"] as? String == "invalid_signature", "\(forged.text)")
            // SePay with a wrong API key, Casso without its header, VNPAY with a broken hash, SePay HMAC outside the window.
            let wrongKey = try await client.sepay(id: 5, amount: 25_000, content: intent.reference, time: vietnamTime(t0), key: "guess")
            #expect(wrongKey.status == .unauthorized)
            let noHeader = try await client.send(.post, "/v1/notifications/casso", headers: ["Content-Type": "application/json"], body: #"{"error":0,"data":{}}"#)
            #expect(noHeader.status == .unauthorized)
            let vnpay = try await client.send(.get, "/v1/notifications/vnpay?vnp_Amount=2500000&vnp_TransactionNo=1&vnp_ResponseCode=00&vnp_SecureHash=\(String(repeating: "ab", count: 64))")
            #expect(vnpay.status == .ok && vnpay.json["RspCode"] as? String == "97" && vnpay.json["Message"] as? String == "Invalid Checksum")
            let busBody = #"{"id":77,"gateway":"VPBank","transactionDate":"\#(vietnamTime(t0))","accountNumber":"113366668888","code":null,"content":"x","transferType":"in","transferAmount":7000,"accumulated":0,"subAccount":null,"referenceCode":"FT77","description":"x"}"#
            let stale = t0 - 3600
            let outside = try await client.send(
                .post, "/v1/notifications/sepay",
                headers: ["X-SePay-Timestamp": String(stale), "X-SePay-Signature": try Sign.sepayHMAC(body: busBody, timestamp: stale)], body: busBody)
            #expect(outside.status == .unauthorized, "\(outside.text)")
            let malformed = try await client.send(.post, "/v1/notifications/payos", headers: ["Content-Type": "application/json"], body: "{not json")
            #expect(malformed.status == .badRequest && malformed.json["code"] as? String == "malformed_notification")
            #expect(try await f.store.ledgerCounts().transfers == 0)
            let counts = try await f.store.paymentNotificationCounts()
            #expect(counts.received == 6 && counts.rejected == 6)
            #expect(try await client.intent(f, intent.id).json["status"] as? String == "pending")
            // A rejected request never takes the idempotency key: the genuine notification still goes through.
            let genuine = try await client.payOS(reference: "FT-X", amount: 25_000, description: intent.reference, time: vietnamTime(t0))
            #expect(genuine.status == .ok && genuine.json["outcome"] as? String == "paid" && genuine.json["duplicate"] as? Bool == false, "\(genuine.text)")
            // A SePay HMAC notification inside the window verifies under HN-BUS-01's secret.
            let now = f.clock.seconds
            let fresh = try await client.send(
                .post, "/v1/notifications/sepay",
                headers: ["X-SePay-Timestamp": String(now), "X-SePay-Signature": try Sign.sepayHMAC(body: busBody, timestamp: now)], body: busBody)
            #expect(fresh.status == .ok && fresh.json["outcome"] as? String == "unmatched", "\(fresh.text)")
            try await f.expectIntact()
        }
    }

    @Test func unknownReferencesGoToSuspenseIncludingEveryProvidersVector() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            _ = try await client.createIntent(f, amount: 25_000)
            // SePay: no reference at all.
            let sepay = try await client.sepay(id: 31, amount: 50_000, content: "chuyen tien an trua", time: vietnamTime(t0))
            #expect(sepay.status == .ok && sepay.json["outcome"] as? String == "unmatched" && sepay.json["intent_id"] == nil, "\(sepay.text)")
            // A well-formed reference with a wrong check symbol is not a reference.
            let typo = try await client.sepay(id: 32, amount: 1_000, content: "FG2222223", time: vietnamTime(t0))
            #expect(typo.json["outcome"] as? String == "unmatched")
            #expect(try await f.balance(.providerClearing("sepay")) == (51_000, 0))
            #expect(try await f.balance(.suspense(channel: "sepay")) == (0, 51_000))
            // The published payOS vector (signed by payOS's own test key), exactly as in the SDK's test cases.
            let payOSData = #"{"orderCode":0,"amount":20000,"description":"thanh toan","accountNumber":"0123456789","reference":"FT-REFERENCE","transactionDateTime":"2025-12-12 09:00:00","currency":"VND","paymentLinkId":"payment-link-id","code":"00","desc":"success","counterAccountBankId":"01202001","counterAccountBankName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"9876543210","virtualAccountName":"","virtualAccountNumber":""}"#
            let payOS = try await client.send(
                .post, "/v1/notifications/payos", headers: ["Content-Type": "application/json"],
                body: #"{"code":"00","desc":"success","success":true,"data":\#(payOSData),"signature":"302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"}"#)
            #expect(payOS.status == .ok && payOS.json["outcome"] as? String == "unmatched", "\(payOS.text)")
            // The published VNPAY vector: 10,000 VND, no FeeGate reference → 01 Order not found (the money is in suspense).
            let vnpay = try await client.send(
                .get,
                "/v1/notifications/vnpay?vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703&vnp_SecureHash=649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895")
            #expect(vnpay.json["RspCode"] as? String == "01", "\(vnpay.text)")
            // The published Casso V2 vector, at its signing time.
            f.clock.set(unixSeconds: 1_727_948_258)
            let cassoBody = #"{"error":0,"data":{"id":0,"reference":"MA_GIAO_DICH_THU_NGHIEM","description":"giao dich thu nghiem","amount":599000,"runningBalance":25000000,"transactionDateTime":"2024-10-03 15:06:37","accountNumber":"88888888","bankName":"VPBank","bankAbbreviation":"VPB","virtualAccountNumber":"","virtualAccountName":"","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"8888888888","counterAccountBankId":"970415","counterAccountBankName":"VietinBank"}}"#
            let casso = try await client.send(
                .post, "/v1/notifications/casso",
                headers: [
                    "Content-Type": "application/json",
                    "X-Casso-Signature": "t=1727948258788,v1=ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3",
                ], body: cassoBody)
            #expect(casso.status == .ok && casso.json["outcome"] as? String == "unmatched", "\(casso.text)")
            #expect(try await f.balance(.suspense(channel: "payos")) == (0, 20_000))
            #expect(try await f.balance(.suspense(channel: "vnpay")) == (0, 10_000))
            #expect(try await f.balance(.suspense(channel: "casso")) == (0, 599_000))
            let unmatched = try await f.store.unmatchedPayments()
            #expect(unmatched.map(\.notification.provider) == ["sepay", "sepay", "payos", "vnpay", "casso"])
            try await f.expectIntact()
        }
    }
}

@Suite("OpenAPI contract: payments")
struct PaymentsOpenAPITests {
    /// The payment enums in the served contract list exactly what the server knows.
    @Test func paymentEnumsMatchTheServer() async throws {
        let f = try await PaymentsFixture.make()
        try await f.app().test(.router) { client in
            let spec = try await client.call(.get, "/openapi.json").json
            let schemas = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
            func enumValues(_ schema: String, _ property: String) -> [String]? {
                (((schemas[schema] as? [String: Any])?["properties"] as? [String: Any])?[property] as? [String: Any])?["enum"] as? [String]
            }
            #expect(enumValues("PaymentIntent", "status") == PaymentIntentStatus.allCases.map(\.rawValue))
            #expect(enumValues("NotificationAck", "outcome") == PaymentOutcome.allCases.map(\.rawValue))
            #expect(enumValues("PaymentNotification", "outcome") == PaymentOutcome.allCases.map(\.rawValue))
            #expect(enumValues("CreatePaymentIntentRequest", "code") == ["payment", "parking_fee", "bus_fare", "pass_sale", "public_fee"])
            #expect(enumValues("ResolvePaymentRequest", "action") == PaymentPostingRules.Resolution.allCases.map(\.rawValue))
            let paths = try #require(spec["paths"] as? [String: Any])
            for path in ["/v1/payments/qr", "/v1/payments/{id}", "/v1/payments/{id}/resolve", "/v1/notifications/payos", "/v1/notifications/casso",
                         "/v1/notifications/sepay", "/v1/notifications/vnpay"] {
                #expect(paths[path] != nil, "\(path) is missing from openapi.json")
            }
        }
    }
}
