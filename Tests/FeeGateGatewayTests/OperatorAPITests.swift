import FeeGateCore
import FeeGateGateway
import FeeGateOperations
import FeeGateStore
import FeeGateTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The operator API over the shipped tariffs. Prices are worked out by hand from the rules of issue #3:
/// - car on HK-12 (Lý Thái Tổ), 08:00–11:30: two started 2-hour blocks × 60,000 = 120,000; VAT 8 % on
///   2026-11-21: 120,000 / 1.08 = 111,111.1 → 111,111 before VAT, 8,889 VAT;
/// - bus route 86 (34.5 km, band 30–<40 km from 2024-11-01): 15,000, KCT;
/// - CCCD 001060012345: century code 0 → born 1960, aged 66 in 2026 → elderly, free, city budget pays 15,000.
@Suite("Operator API")
struct OperatorAPITests {
    let session = "44444444-4444-4444-8444-444444444444"

    func start(_ client: some TestClientProtocol, _ key: String, id: String? = nil, plate: String = "29A-123.45", zone: String = "HK-12-LY-THAI-TO",
               vehicle: String = "car", at: String = "2026-11-21T08:00:00+07:00") async throws -> Reply {
        try await client.call(.post, "/v1/parking/sessions", key: key, body: """
            {"id":"\(id ?? session)","zone":"\(zone)","plate":"\(plate)","vehicle":"\(vehicle)","started_at":"\(at)","source":"meter","device_id":"M1"}
            """)
    }

    func stop(_ client: some TestClientProtocol, _ key: String, id: String? = nil, at: String = "2026-11-21T11:30:00+07:00",
              payment: String = #"{"method":"card","authorization":"AUTH-1"}"#) async throws -> Reply {
        try await client.call(.post, "/v1/parking/sessions/\(id ?? session)/stop", key: key, body: #"{"ended_at":"\#(at)","payment":\#(payment)}"#)
    }

    func balance(_ f: Fixture, _ key: AccountKey) async throws -> (debits: Int64, credits: Int64) {
        let account = try await f.store.account(id: key.id)
        return (account?.debitsPosted ?? 0, account?.creditsPosted ?? 0)
    }

    @Test func parkingSessionPaidByCard() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let started = try await start(client, f.parking)
            #expect(started.status == .created && started.json["status"] as? String == "active" && started.json["plate"] as? String == "29A12345")
            // Retry: the original response, marked as a replay.
            let again = try await start(client, f.parking)
            #expect(again.status == .created && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && again.text == started.text)
            // Same id, different body: conflict. Same plate (written differently), other id: conflict.
            #expect(try await start(client, f.parking, zone: "HK-12-HANG-BAI").status == .conflict)
            let twin = try await start(client, f.parking, id: UUID().uuidString, plate: "29a 12345")
            #expect(twin.status == .conflict && (twin.json["detail"] as? String)?.contains("active session") == true)

            let stopped = try await stop(client, f.parking)
            #expect(stopped.status == .ok && stopped.json["status"] as? String == "paid")
            let quote = stopped.json["quote"] as? [String: Any]
            #expect(quote?["amount"] as? Int == 120_000 && quote?["amount_before_vat"] as? Int == 111_111 && quote?["vat_amount"] as? Int == 8_889)
            #expect(quote?["vat_rate"] as? String == "8%" && quote?["funded_by"] as? String == "customer")
            #expect((quote?["lines"] as? [Any])?.count == 2)
            // The ledger holds the sale exactly once, even after a retried stop.
            let retry = try await stop(client, f.parking)
            #expect(retry.status == .ok && retry.text == stopped.text)
            #expect(try await balance(f, .clearing("HN-PARK-01", channel: "card")) == (120_000, 0))
            #expect(try await balance(f, .revenue("HN-PARK-01", vat: .eight)) == (0, 111_111))
            #expect(try await balance(f, .vatPayable("HN-PARK-01")) == (0, 8_889))
            // A different stop of the same session is refused.
            let late = try await stop(client, f.parking, at: "2026-11-21T12:30:00+07:00")
            #expect(late.status == .conflict && (late.json["detail"] as? String)?.contains("already stopped") == true)
            #expect(try await f.store.verify().isIntact)
            // The plate may park again now.
            #expect(try await start(client, f.parking, id: UUID().uuidString, at: "2026-11-21T13:00:00+07:00").status == .created)
        }
    }

    @Test func exemptAndInvalidStops() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            #expect(try await start(client, f.parking).status == .created)
            let backwards = try await stop(client, f.parking, at: "2026-11-21T07:00:00+07:00")
            #expect(backwards.status == .unprocessableContent && (backwards.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/ended_at")
            let noAuth = try await stop(client, f.parking, payment: #"{"method":"card"}"#)
            #expect(noAuth.status == .unprocessableContent)
            let unknown = try await stop(client, f.parking, payment: #"{"method":"cash"}"#)
            #expect(unknown.status == .unprocessableContent)
            let qr = try await stop(client, f.parking, payment: #"{"method":"qr"}"#)
            #expect(qr.status == .serviceUnavailable)
            let exempt = try await stop(client, f.parking, payment: #"{"method":"exempt","reason":"xe công vụ","funder":"city-budget"}"#)
            #expect(exempt.status == .ok && exempt.json["status"] as? String == "exempt")
            // The customer pays 0, the funder owes the full price (120,000 split into revenue 111,111 and VAT 8,889).
            #expect(try await balance(f, .subsidyReceivable("HN-PARK-01", funder: "city-budget")) == (120_000, 0))
            #expect(try await balance(f, .revenue("HN-PARK-01", vat: .eight)) == (0, 111_111))
            // Nothing was posted for the failed attempts.
            #expect(try await f.store.ledgerCounts().transfers == 2)
        }
    }

    @Test func badStartsAreRejected() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let zone = try await start(client, f.parking, zone: "NOWHERE")
            #expect(zone.status == .unprocessableContent && (zone.json["detail"] as? String)?.contains("NOWHERE") == true)
            #expect(try await start(client, f.parking, vehicle: "truck").status == .unprocessableContent)
            #expect(try await start(client, f.parking, plate: "?").status == .unprocessableContent)
            #expect(try await start(client, f.parking, at: "2026-11-21 08:00").status == .badRequest)
            let extra = try await client.call(.post, "/v1/parking/sessions", key: f.parking, body: #"{"id":"\#(session)","colour":"red"}"#)
            #expect(extra.status == .badRequest && extra.json["code"] as? String == "unknown_field")
            let missing = try await client.call(.post, "/v1/parking/sessions/\(UUID().uuidString)/stop", key: f.parking,
                                                body: #"{"ended_at":"2026-11-21T11:30:00+07:00","payment":{"method":"card","authorization":"A"}}"#)
            #expect(missing.status == .notFound)
        }
    }

    @Test func listingSessionsPaginatesAndFilters() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            var ids: [String] = []
            for hour in 0..<5 {
                let id = UUID().uuidString.lowercased()
                ids.append(id)
                #expect(try await start(client, f.parking, id: id, plate: "30A-0000\(hour)", at: "2026-11-21T0\(hour + 1):00:00+07:00").status == .created)
            }
            #expect(try await stop(client, f.parking, id: ids[0], at: "2026-11-21T02:00:00+07:00").status == .ok)
            let page1 = try await client.call(.get, "/v1/parking/sessions?limit=2", key: f.parking)
            let items1 = (page1.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(items1 == [ids[4], ids[3]])
            let cursor = try #require(page1.json["next_cursor"] as? String)
            let page2 = try await client.call(.get, "/v1/parking/sessions?limit=2&cursor=\(cursor)", key: f.parking)
            #expect((page2.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            let paid = try await client.call(.get, "/v1/parking/sessions?status=paid", key: f.parking)
            #expect((paid.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            let window = try await client.call(.get, "/v1/parking/sessions?from=2026-11-21T02:00:00%2B07:00&to=2026-11-21T04:00:00%2B07:00", key: f.parking)
            #expect((window.json["items"] as? [Any])?.count == 2)
            #expect(try await client.call(.get, "/v1/parking/sessions?status=lost", key: f.parking).status == .badRequest)
            // Another operator sees none of them; finance must name the operator.
            #expect((try await client.call(.get, "/v1/parking/sessions", key: f.bus).json["items"] as? [Any])?.count == 0)
            #expect(try await client.call(.get, "/v1/parking/sessions/\(ids[0])", key: f.bus).status == .notFound)
            #expect(try await client.call(.get, "/v1/parking/sessions", key: f.finance).status == .badRequest)
            #expect((try await client.call(.get, "/v1/parking/sessions?operator=HN-PARK-01", key: f.finance).json["items"] as? [Any])?.count == 5)
        }
    }

    /// An offline meter uploads events with its own sequence numbers; seq 3 never arrives.
    @Test func offlineMeterBatchesAreIdempotentAndGapsAreReported() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let a = UUID().uuidString, b = UUID().uuidString
            let batch = """
                {"device_id":"METER-7","events":[
                 {"seq":1,"type":"start","id":"\(a)","zone":"HK-12-LY-THAI-TO","plate":"29A11111","vehicle":"car","started_at":"2026-11-21T08:00:00+07:00"},
                 {"seq":2,"type":"stop","session_id":"\(a)","ended_at":"2026-11-21T09:00:00+07:00","payment":{"method":"card","authorization":"X1"}},
                 {"seq":4,"type":"start","id":"\(b)","zone":"HK-12-LY-THAI-TO","plate":"29A22222","vehicle":"motorbike","started_at":"2026-11-21T08:00:00+07:00"},
                 {"seq":5,"type":"stop","session_id":"\(UUID().uuidString)","ended_at":"2026-11-21T09:00:00+07:00","payment":{"method":"card","authorization":"X2"}}]}
                """
            let first = try await client.call(.post, "/v1/parking/events:batch", key: f.parking, body: batch)
            #expect(first.status == .ok)
            let results = first.json["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["result"] as? String } == ["ok", "ok", "ok", "error"])
            #expect(results[3]["status"] as? Int == 404)
            let device = first.json["device"] as? [String: Any]
            #expect(device?["gaps"] as? [[Int]] == [[3, 3]] && device?["last_seq"] as? Int == 5)
            let transfers = try await f.store.ledgerCounts().transfers
            // Re-uploading the same batch changes nothing.
            let second = try await client.call(.post, "/v1/parking/events:batch", key: f.parking, body: batch)
            #expect((second.json["results"] as? [[String: Any]])?.map { $0["result"] as? String } == ["duplicate", "duplicate", "duplicate", "error"])
            #expect(try await f.store.ledgerCounts().transfers == transfers)
            let report = try await client.call(.get, "/v1/parking/devices/METER-7", key: f.parking)
            #expect(report.json["gaps"] as? [[Int]] == [[3, 3]] && report.json["received"] as? Int == 4)
            #expect(try await client.call(.get, "/v1/parking/devices/METER-7", key: f.bus).status == .notFound)
            // 1 hour of car on HK-12 = one 2-hour block: 60,000.
            #expect(try await balance(f, .clearing("HN-PARK-01", channel: "card")) == (60_000, 0))
        }
    }

    func tap(_ client: some TestClientProtocol, _ key: String, id: String = UUID().uuidString, type: String, value: String,
             at: String = "2026-11-21T07:30:00+07:00", route: String = "86") async throws -> Reply {
        try await client.call(.post, "/v1/transit/taps", key: key, body: """
            {"id":"\(id)","token":{"type":"\(type)","value":"\(value)"},"route":"\(route)","vehicle":"29B-00123","validator_id":"V-1","at":"\(at)"}
            """)
    }

    @Test func busTapsZeroDongRidesAndTheDenyList() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let elderly = try await tap(client, f.bus, type: "cccd", value: "001060012345")
            #expect(elderly.status == .created && elderly.json["fare"] as? Int == 0 && elderly.json["funded_by"] as? String == "city-budget")
            #expect(elderly.json["reference_amount"] as? Int == 15_000 && elderly.json["category"] as? String == "elderly")
            #expect((elderly.json["ticket"] as? [String: Any])?["note"] as? String == "Vé 0 đồng — ngân sách thành phố chi trả")
            // Born 1967: 59 in 2026, pays.
            let younger = try await tap(client, f.bus, type: "cccd", value: "001067012345")
            #expect(younger.json["fare"] as? Int == 15_000)
            let id = UUID().uuidString
            let card = try await tap(client, f.bus, id: id, type: "transit_card", value: "CARD-1")
            #expect(card.json["fare"] as? Int == 15_000 && card.json["funded_by"] as? String == "customer")
            let numbers = [elderly, younger, card].compactMap { ($0.json["ticket"] as? [String: Any])?["number"] as? Int }
            #expect(numbers == [1, 2, 3])
            // The retry replays; the ledger is unchanged.
            #expect(try await tap(client, f.bus, id: id, type: "transit_card", value: "CARD-1").text == card.text)
            #expect(try await balance(f, .subsidyReceivable("HN-BUS-01", funder: "city-budget")) == (15_000, 0))
            #expect(try await balance(f, .revenue("HN-BUS-01", vat: .notSubject)) == (0, 45_000))
            // Reported lost: refused with 402 and the reason; lifted: accepted again.
            let deny = try await client.call(.post, "/v1/transit/deny-list", key: f.bus, body: #"{"token":{"type":"transit_card","value":"CARD-1"},"action":"deny","reason":"reported lost"}"#)
            #expect(deny.status == .created)
            let refused = try await tap(client, f.bus, type: "transit_card", value: "CARD-1")
            #expect(refused.status == HTTPResponse.Status(code: 402) && refused.json["reason"] as? String == "reported lost")
            _ = try await client.call(.post, "/v1/transit/deny-list", key: f.bus, body: #"{"token":{"type":"transit_card","value":"CARD-1"},"action":"allow","reason":"card found"}"#)
            #expect(try await tap(client, f.bus, type: "transit_card", value: "CARD-1").status == .created)
            #expect(try await tap(client, f.bus, type: "cccd", value: "12345").status == .unprocessableContent)
            #expect(try await tap(client, f.bus, type: "paper", value: "x").status == .unprocessableContent)
            #expect(try await f.store.verify().isIntact)
        }
    }

    @Test func passesAndRegisteredRidersRideFree() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let pass = try await client.call(.post, "/v1/transit/passes", key: f.bus, body: """
                {"id":"\(UUID().uuidString)","token":{"type":"app_qr","value":"QR-9"},"product":"all-routes","category":"priority","valid_month":"2026-11",
                 "payment":{"method":"account","authorization":"VNEID-1"}}
                """)
            // Priority, all routes, from 2024-11-01: 140,000.
            #expect(pass.status == .created && (pass.json["quote"] as? [String: Any])?["amount"] as? Int == 140_000)
            let ride = try await tap(client, f.bus, type: "app_qr", value: "QR-9")
            #expect(ride.json["fare"] as? Int == 0 && ride.json["funded_by"] as? String == "pass")
            // December is not covered.
            #expect(try await tap(client, f.bus, type: "app_qr", value: "QR-9", at: "2026-12-01T07:30:00+07:00").json["fare"] as? Int == 15_000)
            let rider = try await client.call(.post, "/v1/transit/riders", key: f.bus, body: """
                {"id":"\(UUID().uuidString)","token":{"type":"transit_card","value":"CARD-D"},"category":"disability","valid_from":"2026-01-01","valid_to":"2026-12-31"}
                """)
            #expect(rider.status == .created)
            let free = try await tap(client, f.bus, type: "transit_card", value: "CARD-D")
            #expect(free.json["fare"] as? Int == 0 && free.json["category"] as? String == "disability" && free.json["funded_by"] as? String == "city-budget")
            let badCategory = try await client.call(.post, "/v1/transit/riders", key: f.bus, body: """
                {"id":"\(UUID().uuidString)","token":{"type":"transit_card","value":"CARD-E"},"category":"vip","valid_from":"2026-01-01","valid_to":"2026-12-31"}
                """)
            #expect(badCategory.status == .unprocessableContent)
        }
    }

    @Test func tapBatchesReportEachTap() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let a = UUID().uuidString
            let tapJSON = { (id: String, value: String) in
                #"{"id":"\#(id)","token":{"type":"transit_card","value":"\#(value)"},"route":"86","vehicle":"29B","validator_id":"V-2","at":"2026-11-21T07:30:00+07:00"}"#
            }
            let body = #"{"taps":[\#(tapJSON(a, "C1")),\#(tapJSON(UUID().uuidString, "C2")),\#(tapJSON(UUID().uuidString, "C3"))]}"#
            let first = try await client.call(.post, "/v1/transit/taps:batch", key: f.bus, body: body)
            #expect((first.json["results"] as? [[String: Any]])?.map { $0["result"] as? String } == ["ok", "ok", "ok"])
            let second = try await client.call(.post, "/v1/transit/taps:batch", key: f.bus, body: body)
            #expect((second.json["results"] as? [[String: Any]])?.map { $0["result"] as? String } == ["duplicate", "duplicate", "duplicate"])
            #expect(try await balance(f, .revenue("HN-BUS-01", vat: .notSubject)) == (0, 45_000))
        }
    }

    /// An upload runs different cards side by side, but one card's taps in upload order: the daily cap (example
    /// tariff: 30,000 for a regular bank card) still applies tap by tap; tickets stay unique and gapless.
    @Test func tapBatchesKeepEachCardsOrder() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let tapJSON = { (id: String, type: String, value: String) in
                #"{"id":"\#(id)","token":{"type":"\#(type)","value":"\#(value)"},"route":"86","vehicle":"29B","validator_id":"V-3","at":"2026-11-21T07:30:00+07:00"}"#
            }
            // The bank card taps four times between twenty other cards' taps.
            var taps: [(type: String, value: String)] = []
            for n in 0..<24 { taps.append(n % 6 == 0 ? ("bank_card", "4111-CAP") : ("transit_card", "T-\(n)")) }
            let body = #"{"taps":[\#(taps.map { tapJSON(UUID().uuidString, $0.type, $0.value) }.joined(separator: ","))]}"#
            let reply = try await client.call(.post, "/v1/transit/taps:batch", key: f.bus, body: body)
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect(results.count == 24 && results.allSatisfy { $0["result"] as? String == "ok" })
            let capped = results.enumerated().filter { $0.offset % 6 == 0 }.map { ($0.element["tap"] as? [String: Any])?["fare"] as? Int }
            #expect(capped == [15_000, 15_000, 0, 0], "the card's fares in upload order: \(capped)")
            let tickets = results.compactMap { (($0["tap"] as? [String: Any])?["ticket"] as? [String: Any])?["number"] as? Int }
            #expect(tickets.sorted() == Array(1...24))

            // The same id under two cards: the upload runs strictly in order, so the first copy is the one recorded.
            let id = UUID().uuidString
            let twice = #"{"taps":[\#(tapJSON(id, "transit_card", "X-1")),\#(tapJSON(UUID().uuidString, "transit_card", "X-2")),\#(tapJSON(id, "transit_card", "X-3"))]}"#
            let second = try await client.call(.post, "/v1/transit/taps:batch", key: f.bus, body: twice)
            let outcome = (second.json["results"] as? [[String: Any]])?.map { "\($0["result"] ?? "-")/\($0["status"] ?? "-")" }
            #expect(outcome == ["ok/201", "ok/201", "error/409"], "\(outcome ?? [])")
        }
    }

    /// Twelve taps of one bank card sent at once (route 86: 15,000 VND, daily cap 30,000): the card pays the cap and
    /// not a đồng more, whatever order they commit in — a capped card's taps are priced one at a time.
    @Test func concurrentTapsOfOneCappedCardPayTheCapOnce() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            let fares = try await withThrowingTaskGroup(of: Int?.self) { group in
                for n in 0..<12 {
                    group.addTask {
                        let reply = try await client.call(.post, "/v1/transit/taps", key: f.bus, body: """
                            {"id":"\(UUID().uuidString)","token":{"type":"bank_card","value":"4111-RACE"},"route":"86","vehicle":"29B","validator_id":"V-\(n)","at":"2026-11-21T07:30:\(10 + n)+07:00"}
                            """)
                        return reply.status == .created ? reply.json["fare"] as? Int : nil
                    }
                }
                var all: [Int?] = []
                for try await fare in group { all.append(fare) }
                return all
            }
            #expect(fares.compactMap { $0 }.count == 12, "every tap is recorded: \(fares)")
            #expect(fares.compactMap { $0 }.sorted(by: >) == [15_000, 15_000] + Array(repeating: 0, count: 10), "\(fares)")
        }
    }

    @Test func publicFeesComeFromTheSchedule() async throws {
        let f = try await Fixture.make()
        _ = try await f.store.addOperator(code: "HN-FEES-01", name: "Công an HN", taxCode: "0100100001", kind: .fees, mttPrefix: nil, invoiceSeries: nil)
        let key = try await f.store.createKey(role: .operator, operatorCode: "HN-FEES-01", label: nil).secret
        try await f.app(operations: try f.operations()).test(.router) { client in
            func pay(_ code: String, amount: String = "") async throws -> Reply {
                try await client.call(.post, "/v1/fees/payments", key: key, body: """
                    {"id":"\(UUID().uuidString)","fee_code":"\(code)","payer":{"name":"Nguyễn Văn A","id_number":"001090001234"},
                     "payment":{"method":"account","authorization":"IHANOI-1"}\(amount)}
                    """)
            }
            let first = try await pay("CCCD-DOI")
            #expect(first.status == .created && first.json["amount"] as? Int == 50_000)
            #expect((first.json["receipt"] as? [String: Any])?["number"] as? Int == 1 && (first.json["receipt"] as? [String: Any])?["document"] as? String == "receipt")
            #expect(((try await pay("CCCD-CAP-LAI")).json["receipt"] as? [String: Any])?["number"] as? Int == 2)
            let wrong = try await pay("CCCD-DOI", amount: #","amount":40000"#)
            #expect(wrong.status == .unprocessableContent && (wrong.json["detail"] as? String)?.contains("50000") == true)
            #expect(try await pay("NO-SUCH-FEE").status == .unprocessableContent)
            // 50,000 + 70,000, not subject to VAT.
            #expect(try await balance(f, .revenue("HN-FEES-01", vat: .notSubject)) == (0, 120_000))
        }
    }

    /// Every operator endpoint × every role × own/other operator.
    @Test func authorizationMatrix() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in try await matrix(client, f) }
    }

    func matrix(_ client: some TestClientProtocol, _ f: Fixture) async throws {
        do {
            #expect(try await start(client, f.parking).status == .created)
            let mutations: [(String, String)] = [
                ("/v1/parking/sessions", "{}"), ("/v1/parking/sessions/\(session)/stop", "{}"), ("/v1/parking/events:batch", "{}"),
                ("/v1/transit/taps", "{}"), ("/v1/transit/taps:batch", "{}"), ("/v1/transit/passes", "{}"), ("/v1/transit/riders", "{}"),
                ("/v1/transit/deny-list", "{}"), ("/v1/fees/payments", "{}"),
            ]
            for (path, body) in mutations {
                #expect(try await client.call(.post, path, body: body).status == .unauthorized, "\(path) without key")
                for key in [f.admin, f.finance, f.tax] {
                    #expect(try await client.call(.post, path, key: key, body: body).status == .forbidden, "\(path) non-operator role")
                }
                // An operator key passes authorization (and then fails validation on the empty body).
                #expect(try await client.call(.post, path, key: f.parking, body: body).status != .forbidden, "\(path) operator")
            }
            let reads = ["/v1/parking/sessions/\(session)", "/v1/parking/sessions?operator=HN-PARK-01"]
            for path in reads {
                #expect(try await client.call(.get, path).status == .unauthorized)
                #expect(try await client.call(.get, path, key: f.tax).status == .forbidden)
                for key in [f.admin, f.finance, f.parking] { #expect(try await client.call(.get, path, key: key).status == .ok, "\(path)") }
            }
            // The other operator: the session does not exist for it.
            #expect(try await client.call(.get, reads[0], key: f.bus).status == .notFound)
            #expect(try await stop(client, f.bus).status == .notFound)
        }
    }

    @Test func tokenValuesAreNeverStored() async throws {
        let dir = try TemporaryDirectory()
        let store = try GatewayStore.open(path: dir.path("t.sqlite"))
        _ = try await store.addOperator(code: "HN-BUS-01", name: "B", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        let key = try await store.createKey(role: .operator, operatorCode: "HN-BUS-01", label: nil).secret
        let f = Fixture(store: store, admin: "", finance: "", tax: "", parking: "", bus: key)
        try await f.app(operations: try f.operations()).test(.router) { client in
            let cccd = try await tap(client, key, type: "cccd", value: "001060987654")
            let card = try await tap(client, key, type: "bank_card", value: "4111111111111111")
            #expect(cccd.status == .created && card.status == .created)
        }
        let dump = try ExternalTool.run("sqlite3", [dir.path("t.sqlite"), ".dump"]).stdout
        #expect(!dump.contains("001060987654") && !dump.contains("4111111111111111") && dump.contains("transit_tap"))
    }
}

@Suite("Rate limit")
struct RateLimitTests {
    @Test func eachKeyGetsItsOwnBudgetAnd429WithRetryAfter() async throws {
        let f = try await Fixture.make()
        var configuration = GatewayConfiguration(host: "127.0.0.1", port: 0)
        configuration.rateLimitPerSecond = 1
        configuration.rateLimitBurst = 3
        configuration.monotonicNanoseconds = { 5_000_000_000 }  // time stands still: no token refills during the test
        let app = try buildApplication(store: f.store, configuration: configuration, logger: .init(label: "test"))
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.call(.get, "/v1/ledger/accounts", key: f.finance).status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            let limited = try await client.call(.get, "/v1/ledger/accounts", key: f.finance)
            #expect(limited.json["code"] as? String == "rate_limited" && limited.headers[.retryAfter] == "1")
            // Another key is not affected; unauthenticated health checks never are.
            #expect(try await client.call(.get, "/v1/ledger/accounts", key: f.admin).status == .ok)
            #expect(try await client.call(.get, "/health").status == .ok)
        }
    }
}

@Suite("Time bounds")
struct TimeBoundsTests {
    @Test func eventTimesOutside2000To2099AreRejected() async throws {
        let f = try await Fixture.make()
        try await f.app(operations: try f.operations()).test(.router) { client in
            for at in ["9547-07-10T08:01:17+07:00", "1999-12-31T23:00:00+07:00"] {
                let reply = try await client.call(.post, "/v1/parking/sessions", key: f.parking, body: """
                    {"id":"\(UUID().uuidString)","zone":"HK-12-LY-THAI-TO","plate":"29A12345","vehicle":"car","started_at":"\(at)","source":"meter"}
                    """)
                #expect(reply.status == .unprocessableContent && (reply.json["detail"] as? String)?.contains("2000–2099") == true, "\(reply.text)")
            }
        }
    }
}
