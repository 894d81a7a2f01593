import FeeGateCore
import FeeGateOperations
import FeeGateStore
import Logging
import ServiceLifecycle

/// Closes every ended business day of every operator with a document profile, shortly after midnight
/// (GMT+7), and catches up after downtime: each pass closes through yesterday, which is idempotent.
struct DailyClosingService: Service {
    let closings: DailyClosings
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let day = closings.lastEndedDay()
            for code in closings.operatorCodes {
                do {
                    let closed = try await closings.close(operatorCode: code, through: day)
                    if let last = closed.last, last.day == day {
                        logger.debug("day closed", metadata: ["feegate.operator": "\(code)", "feegate.day": "\(day)", "feegate.documents": "\(last.documentCount)"])
                    }
                } catch {
                    logger.error("daily closing failed", metadata: ["feegate.operator": "\(code)", "feegate.day": "\(day)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
