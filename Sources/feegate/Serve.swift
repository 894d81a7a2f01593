import ArgumentParser
import FeeGateGateway
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
        @Option(
            help: ArgumentHelp(
                "Payments configuration (JSON): collection accounts and provider credentials per operator.",
                discussion: "Default: $FEEGATE_PAYMENTS_CONFIG; without one, payment intents and notifications are refused. Format: README, Payments.",
                valueName: "file"))
        var paymentsConfig: String?

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let levelName = logLevel ?? environment["LOG_LEVEL"] ?? "info"
            guard let level = Logger.Level(rawValue: levelName) else { throw CLIError("unknown log level '\(levelName)'") }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            var logger = Logger(label: "feegate")
            logger.logLevel = level

            // Fail fast on broken tariff data rather than quoting wrong prices later.
            let tariffDirectory = tariffs ?? environment["FEEGATE_TARIFFS"] ?? "./Tariffs"
            if FileManager.default.fileExists(atPath: tariffDirectory) {
                let catalog = try TariffCatalog.load(directory: tariffDirectory)
                guard catalog.diagnostics.isEmpty else {
                    for diagnostic in catalog.diagnostics { Output.error(diagnostic.formatted(root: tariffDirectory)) }
                    throw CLIError("tariff data in \(tariffDirectory) has \(catalog.diagnostics.count) problem(s); fix them (see `feegate tariff check`)")
                }
                logger.notice("tariffs validated", metadata: ["tariffs.directory": "\(tariffDirectory)", "tariffs.files": "\(catalog.fileCount)"])
            } else if tariffs != nil {
                throw CLIError("tariff directory \(tariffDirectory) does not exist")
            }

            var payments = PaymentsConfiguration.none
            if let path = paymentsConfig ?? environment["FEEGATE_PAYMENTS_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
                payments = try PaymentsConfiguration.load(path: path)
                // Operators and providers only: secrets and full account numbers are never logged.
                logger.notice("payments configuration loaded", metadata: ["payments.config": "\(path)", "payments.operators": "\(payments.summary)"])
            }

            let store = try database.open(migrate: true)
            var configuration = GatewayConfiguration()
            configuration.payments = payments
            configuration.host = host ?? environment["FEEGATE_HOST"] ?? "127.0.0.1"
            if let port = port ?? environment["FEEGATE_PORT"].flatMap(Int.init) { configuration.port = port }
            let host = configuration.host
            try await runGateway(store: store, configuration: configuration, logger: logger, metrics: registry) { [logger] port in
                logger.notice("FeeGate listening", metadata: ["http.host": "\(host)", "http.port": "\(port)", "db.path": "\(store.path)"])
            }
        }
    }
}
