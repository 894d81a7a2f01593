import FeeGateTestSupport
import Foundation
import Testing

/// Acceptance: while many clients post transfers over HTTP, the server is killed with SIGKILL at a
/// random moment. After a restart every transfer whose response was 2xx (and committed) is present
/// exactly once, retries change nothing, and `feegate verify` passes.
///
/// SIGKILL leaves the kernel's page cache intact, so this proves the commit protocol (acknowledge only
/// after COMMIT, WAL recovery, idempotent retries); power-loss durability rests on `synchronous=FULL`,
/// asserted in the store tests.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    actor Book {
        var acknowledged: [String: Int] = [:]   // id → amount, response 200 and committed
        var uncertain: [String: Int] = [:]      // sent, no answer (killed mid-flight)
        func ack(_ id: String, _ amount: Int) { acknowledged[id] = amount }
        func unsure(_ id: String, _ amount: Int) { uncertain[id] = amount }
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    static func transferJSON(_ id: String, _ amount: Int, debit: String, credit: String) -> String {
        #"{"id":"\#(id)","debit_account_id":"\#(debit)","credit_account_id":"\#(credit)","amount":\#(amount),"code":"bus_fare"}"#
    }

    @Test func acknowledgedTransfersSurviveSIGKILL() async throws {
        let scratch = try Scratch()
        let db = scratch.path("crash.sqlite")
        #expect(try Tools.feegate(["migrate", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "admin", "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("fg_"))
        let world = UUID().uuidString.lowercased(), revenue = UUID().uuidString.lowercased()
        let book = Book()

        for round in 1...3 {
            let server = try await ServerProcess(db: db, directory: scratch.url)
            if round == 1 {
                let created = try await HTTP.send(.POST, "\(server.base)/v1/ledger/accounts", key: key, json: """
                    {"accounts":[{"id":"\(world)","code":"control","name":"world"},{"id":"\(revenue)","code":"operator_revenue","name":"revenue"}]}
                    """)
                #expect(created.status == 200)
            }
            let stop = Flag()
            let clients = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<24 {
                        group.addTask {
                            while !stop.isSet {
                                let batch = (0..<Int.random(in: 1...4)).map { _ in (UUID().uuidString.lowercased(), Int.random(in: 0...20_000)) }
                                let body = #"{"transfers":[\#(batch.map { Self.transferJSON($0.0, $0.1, debit: world, credit: revenue) }.joined(separator: ","))]}"#
                                do {
                                    let reply = try await HTTP.send(.POST, "\(server.base)/v1/ledger/transfers", key: key, json: body, timeoutSeconds: 5)
                                    let results = reply.json["results"] as? [[String: Any]] ?? []
                                    if reply.status == 200 && results.count == batch.count && results.allSatisfy({ $0["committed"] as? Bool == true }) {
                                        for (id, amount) in batch { await book.ack(id, amount) }
                                    } else {
                                        Issue.record("unexpected reply \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                                        return
                                    }
                                } catch {
                                    for (id, amount) in batch { await book.unsure(id, amount) }
                                    return
                                }
                            }
                        }
                    }
                }
            }
            // Kill once this round has real load behind it (a count, not a time: slow machines must not weaken the test),
            // then at a random moment while requests are in flight.
            let target = round * 60
            let deadline = ContinuousClock.now + .seconds(120)
            while await book.acknowledged.count < target && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300)))
            server.kill9()
            stop.set()
            await clients.value
        }

        let acknowledged = await book.acknowledged
        let uncertain = await book.uncertain.filter { acknowledged[$0.key] == nil }
        #expect(acknowledged.count >= 180, "the load was too small to mean anything: \(acknowledged.count)")

        // Independent count with the sqlite3 CLI: every acknowledged id is in the journal exactly once.
        let server = try await ServerProcess(db: db, directory: scratch.url)
        let rows = try Tools.sqlite3(db, "SELECT lower(hex(id)) FROM transfer").stdout.split(separator: "\n").map(String.init)
        #expect(rows.count == Set(rows).count, "a transfer id appears twice in the journal")
        let journal = Set(rows)
        let hexIDs = acknowledged.keys.map { $0.replacingOccurrences(of: "-", with: "") }
        let missing = hexIDs.filter { !journal.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged transfers lost, e.g. \(missing.prefix(3))")

        // Retrying everything: acknowledged ones come back as `exists`; uncertain ones commit now or already had.
        var retried = acknowledged.map { ($0.key, $0.value) } + uncertain.map { ($0.key, $0.value) }
        retried.shuffle()
        for chunk in stride(from: 0, to: retried.count, by: 500) {
            let slice = retried[chunk..<min(chunk + 500, retried.count)]
            let body = #"{"transfers":[\#(slice.map { Self.transferJSON($0.0, $0.1, debit: world, credit: revenue) }.joined(separator: ","))]}"#
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/ledger/transfers", key: key, json: body)
            #expect(reply.status == 200)
            for (item, result) in zip(slice, reply.json["results"] as? [[String: Any]] ?? []) {
                let code = result["result"] as? String
                if acknowledged[item.0] != nil {
                    #expect(code == "exists", "acknowledged \(item.0) came back as \(code ?? "-")")
                } else {
                    #expect(code == "ok" || code == "exists")
                }
            }
        }
        // Now the books hold exactly one posting per id: the sum matches to the đồng.
        let expected = acknowledged.values.reduce(0, +) + uncertain.values.reduce(0, +)
        let account = try await HTTP.send(.GET, "\(server.base)/v1/ledger/accounts/\(revenue)", key: key)
        #expect(account.json["credits_posted"] as? Int == expected)
        server.kill9()

        let verify = try Tools.feegate(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("ledger intact"))
    }
}
