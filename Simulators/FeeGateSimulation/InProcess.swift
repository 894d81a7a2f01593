import FeeGateCore
import FeeGateSettlement
import FeeGateStore
import Foundation

/// Options common to both modes.
public struct SimOptions: Sendable {
    public var profile: SimProfile
    public var seed: UInt64
    /// The simulated business day; default: today in Hanoi (so posting day = event day).
    public var day: BusinessDay
    public var databasePath: String
    public var concurrency: Int
    public var settlementConfig: SettlementConfig
    public var baseline: Bool
    public var command: String
    public var buildConfiguration: String
    public var log: @Sendable (String) -> Void

    public init(profile: SimProfile, seed: UInt64, day: BusinessDay, databasePath: String, concurrency: Int, settlementConfig: SettlementConfig,
                baseline: Bool = true, command: String = "", buildConfiguration: String = "debug", log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.profile = profile
        self.seed = seed
        self.day = day
        self.databasePath = databasePath
        self.concurrency = concurrency
        self.settlementConfig = settlementConfig
        self.baseline = baseline
        self.command = command
        self.buildConfiguration = buildConfiguration
        self.log = log
    }
}

/// The default settlement configuration when none is given (the same shape as Config/settlement.yaml).
public enum SimDefaults {
    public static let settlementYAML = """
        channel_fees:
          - {channel: card, effective_from: 2025-01-01, percent: "0.6%", min: 2000, max: 2000000}
          - {channel: bank_card, effective_from: 2025-01-01, percent: "0.7%", min: 1000}
          - {channel: qr, effective_from: 2025-01-01, fixed: 0}
          - {channel: app_qr, effective_from: 2025-01-01, fixed: 100}
          - {channel: transit_card, effective_from: 2025-01-01, fixed: 0}
          - {channel: account, effective_from: 2025-01-01, percent: "0.3%"}
        zero_fee_programs:
          - {id: emv-transit-promo, sponsor: card-scheme-promo, channels: [bank_card], effective_from: 2025-01-01}
        payout_accounts:
          HN-PARK-01: {bank_bin: "970436", account: "0011001234567", name: "CONG TY TRONG GIU XE HA NOI"}
          HN-BUS-01: {bank_bin: "970418", account: "12010000123456", name: "TONG CONG TY VAN TAI HA NOI"}
          HN-FEES-01: {bank_bin: "970405", account: "1500201012345", name: "CONG AN TP HA NOI"}
        """
}

/// Thread-safe model accumulation.
final class ModelBox: @unchecked Sendable {
    private let lock = NSLock()
    private var model = SimModel()
    private var acked: [UUID: Int64] = [:]
    private var sampleIDs: [(UUID, Int64)] = []
    func add(_ event: SimEvent, day: BusinessDay, plan: Postings.Plan) {
        lock.withLock {
            model.add(event, day: day, transfers: plan.transfers.count)
            if sampleIDs.count < 4_000 || event.index % 97 == 0, let first = plan.transfers.first {
                sampleIDs.append((first.id, first.amount ?? 0))
            }
        }
    }
    var value: SimModel { lock.withLock { model } }
    var samples: [(UUID, Int64)] { lock.withLock { sampleIDs } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]
    func add(_ key: String, _ n: Int = 1) { lock.withLock { values[key, default: 0] += n } }
    subscript(_ key: String) -> Int { lock.withLock { values[key] ?? 0 } }
}

/// In-process mode: drives the store's group-commit posting path directly with the day's postings.
public enum InProcessSimulation {
    public static func run(_ options: SimOptions, commitStats: CommitStats? = nil) async throws -> SimReport {
        let path = options.databasePath
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // Postings take their business day from the ledger clock. To simulate a day other than today, the store's
        // clock runs at the real pace from noon of that day, so on-time postings, the close and the late events
        // land where they would have that day.
        var storeOptions = GatewayStore.Options()
        let wallNow = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        if BusinessDay(ledgerTimestamp: wallNow) != options.day {
            let offset = (options.day.startEpochSeconds + 12 * 3_600) * 1_000_000_000 - wallNow
            storeOptions.clock = { Int64(Date().timeIntervalSince1970 * 1_000_000_000) + offset }
        }
        let store = try GatewayStore.open(path: path, options: storeOptions)
        for (code, kind, tax) in [(SimWorkload.busOperator, OperatorKind.bus, "0100100142"), (SimWorkload.parkingOperator, .parking, "0101234567"),
                                  (SimWorkload.feesOperator, .fees, "0100100001")] {
            _ = try await store.addOperator(code: code, name: code, taxCode: tax, kind: kind, mttPrefix: nil, invoiceSeries: nil)
        }
        let workload = SimWorkload(profile: options.profile, seed: options.seed, day: options.day)
        let day = options.day
        let latency = LatencyRecorder()
        let model = ModelBox()
        let counts = Counter()
        var report = SimReport(
            command: options.command, mode: "in-process", workload: "postings", profile: options.profile, seed: options.seed, day: day.description,
            machine: Measure.machine(), buildConfiguration: options.buildConfiguration)
        report.concurrency = options.concurrency

        // Accounts first (as the operator flows do on first use).
        var keys = Set<AccountKey>()
        for op in [SimWorkload.busOperator, SimWorkload.parkingOperator, SimWorkload.feesOperator] {
            for ch in ["transit_card", "bank_card", "app_qr", "card", "account", "qr"] { keys.insert(.clearing(op, channel: ch)) }
            for f in ["city-budget", "pass"] { keys.insert(.subsidyReceivable(op, funder: f)) }
            for rate in [VATRate.notSubject, .eight] { keys.insert(.revenue(op, vat: rate)) }
            keys.insert(.vatPayable(op))
        }
        try await store.ensureAccounts(Array(keys))

        @Sendable func submit(_ event: SimEvent, businessDay: BusinessDay) async {
            let plan = event.plan
            let start = ContinuousClock.now
            do {
                let results = try await store.submitTransfers(plan.transfers, businessDay: businessDay)
                latency.record(since: start)
                counts.add("requests")
                if results.allSatisfy(\.isSuccess) {
                    counts.add("accepted")
                    model.add(event, day: event.phase == .late ? day.next : day, plan: plan)
                } else {
                    counts.add("rejected")
                }
                if event.retry {
                    let again = try await store.submitTransfers(plan.transfers, businessDay: businessDay)
                    counts.add("requests")
                    counts.add(again.allSatisfy { $0 == .exists } ? "accepted" : "rejected")
                }
            } catch {
                counts.add("requests")
                counts.add("errors")
            }
        }

        /// Submits `events` with at most `concurrency` requests in flight.
        func drive(_ events: some Sequence<SimEvent>, businessDay: BusinessDay) async {
            await withTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for event in events {
                    if inFlight >= options.concurrency {
                        await group.next()
                        inFlight -= 1
                    }
                    group.addTask { await submit(event, businessDay: businessDay) }
                    inFlight += 1
                }
            }
        }

        // The plain-SQLite ceiling takes the same transfers (late ones excepted), in parts interleaved with
        // the run: after each part of the run it inserts as many transfers as the run has acknowledged so far,
        // in batches of that part's mean commit size. Both then see the same minutes of the same disk
        // (whose fsync latency drifts by 2x over minutes) and databases of the same size.
        var baselineRows: [SQLiteBaseline.Row] = []
        if options.baseline {
            for i in 0..<workload.count {
                let e = workload.event(i)
                guard e.phase != .late else { continue }
                for t in e.plan.transfers { baselineRows.append(.init(id: t.id, debit: t.debitAccountID ?? UUID(), credit: t.creditAccountID ?? UUID(), amount: t.amount ?? 0)) }
                if let r = workload.refund(of: e) {
                    for t in r.plan.transfers { baselineRows.append(.init(id: t.id, debit: t.debitAccountID ?? UUID(), credit: t.creditAccountID ?? UUID(), amount: t.amount ?? 0)) }
                }
            }
        }
        let baseline = options.baseline ? try SQLiteBaseline.Session(path: path + ".baseline", rows: baselineRows) : nil
        var baselineDone = 0
        var commitsBefore = (commits: 0, transfers: 0.0)
        /// Inserts the baseline's share of the part just run, in batches of that part's mean commit size.
        func baselineCatchUp(all: Bool = false) throws {
            guard let baseline else { return }
            let target = all ? baselineRows.count : min(baselineRows.count, model.value.acknowledgedTransfers)
            guard target > baselineDone else { return }
            var mean = Double(options.concurrency)
            if let stats = commitStats?.snapshot {
                let now = (commits: stats.commits, transfers: stats.meanTransfers * Double(stats.commits))
                if now.commits > commitsBefore.commits { mean = (now.transfers - commitsBefore.transfers) / Double(now.commits - commitsBefore.commits) }
                commitsBefore = now
            }
            try baseline.insert(baselineRows[baselineDone..<target], batchSize: max(1, Int(mean.rounded())))
            baselineDone = target
        }

        // Phase 1: the day online, in four parts. Phase 2: offline validators upload their batches, refunds are made.
        options.log("in-process: \(workload.count) events, concurrency \(options.concurrency)\(options.baseline ? ", SQLite baseline interleaved" : "")")
        var ingestion = Duration.zero
        let parts = 4
        for part in 0..<parts {
            let range = (workload.count * part / parts)..<(workload.count * (part + 1) / parts)
            let partStart = ContinuousClock.now
            await drive(range.lazy.map(workload.event).filter { $0.phase == .online }, businessDay: day)
            ingestion += ContinuousClock.now - partStart
            try baselineCatchUp()
        }
        options.log("online phase done: \(counts["requests"]) requests")
        var offline: [SimEvent] = []
        var late: [SimEvent] = []
        for i in 0..<workload.count {
            let e = workload.event(i)
            switch e.phase {
            case .offline: offline.append(e)
            case .late: late.append(e)
            case .online: if let r = workload.refund(of: e) { offline.append(r) }
            }
        }
        // Offline uploads: 100 taps per request, each request carrying the event day.
        let offlineStart = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for chunk in stride(from: 0, to: offline.count, by: 100).map({ Array(offline[$0..<min($0 + 100, offline.count)]) }) {
                if inFlight >= max(1, options.concurrency / 10) {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask {
                    let plans = chunk.map(\.plan)
                    let start = ContinuousClock.now
                    do {
                        let results = try await store.submitTransfers(plans.flatMap(\.transfers), businessDay: day)
                        latency.record(since: start)
                        counts.add("requests")
                        var offset = 0
                        var ok = true
                        for (event, plan) in zip(chunk, plans) {
                            let r = results[offset..<offset + plan.transfers.count]
                            offset += plan.transfers.count
                            if r.allSatisfy(\.isSuccess) { model.add(event, day: day, plan: plan) } else { ok = false }
                        }
                        counts.add(ok ? "accepted" : "rejected")
                    } catch {
                        counts.add("requests")
                        counts.add("errors")
                    }
                }
                inFlight += 1
            }
        }
        ingestion += ContinuousClock.now - offlineStart
        try baselineCatchUp(all: true)
        let elapsed = Measure.seconds(ingestion)
        let ingested = model.value.acknowledgedTransfers
        options.log("ingested \(ingested) transfers in \(String(format: "%.1f", elapsed)) s")

        // Close the day (timed), then close again (must be the same sealed record).
        let service = SettlementService(store: store, config: options.settlementConfig)
        let closeStart = ContinuousClock.now
        let closed = try await service.close(day)
        report.settlementCloseMs = Measure.seconds(ContinuousClock.now - closeStart) * 1_000
        report.settlementGroups = closed.report.groups.count + closed.report.claims.count
        let again = try await service.close(day)

        // Late events: arrive after the close, counted in the next open day.
        await drive(late, businessDay: day)

        report.requests = counts["requests"]
        report.acceptedRequests = counts["accepted"]
        report.rejectedRequests = counts["rejected"] + counts["errors"]
        report.transfers = ingested
        report.durationSeconds = elapsed
        report.requestsPerSecond = Double(report.requests) / elapsed
        report.transfersPerSecond = Double(ingested) / elapsed
        report.latency = latency.summary
        report.batches = commitStats?.snapshot

        // Invariants against the model.
        let m = model.value
        var inv: [SimReport.Invariant] = []
        inv.append(.init(name: "no request failed", ok: counts["errors"] == 0 && counts["rejected"] == 0,
                         detail: "\(counts["errors"]) errors, \(counts["rejected"]) rejected"))
        let verification = try await store.verify()
        let settlementTransfers = closed.report.groups.reduce(0) { $0 + $1.transferIDs.count } + closed.report.claims.count
        inv.append(.init(name: "every acknowledged transfer present exactly once", ok: verification.transfers == Int64(m.acknowledgedTransfers + settlementTransfers),
                         detail: "journal \(verification.transfers) = acknowledged \(m.acknowledgedTransfers) + settlement \(settlementTransfers) (ids are UNIQUE)"))
        var missing = 0
        for (id, amount) in model.samples {
            if try await store.transfer(id: id)?.transfer.amount != amount { missing += 1 }
        }
        inv.append(.init(name: "sampled acknowledged transfers readable with their amounts", ok: missing == 0, detail: "\(model.samples.count) sampled, \(missing) missing"))
        inv.append(.init(name: "feegate verify clean (hash chains, counters, Σdebits = Σcredits)", ok: verification.problems.isEmpty,
                         detail: verification.problems.isEmpty ? "\(verification.transfers) transfers verified" : verification.problems.prefix(3).map(\.description).joined(separator: "; ")))
        inv.append(contentsOf: try await settlementInvariants(store: store, day: day, model: m, closed: closed.report, reclosed: again))
        report.invariants = inv
        report.dbBytes = Measure.fileBytes(path)

        if let baseline {
            let result = baseline.result
            options.log("baseline: \(result.transfers) transfers with the SQLite C API, interleaved, mean batch \(result.batchSize)")
            report.baseline = result
            report.ratioToSQLiteCeiling = report.transfersPerSecond / result.transfersPerSecond
        }
        report.peakRSSBytes = Measure.peakRSS()
        if let r = report.ratioToSQLiteCeiling { report.targets["in_process_ge_70pct_of_sqlite_ceiling"] = r >= 0.7 }
        if let close = report.settlementCloseMs { report.targets["settlement_close_le_1s"] = close <= 1_000 }
        if options.profile.name == SimProfile.hanoiDay.name { report.targets["hanoi_day_ingested_le_3min"] = elapsed <= 180 }
        return report
    }

    /// Settlement = model, roll-ups = journal recomputation, re-close = same record, late counted next day.
    static func settlementInvariants(
        store: GatewayStore, day: BusinessDay, model m: SimModel, closed: SettlementReport, reclosed: (report: SettlementReport, alreadyClosed: Bool)
    ) async throws -> [SimReport.Invariant] {
        var inv: [SimReport.Invariant] = []
        var mismatches: [String] = []
        for g in closed.groups {
            let t = m.totals[.init(day: day, operatorCode: g.operator, kind: "channel", qualifier: g.channel)] ?? .init()
            if t.gross != g.gross || t.count != g.sales || t.refunds != g.refunds || t.refundCount != g.refundCount {
                mismatches.append("\(g.operator)/\(g.channel): settled \(g.gross)/\(g.sales)/\(g.refunds), model \(t.gross)/\(t.count)/\(t.refunds)")
            }
            if g.netPayable != g.gross - g.refunds - g.operatorFee { mismatches.append("\(g.operator)/\(g.channel): net ≠ gross − refunds − fee") }
        }
        for c in closed.claims {
            let t = m.totals[.init(day: day, operatorCode: c.operator, kind: "funder", qualifier: c.funder)] ?? .init()
            if t.gross != c.amount || t.count != c.events { mismatches.append("claim \(c.funder)/\(c.operator): \(c.amount)/\(c.events), model \(t.gross)/\(t.count)") }
        }
        let modelGroups = m.totals.keys.filter { $0.day == day }.count
        if modelGroups != closed.groups.count + closed.claims.count { mismatches.append("model has \(modelGroups) groups, settlement \(closed.groups.count + closed.claims.count)") }
        inv.append(.init(name: "settlement totals = the simulator's model", ok: mismatches.isEmpty,
                         detail: mismatches.isEmpty ? "\(closed.groups.count) channel groups, \(closed.claims.count) claims" : mismatches.prefix(3).joined(separator: "; ")))
        for d in [day, day.next] {
            let rollup = try await store.settlementRollup(day: d)
            let recomputed = try await store.recomputeSettlementFromJournal(day: d)
            inv.append(.init(name: "roll-ups of \(d) = sums recomputed from the journal", ok: Set(rollup) == Set(recomputed),
                             detail: "\(rollup.count) running totals, \(recomputed.count) recomputed"))
        }
        inv.append(.init(name: "re-closing is idempotent (same sealed record)", ok: reclosed.alreadyClosed && reclosed.report == closed,
                         detail: "hash \(closed.hash ?? "-")"))
        let late = try await store.lateSettlementTransfers(day: day.next)
        inv.append(.init(name: "late transfers fall into the next open day and are reported", ok: late.count == m.lateTransfers,
                         detail: "\(late.count) reported in \(day.next), \(m.lateTransfers) sent after the close"))
        let chain = try await store.verifySettlementChain()
        inv.append(.init(name: "settlement record chain intact", ok: chain.isEmpty, detail: chain.first ?? "ok"))
        return inv
    }
}
