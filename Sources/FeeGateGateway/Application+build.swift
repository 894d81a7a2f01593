import FeeGateOperations
import FeeGateSettlement
import FeeGateStore
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Settings of the HTTP gateway.
public struct GatewayConfiguration: Sendable {
    /// Address to bind (default `127.0.0.1`: only this machine; use `0.0.0.0` behind a proxy).
    public var host: String = "127.0.0.1"
    /// TCP port (default 8080; 0 picks a free one).
    public var port: Int = 8080
    /// How often due pending transfers are voided.
    public var pendingExpiryInterval: Duration = .seconds(1)
    /// Sustained requests per second allowed per API key (429 beyond it).
    public var rateLimitPerSecond: Int = 2_000
    /// Requests per API key allowed in a burst.
    public var rateLimitBurst: Int = 4_000
    /// Monotonic clock of the rate limiter, in nanoseconds (tests freeze it).
    public var monotonicNanoseconds: @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    /// Collection accounts and payment-provider credentials (``PaymentsConfiguration``).
    public var payments: PaymentsConfiguration = .none
    /// Called once a payment intent becomes fully paid, after its postings are durable: the seam
    /// where e-invoicing (#6) issues the invoice. Must be idempotent by intent id.
    public var onIntentPaid: IntentPaidHandler = { _ in }
    /// Run by the payment recovery service after each pass: finishes what ``onIntentPaid`` did not (an invoice missing
    /// after a crash); returns how many it finished. Must be idempotent.
    public var catchUpPaidIntents: @Sendable () async throws -> Int = { 0 }
    /// How often stored-but-unprocessed payment notifications (after a crash) are processed.
    public var paymentRecoveryInterval: Duration = .seconds(10)
    /// Daily closings of the operators with document profiles; `nil` closes nothing automatically.
    public var closings: DailyClosings?
    /// How often ended days are closed (each pass is idempotent); `nil` only closes on request (tests, or a
    /// deployment that runs `feegate close-day` from cron).
    public var closingInterval: Duration? = .seconds(300)
    /// Builds the tax office's export bundles; `nil` answers 503.
    public var taxExporter: TaxExporter?

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Errors starting the gateway.
public enum GatewayError: Error, CustomStringConvertible {
    case missingResource(String)

    public var description: String {
        switch self {
        case .missingResource(let name): return "the gateway's bundled resource \(name) is missing; rebuild or reinstall FeeGate"
        }
    }
}

/// Builds the gateway application. Tests call this directly (`app.test(.router)`), `feegate serve` runs it.
///
/// - Parameters:
///   - store: the opened, migrated store.
///   - configuration: bind address and timers.
///   - logger: the application logger (requests get children carrying `hb.request.id`).
///   - metrics: where `GET /metrics` reads from; `feegate serve` bootstraps swift-metrics with the same registry.
///   - operations: the operator flows (needs the tariffs); without it the operator API answers 503.
///   - onServerRunning: called with the bound port once listening (useful with port 0).
public func buildApplication(
    store: GatewayStore, configuration: GatewayConfiguration, logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), operations: OperatorServices? = nil,
    settlement: SettlementService? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let processor = PaymentProcessor(store: store, onIntentPaid: configuration.onIntentPaid)
    let router = try buildRouter(
        store: store, logger: logger, metrics: metrics, operations: operations, settlement: settlement, payments: configuration.payments,
        closings: configuration.closings, taxExporter: configuration.taxExporter, processor: processor, rateLimiter: RateLimiter(rate: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst, clock: configuration.monotonicNanoseconds))
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "FeeGate"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.addServices(PendingExpiryService(store: store, interval: configuration.pendingExpiryInterval, logger: logger))
    app.addServices(PaymentRecoveryService(processor: processor, catchUp: configuration.catchUpPaidIntents, interval: configuration.paymentRecoveryInterval, logger: logger))
    if let closings = configuration.closings, let interval = configuration.closingInterval {
        app.addServices(DailyClosingService(closings: closings, interval: interval, logger: logger))
    }
    return app
}

/// The router with every route and middleware.
func buildRouter(
    store: GatewayStore, logger: Logger, metrics: PrometheusCollectorRegistry, operations: OperatorServices?, settlement: SettlementService? = nil,
    payments: PaymentsConfiguration, closings: DailyClosings? = nil, taxExporter: TaxExporter? = nil, processor: PaymentProcessor, rateLimiter: RateLimiter
) throws -> Router<AppRequestContext> {
    guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let openAPI = try? Data(contentsOf: url) else {
        throw GatewayError.missingResource("openapi.json")
    }
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        ProblemMiddleware()
        LogRequestsMiddleware(.info)
        MetricsMiddleware()
    }
    SystemController(openAPI: openAPI, metrics: metrics).addRoutes(to: router)
    let v1 = router.group("v1").add(middleware: AuthMiddleware(store: store)).add(middleware: RateLimitMiddleware(limiter: rateLimiter))
    LedgerController(store: store).addRoutes(to: v1)
    SettlementController(settlement: settlement).addRoutes(to: v1)
    ReconciliationController(store: store).addRoutes(to: v1)
    DocumentsController(store: store, closings: closings, exporter: taxExporter, issuer: operations?.documents).addRoutes(to: v1)
    if let operations {
        OperatorController(services: operations).addRoutes(to: v1)
    } else {
        for path in ["parking/{rest}", "transit/{rest}", "fees/{rest}"] {
            v1.on(RouterPath(path), method: .post) { _, _ -> Response in
                throw Problem(status: .serviceUnavailable, code: "tariffs_not_loaded", detail: "the operator API needs tariff data: start feegate serve with --tariffs DIR")
            }
        }
    }
    PaymentsController(store: store, configuration: payments, processor: processor).addRoutes(authenticated: v1, unauthenticated: router)
    return router
}

/// Builds and runs the gateway until SIGINT or SIGTERM (graceful shutdown). Used by `feegate serve`,
/// so that the executable does not depend on Hummingbird itself.
public func runGateway(
    store: GatewayStore, configuration: GatewayConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry,
    operations: OperatorServices?, settlement: SettlementService? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    let app = try buildApplication(
        store: store, configuration: configuration, logger: logger, metrics: metrics, operations: operations, settlement: settlement,
        onServerRunning: onServerRunning)
    try await app.runService()
}
