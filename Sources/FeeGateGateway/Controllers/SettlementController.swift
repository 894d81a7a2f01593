import FeeGateCore
import FeeGateSettlement
import Foundation
import Hummingbird

/// `GET /v1/settlements?date=YYYY-MM-DD`: the closed settlement of a business day, or a preview of an
/// open day from its running totals. Finance and admin see every operator; an operator key sees only
/// its own groups, payout and claims.
struct SettlementController {
    let settlement: SettlementService?

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("settlements", use: get)
    }

    /// The report, encoded as is.
    struct Body: ResponseEncodable {
        let report: SettlementReport
        func encode(to encoder: any Encoder) throws { try report.encode(to: encoder) }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Body {
        let principal = try context.require(.admin, .finance, .operator)
        guard let settlement else {
            throw Problem(status: .serviceUnavailable, code: "unavailable", detail: "settlement is not configured: start feegate serve with --settlement-config FILE")
        }
        guard let text = request.uri.queryParameters["date"].map(String.init) else {
            throw Problem(status: .unprocessableContent, code: "missing_field", detail: "query parameter date (YYYY-MM-DD, Hanoi time) is required",
                          errors: [.init(pointer: "/date", detail: "required")])
        }
        guard let day = BusinessDay(text) else { throw SettlementError.invalidDate(text) }
        let report = try await settlement.report(day)
        if principal.role == .operator, let own = principal.operatorCode { return Body(report: report.only(operatorCode: own)) }
        return Body(report: report)
    }
}
