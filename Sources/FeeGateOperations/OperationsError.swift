import FeeGateTariffs

/// Errors of the operator flows, each with the HTTP meaning the gateway gives it.
public enum OperationsError: Error, CustomStringConvertible, Sendable {
    /// Input that is well-formed but not acceptable (unknown zone, end before start …) → 422.
    case invalid(field: String, message: String)
    /// The request conflicts with what is recorded (active session, reused id) → 409.
    case conflict(String)
    /// Not found for this operator → 404.
    case notFound(String)
    /// The token is on the deny list → 402.
    case denied(reason: String)
    /// A payment method that is not configured on this gateway → 503.
    case unavailable(String)
    /// The ledger refused a posting the flow needed → 409 with the ledger's result.
    case ledgerRejected(result: String, detail: String)

    public var description: String {
        switch self {
        case .invalid(let field, let message): return "\(field): \(message)"
        case .conflict(let message), .notFound(let message), .unavailable(let message): return message
        case .denied(let reason): return "token refused: \(reason)"
        case .ledgerRejected(let result, let detail): return "the ledger rejected the posting (\(result)): \(detail)"
        }
    }

    static func tariff(_ error: TariffError, field: String) -> OperationsError {
        .invalid(field: field, message: error.description)
    }
}
