import Logging
import ServiceLifecycle

/// Periodically voids pending transfers whose timeout has passed, releasing their reservations.
/// A post or void that reaches an expired pending transfer also expires it on the spot; this service
/// makes the release prompt even when nobody touches the transfer again.
public struct PendingExpiryService: Service {
    let store: GatewayStore
    let interval: Duration
    let logger: Logger

    public init(store: GatewayStore, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let expired = try await store.expirePendingTransfers()
                if expired > 0 { logger.debug("expired pending transfers", metadata: ["ledger.expired": "\(expired)"]) }
            } catch {
                logger.error("pending expiry sweep failed", metadata: ["error": "\(error)"])
            }
            // Wake at once on graceful shutdown instead of finishing the sleep (it held shutdown up to the full interval).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
