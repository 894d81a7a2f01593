import FeeGateCore
import FeeGateStore
import Hummingbird
import Logging

/// Authenticates `Authorization: Bearer <key>` and records the caller in the context and its logger.
/// The key itself is never logged; only its public id and operator are.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: GatewayStore

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Problem.unauthorized("missing API key") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw Problem.unauthorized("malformed Authorization header")
        }
        guard let principal = try await store.principal(forSecret: String(parts[1])) else {
            throw Problem.unauthorized("unknown or revoked API key")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "feegate.key_id"] = .string(principal.keyID)
        if let op = principal.operatorCode { context.logger[metadataKey: "feegate.operator"] = .string(op) }
        return try await next(request, context)
    }
}
