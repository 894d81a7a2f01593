import FeeGateCore
import FeeGateCrypto
import FeeGateTestSupport
import Foundation
import Testing

@testable import FeeGateNotifications

/// An instant written as ISO 8601 with an explicit offset, parsed by Foundation (not by the code under test).
func instant(_ iso: String) throws -> Date {
    try #require(ISO8601DateFormatter().date(from: iso), "bad test date \(iso)")
}

@Suite("payOS webhook")
struct PayOSTests {
    static let key = "test_checksum_key"
    static let stringToSign = "accountNumber=0123456789&amount=20000&code=00&counterAccountBankId=01202001&counterAccountBankName=&counterAccountName=NGUYEN VAN A&counterAccountNumber=9876543210&currency=VND&desc=success&description=thanh toan&orderCode=0&paymentLinkId=payment-link-id&reference=FT-REFERENCE&transactionDateTime=2025-12-12 09:00:00&virtualAccountName=&virtualAccountNumber="
    static let signature = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"

    /// The vector's data, keys in payOS's delivery order (not sorted), nulls and empties mixed.
    static func body(amount: String = "20000", signature: String = signature, desc: String = "success") -> String {
        """
        {"code": "00", "desc": "\(desc)", "success": true,
         "data": {"orderCode": 0, "amount": \(amount), "description": "thanh toan", "accountNumber": "0123456789",
                  "reference": "FT-REFERENCE", "transactionDateTime": "2025-12-12 09:00:00", "currency": "VND",
                  "paymentLinkId": "payment-link-id", "code": "00", "desc": "success", "counterAccountBankId": "01202001",
                  "counterAccountBankName": null, "counterAccountName": "NGUYEN VAN A", "counterAccountNumber": "9876543210",
                  "virtualAccountName": "", "virtualAccountNumber": null},
         "signature": "\(signature)"}
        """
    }

    @Test("the published vector's string-to-sign and signature reproduce exactly")
    func vector() throws {
        let parsed = try RawJSON.parse(Array(Self.body().utf8))
        #expect(PayOSWebhookVerifier.stringToSign(data: try #require(parsed["data"])) == Self.stringToSign)
        #expect(Hex.encode(Digest.hmac(.sha256, key: Array(Self.key.utf8), message: Array(Self.stringToSign.utf8))) == Self.signature)
        let notification = try PayOSWebhookVerifier(checksumKey: Self.key).verify(rawBody: Array(Self.body().utf8))
        #expect(notification.provider == .payOS)
        #expect(notification.providerTransactionID == "FT-REFERENCE")
        #expect(notification.amount == Money(20_000))
        #expect(notification.outcome == .credit)
        #expect(notification.content == "thanh toan")
        #expect(notification.orderReference == "0")
        #expect(notification.account == "0123456789")
        #expect(notification.counterpartyName == "NGUYEN VAN A")
        #expect(notification.occurredAt == (try instant("2025-12-12T09:00:00+07:00")))
        #expect(notification.raw == Self.body())
    }

    @Test("unsigned top-level fields may change; signed data may not")
    func tampering() throws {
        let verifier = PayOSWebhookVerifier(checksumKey: Self.key)
        #expect(throws: Never.self) { try verifier.verify(rawBody: Array(Self.body(desc: "changed").utf8)) }
        #expect(throws: NotificationError.signatureMismatch(provider: .payOS)) {
            try verifier.verify(rawBody: Array(Self.body(amount: "20001").utf8))
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .payOS)) {
            try PayOSWebhookVerifier(checksumKey: "wrong_key").verify(rawBody: Array(Self.body().utf8))
        }
        #expect(throws: NotificationError.missingSignature(provider: .payOS, location: "the body's \"signature\" field")) {
            try verifier.verify(rawBody: Array(Self.body(signature: "").utf8))
        }
        #expect(throws: NotificationError.malformedSignature(provider: .payOS, reason: "expected 64 hex digits")) {
            try verifier.verify(rawBody: Array(Self.body(signature: "zz").utf8))
        }
        // A float rendering of the amount is a different signed text: rejected, not "normalised".
        #expect(throws: NotificationError.signatureMismatch(provider: .payOS)) {
            try verifier.verify(rawBody: Array(Self.body(amount: "20000.0").utf8))
        }
        #expect(throws: NotificationError.self) { try verifier.verify(rawBody: Array("{\"data\": {".utf8)) }
    }
}

@Suite("Casso webhook V2")
struct CassoTests {
    static let key = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
    static let t: Int64 = 1_727_948_258_788
    static let v1 = "ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3"
    static let message = #"1727948258788.{"data":{"accountNumber":"88888888","amount":599000,"bankAbbreviation":"VPB","bankName":"VPBank","counterAccountBankId":"970415","counterAccountBankName":"VietinBank","counterAccountName":"NGUYEN VAN A","counterAccountNumber":"8888888888","description":"giao dich thu nghiem","id":0,"reference":"MA_GIAO_DICH_THU_NGHIEM","runningBalance":25000000,"transactionDateTime":"2024-10-03 15:06:37","virtualAccountName":"","virtualAccountNumber":""},"error":0}"#

    /// The body as Casso's sample sends it: unsorted keys, pretty-printed.
    static func body(amount: String = "599000") -> String {
        """
        {
            "error": 0,
            "data": {
                "id": 0,
                "reference": "MA_GIAO_DICH_THU_NGHIEM",
                "description": "giao dich thu nghiem",
                "amount": \(amount),
                "runningBalance": 25000000,
                "transactionDateTime": "2024-10-03 15:06:37",
                "accountNumber": "88888888",
                "bankName": "VPBank",
                "bankAbbreviation": "VPB",
                "virtualAccountNumber": "",
                "virtualAccountName": "",
                "counterAccountName": "NGUYEN VAN A",
                "counterAccountNumber": "8888888888",
                "counterAccountBankId": "970415",
                "counterAccountBankName": "VietinBank"
            }
        }
        """
    }

    static let header = "t=\(t),v1=\(v1)"
    static let signedAt = Date(timeIntervalSince1970: Double(t) / 1000)

    @Test("the published vector verifies from an unsorted, pretty-printed raw body")
    func vector() throws {
        #expect(Hex.encode(Digest.hmac(.sha512, key: Array(Self.key.utf8), message: Array(Self.message.utf8))) == Self.v1)
        let notification = try CassoWebhookVerifier(checksumKey: Self.key)
            .verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: Self.signedAt.addingTimeInterval(42))
        #expect(notification.provider == .casso)
        #expect(notification.providerTransactionID == "0")
        #expect(notification.amount == Money(599_000))
        #expect(notification.outcome == .credit)
        #expect(notification.content == "giao dich thu nghiem")
        #expect(notification.account == "88888888")
        #expect(notification.bankReference == "MA_GIAO_DICH_THU_NGHIEM")
        #expect(notification.occurredAt == (try instant("2024-10-03T15:06:37+07:00")))
    }

    @Test("tampered body, wrong key, bad header and stale timestamp are rejected")
    func rejections() throws {
        let verifier = CassoWebhookVerifier(checksumKey: Self.key)
        let now = Self.signedAt.addingTimeInterval(10)
        #expect(throws: NotificationError.signatureMismatch(provider: .casso)) {
            try verifier.verify(rawBody: Array(Self.body(amount: "599001").utf8), signatureHeader: Self.header, now: now)
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .casso)) {
            try CassoWebhookVerifier(checksumKey: "other").verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: now)
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .casso)) {
            try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: "t=\(Self.t + 1),v1=\(Self.v1)", now: now)
        }
        #expect(throws: NotificationError.missingSignature(provider: .casso, location: "the X-Casso-Signature header")) {
            try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: nil, now: now)
        }
        #expect(throws: NotificationError.malformedSignature(provider: .casso, reason: "no numeric t= timestamp")) {
            try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: "v1=\(Self.v1)", now: now)
        }
        // 5 minutes and 1 second later (and earlier): outside the default window.
        for offset in [301.0, -301.0] {
            #expect(throws: NotificationError.self) {
                try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: Self.signedAt.addingTimeInterval(offset))
            }
            do {
                _ = try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: Self.signedAt.addingTimeInterval(offset))
            } catch {
                guard case .timestampOutsideWindow = error else { Issue.record("expected a window error, got \(error)"); continue }
            }
        }
        // Exactly at the edge is accepted; the window can be disabled by configuration.
        #expect(throws: Never.self) {
            try verifier.verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: Self.signedAt.addingTimeInterval(300))
        }
        #expect(throws: Never.self) {
            try CassoWebhookVerifier(checksumKey: Self.key, tolerance: nil)
                .verify(rawBody: Array(Self.body().utf8), signatureHeader: Self.header, now: Self.signedAt.addingTimeInterval(86_400))
        }
    }

    @Test("Vietnamese text verifies whether Casso serialised it JavaScript-style or Python-style (signatures made by Python)")
    func nonASCII() throws {
        let body = #"{"error":0,"data":{"id":77,"amount":-15000,"description":"Chuyển tiền FG7K3M9X5 phí \"gửi\" xe/ô tô","accountNumber":"123","transactionDateTime":"2025-01-02 03:04:05"}}"#
        let script = """
            import sys, json, hmac, hashlib
            body = json.loads(sys.argv[1])
            def srt(d): return {k: (srt(v) if isinstance(v, dict) else v) for k, v in sorted(d.items())}
            for ascii in (True, False):
                msg = "1700000000000." + json.dumps(srt(body), separators=(",", ":"), ensure_ascii=ascii)
                print(hmac.new(b"k3y", msg.encode("utf-8"), hashlib.sha512).hexdigest())
            """
        let result = try runPython(script, [body])
        try #require(result.status == 0, "\(result.stderr)")
        let signatures = result.stdout.split(separator: "\n").map(String.init)
        try #require(signatures.count == 2 && signatures[0] != signatures[1])
        let verifier = CassoWebhookVerifier(checksumKey: "k3y")
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        for signature in signatures {
            let notification = try verifier.verify(rawBody: Array(body.utf8), signatureHeader: "t=1700000000000,v1=\(signature)", now: now)
            #expect(notification.outcome == .debit)
            #expect(notification.amount == Money(15_000))
            #expect(notification.content == #"Chuyển tiền FG7K3M9X5 phí "gửi" xe/ô tô"#)
        }
    }
}

@Suite("VNPAY IPN")
struct VNPayTests {
    static let secret = "test_secret"
    static let signed = "vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703"
    static let hash = "649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895"
    static let hash99 = "503194f6d93b57b357b2d1d09742565e67e86d771352c5dca4fc8d39df3d392c6b3809add9405f97cfb9631f445e36c80656cfbf47eac67d97fa165865c13e1b"

    /// The signed parameters in VNPAY's delivery order (not sorted), with the hash fields.
    static func query(_ signed: String = signed, hash: String = hash) -> String {
        let pairs = signed.split(separator: "&").map(String.init)
        return "?" + (pairs.reversed() + ["vnp_SecureHashType=HmacSHA512", "vnp_SecureHash=\(hash)"]).joined(separator: "&")
    }

    @Test("the published vectors (response 00 and 99) verify")
    func vectors() throws {
        let verifier = VNPayIPNVerifier(hashSecret: Self.secret)
        let paid = try verifier.verify(rawQuery: Self.query())
        #expect(paid.provider == .vnpay)
        #expect(paid.providerTransactionID == "14422574")
        #expect(paid.amount == Money(10_000))
        #expect(paid.outcome == .credit)
        #expect(paid.orderReference == "1716257871703")
        #expect(paid.content == "Thanh toan don hang 2024-05-21T02:17:31.249Z")
        #expect(paid.bankReference == "VNP14422574")
        #expect(paid.occurredAt == (try instant("2024-05-21T09:18:06+07:00")))
        let failed = try verifier.verify(rawQuery: Self.query(Self.signed.replacingOccurrences(of: "vnp_ResponseCode=00", with: "vnp_ResponseCode=99"), hash: Self.hash99))
        #expect(failed.outcome == .failed(code: "99"))
    }

    @Test("the same parameters percent-encoded differently (%20, lower-case hex) still verify")
    func otherEncoding() throws {
        let variant = Self.signed.replacingOccurrences(of: "+", with: "%20").replacingOccurrences(of: "%3A", with: "%3a")
        #expect(throws: Never.self) { try VNPayIPNVerifier(hashSecret: Self.secret).verify(rawQuery: Self.query(variant)) }
        // An empty extra parameter is not signed (VNPAY drops empty values).
        #expect(throws: Never.self) { try VNPayIPNVerifier(hashSecret: Self.secret).verify(rawQuery: Self.query() + "&vnp_Extra=") }
    }

    @Test("tampering, wrong secret, duplicates and old hash types are rejected")
    func rejections() {
        let verifier = VNPayIPNVerifier(hashSecret: Self.secret)
        #expect(throws: NotificationError.signatureMismatch(provider: .vnpay)) {
            try verifier.verify(rawQuery: Self.query(Self.signed.replacingOccurrences(of: "vnp_Amount=1000000", with: "vnp_Amount=100000000")))
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .vnpay)) {
            try VNPayIPNVerifier(hashSecret: "other").verify(rawQuery: Self.query())
        }
        #expect(throws: NotificationError.malformedBody(provider: .vnpay, reason: "parameter vnp_Amount appears twice")) {
            try verifier.verify(rawQuery: Self.query() + "&vnp_Amount=1")
        }
        #expect(throws: NotificationError.unsupportedHashType(provider: .vnpay, hashType: "SHA256")) {
            try verifier.verify(rawQuery: Self.query().replacingOccurrences(of: "HmacSHA512", with: "SHA256"))
        }
        #expect(throws: NotificationError.missingSignature(provider: .vnpay, location: "the vnp_SecureHash parameter")) {
            try verifier.verify(rawQuery: Self.signed)
        }
    }

    @Test("IPN answers are the JSON VNPAY expects")
    func responses() {
        #expect(VNPayIPNResponse.confirmSuccess.jsonBody == #"{"RspCode":"00","Message":"Confirm Success"}"#)
        #expect(VNPayIPNResponse.invalidChecksum.rawValue == "97")
    }
}

@Suite("SePay webhook")
struct SePayTests {
    static let body = #"{"id":92704,"gateway":"Vietcombank","transactionDate":"2023-03-25 14:02:37","accountNumber":"0123499999","code":null,"content":"chuyen tien mua iphone FG7K3M9X5","transferType":"in","transferAmount":2277000,"accumulated":19077000,"subAccount":null,"referenceCode":"MBVCB.3278907687","description":""}"#

    @Test("API-key mode")
    func apiKey() throws {
        let verifier = SePayWebhookVerifier(authentication: .apiKey("sk_live_123"))
        let now = Date(timeIntervalSince1970: 0)
        let notification = try verifier.verify(rawBody: Array(Self.body.utf8), authorization: "Apikey sk_live_123", timestamp: nil, signature: nil, now: now)
        #expect(notification.provider == .sepay)
        #expect(notification.providerTransactionID == "92704")
        #expect(notification.amount == Money(2_277_000))
        #expect(notification.outcome == .credit)
        #expect(notification.content == "chuyen tien mua iphone FG7K3M9X5")
        #expect(notification.bankReference == "MBVCB.3278907687")
        #expect(notification.orderReference == nil)
        #expect(notification.occurredAt == (try instant("2023-03-25T14:02:37+07:00")))
        #expect(throws: NotificationError.apiKeyMismatch(provider: .sepay)) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: "Apikey sk_live_124", timestamp: nil, signature: nil, now: now)
        }
        #expect(throws: NotificationError.apiKeyMismatch(provider: .sepay)) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: "Bearer sk_live_123", timestamp: nil, signature: nil, now: now)
        }
        #expect(throws: NotificationError.missingCredentials(provider: .sepay, header: "Authorization")) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: nil, timestamp: nil, signature: nil, now: now)
        }
    }

    @Test("HMAC mode: signature computed by Python's hmac over \"timestamp.rawBody\"")
    func hmacMode() throws {
        let timestamp = "1700000000"
        let result = try runPython(
            "import sys, hmac, hashlib; print(hmac.new(b'whsec_abc', (sys.argv[1] + '.' + sys.argv[2]).encode(), hashlib.sha256).hexdigest())",
            [timestamp, Self.body])
        try #require(result.status == 0, "\(result.stderr)")
        let signature = "sha256=" + result.stdout.trimmingCharacters(in: .newlines)
        let verifier = SePayWebhookVerifier(authentication: .hmacSHA256(secret: "whsec_abc"))
        let signedAt = Date(timeIntervalSince1970: 1_700_000_000)
        let notification = try verifier.verify(rawBody: Array(Self.body.utf8), authorization: nil, timestamp: timestamp,
                                               signature: signature, now: signedAt.addingTimeInterval(120))
        #expect(notification.amount == Money(2_277_000))
        #expect(throws: NotificationError.signatureMismatch(provider: .sepay)) {
            try verifier.verify(rawBody: Array(Self.body.replacingOccurrences(of: "2277000", with: "2278000").utf8), authorization: nil,
                                timestamp: timestamp, signature: signature, now: signedAt)
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .sepay)) {
            try SePayWebhookVerifier(authentication: .hmacSHA256(secret: "other")).verify(
                rawBody: Array(Self.body.utf8), authorization: nil, timestamp: timestamp, signature: signature, now: signedAt)
        }
        #expect(throws: NotificationError.signatureMismatch(provider: .sepay)) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: nil, timestamp: "1700000001", signature: signature, now: signedAt)
        }
        #expect(throws: NotificationError.timestampOutsideWindow(provider: .sepay, timestamp: signedAt, now: signedAt.addingTimeInterval(301), toleranceSeconds: 300)) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: nil, timestamp: timestamp, signature: signature, now: signedAt.addingTimeInterval(301))
        }
        #expect(throws: NotificationError.missingSignature(provider: .sepay, location: "the X-SePay-Signature header")) {
            try verifier.verify(rawBody: Array(Self.body.utf8), authorization: nil, timestamp: timestamp, signature: nil, now: signedAt)
        }
    }

    @Test("a debit and a malformed amount")
    func fields() throws {
        let verifier = SePayWebhookVerifier(authentication: .apiKey("k"))
        let out = Self.body.replacingOccurrences(of: "\"in\"", with: "\"out\"")
        #expect(try verifier.verify(rawBody: Array(out.utf8), authorization: "Apikey k", timestamp: nil, signature: nil, now: Date()).outcome == .debit)
        let fractional = Self.body.replacingOccurrences(of: "2277000", with: "2277000.5")
        #expect(throws: NotificationError.invalidField(provider: .sepay, field: "transferAmount", value: "2277000.5", reason: "an amount must be a whole number of VND")) {
            try verifier.verify(rawBody: Array(fractional.utf8), authorization: "Apikey k", timestamp: nil, signature: nil, now: Date())
        }
    }
}

@Suite("Raw JSON")
struct RawJSONTests {
    @Test("strict parsing and JavaScript-compatible serialisation (checked against node-style rules by hand)")
    func json() throws {
        let value = try RawJSON.parse(Array(#"{"b": [1, {"z": 1, "a": 2}], "a": "x\u00e9\ud83d\ude00\n", "c": 1.50e3}"#.utf8))
        #expect(value.serialized(keys: .sortedThroughObjects, escaping: .javaScript) == "{\"a\":\"xé😀\\n\",\"b\":[1,{\"z\":1,\"a\":2}],\"c\":1.50e3}")
        #expect(value.serialized(keys: .sortedThroughObjects, escaping: .asciiOnly) == "{\"a\":\"x\\u00e9\\ud83d\\ude00\\n\",\"b\":[1,{\"z\":1,\"a\":2}],\"c\":1.50e3}")
        for bad in [#"{"a":1,"a":2}"#, #"{"a":01}"#, "[1,]", #"{"a":"\u12"}"#, "{} x", "\"\u{01}\"", #"{"a":"\ud800"}"#] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try RawJSON.parse(Array(bad.utf8)) }
        }
    }
}
