import ArgumentParser
import FeeGateCore
import FeeGateSettlement
import FeeGateSimulation
import Foundation
import Metrics

/// `feegate-sim`: a seeded, deterministic Hanoi day driven in-process or over HTTP, with invariant
/// checks and a report (stdout, `--json FILE`).
@main
struct FeeGateSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feegate-sim",
        abstract: "Load simulator: a Hanoi day from a profile, in-process or over HTTP, with end-of-run invariant checks.",
        discussion: """
            Examples:
              feegate-sim --profile smoke
              feegate-sim --profile hanoi-day --mode in-process --json Benchmarks/results/in-process.json
              feegate-sim --profile hanoi-day --scale 0.1 --mode http --workload ledger --concurrency 256 --json http.json
              feegate-sim --profile hanoi-day --mode http --workload ledger --rate 8000 --requests 200000
            Exit status 0 when every invariant holds (speed targets are reported, not enforced), else 1.
            """)

    @Option(help: "Profile: smoke or hanoi-day.") var profile = "smoke"
    @Option(help: "Multiply the profile's counts (e.g. 0.1 for a tenth of the day).") var scale = 1.0
    @Option(help: "Seed of the day (same seed, same day).") var seed: UInt64 = 42
    @Option(help: "in-process or http.") var mode = "in-process"
    @Option(help: "HTTP workload: ledger (single-transfer requests) or operator (taps, parking, fees).") var workload = "ledger"
    @Option(help: "Requests in flight (closed loop) and HTTP connections.") var concurrency = 512
    @Option(help: "Open loop: offered requests per second (HTTP mode).") var rate: Double?
    @Option(help: "Open loop: most requests in flight before new ones are counted as not sent.") var maxInFlight = 4_096
    @Option(help: "HTTP mode: at most this many requests.") var requests: Int?
    @Option(help: "HTTP ledger workload: transfer ids random (the workload's own hash-derived ids, the default: the worst case for the id index) or time (version 7, increasing).")
    var idOrder = "random"
    @Option(help: "HTTP mode: event-loop threads of the load generator's client (default: one per core).") var clientThreads: Int?
    @Option(help: "Database file (recreated). Default: a temporary directory.") var db: String?
    @Option(help: "Business day to simulate (default: today in Hanoi). In-process, another day runs the store's clock from noon of that day.")
    var day: String?
    @Option(help: "The feegate binary for HTTP mode (default: next to feegate-sim).") var feegate: String?
    @Option(help: "Tariff directory for HTTP mode.") var tariffs = "./Tariffs"
    @Option(help: "Settlement configuration (default: ./Config/settlement.yaml if present, else built-in).") var settlementConfig: String?
    @Option(help: "HTTP port on 127.0.0.1.") var port = 18_080
    @Flag(help: "Skip the plain-SQLite baseline.") var noBaseline = false
    @Option(help: "Write the report as JSON here.") var json: String?

    func run() async throws {
        guard var p = SimProfile.named(profile) else { throw ValidationError("unknown profile '\(profile)'; use smoke or hanoi-day") }
        p = p.scaled(scale)
        let businessDay: BusinessDay
        if let day {
            guard let d = BusinessDay(day) else { throw ValidationError("--day must be YYYY-MM-DD") }
            businessDay = d
        } else {
            businessDay = BusinessDay(epochSeconds: Int64(Date().timeIntervalSince1970))
        }
        let configPath = settlementConfig ?? (FileManager.default.fileExists(atPath: "./Config/settlement.yaml") ? "./Config/settlement.yaml" : nil)
        let config = try configPath.map { try SettlementConfig.load(path: $0) } ?? SettlementConfig.parse(SimDefaults.settlementYAML)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-sim-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = db ?? directory.appendingPathComponent("sim.sqlite").path
        #if DEBUG
            let build = "debug"
        #else
            let build = "release"
        #endif
        let options = SimOptions(
            profile: p, seed: seed, day: businessDay, databasePath: path, concurrency: concurrency, settlementConfig: config, baseline: !noBaseline,
            command: (["feegate-sim"] + CommandLine.arguments.dropFirst()).joined(separator: " "), buildConfiguration: build,
            log: { message in FileHandle.standardError.write(Data("feegate-sim: \(message)\n".utf8)) })
        guard idOrder == "random" || (mode == "http" && workload == "ledger") else {
            throw ValidationError("--id-order applies to --mode http --workload ledger only")
        }
        let report: SimReport
        switch mode {
        case "in-process":
            let stats = CommitStats()
            MetricsSystem.bootstrap(stats)
            report = try await InProcessSimulation.run(options, commitStats: stats)
        case "http":
            guard let w = HTTPSimulation.Workload(rawValue: workload) else { throw ValidationError("--workload must be ledger or operator") }
            guard let order = HTTPSimulation.IDOrder(rawValue: idOrder) else { throw ValidationError("--id-order must be random or time") }
            let binary = feegate ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("feegate").path
            report = try await HTTPSimulation.run(
                options,
                http: .init(feegateBinary: binary, tariffs: tariffs, settlementConfigPath: configPath, port: port, workload: w, requests: requests,
                            rate: rate, maxInFlight: maxInFlight, clientThreads: clientThreads, idOrder: order))
        default:
            throw ValidationError("--mode must be in-process or http")
        }
        print(report.text)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if db == nil { try? FileManager.default.removeItem(at: directory) }
        if !report.invariantsHold { throw ExitCode(1) }
    }
}
