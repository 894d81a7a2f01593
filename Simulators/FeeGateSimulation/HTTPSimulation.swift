import AsyncHTTPClient
import FeeGateCore
import FeeGateSettlement
import FeeGateStore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOFoundationCompat

/// HTTP mode: starts `feegate serve` on loopback with a fresh database and drives it with
/// AsyncHTTPClient over many connections, closed-loop (N in flight) or open-loop (a target rate).
public enum HTTPSimulation {
    public enum Workload: String, Sendable {
        /// Single-transfer `POST /v1/ledger/transfers` requests (the bus day's postings, one per request).
        case ledger
        /// The operator API as devices use it: taps (single and offline batches), parking start/stop, fee payments, retries.
        case `operator`
    }

    /// How the ledger workload makes transfer ids (its clients' idempotency keys).
    public enum IDOrder: String, Sendable, Codable {
        /// The workload's own ids (version 8, SHA-256-derived from the seed and the event, so uniformly spread):
        /// every insert lands on a random page of the journal's id index.
        case random
        /// Version-7 ids (``TimeOrderedIDs``), increasing in the order the requests are queued, as TigerBeetle
        /// recommends to its clients.
        case time
    }

    public struct Options: Sendable {
        public var feegateBinary: String
        public var tariffs: String
        public var settlementConfigPath: String?
        public var port: Int
        public var workload: Workload
        public var requests: Int?
        /// Open loop: requests per second to offer; `nil` = closed loop.
        public var rate: Double?
        public var maxInFlight: Int
        /// Event-loop threads of the HTTP client (nil: one per core). Fewer leave more CPU to the server on a small machine.
        public var clientThreads: Int?
        /// Transfer ids of the ledger workload.
        public var idOrder: IDOrder
        public init(feegateBinary: String, tariffs: String, settlementConfigPath: String?, port: Int, workload: Workload, requests: Int?, rate: Double?,
                    maxInFlight: Int, clientThreads: Int? = nil, idOrder: IDOrder = .random) {
            self.clientThreads = clientThreads
            self.idOrder = idOrder
            self.feegateBinary = feegateBinary
            self.tariffs = tariffs
            self.settlementConfigPath = settlementConfigPath
            self.port = port
            self.workload = workload
            self.requests = requests
            self.rate = rate
            self.maxInFlight = maxInFlight
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case setup(String)
        var description: String { switch self { case .setup(let m): return m } }
    }

    /// Runs a CLI subcommand of `feegate`; returns its standard output.
    @discardableResult
    static func feegate(_ binary: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure.setup("feegate \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func iso(_ epochSeconds: Int64) -> String {
        let day = BusinessDay(epochSeconds: epochSeconds)
        let s = epochSeconds + VietnamCalendar.utcOffsetSeconds - day.number * VietnamCalendar.secondsPerDay
        return String(format: "%@T%02lld:%02lld:%02lld+07:00", day.description, s / 3_600, s / 60 % 60, s % 60)
    }

    public static func run(_ options: SimOptions, http: Options) async throws -> SimReport {
        let path = options.databasePath
        for suffix in ["", "-wal", "-shm", ".token-key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let fg = http.feegateBinary
        try feegate(fg, ["migrate", "--db", path])
        for (code, kind, tax) in [(SimWorkload.busOperator, "bus", "0100100142"), (SimWorkload.parkingOperator, "parking", "0101234567"),
                                  (SimWorkload.feesOperator, "fees", "0100100001")] {
            try feegate(fg, ["operators", "add", "--db", path, "--code", code, "--name", code, "--tax-code", tax, "--kind", kind])
        }
        let admin = try feegate(fg, ["keys", "create", "--db", path, "--role", "admin", "--quiet"])
        var operatorKeys: [String: String] = [:]
        for code in [SimWorkload.busOperator, SimWorkload.parkingOperator, SimWorkload.feesOperator] {
            operatorKeys[code] = try feegate(fg, ["keys", "create", "--db", path, "--role", "operator", "--operator", code, "--quiet"])
        }

        let server = Process()
        server.executableURL = URL(fileURLWithPath: fg)
        var serveArgs = ["serve", "--db", path, "--port", String(http.port), "--tariffs", http.tariffs, "--log-level", "error",
                         "--rate-limit", "100000000", "--rate-burst", "100000000"]
        if let config = http.settlementConfigPath { serveArgs += ["--settlement-config", config] }
        server.arguments = serveArgs
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, options.concurrency))
        // The load generator shares the cores with the server, so its own cost per request counts: no tracing span
        // (the default takes the global no-op tracer, which still builds the span's attributes). The read timeout
        // stays: the per-request deadline ends when the response head arrives, and a stalled body must not hang us.
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
        configuration.tracing.tracer = nil
        let group: MultiThreadedEventLoopGroup? = http.clientThreads.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) }
        let client = HTTPClient(eventLoopGroupProvider: group.map { .shared($0) } ?? .singleton, configuration: configuration)
        do {
        let base = "http://127.0.0.1:\(http.port)"

        @Sendable func call(_ method: HTTPMethod, _ path: String, key: String?, body: String?) async throws -> (Int, ByteBuffer) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(60))
            return (Int(response.status.code), try await response.body.collect(upTo: 8 << 20))
        }

        // Wait for the server. A server that exited (its port taken) must not be mistaken for one that answers:
        // another process on the port would answer /health too.
        var up = false
        for _ in 0..<200 {
            guard server.isRunning else { break }
            if let (status, _) = try? await call(.GET, "/health", key: nil, body: nil), status == 200 {
                up = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        if up { try await Task.sleep(for: .milliseconds(200)) }
        guard up, server.isRunning else {
            throw Failure.setup("feegate serve \(server.isRunning ? "did not answer" : "exited") on port \(http.port) (port in use?)")
        }

        let workload = SimWorkload(profile: options.profile, seed: options.seed, day: options.day)
        let day = options.day
        let latency = LatencyRecorder()
        let model = ModelBox()
        let counts = Counter()
        var report = SimReport(
            command: options.command, mode: "http", workload: http.workload.rawValue, profile: options.profile, seed: options.seed,
            day: day.description, machine: Measure.machine(), buildConfiguration: options.buildConfiguration)
        report.concurrency = options.concurrency
        if http.workload == .ledger { report.idOrder = http.idOrder.rawValue }

        // The requests of the run, each a closure returning whether it was accepted.
        typealias Job = @Sendable () async -> Bool
        var jobs: [Job] = []
        switch http.workload {
        case .ledger:
            let op = SimWorkload.busOperator
            var keys: [AccountKey] = [.revenue(op, vat: .notSubject)]
            for ch in ["transit_card", "bank_card", "app_qr"] { keys.append(.clearing(op, channel: ch)) }
            for f in ["city-budget", "pass"] { keys.append(.subsidyReceivable(op, funder: f)) }
            let accounts = keys.map { k in
                #"{"id":"\#(k.id.lowercasedString)","code":"\#(k.code.name)","name":"\#(k.description)","operator":"\#(op)"}"#
            }
            let (status, _) = try await call(.POST, "/v1/ledger/accounts", key: admin, body: #"{"accounts":[\#(accounts.joined(separator: ","))]}"#)
            guard status == 200 else { throw Failure.setup("creating accounts answered \(status)") }
            let n = min(http.requests ?? options.profile.taps, options.profile.taps)
            var timeOrdered = TimeOrderedIDs(seed: options.seed)
            let committedMarker = Array(#""committed":true"#.utf8), existsMarker = Array(#""result":"exists""#.utf8)
            for i in 0..<n {
                let e = workload.event(i)
                var timed = e.plan
                if http.idOrder == .time, !timed.transfers.isEmpty { timed.transfers[0].id = timeOrdered.next() }
                let plan = timed
                guard let t = plan.transfers.first, plan.transfers.count == 1, let debit = t.debitAccountID, let credit = t.creditAccountID else { continue }
                let body = #"{"transfers":[{"id":"\#(t.id.lowercasedString)","debit_account_id":"\#(debit.lowercasedString)","credit_account_id":"\#(credit.lowercasedString)","amount":\#(t.amount ?? 0),"code":"bus_fare","reference":"\#(t.reference ?? "")"}]}"#
                jobs.append {
                    guard let (status, buffer) = try? await call(.POST, "/v1/ledger/transfers", key: admin, body: body), status == 200,
                        buffer.contains(committedMarker) || buffer.contains(existsMarker)
                    else { return false }
                    model.add(SimEvent(withDay: e), day: day, plan: plan)
                    if e.retry {
                        _ = try? await call(.POST, "/v1/ledger/transfers", key: admin, body: body)
                        counts.add("retries")
                    }
                    return true
                }
            }
        case .operator:
            let n = min(http.requests ?? workload.count, workload.count)
            var offline: [SimEvent] = []
            for i in 0..<n {
                let e = workload.event(i)
                switch e.kind {
                case .tap:
                    if e.funder == "pass" { continue }  // passes are sold on another endpoint; skip their taps here
                    if e.phase != .online { offline.append(e); continue }
                    guard let key = operatorKeys[e.operatorCode] else { continue }
                    let body = tapJSON(e)
                    jobs.append {
                        guard let (status, buffer) = try? await call(.POST, "/v1/transit/taps", key: key, body: body), status == 201 || status == 200,
                            let tap = try? JSONDecoder().decode(TapAnswer.self, from: buffer)
                        else { return false }
                        model.addTap(e, tap, day: day)
                        if e.retry { _ = try? await call(.POST, "/v1/transit/taps", key: key, body: body) }
                        return true
                    }
                case .parking:
                    guard let key = operatorKeys[e.operatorCode] else { continue }
                    let id = e.id.lowercasedString
                    let start = #"{"id":"\#(id)","zone":"\#(e.zone)","plate":"\#(e.plate)","vehicle":"\#(e.vehicle)","started_at":"\#(iso(e.startTime))","source":"meter","device_id":"\#(e.validator)"}"#
                    let payment = e.channel.map { #"{"method":"\#($0 == "qr" ? "account" : $0)","authorization":"SIM-\#(e.index)"}"# }
                        ?? #"{"method":"exempt","reason":"simulated exemption","funder":"city-budget"}"#
                    let stop = #"{"ended_at":"\#(iso(e.eventTime))","payment":\#(payment)}"#
                    jobs.append {
                        guard let (s1, _) = try? await call(.POST, "/v1/parking/sessions", key: key, body: start), s1 == 201 || s1 == 200,
                            let (s2, buffer) = try? await call(.POST, "/v1/parking/sessions/\(id)/stop", key: key, body: stop), s2 == 200,
                            let answer = try? JSONDecoder().decode(StopAnswer.self, from: buffer)
                        else { return false }
                        // The operator API counts a parking payment in the business day of its end time (a session
                        // ending after midnight belongs to the next day), so the model does too.
                        model.addParking(e, answer, day: BusinessDay(epochSeconds: e.eventTime))
                        return true
                    }
                case .payment:
                    guard let key = operatorKeys[e.operatorCode] else { continue }
                    let method = e.channel == "qr" ? "account" : (e.channel ?? "account")
                    let body = #"{"id":"\#(e.id.lowercasedString)","fee_code":"CCCD-DOI","payer":{"name":"Nguyễn Văn Sim"},"payment":{"method":"\#(method)","authorization":"SIM-\#(e.index)"}}"#
                    jobs.append {
                        guard let (status, buffer) = try? await call(.POST, "/v1/fees/payments", key: key, body: body), status == 201 || status == 200,
                            let answer = try? JSONDecoder().decode(FeeAnswer.self, from: buffer)
                        else { return false }
                        model.addFee(e, method: method, amount: answer.amount, day: day)
                        if e.retry { _ = try? await call(.POST, "/v1/fees/payments", key: key, body: body) }
                        return true
                    }
                case .refund: continue
                }
            }
            // Offline validators upload in batches of 100 after the online traffic (late ones too: the day is open here).
            for chunk in stride(from: 0, to: offline.count, by: 100).map({ Array(offline[$0..<min($0 + 100, offline.count)]) }) {
                guard let key = operatorKeys[SimWorkload.busOperator] else { continue }
                let body = #"{"taps":[\#(chunk.map(tapJSON).joined(separator: ","))]}"#
                jobs.append {
                    guard let (status, buffer) = try? await call(.POST, "/v1/transit/taps:batch", key: key, body: body), status == 200,
                        let answer = try? JSONDecoder().decode(BatchAnswer.self, from: buffer)
                    else { return false }
                    for (e, item) in zip(chunk, answer.results) where item.result == "ok" {
                        if let tap = item.tap { model.addTap(e, tap, day: day) }
                    }
                    return answer.results.allSatisfy { $0.result == "ok" || $0.result == "duplicate" }
                }
            }
        }

        // Drive: closed loop (concurrency in flight) or open loop (target rate, latency from the intended send time).
        options.log("http/\(http.workload.rawValue): \(jobs.count) requests, \(http.rate.map { "open loop at \($0) req/s" } ?? "closed loop, \(options.concurrency) in flight")")
        let started = ContinuousClock.now
        if let rate = http.rate {
            report.offeredRequestsPerSecond = rate
            await withTaskGroup(of: Void.self) { group in
                let inFlight = Counter()
                for (i, job) in jobs.enumerated() {
                    let intended = started + .nanoseconds(Int64(Double(i) / rate * 1e9))
                    if intended > ContinuousClock.now { try? await Task.sleep(until: intended, clock: .continuous) }
                    if inFlight["n"] >= http.maxInFlight {
                        counts.add("not_sent")
                        continue
                    }
                    inFlight.add("n")
                    group.addTask {
                        let ok = await job()
                        latency.record(since: intended)
                        counts.add("requests")
                        counts.add(ok ? "accepted" : "rejected")
                        inFlight.add("n", -1)
                    }
                }
            }
        } else {
            await withTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for job in jobs {
                    if inFlight >= options.concurrency {
                        await group.next()
                        inFlight -= 1
                    }
                    group.addTask {
                        let start = ContinuousClock.now
                        let ok = await job()
                        latency.record(since: start)
                        counts.add("requests")
                        counts.add(ok ? "accepted" : "rejected")
                    }
                    inFlight += 1
                }
            }
        }
        let elapsed = Measure.seconds(ContinuousClock.now - started)
        report.requests = counts["requests"]
        report.acceptedRequests = counts["accepted"]
        report.rejectedRequests = counts["rejected"]
        report.durationSeconds = elapsed
        report.requestsPerSecond = Double(report.requests) / elapsed
        report.latency = latency.summary
        if http.rate != nil {
            report.acceptedRequestsPerSecond = Double(report.acceptedRequests) / elapsed
            report.notSentOverload = counts["not_sent"]
        }
        if let (_, metrics) = try? await call(.GET, "/metrics", key: nil, body: nil) { report.batches = parseBatches(String(buffer: metrics)) }
        if let pid = Optional(server.processIdentifier), pid > 0 { report.serverPeakRSSBytes = Measure.peakRSS(pid: pid) }
        server.terminate()
        server.waitUntilExit()

        let m = model.value
        report.transfers = m.acknowledgedTransfers
        report.transfersPerSecond = Double(m.acknowledgedTransfers) / elapsed

        // The plain-SQLite ceiling of the same run: the transfers the server wrote (read back from its
        // journal before the close), inserted with the C API in batches of the server's mean commit size.
        if options.baseline {
            let rows = try SQLiteBaseline.journalRows(path: path)
            let mean = max(1, Int((report.batches?.meanTransfers ?? 1).rounded()))
            options.log("baseline: \(rows.count) transfers with the SQLite C API, batches of \(mean)")
            let result = try SQLiteBaseline.run(rows: rows, batchSize: mean, path: path + ".baseline")
            report.baseline = result
            report.ratioToSQLiteCeiling = Double(rows.count) / elapsed / result.transfersPerSecond
        }

        // Close the day from this process (same file), then check invariants; `feegate verify` must be clean.
        let store = try GatewayStore.open(path: path)
        let service = SettlementService(store: store, config: options.settlementConfig)
        let closeStart = ContinuousClock.now
        let closed = try await service.close(day)
        report.settlementCloseMs = Measure.seconds(ContinuousClock.now - closeStart) * 1_000
        report.settlementGroups = closed.report.groups.count + closed.report.claims.count
        let again = try await service.close(day)
        var inv: [SimReport.Invariant] = []
        inv.append(.init(name: "every request accepted", ok: report.rejectedRequests == 0, detail: "\(report.rejectedRequests) rejected or failed"))
        let verification = try await store.verify()
        let settlementTransfers = closed.report.groups.reduce(0) { $0 + $1.transferIDs.count } + closed.report.claims.count
        inv.append(.init(name: "every acknowledged transfer present exactly once", ok: verification.transfers == Int64(m.acknowledgedTransfers + settlementTransfers),
                         detail: "journal \(verification.transfers) = acknowledged \(m.acknowledgedTransfers) + settlement \(settlementTransfers)"))
        var missing = 0
        for (id, amount) in model.samples where try await store.transfer(id: id)?.transfer.amount != amount { missing += 1 }
        inv.append(.init(name: "sampled acknowledged transfers readable with their amounts", ok: missing == 0, detail: "\(model.samples.count) sampled, \(missing) missing"))
        let verifyOutput = try? feegate(fg, ["verify", "--db", path])
        inv.append(.init(name: "feegate verify clean (hash chains, counters, Σdebits = Σcredits)", ok: verifyOutput != nil, detail: verifyOutput?.split(separator: "\n").first.map(String.init) ?? "verify failed"))
        var settlement = try await InProcessSimulation.settlementInvariants(store: store, day: day, model: m, closed: closed.report, reclosed: again)
        settlement.removeAll { $0.name.hasPrefix("late transfers") }  // late arrivals are exercised in-process
        inv += settlement
        report.invariants = inv
        report.dbBytes = Measure.fileBytes(path)
        report.peakRSSBytes = Measure.peakRSS()
        if http.workload == .ledger, let l = report.latency {
            report.targets["http_ge_10k_req_per_s"] = (report.acceptedRequestsPerSecond ?? report.requestsPerSecond) >= 10_000
            report.targets["http_p99_le_25ms"] = l.p99 <= 25
        }
        if let close = report.settlementCloseMs { report.targets["settlement_close_le_1s"] = close <= 1_000 }
        try? await client.shutdown()
            try? await group?.shutdownGracefully()
        return report
        } catch {
            try? await client.shutdown()
            try? await group?.shutdownGracefully()
            throw error
        }
    }

    static func tapJSON(_ e: SimEvent) -> String {
        #"{"id":"\#(e.id.lowercasedString)","token":{"type":"\#(e.tokenType)","value":"\#(e.tokenValue)"},"route":"\#(e.route)","vehicle":"\#(e.vehicle)","validator_id":"\#(e.validator)","at":"\#(iso(e.eventTime))"}"#
    }

    static func parseBatches(_ text: String) -> SimReport.Batches? {
        var sum = 0.0, count = 0.0, commitSeconds: Double?
        for line in text.split(separator: "\n") where line.hasPrefix("feegate_ledger_commit_") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            if parts[0].hasPrefix("feegate_ledger_commit_transfers_sum") { sum += value }
            if parts[0].hasPrefix("feegate_ledger_commit_transfers_count") { count += value }
            // Prometheus timers are histograms in seconds.
            if parts[0].hasPrefix("feegate_ledger_commit_duration_sum") { commitSeconds = (commitSeconds ?? 0) + value }
        }
        guard count > 0 else { return nil }
        var batches = SimReport.Batches(commits: Int(count), meanTransfers: sum / count, maxTransfers: 0)
        batches.commitSeconds = commitSeconds
        return batches
    }

    struct TapAnswer: Decodable {
        let fare: Int64
        let funded_by: String
        let reference_amount: Int64
    }
    struct StopAnswer: Decodable {
        struct Quote: Decodable { let amount: Int64 }
        let status: String
        let quote: Quote
    }
    struct FeeAnswer: Decodable { let amount: Int64 }
    struct BatchAnswer: Decodable {
        struct Item: Decodable {
            let result: String
            let tap: TapAnswer?
        }
        let results: [Item]
    }
}

extension SimEvent {
    /// The same event (used where only the model's view changes).
    init(withDay e: SimEvent) { self = e }
}

extension ModelBox {
    /// A tap as the server priced it: paid through its token type, or funded (reference amount; pass = 0).
    func addTap(_ e: SimEvent, _ tap: HTTPSimulation.TapAnswer, day: BusinessDay) {
        let priced = SimEvent(
            index: e.index, id: e.id, kind: .tap, phase: .online, retry: false, operatorCode: e.operatorCode, channel: tap.fare > 0 ? e.tokenType : nil,
            funder: tap.fare > 0 ? nil : tap.funded_by, amount: tap.fare > 0 ? tap.fare : (tap.funded_by == "pass" ? 0 : tap.reference_amount),
            rate: .notSubject, code: .busFare, eventTime: e.eventTime, route: e.route, tokenType: e.tokenType, tokenValue: "", vehicle: "", validator: "",
            zone: "", plate: "", startTime: e.startTime)
        add(priced, day: day, plan: priced.plan)
    }

    func addParking(_ e: SimEvent, _ answer: HTTPSimulation.StopAnswer, day: BusinessDay) {
        let channel = e.channel.map { $0 == "qr" ? "account" : $0 }
        let priced = SimEvent(
            index: e.index, id: e.id, kind: .parking, phase: .online, retry: false, operatorCode: e.operatorCode, channel: channel,
            funder: channel == nil ? "city-budget" : nil, amount: answer.quote.amount, rate: .eight, code: .parkingFee, eventTime: e.eventTime, route: "",
            tokenType: "", tokenValue: "", vehicle: "", validator: "", zone: e.zone, plate: e.plate, startTime: e.startTime)
        add(priced, day: day, plan: priced.plan)
    }

    func addFee(_ e: SimEvent, method: String, amount: Int64, day: BusinessDay) {
        let priced = SimEvent(
            index: e.index, id: e.id, kind: .payment, phase: .online, retry: false, operatorCode: e.operatorCode, channel: method, funder: nil,
            amount: amount, rate: .notSubject, code: .publicFee, eventTime: e.eventTime, route: "", tokenType: "", tokenValue: "", vehicle: "",
            validator: "", zone: "", plate: "", startTime: e.startTime)
        add(priced, day: day, plan: priced.plan)
    }
}

extension ByteBuffer {
    /// Whether the readable bytes contain `needle` (a byte search: no `String` copy of every answer).
    func contains(_ needle: [UInt8]) -> Bool {
        readableBytesView.firstRange(of: needle) != nil
    }
}
