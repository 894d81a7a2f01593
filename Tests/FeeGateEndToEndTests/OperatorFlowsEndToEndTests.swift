import FeeGateTestSupport
import Foundation
import Testing

/// Acceptance (#4): the operator flows over real HTTP against a `feegate serve` process on loopback —
/// retries, conflicts, an offline batch with a duplicate upload and a gap, 0-VND rides, the deny list, a fee.
/// Prices are hand-computed from the tariff rules (see OperatorAPITests for the arithmetic).
@Suite("Operator flows over HTTP", .serialized)
struct OperatorFlowsEndToEndTests {
    @Test func parkingTransitAndFeesOverLoopback() async throws {
        let scratch = try Scratch()
        let db = scratch.path("flows.sqlite")
        for (code, kind, tax) in [("HN-PARK-01", "parking", "0101234567"), ("HN-BUS-01", "bus", "0100100142"), ("HN-FEES-01", "fees", "0100100001")] {
            #expect(try Tools.feegate(["operators", "add", "--code", code, "--name", code, "--tax-code", tax, "--kind", kind, "--db", db]).status == 0)
        }
        func key(_ op: String) throws -> String {
            try Tools.feegate(["keys", "create", "--role", "operator", "--operator", op, "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let park = try key("HN-PARK-01"), bus = try key("HN-BUS-01"), fees = try key("HN-FEES-01")
        let server = try await ServerProcess(db: db, directory: scratch.url)
        defer { server.stop() }
        let base = server.base

        // Parking: start, retry, same plate elsewhere in time (conflict), stop by card, retry, conflicting stop.
        let session = UUID().uuidString.lowercased()
        let start = #"{"id":"\#(session)","zone":"HK-12-LY-THAI-TO","plate":"29A-123.45","vehicle":"car","started_at":"2026-11-21T08:00:00+07:00","source":"meter"}"#
        let started = try await HTTP.send(.POST, "\(base)/v1/parking/sessions", key: park, json: start)
        #expect(started.status == 201)
        let again = try await HTTP.send(.POST, "\(base)/v1/parking/sessions", key: park, json: start)
        #expect(again.status == 201 && again.body == started.body)
        let twin = try await HTTP.send(.POST, "\(base)/v1/parking/sessions", key: park,
                                       json: #"{"id":"\#(UUID().uuidString)","zone":"HK-12-LY-THAI-TO","plate":"29A12345","vehicle":"car","started_at":"2026-11-21T08:30:00+07:00","source":"camera"}"#)
        #expect(twin.status == 409)
        let stopBody = #"{"ended_at":"2026-11-21T11:30:00+07:00","payment":{"method":"card","authorization":"POS-1"}}"#
        let stopped = try await HTTP.send(.POST, "\(base)/v1/parking/sessions/\(session)/stop", key: park, json: stopBody)
        #expect(stopped.status == 200 && (stopped.json["quote"] as? [String: Any])?["amount"] as? Int == 120_000)
        #expect(try await HTTP.send(.POST, "\(base)/v1/parking/sessions/\(session)/stop", key: park, json: stopBody).body == stopped.body)
        #expect(try await HTTP.send(.POST, "\(base)/v1/parking/sessions/\(session)/stop", key: park,
                                    json: #"{"ended_at":"2026-11-21T12:30:00+07:00","payment":{"method":"card","authorization":"POS-1"}}"#).status == 409)
        #expect(try await HTTP.send(.GET, "\(base)/v1/parking/sessions/\(session)", key: bus).status == 404)

        // Offline meter: seq 2 is missing; the re-upload changes nothing.
        let a = UUID().uuidString
        let batch = """
            {"device_id":"M-9","events":[
             {"seq":1,"type":"start","id":"\(a)","zone":"HK-12-LY-THAI-TO","plate":"30A55555","vehicle":"motorbike","started_at":"2026-11-21T17:00:00+07:00"},
             {"seq":3,"type":"stop","session_id":"\(a)","ended_at":"2026-11-21T19:00:00+07:00","payment":{"method":"card","authorization":"M9-3"}}]}
            """
        let uploaded = try await HTTP.send(.POST, "\(base)/v1/parking/events:batch", key: park, json: batch)
        #expect((uploaded.json["results"] as? [[String: Any]])?.map { $0["result"] as? String } == ["ok", "ok"])
        // 17:00–19:00 motorbike: day turn 5,000 + night turn 8,000.
        #expect((((uploaded.json["results"] as? [[String: Any]])?[1]["session"] as? [String: Any])?["quote"] as? [String: Any])?["amount"] as? Int == 13_000)
        let reuploaded = try await HTTP.send(.POST, "\(base)/v1/parking/events:batch", key: park, json: batch)
        #expect((reuploaded.json["results"] as? [[String: Any]])?.map { $0["result"] as? String } == ["duplicate", "duplicate"])
        #expect((try await HTTP.send(.GET, "\(base)/v1/parking/devices/M-9", key: park)).json["gaps"] as? [[Int]] == [[2, 2]])

        // Transit: a free elderly ride is still counted; a lost card is refused with 402.
        let tap = { (value: String, type: String) in
            #"{"id":"\#(UUID().uuidString)","token":{"type":"\#(type)","value":"\#(value)"},"route":"86","vehicle":"29B","validator_id":"V","at":"2026-11-21T07:30:00+07:00"}"#
        }
        let free = try await HTTP.send(.POST, "\(base)/v1/transit/taps", key: bus, json: tap("001060012345", "cccd"))
        #expect(free.status == 201 && free.json["fare"] as? Int == 0 && free.json["reference_amount"] as? Int == 15_000)
        #expect(try await HTTP.send(.POST, "\(base)/v1/transit/deny-list", key: bus,
                                    json: #"{"token":{"type":"transit_card","value":"LOST-1"},"action":"deny","reason":"reported lost"}"#).status == 201)
        let refused = try await HTTP.send(.POST, "\(base)/v1/transit/taps", key: bus, json: tap("LOST-1", "transit_card"))
        #expect(refused.status == 402 && refused.json["reason"] as? String == "reported lost")

        // A public fee at the schedule's amount.
        let fee = try await HTTP.send(.POST, "\(base)/v1/fees/payments", key: fees, json: """
            {"id":"\(UUID().uuidString)","fee_code":"CCCD-DOI","payer":{"name":"Nguyễn Văn A"},"payment":{"method":"account","authorization":"IH-1"}}
            """)
        #expect(fee.status == 201 && fee.json["amount"] as? Int == 50_000)

        server.stop()
        let verify = try Tools.feegate(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stderr)")
    }
}
