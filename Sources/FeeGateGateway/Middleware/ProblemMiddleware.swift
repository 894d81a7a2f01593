import FeeGateOperations
import FeeGateReconciliation
import FeeGateSettlement
import Foundation
import FeeGateStore
import Hummingbird
import Logging

/// The one place where errors become HTTP responses (RFC 9457 problem+json).
///
/// Domain and store errors map to stable codes; Hummingbird's own errors (unknown route, body too
/// large) are re-rendered as problems; anything unexpected is logged at `error` with the request id
/// and answered with a generic 500 that leaks nothing.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as OperationsError {
            throw Self.problem(for: error)
        } catch let error as StoreError {
            throw Self.problem(for: error, logger: context.logger)
        } catch let error as HTTPError {
            throw Self.problem(for: error)
        } catch let error as SettlementError {
            throw Self.problem(for: error)
        } catch let error as ReconciliationError {
            throw Self.problem(for: error)
        } catch let error as PaymentPostingFailed {
            context.logger.error("payment posting failed", metadata: ["error": "\(error)"])
            throw Problem(
                status: .serviceUnavailable, code: "payment_processing_failed",
                detail: "the notification is stored but its posting failed; it is processed again on redelivery or by the recovery sweep")
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))", "error": "\(error)"])
            throw Problem(status: .internalServerError, code: "internal_error", detail: "an internal error occurred; it has been logged with this request's id")
        }
    }

    static func problem(for error: StoreError, logger: Logger) -> Problem {
        switch error {
        case .conflict(let message): return Problem(status: .conflict, code: "conflict", detail: message)
        case .notFound(let message): return Problem(status: .notFound, code: "not_found", detail: message)
        case .invalid(let message): return Problem(status: .unprocessableContent, code: "invalid", detail: message)
        case .cannotOpen, .newerSchema, .notMigrated, .database:
            logger.error("store failure", metadata: ["error": "\(error)"])
            return Problem(status: .serviceUnavailable, code: "storage_unavailable", detail: "the ledger database is unavailable; nothing was written. Retry with the same ids.")
        }
    }

    static func problem(for error: OperationsError) -> Problem {
        let (status, code) = OperatorServices.classify(error)
        switch error {
        case .invalid(let field, let message):
            let pointer = "/" + field.replacingOccurrences(of: ".", with: "/")
            return Problem(status: HTTPResponse.Status(code: status), code: code, detail: error.description, errors: [.init(pointer: pointer, detail: message)])
        case .denied(let reason):
            return Problem(status: HTTPResponse.Status(code: 402), code: code, detail: error.description, extra: ["reason": reason])
        case .ledgerRejected(let result, _):
            return Problem(status: HTTPResponse.Status(code: status), code: code, detail: error.description, extra: ["result": result])
        default:
            return Problem(status: HTTPResponse.Status(code: status), code: code, detail: error.description)
        }
    }

    static func problem(for error: SettlementError) -> Problem {
        switch error {
        case .invalidDate:
            return Problem(status: .badRequest, code: "invalid_field", detail: error.description, errors: [.init(pointer: "/date", detail: error.description)])
        case .invalidConfiguration:
            return Problem(status: .serviceUnavailable, code: "unavailable", detail: error.description)
        }
    }

    static func problem(for error: ReconciliationError) -> Problem {
        switch error {
        case .malformed(let location, _):
            // The location (file:line, sheet!cell or element path) is also a field of its own, for clients to show.
            return Problem(status: .unprocessableContent, code: "malformed_statement", detail: error.description, extra: ["location": location])
        case .invalid:
            return Problem(status: .unprocessableContent, code: "invalid", detail: error.description)
        case .invalidConfiguration:
            // A server-side mapping or rules file is wrong: not the client's doing.
            return Problem(status: .serviceUnavailable, code: "unavailable", detail: error.description)
        }
    }

    static func problem(for error: HTTPError) -> Problem {
        let code: String
        switch error.status {
        case .notFound: code = "not_found"
        case .methodNotAllowed: code = "method_not_allowed"
        case .contentTooLarge: code = "payload_too_large"
        case .badRequest: code = "bad_request"
        case .unsupportedMediaType: code = "unsupported_media_type"
        default: code = "http_\(error.status.code)"
        }
        let detail = error.body ?? (error.status == .notFound ? "no such endpoint; see GET /openapi.json" : error.status.reasonPhrase)
        return Problem(status: error.status, code: code, detail: detail)
    }
}
