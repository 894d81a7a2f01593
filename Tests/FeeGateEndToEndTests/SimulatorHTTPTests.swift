import FeeGateTestSupport
import Foundation
import Testing

/// `feegate-sim --mode http` against the built `feegate`: the HTTP driver, its invariants and its report, on a small
/// day (the speed is never asserted).
@Suite("Simulator over HTTP")
struct SimulatorHTTPTests {
    /// `feegate-sim` beside `feegate` (`swift build --build-tests` builds every product).
    static var simulator: String {
        URL(fileURLWithPath: Tools.feegate).deletingLastPathComponent().appendingPathComponent("feegate-sim").path
    }

    struct Report: Decodable {
        struct Invariant: Decodable { let name: String; let ok: Bool; let detail: String }
        let requests: Int
        let accepted_requests: Int
        let transfers: Int
        let id_order: String?
        let invariants: [Invariant]
    }

    /// Runs the simulator on a random port, again on another if that one was taken (other end-to-end tests start
    /// servers too; the simulator says so when its server exits).
    func run(_ arguments: [String], in scratch: Scratch) throws -> (CommandResult, Report?) {
        var attempt = 0
        while true {
            attempt += 1
            let json = scratch.path("report-\(UUID().uuidString).json")
            let result = try Tools.run(Self.simulator, arguments + [
                "--mode", "http", "--port", "\(Int.random(in: 20_000...60_000))", "--feegate", Tools.feegate,
                "--tariffs", packageRoot.appendingPathComponent("Tariffs").path,
                "--settlement-config", packageRoot.appendingPathComponent("Config/settlement.yaml").path, "--json", json,
            ])
            if result.status != 0, result.stderr.contains("port in use?"), attempt < 3 { continue }
            let report = try? JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            return (result, report)
        }
    }

    @Test func ledgerWorkloadWithTimeOrderedIDsHoldsEveryInvariant() throws {
        let scratch = try Scratch()
        let db = scratch.path("sim-ledger.sqlite")
        let (result, report) = try run(
            ["--profile", "smoke", "--workload", "ledger", "--requests", "1500", "--concurrency", "32", "--id-order", "time", "--db", db],
            in: scratch)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let r = try #require(report, "no JSON report: \(result.stderr)")
        #expect(r.requests == 1_500 && r.accepted_requests == 1_500 && r.transfers == 1_500)
        #expect(r.id_order == "time")
        #expect(!r.invariants.isEmpty)
        for invariant in r.invariants { #expect(invariant.ok, "\(invariant.name): \(invariant.detail)") }
        // The journal, read by sqlite3: the 1,500 posted ids are version 7 (RFC 9562) with the RFC variant.
        let v7 = try Tools.sqlite3(db, "SELECT count(*) FROM transfer WHERE substr(hex(id), 13, 1) = '7' AND substr(hex(id), 17, 1) IN ('8', '9', 'A', 'B')")
        #expect(v7.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1500", "\(v7.stdout)\(v7.stderr)")
    }

    @Test func operatorWorkloadHoldsEveryInvariant() throws {
        let scratch = try Scratch()
        let (result, report) = try run(
            ["--profile", "smoke", "--scale", "0.2", "--workload", "operator", "--concurrency", "16", "--db", scratch.path("sim-operator.sqlite")],
            in: scratch)
        #expect(result.status == 0, "\(result.stderr)\n\(result.stdout)")
        let r = try #require(report, "no JSON report: \(result.stderr)")
        #expect(r.requests > 0 && r.accepted_requests == r.requests)
        #expect(r.id_order == nil)
        #expect(!r.invariants.isEmpty)
        for invariant in r.invariants { #expect(invariant.ok, "\(invariant.name): \(invariant.detail)") }
    }
}
