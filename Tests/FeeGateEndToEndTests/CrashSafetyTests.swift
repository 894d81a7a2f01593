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

    /// Runs `clients` loops of `send` (each stops when `send` returns false) against `server`, and kills the server
    /// with SIGKILL once `acknowledged()` reaches `target` — a count, not a time, so a slow machine does not weaken the
    /// test — after a random delay, while requests are in flight. Returns when every client has stopped.
    static func loadAndKill(
        _ server: ServerProcess, clients: Int, target: Int, acknowledged: @escaping @Sendable () async -> Int,
        send: @escaping @Sendable () async -> Bool
    ) async throws {
        let stop = Flag()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask { while !stop.isSet, await send() {} }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while await acknowledged() < target && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...300)))
        server.kill9()
        stop.set()
        await load.value
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
            // Kill once this round has real load behind it, then at a random moment while requests are in flight.
            try await Self.loadAndKill(server, clients: 24, target: round * 60, acknowledged: { await book.acknowledged.count }) {
                let batch = (0..<Int.random(in: 1...4)).map { _ in (UUID().uuidString.lowercased(), Int.random(in: 0...20_000)) }
                let body = #"{"transfers":[\#(batch.map { Self.transferJSON($0.0, $0.1, debit: world, credit: revenue) }.joined(separator: ","))]}"#
                do {
                    let reply = try await HTTP.send(.POST, "\(server.base)/v1/ledger/transfers", key: key, json: body, timeoutSeconds: 5)
                    let results = reply.json["results"] as? [[String: Any]] ?? []
                    if reply.status == 200 && results.count == batch.count && results.allSatisfy({ $0["committed"] as? Bool == true }) {
                        for (id, amount) in batch { await book.ack(id, amount) }
                    } else {
                        Issue.record("unexpected reply \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                        return false
                    }
                } catch {
                    for (id, amount) in batch { await book.unsure(id, amount) }
                    return false
                }
                return true
            }
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

    /// A tap's fare and its record (tap row, ticket, stored answer) commit in one transaction: killed at any
    /// moment under load, the database never holds a fare without its tap or a tap without its fare, every
    /// acknowledged tap is there with its ticket, and a retry replays the same ticket.
    @Test func tapsAndTheirFaresSurviveSIGKILLTogether() async throws {
        let scratch = try Scratch()
        let db = scratch.path("taps.sqlite")
        #expect(try Tools.feegate(["migrate", "--db", db]).status == 0)
        #expect(try Tools.feegate(["operators", "add", "--code", "HN-BUS-01", "--name", "bus", "--tax-code", "0100100142", "--kind", "bus", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "operator", "--operator", "HN-BUS-01", "--quiet", "--db", db]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        actor Taps {
            var acknowledged: [String: Int] = [:]  // tap id → ticket number
            var uncertain: Set<String> = []
            func ack(_ id: String, _ ticket: Int) { acknowledged[id] = ticket }
            func unsure(_ id: String) { uncertain.insert(id) }
        }
        let taps = Taps()
        // One card per tap (no daily cap in play), so a tap's body depends on its id alone.
        @Sendable func tapJSON(_ id: String) -> String {
            #"{"id":"\#(id)","token":{"type":"transit_card","value":"CARD-\#(id.prefix(8))"},"route":"86","vehicle":"29B-001.01","validator_id":"V1","at":"2026-11-21T07:30:00+07:00"}"#
        }

        for round in 1...3 {
            let server = try await ServerProcess(db: db, directory: scratch.url)
            try await Self.loadAndKill(server, clients: 16, target: round * 40, acknowledged: { await taps.acknowledged.count }) {
                let id = UUID().uuidString.lowercased()
                do {
                    let reply = try await HTTP.send(.POST, "\(server.base)/v1/transit/taps", key: key, json: tapJSON(id), timeoutSeconds: 5)
                    guard reply.status == 201, let ticket = (reply.json["ticket"] as? [String: Any])?["number"] as? Int else {
                        Issue.record("unexpected reply \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                        return false
                    }
                    await taps.ack(id, ticket)
                } catch {
                    await taps.unsure(id)
                    return false
                }
                return true
            }

            // Straight after the kill, read by the sqlite3 CLI (WAL recovery on open): fares and taps pair up.
            let faresWithoutTap = try Tools.sqlite3(db, """
                SELECT count(*) FROM transfer WHERE reference LIKE 'tap:%'
                AND replace(substr(reference, 5), '-', '') NOT IN (SELECT lower(hex(id)) FROM transit_tap)
                """).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let tapsWithoutFare = try Tools.sqlite3(db, """
                SELECT count(*) FROM transit_tap WHERE 'tap:' || lower(hex(id)) NOT IN
                (SELECT 'tap:' || replace(substr(reference, 5), '-', '') FROM transfer WHERE reference LIKE 'tap:%')
                """).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let tapsWithoutAnswer = try Tools.sqlite3(db, "SELECT count(*) FROM transit_tap WHERE id NOT IN (SELECT id FROM operation)").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(faresWithoutTap == "0", "round \(round): \(faresWithoutTap) fare transfers without their tap")
            #expect(tapsWithoutFare == "0", "round \(round): \(tapsWithoutFare) taps without their fare")
            #expect(tapsWithoutAnswer == "0", "round \(round): \(tapsWithoutAnswer) taps without their stored answer")
        }

        let acknowledged = await taps.acknowledged
        let uncertain = await taps.uncertain.subtracting(acknowledged.keys)
        #expect(acknowledged.count >= 120, "the load was too small to mean anything: \(acknowledged.count)")
        let stored = Set(try Tools.sqlite3(db, "SELECT lower(hex(id)) || ':' || ticket_number FROM transit_tap").stdout.split(separator: "\n").map(String.init))
        let missing = acknowledged.filter { !stored.contains("\($0.key.replacingOccurrences(of: "-", with: "")):\($0.value)") }
        #expect(missing.isEmpty, "\(missing.count) acknowledged taps lost or renumbered, e.g. \(missing.prefix(3))")

        // Retries: an acknowledged tap replays its ticket; an uncertain one is recorded now or replays.
        let server = try await ServerProcess(db: db, directory: scratch.url)
        for (id, ticket) in acknowledged.shuffled().prefix(60) {
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/transit/taps", key: key, json: tapJSON(id))
            #expect((reply.json["ticket"] as? [String: Any])?["number"] as? Int == ticket, "retry of \(id) answered \(reply.status)")
        }
        for id in uncertain {
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/transit/taps", key: key, json: tapJSON(id))
            #expect(reply.status == 201, "retry of uncertain \(id) answered \(reply.status)")
        }
        server.kill9()
        let tickets = try Tools.sqlite3(db, "SELECT count(*) || ' ' || count(DISTINCT ticket_number) || ' ' || max(ticket_number) FROM transit_tap").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = tickets.split(separator: " ").map { Int($0) ?? -1 }
        // Ticket numbers stay gapless and unique across the crashes (a rolled-back transaction gives its numbers back).
        #expect(parts.count == 3 && parts[0] == parts[1] && parts[1] == parts[2], "taps, distinct tickets, highest ticket: \(tickets)")
        let counter = try Tools.sqlite3(db, "SELECT value FROM counter WHERE name = 'ticket:HN-BUS-01:2026'").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(counter) == parts.last, "the ticket counter (\(counter)) must equal the highest ticket issued")
        let verify = try Tools.feegate(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// A paid parking stop posts its sale, numbers and signs its invoice and records the stop in one transaction:
    /// after SIGKILL under load, no sale or invoice exists without its stop and no paid stop lacks either; invoice
    /// numbers stay gapless; acknowledged stops keep their invoice and replay it on retry.
    @Test func parkingStopsTheirSalesAndInvoicesSurviveSIGKILLTogether() async throws {
        let scratch = try Scratch()
        let pki = try TestPKI(taxCode: "0101234567")
        let db = scratch.path("parking.sqlite")
        #expect(try Tools.feegate(["operators", "add", "--code", "HN-PARK-01", "--name", "Bãi đỗ xe", "--tax-code", "0101234567", "--kind", "parking",
                                   "--mtt-prefix", "K7Q2M", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "operator", "--operator", "HN-PARK-01", "--quiet", "--db", db]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let config = scratch.path("documents.json")
        try """
            {"operators":{"HN-PARK-01":{"address":"1 Lý Thái Tổ, Hà Nội","pkcs12":"\(pki.sellerP12.path)","password_env":"FEEGATE_CRASH_P12","series_suffix":"AA"}}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        setenv("FEEGATE_CRASH_P12", pki.password, 1)
        actor Stops {
            var acknowledged: [String: Int] = [:]  // session id → invoice number
            var uncertain: Set<String> = []        // stop sent, no answer
            func ack(_ id: String, _ number: Int) { acknowledged[id] = number }
            func unsure(_ id: String) { uncertain.insert(id) }
        }
        let stops = Stops()
        let stopJSON = #"{"ended_at":"2026-11-19T11:30:00+07:00","payment":{"method":"card","authorization":"CRASH"}}"#

        for round in 1...3 {
            let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--documents-config", config, "--close-days-every", "0"])
            try await Self.loadAndKill(server, clients: 16, target: round * 30, acknowledged: { await stops.acknowledged.count }) {
                let id = UUID().uuidString.lowercased()
                let plate = "29A-\(Int.random(in: 10_000...99_999))\(id.prefix(2))"
                let start = #"{"id":"\#(id)","zone":"HK-12-LY-THAI-TO","plate":"\#(plate)","vehicle":"car","started_at":"2026-11-19T08:00:00+07:00","source":"app"}"#
                guard let started = try? await HTTP.send(.POST, "\(server.base)/v1/parking/sessions", key: key, json: start, timeoutSeconds: 5),
                    started.status == 201
                else { return false }
                do {
                    let reply = try await HTTP.send(.POST, "\(server.base)/v1/parking/sessions/\(id)/stop", key: key, json: stopJSON, timeoutSeconds: 5)
                    guard reply.status == 200, let number = (reply.json["document"] as? [String: Any])?["number"] as? Int else {
                        Issue.record("unexpected reply \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                        return false
                    }
                    await stops.ack(id, number)
                } catch {
                    await stops.unsure(id)
                    return false
                }
                return true
            }

            // Straight after the kill, read by the sqlite3 CLI (WAL recovery on open): sales, invoices and stops pair up.
            func count(_ sql: String) throws -> String { try Tools.sqlite3(db, sql).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
            let stopped = "(SELECT 'parking:' || lower(hex(session_id)) FROM parking_stop)"
            let salesWithoutStop = try count("SELECT count(*) FROM transfer WHERE reference LIKE 'parking:%' AND 'parking:' || replace(substr(reference, 9), '-', '') NOT IN \(stopped)")
            let invoicesWithoutStop = try count("SELECT count(*) FROM document WHERE source LIKE 'parking:%' AND 'parking:' || replace(substr(source, 9), '-', '') NOT IN \(stopped)")
            let stopsWithoutInvoice = try count("""
                SELECT count(*) FROM parking_stop WHERE 'parking:' || lower(hex(session_id)) NOT IN
                (SELECT 'parking:' || replace(substr(source, 9), '-', '') FROM document WHERE source LIKE 'parking:%')
                """)
            let stopsWithoutSale = try count("""
                SELECT count(*) FROM parking_stop WHERE 'parking:' || lower(hex(session_id)) NOT IN
                (SELECT 'parking:' || replace(substr(reference, 9), '-', '') FROM transfer WHERE reference LIKE 'parking:%')
                """)
            let stopsWithoutAnswer = try count("SELECT (SELECT count(*) FROM parking_stop) - (SELECT count(*) FROM operation WHERE kind = 'parking.stop')")
            #expect(salesWithoutStop == "0", "round \(round): \(salesWithoutStop) sale transfers without their stop")
            #expect(invoicesWithoutStop == "0", "round \(round): \(invoicesWithoutStop) invoices without their stop")
            #expect(stopsWithoutInvoice == "0", "round \(round): \(stopsWithoutInvoice) paid stops without their invoice")
            #expect(stopsWithoutSale == "0", "round \(round): \(stopsWithoutSale) paid stops without their sale")
            #expect(stopsWithoutAnswer == "0", "round \(round): stops minus stored answers = \(stopsWithoutAnswer)")
        }

        let acknowledged = await stops.acknowledged
        let uncertain = await stops.uncertain.subtracting(acknowledged.keys)
        #expect(acknowledged.count >= 90, "the load was too small to mean anything: \(acknowledged.count)")
        let stored = Set(try Tools.sqlite3(db, "SELECT replace(substr(source, 9), '-', '') || ':' || number FROM document WHERE source LIKE 'parking:%'").stdout
            .split(separator: "\n").map(String.init))
        let missing = acknowledged.filter { !stored.contains("\($0.key.replacingOccurrences(of: "-", with: "")):\($0.value)") }
        #expect(missing.isEmpty, "\(missing.count) acknowledged invoices lost or renumbered, e.g. \(missing.prefix(3))")

        // Retries: an acknowledged stop replays its invoice; an uncertain one is recorded now or replays.
        let server = try await ServerProcess(db: db, directory: scratch.url, extraArguments: ["--documents-config", config, "--close-days-every", "0"])
        for (id, number) in acknowledged.shuffled().prefix(40) {
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/parking/sessions/\(id)/stop", key: key, json: stopJSON)
            #expect(reply.status == 200 && (reply.json["document"] as? [String: Any])?["number"] as? Int == number, "retry of \(id) answered \(reply.status)")
        }
        for id in uncertain {
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/parking/sessions/\(id)/stop", key: key, json: stopJSON)
            #expect(reply.status == 200 && (reply.json["document"] as? [String: Any])?["number"] != nil, "retry of uncertain \(id) answered \(reply.status)")
        }
        server.kill9()
        let numbers = try Tools.sqlite3(db, "SELECT count(*) || ' ' || count(DISTINCT number) || ' ' || max(number) FROM document").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = numbers.split(separator: " ").map { Int($0) ?? -1 }
        // Invoice numbers stay gapless and unique across the crashes (a rolled-back transaction gives its numbers back).
        #expect(parts.count == 3 && parts[0] == parts[1] && parts[1] == parts[2], "invoices, distinct numbers, highest number: \(numbers)")
        let counter = try Tools.sqlite3(db, "SELECT value FROM counter WHERE name LIKE 'document:HN-PARK-01:%'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(counter) == parts.last, "the invoice counter (\(counter)) must equal the highest number issued")
        let verify = try Tools.feegate(["verify", "--db", db, "--ca", pki.caPEM.path])
        #expect(verify.status == 0 && verify.stdout.contains("equal to their ledger sale"), "\(verify.output)")
    }
}
