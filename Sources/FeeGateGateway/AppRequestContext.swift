import FeeGateCore
import Foundation
import Hummingbird
import Logging

/// Per-request context: Hummingbird's core storage plus the authenticated caller.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` on every `/v1` route.
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// A full transfer batch (8,190 transfers) is about 3 MB of JSON.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The caller, or a 401 if the route was reached without authentication.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthorized("missing API key") }
        return principal
    }

    /// The caller if its role is one of `roles`, else 403.
    @discardableResult
    func require(_ roles: Role...) throws -> Principal {
        let principal = try requirePrincipal()
        guard roles.contains(principal.role) else {
            throw Problem(
                status: .forbidden, code: "forbidden",
                detail: "this endpoint needs role \(roles.map(\.rawValue).joined(separator: " or ")); your key has role \(principal.role.rawValue)")
        }
        return principal
    }
}
