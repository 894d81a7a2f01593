import FeeGateTestSupport
import Foundation
import Testing

/// The log `feegate serve` writes: one line per event in swift-log's stream layout, metadata as sorted
/// `key=value` pairs, and never an API key.
@Suite("Server log")
struct ServerLogTests {
    @Test func linesCarrySortedMetadataAndNoSecret() async throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        #expect(try Tools.feegate(["migrate", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "admin", "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--log-level", "info"])
        let ok = try await HTTP.send(.GET, "\(server.base)/v1/ledger/accounts", key: key)
        let refused = try await HTTP.send(.GET, "\(server.base)/v1/ledger/accounts", key: key + "0")
        server.stop()
        #expect(ok.status == 200 && refused.status == 401)

        let lines = try String(contentsOf: server.log, encoding: .utf8).split(separator: "\n").map(String.init)
        let layout = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (trace|debug|info|notice|warning|error|critical) feegate:((?: [a-z0-9_.]+=\S*)*) \[[A-Za-z]+\] .+$/#
        #expect(!lines.isEmpty)
        for line in lines {
            let match = try #require(line.wholeMatch(of: layout), "\(line)")
            let keys = match.output.2.split(separator: " ").map { String($0.prefix { $0 != "=" }) }
            #expect(keys == keys.sorted(), "metadata not sorted by key: \(line)")
        }
        // One line per request, carrying its id, method and path.
        let requests = lines.filter { $0.contains("hb.request.path=/v1/ledger/accounts") && $0.hasSuffix("[Hummingbird] Request") }
        #expect(requests.count == 2, "\(lines)")
        #expect(requests.allSatisfy { $0.contains(" hb.request.id=") && $0.contains(" hb.request.method=GET ") })
        #expect(lines.contains { $0.contains(" notice feegate:") && $0.hasSuffix("[feegate] FeeGate listening") })
        #expect(!lines.contains { $0.contains(key) || $0.contains(String(key.dropFirst(3))) }, "an API key reached the log")
    }
}
