import FeeGateCore
import Foundation
import HTTPTypes
import Hummingbird

/// Per-API-key rate limit (GCRA, the "leaky bucket as a meter"): `rate` requests per second on
/// average, bursts of up to `burst`. Over the limit → 429 with `Retry-After`. Runs after
/// authentication, so the limit is per key, never per guessed secret.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        guard let key = context.principal?.keyID else { return try await next(request, context) }
        if let wait = limiter.admit(key: key, now: limiter.clock()) {
            let seconds = max(1, (wait + 999_999_999) / 1_000_000_000)
            var problem = Problem(status: .tooManyRequests, code: "rate_limited",
                                  detail: "too many requests for this API key (limit \(limiter.rate)/s, bursts of \(limiter.burst)); retry in \(seconds) s")
            problem.headers[.retryAfter] = String(seconds)
            throw problem
        }
        return try await next(request, context)
    }
}

/// The GCRA state per key, in integer nanoseconds.
final class RateLimiter: @unchecked Sendable {
    let rate: Int
    let burst: Int
    /// Monotonic nanoseconds (tests freeze it).
    let clock: @Sendable () -> UInt64
    private let interval: UInt64
    private let tolerance: UInt64
    private let lock = NSLock()
    private var theoreticalArrival: [String: UInt64] = [:]

    /// - Parameters:
    ///   - rate: sustained requests per second per key (≥ 1).
    ///   - burst: requests allowed at once (≥ 1).
    init(rate: Int, burst: Int, clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.clock = clock
        self.rate = max(1, rate)
        self.burst = max(1, burst)
        interval = 1_000_000_000 / UInt64(self.rate)
        tolerance = interval * UInt64(self.burst - 1)
    }

    /// `nil` if the request may pass now, else the nanoseconds to wait.
    func admit(key: String, now: UInt64) -> UInt64? {
        lock.withLock {
            let tat = max(theoreticalArrival[key] ?? now, now)
            if tat - now > tolerance { return tat - now - tolerance }
            theoreticalArrival[key] = tat + interval
            return nil
        }
    }
}
