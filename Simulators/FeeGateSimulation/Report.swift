import Foundation
import Histogram
import Metrics

/// Latencies in microseconds (HdrHistogram, 3 significant digits), safe to record from many tasks.
public final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public func record(microseconds: UInt64) {
        lock.withLock { _ = histogram.record(min(microseconds, 600_000_000)) }
    }

    public func record(since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        record(microseconds: UInt64(max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000)))
    }

    public var summary: SimReport.Latency {
        lock.withLock {
            func ms(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1_000 }
            return SimReport.Latency(
                count: histogram.totalCount, p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: Double(histogram.max) / 1_000)
        }
    }
}

/// Group-commit batch sizes, captured from the store's `feegate_ledger_commit_transfers` recorder.
public final class CommitStats: @unchecked Sendable, MetricsFactory {
    private let lock = NSLock()
    private(set) var commits = 0
    private(set) var transfers = 0
    private(set) var largest = 0
    private(set) var commitNanoseconds: Int64 = 0

    public init() {}

    public var snapshot: SimReport.Batches {
        lock.withLock {
            SimReport.Batches(
                commits: commits, meanTransfers: commits == 0 ? 0 : Double(transfers) / Double(commits), maxTransfers: largest,
                commitSeconds: Double(commitNanoseconds) / 1e9)
        }
    }

    func addCommitTime(_ nanoseconds: Int64) {
        lock.withLock { commitNanoseconds += nanoseconds }
    }

    func add(_ value: Int64) {
        lock.withLock {
            commits += 1
            transfers += Int(value)
            largest = max(largest, Int(value))
        }
    }

    final class Handler: RecorderHandler, @unchecked Sendable {
        let stats: CommitStats?
        init(_ stats: CommitStats?) { self.stats = stats }
        func record(_ value: Int64) { stats?.add(value) }
        func record(_ value: Double) { stats?.add(Int64(value)) }
    }
    /// The writer's time inside commits (engine, inserts and `fsync`), from `feegate_ledger_commit_duration`.
    final class CommitTimer: TimerHandler, @unchecked Sendable {
        let stats: CommitStats
        init(_ stats: CommitStats) { self.stats = stats }
        func recordNanoseconds(_ duration: Int64) { stats.addCommitTime(duration) }
    }
    final class Nothing: CounterHandler, FloatingPointCounterHandler, TimerHandler, @unchecked Sendable {
        func increment(by: Int64) {}
        func increment(by: Double) {}
        func reset() {}
        func recordNanoseconds(_ duration: Int64) {}
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Nothing() }
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler { Nothing() }
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(label == "feegate_ledger_commit_transfers" ? self : nil)
    }
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { NothingMeter() }
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        label == "feegate_ledger_commit_duration" ? CommitTimer(self) : Nothing()
    }
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    final class NothingMeter: MeterHandler, @unchecked Sendable {
        func set(_ value: Int64) {}
        func set(_ value: Double) {}
        func increment(by: Double) {}
        func decrement(by: Double) {}
    }
}

/// What a run measured and checked (`--json FILE` writes it).
public struct SimReport: Sendable, Codable {
    public struct Latency: Sendable, Codable {
        public let count: UInt64
        public let p50: Double, p90: Double, p99: Double, p999: Double, max: Double
        enum CodingKeys: String, CodingKey { case count, p50 = "p50_ms", p90 = "p90_ms", p99 = "p99_ms", p999 = "p99_9_ms", max = "max_ms" }
    }
    public struct Batches: Sendable, Codable {
        public let commits: Int
        public let meanTransfers: Double
        public let maxTransfers: Int
        /// Seconds the single writer spent committing (engine, inserts and `fsync`); near the run's
        /// duration means the run was writer-bound, far below it means the writer waited for work.
        public var commitSeconds: Double?
        enum CodingKeys: String, CodingKey { case commits, meanTransfers = "mean_transfers", maxTransfers = "max_transfers", commitSeconds = "commit_seconds" }
    }
    public struct Invariant: Sendable, Codable {
        public let name: String
        public let ok: Bool
        public let detail: String
    }
    public struct Machine: Sendable, Codable {
        public let cores: Int
        public let memoryGiB: Double
        public let os: String
        /// `/proc/loadavg` when the run started: other processes sharing the cores show here.
        public let loadAverageAtStart: String
        enum CodingKeys: String, CodingKey { case cores, memoryGiB = "memory_gib", os, loadAverageAtStart = "load_average_at_start" }
    }

    public var tool = "feegate-sim"
    public var command: String
    public var mode: String
    public var workload: String
    public var profile: SimProfile
    public var seed: UInt64
    public var day: String
    public var machine: Machine
    public var buildConfiguration: String
    public var requests = 0
    public var acceptedRequests = 0
    public var rejectedRequests = 0
    public var transfers = 0
    public var durationSeconds = 0.0
    public var requestsPerSecond = 0.0
    public var transfersPerSecond = 0.0
    public var offeredRequestsPerSecond: Double?
    public var acceptedRequestsPerSecond: Double?
    public var notSentOverload: Int?
    public var concurrency = 0
    /// HTTP ledger workload: `random` or `time` transfer ids.
    public var idOrder: String?
    public var latency: Latency?
    public var batches: Batches?
    public var settlementCloseMs: Double?
    public var settlementGroups: Int?
    public var dbBytes: Int64 = 0
    public var peakRSSBytes: Int64 = 0
    public var serverPeakRSSBytes: Int64?
    public var baseline: SQLiteBaseline.Result?
    public var ratioToSQLiteCeiling: Double?
    public var invariants: [Invariant] = []
    public var targets: [String: Bool] = [:]

    public var invariantsHold: Bool { invariants.allSatisfy(\.ok) }

    enum CodingKeys: String, CodingKey {
        case tool, command, mode, workload, profile, seed, day, machine, buildConfiguration = "build_configuration", requests
        case acceptedRequests = "accepted_requests", rejectedRequests = "rejected_requests", transfers, durationSeconds = "duration_s"
        case requestsPerSecond = "requests_per_s", transfersPerSecond = "transfers_per_s", offeredRequestsPerSecond = "offered_requests_per_s"
        case acceptedRequestsPerSecond = "accepted_requests_per_s", notSentOverload = "not_sent_overload", concurrency, idOrder = "id_order", latency, batches
        case settlementCloseMs = "settlement_close_ms", settlementGroups = "settlement_groups", dbBytes = "db_bytes", peakRSSBytes = "peak_rss_bytes"
        case serverPeakRSSBytes = "server_peak_rss_bytes", baseline, ratioToSQLiteCeiling = "ratio_to_sqlite_ceiling", invariants, targets
    }

    public var text: String {
        var lines: [String] = []
        lines.append("feegate-sim \(mode)/\(workload) profile \(profile.name) seed \(seed) day \(day) (\(buildConfiguration) build, \(machine.cores) cores, load average \(machine.loadAverageAtStart) at start)")
        lines.append(String(format: "requests %d (accepted %d, rejected %d), transfers %d in %.2f s", requests, acceptedRequests, rejectedRequests, transfers, durationSeconds))
        lines.append(String(format: "throughput %.0f requests/s, %.0f transfers/s (concurrency %d)", requestsPerSecond, transfersPerSecond, concurrency)
                     + (idOrder.map { ", \($0) transfer ids" } ?? ""))
        if let offered = offeredRequestsPerSecond, let accepted = acceptedRequestsPerSecond {
            lines.append(String(format: "open loop: offered %.0f req/s, accepted %.0f req/s, not sent (overload) %d", offered, accepted, notSentOverload ?? 0))
        }
        if let l = latency {
            lines.append(String(format: "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%llu)", l.p50, l.p90, l.p99, l.p999, l.max, l.count))
        }
        if let b = batches {
            lines.append(String(format: "group commits %d, mean %.1f transfers, max %d", b.commits, b.meanTransfers, b.maxTransfers)
                + (b.commitSeconds.map { String(format: "; writer committing %.1f s of the run", $0) } ?? ""))
        }
        if let close = settlementCloseMs { lines.append(String(format: "settlement close %.1f ms (%d groups)", close, settlementGroups ?? 0)) }
        lines.append(String(format: "db %.1f MB, peak RSS %.1f MB%@", Double(dbBytes) / 1e6, Double(peakRSSBytes) / 1e6,
                            serverPeakRSSBytes.map { String(format: ", server peak RSS %.1f MB", Double($0) / 1e6) } ?? ""))
        if let b = baseline, let r = ratioToSQLiteCeiling {
            lines.append(String(format: "SQLite C API baseline: %d transfers in batches of %d: %.0f transfers/s → ratio_to_sqlite_ceiling %.2f",
                                b.transfers, b.batchSize, b.transfersPerSecond, r))
        }
        for i in invariants { lines.append("\(i.ok ? "ok  " : "FAIL") \(i.name): \(i.detail)") }
        for (name, met) in targets.sorted(by: { $0.key < $1.key }) { lines.append("target \(name): \(met ? "met" : "NOT met")") }
        return lines.joined(separator: "\n")
    }
}

enum Measure {
    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// Peak resident set size of a process (VmHWM), in bytes; `self` by default.
    static func peakRSS(pid: Int32? = nil) -> Int64 {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int64($0) } ?? 0
            return kb * 1_024
        }
        return 0
    }

    static func fileBytes(_ path: String) -> Int64 {
        ["", "-wal", "-shm"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    static func machine() -> SimReport.Machine {
        var os = "Linux"
        if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") })
        {
            os = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return SimReport.Machine(
            cores: ProcessInfo.processInfo.activeProcessorCount, memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
            os: os,
            loadAverageAtStart: ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " "))
    }
}
