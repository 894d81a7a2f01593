import ArgumentParser
import FeeGateSettlement
import FeeGateCore
import FeeGateCrypto
import FeeGateGateway
import FeeGateOperations
import FeeGateStore
import FeeGateTariffs
import Foundation
import Logging
import Metrics
import Prometheus

extension FeeGate {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP gateway on the embedded SQLite database.",
            discussion: """
                Migrates the database, then serves until SIGINT/SIGTERM (graceful shutdown).
                Example: feegate serve --host 127.0.0.1 --port 8080 --db ./feegate.sqlite
                Log level: --log-level or $LOG_LEVEL (trace, debug, info, notice, warning, error, critical).
                """)

        @Option(help: "Address to bind.") var host: String?
        @Option(help: "TCP port (0 picks a free port and prints it).") var port: Int?
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Tariff directory, validated at start.", discussion: "Default: $FEEGATE_TARIFFS, else ./Tariffs.", valueName: "dir"))
        var tariffs: String?
        @Option(help: "Log level.") var logLevel: String?
        @OptionGroup var documentsOptions: DocumentsOptions
        @Option(help: ArgumentHelp("Seconds between passes that close ended business days (0: only on request).", valueName: "seconds"))
        var closeDaysEvery: Int = 300
        @Option(help: "Sustained requests per second allowed per API key (default 2000).") var rateLimit: Int?
        @Option(help: "Burst size per API key (default twice the rate).") var rateBurst: Int?
        @Option(
            help: ArgumentHelp(
                "Payments configuration (JSON): collection accounts and provider credentials per operator.",
                discussion: "Default: $FEEGATE_PAYMENTS_CONFIG; without one, payment intents and notifications are refused. Format: README, Payments.",
                valueName: "file"))
        var paymentsConfig: String?
        @OptionGroup var settlementOptions: SettlementOptions

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let levelName = logLevel ?? environment["LOG_LEVEL"] ?? "info"
            guard let level = Logger.Level(rawValue: levelName) else { throw CLIError("unknown log level '\(levelName)'") }
            LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label, level: level) }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            var logger = Logger(label: "feegate")
            logger.logLevel = level

            // Fail fast on broken tariff data rather than quoting wrong prices later.
            let tariffDirectory = tariffs ?? environment["FEEGATE_TARIFFS"] ?? "./Tariffs"
            var engine: TariffEngine?
            if FileManager.default.fileExists(atPath: tariffDirectory) {
                let catalog = try TariffCatalog.load(directory: tariffDirectory)
                guard catalog.diagnostics.isEmpty else {
                    for diagnostic in catalog.diagnostics { Output.error(diagnostic.formatted(root: tariffDirectory)) }
                    throw CLIError("tariff data in \(tariffDirectory) has \(catalog.diagnostics.count) problem(s); fix them (see `feegate tariff check`)")
                }
                engine = try TariffEngine(catalog: catalog)
                logger.notice("tariffs validated", metadata: ["tariffs.directory": "\(tariffDirectory)", "tariffs.files": "\(catalog.fileCount)"])
            } else if tariffs != nil {
                throw CLIError("tariff directory \(tariffDirectory) does not exist")
            } else {
                logger.warning("no tariff directory: the operator API answers 503", metadata: ["tariffs.directory": "\(tariffDirectory)"])
            }

            var payments = PaymentsConfiguration.none
            if let path = paymentsConfig ?? environment["FEEGATE_PAYMENTS_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
                payments = try PaymentsConfiguration.load(path: path)
                // Operators and providers only: secrets and full account numbers are never logged.
                logger.notice("payments configuration loaded", metadata: ["payments.config": "\(path)", "payments.operators": "\(payments.summary)"])
            }

            let store = try database.open(migrate: true)
            var documents: DocumentIssuer?
            var exporter: TaxExporter?
            if let config = try documentsOptions.load() {
                documents = DocumentIssuer(store: store, profiles: try await config.profiles(store: store, environment: environment))
                exporter = TaxExporter(store: store, gatewaySigner: try config.gatewaySigner(environment: environment))
                logger.notice("documents configured", metadata: ["documents.operators": "\(config.operators.keys.sorted())",
                                                                 "documents.gateway_key": "\(config.gateway != nil)"])
            }
            let operations = try engine.map { engine in
                OperatorServices(store: store, tariffs: engine, tokenKey: try TokenKey.load(databasePath: store.path, environment: environment),
                                 payments: payments.operators.isEmpty ? nil : PaymentIntentService(store: store, configuration: payments),
                                 documents: documents)
            }
            var configuration = GatewayConfiguration()
            configuration.payments = payments
            configuration.closings = documents.map { DailyClosings(issuer: $0) }
            configuration.taxExporter = exporter
            guard closeDaysEvery >= 0 else { throw CLIError("--close-days-every must be 0 or more seconds") }
            configuration.closingInterval = closeDaysEvery == 0 ? nil : .seconds(closeDaysEvery)
            // A parking stop paid by QR gets its invoice once the intent is fully paid (the handler is idempotent).
            configuration.onIntentPaid = { [logger] paid in
                guard let operations else { return }
                do {
                    try await operations.parkingIntentPaid(sessionID: paid.intent.id, price: paid.recognised, rate: paid.intent.vatRate)
                } catch {
                    logger.error("invoice for a paid QR intent failed", metadata: ["feegate.intent_id": "\(paid.intent.id)", "error": "\(error)"])
                }
            }
            configuration.catchUpPaidIntents = { try await operations?.invoicePaidQRStops() ?? 0 }
            configuration.host = host ?? environment["FEEGATE_HOST"] ?? "127.0.0.1"
            if let port = port ?? environment["FEEGATE_PORT"].flatMap(Int.init) { configuration.port = port }
            if let rate = rateLimit ?? environment["FEEGATE_RATE_LIMIT"].flatMap(Int.init) {
                guard rate > 0 else { throw CLIError("--rate-limit must be at least 1") }
                configuration.rateLimitPerSecond = rate
                configuration.rateLimitBurst = rate * 2
            }
            if let burst = rateBurst {
                guard burst > 0 else { throw CLIError("--rate-burst must be at least 1") }
                configuration.rateLimitBurst = burst
            }
            let host = configuration.host
            let settlementConfig = try settlementOptions.loadIfPresent()
            if settlementConfig == nil {
                logger.warning("no settlement configuration: settlements show no channel fees and no payout accounts", metadata: ["settlement.config": "\(settlementOptions.resolvedPath)"])
            }
            let settlement = SettlementService(store: store, config: settlementConfig ?? SettlementConfig())
            try await runGateway(store: store, configuration: configuration, logger: logger, metrics: registry, operations: operations, settlement: settlement) { [logger] port in
                logger.notice("FeeGate listening", metadata: ["http.host": "\(host)", "http.port": "\(port)", "db.path": "\(store.path)"])
            }
        }
    }
}

/// The secret behind the keyed hashes of token values (card numbers, CCCD numbers).
///
/// `$FEEGATE_TOKEN_KEY` (64+ hex digits) wins; otherwise a random key is created once beside the
/// database as `<db>.token-key` (mode 0600). Losing the key orphans deny-list entries, rider
/// registrations and passes, so back it up with the database; never commit or log it.
enum TokenKey {
    static func load(databasePath: String, environment: [String: String]) throws -> [UInt8] {
        if let hex = environment["FEEGATE_TOKEN_KEY"] {
            guard let key = Hex.decode(hex), key.count >= 32 else { throw CLIError("FEEGATE_TOKEN_KEY must be at least 64 hex digits (32 bytes)") }
            return key
        }
        let path = databasePath + ".token-key"
        if let data = FileManager.default.contents(atPath: path) {
            guard let key = Hex.decode(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 32 else {
                throw CLIError("\(path) does not hold a 32-byte hex key")
            }
            return key
        }
        let key = SecureRandom.bytes(32)
        guard FileManager.default.createFile(atPath: path, contents: Data(Hex.encode(key).utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot create the token key file \(path)")
        }
        return key
    }
}
