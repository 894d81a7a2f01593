import FeeGateCore
import FeeGateGateway
import FeeGateOperations
import FeeGateStore
import FeeGateTariffs
import FeeGateTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Issue #6 as used by the operator flows: signed documents, gapless numbers, MTT codes, xmlsec1.
@Suite("Documents")
struct DocumentsAPITests {
    @Test func paidExemptAndFeeFlowsIssueSignedNumberedDocuments() async throws {
        let dir = try TemporaryDirectory()
        let pki = try TestPKI(taxCode: "0101234567")
        let store = try GatewayStore.open(path: dir.path("d.sqlite"))
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Công ty TNHH Bãi đỗ xe Hà Nội", taxCode: "0101234567", kind: .parking,
                                        mttPrefix: "K7Q2M", invoiceSeries: "C26MAA")
        let parking = try await store.createKey(role: .operator, operatorCode: "HN-PARK-01", label: nil).secret
        let tax = try await store.createKey(role: .tax, operatorCode: nil, label: nil).secret
        let config = try JSONDecoder().decode(DocumentsConfiguration.self, from: Data("""
            {"operators":{"HN-PARK-01":{"address":"1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội","pkcs12":"\(pki.sellerP12.path)",
              "password_env":"TEST_P12_PASSWORD","series_suffix":"AA","receipt_letters":"AB"}}}
            """.utf8))
        let issuer = DocumentIssuer(store: store, profiles: try await config.profiles(store: store, environment: ["TEST_P12_PASSWORD": pki.password]))
        let catalog = try TariffCatalog.load(directory: packageRoot.appendingPathComponent("Tariffs").path)
        let services = OperatorServices(store: store, tariffs: try TariffEngine(catalog: catalog), tokenKey: Array(repeating: 1, count: 32), documents: issuer)
        let f = Fixture(store: store, admin: "", finance: "", tax: tax, parking: parking, bus: "")
        try await f.app(operations: services).test(.router) { client in
            var documents: [[String: Any]] = []
            for (index, payment) in [#"{"method":"card","authorization":"A1"}"#, #"{"method":"card","authorization":"A2"}"#,
                                     #"{"method":"exempt","reason":"xe cứu thương"}"#].enumerated() {
                let id = UUID().uuidString
                _ = try await client.call(.post, "/v1/parking/sessions", key: parking, body: """
                    {"id":"\(id)","zone":"HK-12-LY-THAI-TO","plate":"29A1000\(index)","vehicle":"car","started_at":"2026-11-21T08:00:00+07:00","source":"app"}
                    """)
                let stop = try await client.call(.post, "/v1/parking/sessions/\(id)/stop", key: parking,
                                                 body: #"{"ended_at":"2026-11-21T11:30:00+07:00","payment":\#(payment)}"#)
                documents.append(try #require(stop.json["document"] as? [String: Any], "\(stop.text)"))
                // A retried stop returns the same document: nothing is numbered twice.
                let retry = try await client.call(.post, "/v1/parking/sessions/\(id)/stop", key: parking,
                                                  body: #"{"ended_at":"2026-11-21T11:30:00+07:00","payment":\#(payment)}"#)
                #expect((retry.json["document"] as? [String: Any])?["id"] as? String == documents.last?["id"] as? String)
            }
            // Invoices 1 and 2 of template 1, series C26MAA; the exempt stay is e-ticket 1 of template 5; the MTT counter runs 1, 2, 3.
            #expect(documents.map { $0["kind"] as? String } == ["cash_register_invoice", "cash_register_invoice", "e_ticket"])
            #expect(documents.map { $0["template"] as? String } == ["1", "1", "5"])
            #expect(documents.map { $0["number"] as? Int } == [1, 2, 1])
            #expect(documents.map { $0["series"] as? String } == ["C26MAA", "C26MAA", "C26MAA"])
            #expect(documents.map { $0["authority_code"] as? String } == ["M1-26-K7Q2M-00000000001", "M1-26-K7Q2M-00000000002", "M5-26-K7Q2M-00000000003"])

            let invoiceID = try #require(documents[0]["id"] as? String)
            let meta = try await client.call(.get, "/v1/invoices/\(invoiceID)", key: tax)
            // 120,000 VND at 8 %: VAT 8,889 (hand-computed in MoneyTests).
            #expect(meta.status == .ok && meta.json["total"] as? Int == 120_000 && meta.json["vat"] as? Int == 8_889)
            let xml = try await client.call(.get, "/v1/invoices/\(invoiceID)/xml", key: parking)
            #expect(xml.headers[.contentType]?.hasPrefix("application/xml") == true)
            #expect(xml.text.contains("<TgTTTBChu>Một trăm hai mươi nghìn đồng</TgTTTBChu>") && xml.text.contains("<MCCQT>M1-26-K7Q2M-00000000001</MCCQT>"))
            let file = try pki.write(Array(xml.text.utf8), name: "invoice.xml")
            let verified = try Tool.xmlsecVerify(file, trustedCA: pki.caPEM)
            #expect(verified.status == 0, "\(verified.output)")
            let ticket = try await client.call(.get, "/v1/invoices/\(documents[2]["id"] as? String ?? "")/xml", key: parking)
            #expect(ticket.text.contains("Vé 0 đồng — ngân sách thành phố chi trả"))
            #expect(try await client.call(.get, "/v1/invoices/\(invoiceID)", key: f.bus.isEmpty ? "x" : f.bus).status == .unauthorized)
            // The tax office's feed: each document once, in issue order, resumable from its cursor.
            let page1 = try await client.call(.get, "/v1/tax/documents?limit=2", key: tax)
            #expect((page1.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == documents.prefix(2).compactMap { $0["id"] as? String })
            let cursor = try #require(page1.json["next_cursor"] as? String)
            let page2 = try await client.call(.get, "/v1/tax/documents?limit=2&since=\(cursor)", key: tax)
            #expect((page2.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [documents[2]["id"] as? String ?? ""])
            let end = try await client.call(.get, "/v1/tax/documents?since=\(page2.json["next_cursor"] as? String ?? "")", key: tax)
            #expect((end.json["items"] as? [Any])?.isEmpty == true && end.json["next_cursor"] as? String == page2.json["next_cursor"] as? String)
            #expect(try await client.call(.get, "/v1/tax/documents", key: parking).status == .forbidden)
        }
        #expect(try await store.verify().isIntact)
        // Editing one character of a stored invoice (with the triggers dropped first) breaks the document chain.
        let db = dir.path("d.sqlite")
        _ = try ExternalTool.run("sqlite3", [db, "DROP TRIGGER document_append_only_update; UPDATE document SET xml = CAST(replace(CAST(xml AS TEXT), 'Một trăm hai mươi', 'Một trăm hai mươi mốt') AS BLOB) WHERE seq = 1;"])
        let report = try await store.verify()
        #expect(report.problems.first?.table == "document" && report.problems.first?.seq == 1, "\(report.problems)")
    }
}

/// A parking stop paid by bank QR: the stop returns a VietQR intent; the bank's notification pays it;
/// the session then shows `paid` with its signed invoice.
@Suite("QR parking")
struct QRParkingTests {
    struct World {
        let pki: TestPKI
        let store: GatewayStore
        let key: String
        let services: OperatorServices
        let app: any ApplicationProtocol
    }

    /// A parking operator with documents and bank QR; `invoiceOnPayment: false` leaves out the invoice step that
    /// follows a payment (as a crash between the two would).
    static func world(invoiceOnPayment: Bool = true) async throws -> World {
        let pki = try TestPKI(taxCode: "0101234567")
        let store = try GatewayStore.inMemory()
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Hapark", taxCode: "0101234567", kind: .parking, mttPrefix: "K7Q2M", invoiceSeries: nil)
        let key = try await store.createKey(role: .operator, operatorCode: "HN-PARK-01", label: nil).secret
        let payments = try PaymentsConfiguration.parse(Data(TestKeys.config.utf8), source: "test config")
        let documentsConfig = try JSONDecoder().decode(DocumentsConfiguration.self, from: Data("""
            {"operators":{"HN-PARK-01":{"address":"Hà Nội","pkcs12":"\(pki.sellerP12.path)","password_env":"P","series_suffix":"QR"}}}
            """.utf8))
        let documents = DocumentIssuer(store: store, profiles: try await documentsConfig.profiles(store: store, environment: ["P": pki.password]))
        let catalog = try TariffCatalog.load(directory: packageRoot.appendingPathComponent("Tariffs").path)
        let services = OperatorServices(store: store, tariffs: try TariffEngine(catalog: catalog), tokenKey: Array(repeating: 3, count: 32),
                                        payments: PaymentIntentService(store: store, configuration: payments), documents: documents)
        var configuration = GatewayConfiguration(host: "127.0.0.1", port: 0)
        configuration.payments = payments
        if invoiceOnPayment {
            configuration.onIntentPaid = { paid in try? await services.parkingIntentPaid(sessionID: paid.intent.id, price: paid.recognised, rate: paid.intent.vatRate) }
        }
        let app = try buildApplication(store: store, configuration: configuration, logger: Logger(label: "test"), operations: services)
        return World(pki: pki, store: store, key: key, services: services, app: app)
    }

    /// The bank's SePay notification of `amount` for `reference` (the payer's bank upper-cases and wraps it in its own text).
    static func pay(_ client: some TestClientProtocol, reference: String, amount: Int, id: Int = 991) async throws -> HTTPResponse.Status {
        let now = Int64(Date().timeIntervalSince1970)
        let body = #"{"id":\#(id),"gateway":"Vietcombank","transactionDate":"\#(vietnamTime(now))","accountNumber":"0011001234567","code":null,"content":"MBVCB.99.\#(reference).CT tu 0123","transferType":"in","transferAmount":\#(amount),"accumulated":0,"subAccount":null,"referenceCode":"FT\#(id)","description":"x"}"#
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.authorization] = "Apikey \(TestKeys.sepayAPIKey)"
        return try await client.execute(uri: "/v1/notifications/sepay", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
    }

    /// A stop whose first attempt created its intent but failed to record (retried minutes later) is recorded on
    /// retry with the same intent; a payment whose invoice step did not run gets its invoice from the catch-up sweep.
    @Test func aRetriedQRStopKeepsItsIntentAndAMissedInvoiceIsIssuedLater() async throws {
        let w = try await Self.world(invoiceOnPayment: false)
        try await w.app.test(.router) { client in
            let session = UUID().uuidString.lowercased()
            _ = try await client.call(.post, "/v1/parking/sessions", key: w.key, body: """
                {"id":"\(session)","zone":"HK-12-LY-THAI-TO","plate":"29B1-55555","vehicle":"motorbike","started_at":"2026-11-21T08:00:00+07:00","source":"app"}
                """)
            // The first attempt's intent, made with its own expiry (an hour from then), before the attempt failed.
            let plate = try #require(try await client.call(.get, "/v1/parking/sessions/\(session)", key: w.key).json["plate"] as? String)
            let first = try await PaymentIntentService(store: w.store, configuration: try PaymentsConfiguration.parse(Data(TestKeys.config.utf8), source: "t"))
                .issueIntent(id: UUID(uuidString: session)!, operatorCode: "HN-PARK-01", amount: Money(5_000), vatRate: .eight, code: .parkingFee,
                             purpose: "Phi gui xe \(plate)", expiresAt: Int64(Date().timeIntervalSince1970) + 3_600)
            let stop = try await client.call(.post, "/v1/parking/sessions/\(session)/stop", key: w.key,
                                             body: #"{"ended_at":"2026-11-21T09:00:00+07:00","payment":{"method":"qr"}}"#)
            #expect(stop.status == .ok && stop.json["status"] as? String == "awaiting_payment", "\(stop.text)")
            let intent = try #require((stop.json["payment"] as? [String: Any])?["intent"] as? [String: Any])
            #expect(intent["reference"] as? String == first.reference && intent["expires_at"] as? String == first.expiresAt)

            let notified = try await Self.pay(client, reference: first.reference, amount: 5_000)
            #expect(notified == .ok || notified == .created)
            let unbilled = try await client.call(.get, "/v1/parking/sessions/\(session)", key: w.key)
            #expect(unbilled.json["status"] as? String == "paid" && (unbilled.json["document"] == nil || unbilled.json["document"] is NSNull), "\(unbilled.text)")
            #expect(try await w.services.invoicePaidQRStops() == 1)
            #expect(try await w.services.invoicePaidQRStops() == 0)
            let billed = try await client.call(.get, "/v1/parking/sessions/\(session)", key: w.key)
            let document = try #require(billed.json["document"] as? [String: Any])
            #expect(document["kind"] as? String == "cash_register_invoice" && document["number"] as? Int == 1, "\(billed.text)")
        }
        #expect(try await w.store.verify().isIntact)
    }

    @Test func qrStopIsPaidByTheBankNotificationAndInvoiced() async throws {
        let w = try await Self.world()
        let (store, key, app) = (w.store, w.key, w.app)
        try await app.test(.router) { client in
            let session = UUID().uuidString.lowercased()
            // 1 hour of motorbike in the day on a Hoàn Kiếm street: one day turn, 5,000 VND.
            _ = try await client.call(.post, "/v1/parking/sessions", key: key, body: """
                {"id":"\(session)","zone":"HK-12-LY-THAI-TO","plate":"29B1-55555","vehicle":"motorbike","started_at":"2026-11-21T08:00:00+07:00","source":"app"}
                """)
            let stop = try await client.call(.post, "/v1/parking/sessions/\(session)/stop", key: key,
                                             body: #"{"ended_at":"2026-11-21T09:00:00+07:00","payment":{"method":"qr"}}"#)
            #expect(stop.status == .ok && stop.json["status"] as? String == "awaiting_payment", "\(stop.text)")
            let intent = try #require((stop.json["payment"] as? [String: Any])?["intent"] as? [String: Any])
            let reference = try #require(intent["reference"] as? String)
            #expect((intent["vietqr"] as? String)?.contains("5404500053") == true || (intent["vietqr"] as? String)?.contains("54045000") == true)
            #expect(stop.json["document"] == nil || stop.json["document"] is NSNull)
            let notified = try await Self.pay(client, reference: reference, amount: 5_000)
            #expect(notified == .ok || notified == .created)
            let paid = try await client.call(.get, "/v1/parking/sessions/\(session)", key: key)
            #expect(paid.json["status"] as? String == "paid", "\(paid.text)")
            let document = try #require(paid.json["document"] as? [String: Any])
            #expect(document["kind"] as? String == "cash_register_invoice" && document["number"] as? Int == 1 && document["series"] as? String == "C26MQR")
            // The list filters by the same status the session shows.
            let paidList = try await client.call(.get, "/v1/parking/sessions?status=paid", key: key)
            #expect((paidList.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [session], "\(paidList.text)")
            let waiting = try await client.call(.get, "/v1/parking/sessions?status=awaiting_payment", key: key)
            #expect((waiting.json["items"] as? [[String: Any]])?.isEmpty == true, "\(waiting.text)")
            // 5,000 at 8 %: 4,630 revenue + 370 VAT (hand-computed in MoneyTests).
            #expect(try await store.account(id: AccountKey.revenue("HN-PARK-01", vat: .eight).id)?.creditsPosted == 4_630)
        }
        #expect(try await store.verify().isIntact)
    }
}
