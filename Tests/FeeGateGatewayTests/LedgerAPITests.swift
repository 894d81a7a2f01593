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

/// A gateway over an in-memory store, with one key per role.
struct Fixture {
    let store: GatewayStore
    let admin: String, finance: String, tax: String, parking: String, bus: String

    static func make() async throws -> Fixture {
        let store = try GatewayStore.inMemory()
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Hapark", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil)
        _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        return Fixture(
            store: store,
            admin: try await store.createKey(role: .admin, operatorCode: nil, label: nil).secret,
            finance: try await store.createKey(role: .finance, operatorCode: nil, label: nil).secret,
            tax: try await store.createKey(role: .tax, operatorCode: nil, label: nil).secret,
            parking: try await store.createKey(role: .operator, operatorCode: "HN-PARK-01", label: nil).secret,
            bus: try await store.createKey(role: .operator, operatorCode: "HN-BUS-01", label: nil).secret)
    }

    func app(operations: OperatorServices? = nil) throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try buildApplication(store: store, configuration: .init(host: "127.0.0.1", port: 0), logger: logger, operations: operations)
    }

    /// Operator services over the shipped `Tariffs/` directory.
    func operations() throws -> OperatorServices {
        let catalog = try TariffCatalog.load(directory: packageRoot.appendingPathComponent("Tariffs").path)
        return OperatorServices(store: store, tariffs: try TariffEngine(catalog: catalog), tokenKey: Array(repeating: 7, count: 32))
    }
}

struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let json: [String: Any]
    let text: String
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, body: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return Reply(status: response.status, headers: response.headers, json: json, text: text)
        }
    }
}

func accountsBody(_ items: [(UUID, String, String?, [String])]) -> String {
    let list = items.map { id, code, op, flags in
        #"{"id":"\#(id.uuidString)","code":"\#(code)","name":"acct \#(code)"\#(op.map { #","operator":"\#($0)""# } ?? "")"# + #","flags":[\#(flags.map { "\"\($0)\"" }.joined(separator: ","))]}"#
    }
    return #"{"accounts":[\#(list.joined(separator: ","))]}"#
}

func transferJSON(_ id: UUID, _ debit: UUID, _ credit: UUID, _ amount: String, code: String = "bus_fare", extra: String = "") -> String {
    #"{"id":"\#(id.uuidString)","debit_account_id":"\#(debit.uuidString)","credit_account_id":"\#(credit.uuidString)","amount":\#(amount),"code":"\#(code)"\#(extra)}"#
}

@Suite("Ledger HTTP API")
struct LedgerAPITests {
    let world = UUID(), parkingRevenue = UUID(), busRevenue = UUID()

    func seed(_ client: some TestClientProtocol, _ f: Fixture) async throws {
        let reply = try await client.call(.post, "/v1/ledger/accounts", key: f.admin, body: accountsBody([
            (world, "control", nil, []), (parkingRevenue, "operator_revenue", "HN-PARK-01", []), (busRevenue, "operator_revenue", "HN-BUS-01", []),
        ]))
        #expect(reply.status == .ok)
        let results = reply.json["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["result"] as? String } == ["ok", "ok", "ok"])
    }

    @Test func publicEndpoints() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            let health = try await client.call(.get, "/health")
            #expect(health.status == .ok && health.json["status"] as? String == "ok")
            let spec = try await client.call(.get, "/openapi.json")
            #expect(spec.status == .ok && (spec.json["openapi"] as? String)?.hasPrefix("3.1") == true)
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let missing = try await client.call(.get, "/nope")
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            #expect(missing.json["type"] as? String == "urn:feegate:problem:not_found")
        }
    }

    @Test func authenticationAndRoles() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            let none = try await client.call(.get, "/v1/ledger/accounts")
            #expect(none.status == .unauthorized && none.json["code"] as? String == "unauthorized")
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let bad = try await client.call(.get, "/v1/ledger/accounts", key: "fg_0000")
            #expect(bad.status == .unauthorized)
            for key in [f.finance, f.tax, f.parking] {
                let forbidden = try await client.call(.post, "/v1/ledger/transfers", key: key, body: #"{"transfers":[]}"#)
                #expect(forbidden.status == .forbidden && forbidden.json["code"] as? String == "forbidden")
            }
            let taxReads = try await client.call(.get, "/v1/ledger/accounts", key: f.tax)
            #expect(taxReads.status == .forbidden)
        }
    }

    @Test func postingRetryingAndConflicting() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            try await seed(client, f)
            let id = UUID()
            let body = #"{"transfers":[\#(transferJSON(id, world, busRevenue, "8000"))]}"#
            let first = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: body)
            let r1 = (first.json["results"] as? [[String: Any]])?.first
            #expect(first.status == .ok && r1?["result"] as? String == "ok" && r1?["committed"] as? Bool == true)
            let original = r1?["transfer"] as? [String: Any]
            // The same request again: the original transfer, not a second posting.
            let retry = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: body)
            let r2 = (retry.json["results"] as? [[String: Any]])?.first
            #expect(r2?["result"] as? String == "exists" && r2?["committed"] as? Bool == true)
            #expect((r2?["transfer"] as? [String: Any])?["timestamp"] as? Int64 == original?["timestamp"] as? Int64)
            // Same id, different amount: a specific conflict, nothing posted.
            let conflict = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: #"{"transfers":[\#(transferJSON(id, world, busRevenue, "9000"))]}"#)
            #expect((conflict.json["results"] as? [[String: Any]])?.first?["result"] as? String == "exists_with_different_amount")
            let account = try await client.call(.get, "/v1/ledger/accounts/\(busRevenue.uuidString)", key: f.admin)
            #expect(account.json["credits_posted"] as? Int == 8000)
            let transfer = try await client.call(.get, "/v1/ledger/transfers/\(id.uuidString.lowercased())", key: f.finance)
            #expect(transfer.status == .ok && transfer.json["amount"] as? Int == 8000 && transfer.json["code"] as? String == "bus_fare")
        }
    }

    @Test(arguments: [
        (#"{"transfers":[{"#, HTTPResponse.Status.badRequest, "malformed_json", ""),
        (#"{"transfers":[], "extra": 1}"#, .badRequest, "unknown_field", "/extra"),
        (#"{"transfers":[TRANSFER_EXTRA]}"#, .badRequest, "unknown_field", "/transfers/1/memo"),
        (#"{"transfers":[AMOUNT:-1]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[AMOUNT:12.5]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[AMOUNT:1000000000000001]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[AMOUNT:99999999999999999999999]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[AMOUNT:"8000"]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[AMOUNT:null]}"#, .unprocessableContent, "invalid_amount", "/transfers/0/amount"),
        (#"{"transfers":[BADID]}"#, .badRequest, "invalid_field", "/transfers/0/id"),
        // Foundation's UUID(uuidString:) reads this as a UUID (sscanf takes the minus sign); FeeGate does not.
        (#"{"transfers":[SIGNEDID]}"#, .badRequest, "invalid_field", "/transfers/0/id"),
        (#"{"transfers":[BADCODE]}"#, .unprocessableContent, "invalid_field", "/transfers/0/code"),
        (#"{"transfers":[BADFLAG]}"#, .unprocessableContent, "unknown_flag", "/transfers/0/flags"),
        (#"{"transfers":[]}"#, .unprocessableContent, "invalid_batch_size", ""),
        (#"{"transfer":[]}"#, .badRequest, "unknown_field", "/transfer"),
    ])
    func badRequestsAreRejectedWholeWithAPreciseProblem(template: String, status: HTTPResponse.Status, code: String, pointer: String) async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            try await seed(client, f)
            let good = transferJSON(UUID(), world, busRevenue, "1000")
            // A valid transfer first, the broken one second: nothing may be written.
            var body = template
            body = body.replacingOccurrences(of: "TRANSFER_EXTRA", with: good + "," + transferJSON(UUID(), world, busRevenue, "5", extra: #","memo":"x""#))
                .replacingOccurrences(of: "[TRANSFER_EXTRA", with: "[")
            if let range = body.range(of: #"AMOUNT:([^\]]*)"#, options: .regularExpression) {
                let raw = String(body[range].dropFirst("AMOUNT:".count))
                body.replaceSubrange(range, with: transferJSON(UUID(), world, busRevenue, raw))
            }
            body = body.replacingOccurrences(of: "BADID", with: transferJSON(UUID(), world, busRevenue, "1").replacingOccurrences(of: #""id":""#, with: #""id":"x"#))
            if body.contains("SIGNEDID") {
                let good = transferJSON(UUID(), world, busRevenue, "1")
                let id = try #require(good.range(of: #""id":"[0-9a-fA-F-]{36}""#, options: .regularExpression))
                body = body.replacingOccurrences(of: "SIGNEDID", with: good.replacingCharacters(in: id, with: #""id":"-D303C94-1FAB-439B-AD5C-DAD50FBE8BEF""#))
            }
            body = body.replacingOccurrences(of: "BADCODE", with: transferJSON(UUID(), world, busRevenue, "1", code: "coffee"))
            body = body.replacingOccurrences(of: "BADFLAG", with: transferJSON(UUID(), world, busRevenue, "1", extra: #","flags":["urgent"]"#))
            if template.contains("TRANSFER_EXTRA") { #expect(body.contains(#""amount":1000"#)) }
            let reply = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: body)
            #expect(reply.status == status, "\(reply.text)")
            #expect(reply.headers[.contentType] == "application/problem+json")
            #expect(reply.json["code"] as? String == code, "\(reply.text)")
            if !pointer.isEmpty { #expect((reply.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer, "\(reply.text)") }
            #expect((reply.json["detail"] as? String)?.isEmpty == false)
            #expect(try await f.store.ledgerCounts().transfers == 0)
        }
    }

    @Test func batchLimits() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            try await seed(client, f)
            let full = (0..<8_190).map { _ in transferJSON(UUID(), world, busRevenue, "1") }
            let ok = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: #"{"transfers":[\#(full.joined(separator: ","))]}"#)
            #expect(ok.status == .ok && (ok.json["results"] as? [Any])?.count == 8_190)
            let tooMany = full + [transferJSON(UUID(), world, busRevenue, "1")]
            let rejected = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: #"{"transfers":[\#(tooMany.joined(separator: ","))]}"#)
            #expect(rejected.status == .unprocessableContent && rejected.json["code"] as? String == "invalid_batch_size")
            #expect(try await f.store.account(id: busRevenue)?.creditsPosted == 8_190)
        }
    }

    @Test func perTransferResultsAndStickyFailures() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            try await seed(client, f)
            let wallet = UUID()
            _ = try await client.call(.post, "/v1/ledger/accounts", key: f.admin, body: accountsBody([(wallet, "rider_stored_value", nil, ["debits_must_not_exceed_credits"])]))
            let overdraw = UUID()
            let body = #"{"transfers":[\#(transferJSON(UUID(), world, busRevenue, "1")),\#(transferJSON(overdraw, wallet, busRevenue, "8000"))]}"#
            let reply = try await client.call(.post, "/v1/ledger/transfers", key: f.admin, body: body)
            let results = reply.json["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["result"] as? String } == ["ok", "exceeds_credits"])
            #expect((results[1]["detail"] as? String)?.contains("Insufficient funds") == true)
            let lookup = try await client.call(.get, "/v1/ledger/transfers/\(overdraw.uuidString)", key: f.admin)
            #expect(lookup.status == .notFound && lookup.json["code"] as? String == "transfer_failed" && lookup.json["result"] as? String == "exceeds_credits")
        }
    }

    @Test func operatorsSeeOnlyTheirOwnAccounts() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            try await seed(client, f)
            let own = try await client.call(.get, "/v1/ledger/accounts/\(parkingRevenue.uuidString)", key: f.parking)
            #expect(own.status == .ok)
            let other = try await client.call(.get, "/v1/ledger/accounts/\(busRevenue.uuidString)", key: f.parking)
            #expect(other.status == .notFound)
            let gateway = try await client.call(.get, "/v1/ledger/accounts/\(world.uuidString)", key: f.parking)
            #expect(gateway.status == .notFound)
            let list = try await client.call(.get, "/v1/ledger/accounts?operator=HN-BUS-01", key: f.parking)
            let ids = (list.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == [parkingRevenue.uuidString.lowercased()])
            let all = try await client.call(.get, "/v1/ledger/accounts?limit=2", key: f.finance)
            #expect((all.json["items"] as? [Any])?.count == 2)
            let cursor = try #require(all.json["next_cursor"] as? String)
            let next = try await client.call(.get, "/v1/ledger/accounts?limit=2&cursor=\(cursor)", key: f.finance)
            #expect((next.json["items"] as? [Any])?.count == 1)
            let badCursor = try await client.call(.get, "/v1/ledger/accounts?cursor=zzz", key: f.finance)
            #expect(badCursor.status == .badRequest && badCursor.json["code"] as? String == "invalid_cursor")
        }
    }
}

@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    /// The enums in the served contract list exactly the codes the server knows, so the document cannot drift.
    @Test func enumsMatchTheServer() async throws {
        let f = try await Fixture.make()
        try await f.app().test(.router) { client in
            let spec = try await client.call(.get, "/openapi.json").json
            let schemas = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
            func enumValues(_ schema: String, _ property: String) -> [String]? {
                var props = ((schemas[schema] as? [String: Any])?["properties"] as? [String: Any])
                if props == nil { return nil }
                if schema.hasSuffix("Results") {
                    let items = ((props?["results"] as? [String: Any])?["items"] as? [String: Any])
                    props = items?["properties"] as? [String: Any]
                }
                return (props?[property] as? [String: Any])?["enum"] as? [String]
            }
            #expect(enumValues("TransferResults", "result") == TransferResult.allCases.map(\.rawValue))
            #expect(enumValues("AccountResults", "result") == CreateAccountResult.allCases.map(\.rawValue))
            #expect(enumValues("TransferInput", "code") == TransferCode.allCases.map(\.name))
            #expect(enumValues("Account", "code") == AccountCode.allCases.map(\.name))
            let flags = (((schemas["TransferInput"] as? [String: Any])?["properties"] as? [String: Any])?["flags"] as? [String: Any])?["items"] as? [String: Any]
            #expect(flags?["enum"] as? [String] == TransferFlags.named.map(\.name))
        }
    }
}
