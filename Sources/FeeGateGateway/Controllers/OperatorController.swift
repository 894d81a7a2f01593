import FeeGateCore
import FeeGateOperations
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The operator API: parking sessions and offline meters, bus taps, passes, riders, the deny
/// list, public-fee payments. Mutations need an `operator` key and act for its operator only;
/// reads are also open to admin and finance. Another operator's resource is a 404.
struct OperatorController {
    let services: OperatorServices

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("parking/sessions", use: startSession)
        group.get("parking/sessions", use: listSessions)
        group.get("parking/sessions/:id", use: getSession)
        group.post("parking/sessions/:id/stop", use: stopSession)
        group.post("parking/events:batch", use: uploadEvents)
        group.get("parking/devices/:device", use: getDevice)
        group.post("transit/taps", use: tap)
        group.post("transit/taps:batch", use: tapBatch)
        group.post("transit/passes", use: buyPass)
        group.post("transit/riders", use: registerRider)
        group.post("transit/deny-list", use: denyList)
        group.post("fees/payments", use: payFee)
    }

    /// The operator a mutation acts for: only operator keys move an operator's money.
    private func actingOperator(_ context: AppRequestContext) throws -> String {
        let principal = try context.require(.operator)
        guard let code = principal.operatorCode else { throw Problem(status: .forbidden, code: "forbidden", detail: "this key has no operator") }
        return code
    }

    /// The operator whose data a read may see: its own for an operator key; the `operator` query parameter for admin/finance.
    private func readingOperator(_ request: Request, _ context: AppRequestContext) throws -> String? {
        let principal = try context.require(.operator, .admin, .finance)
        if principal.role == .operator { return principal.operatorCode }
        return request.uri.queryParameters["operator"].map(String.init)
    }

    @Sendable func startSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.StartSession.self, from: request, context: context)
        return try Self.render(try await services.startParking(body.request, operatorCode: op))
    }

    @Sendable func stopSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let id = try LedgerController.uuidParameter(context)
        let body = try await StrictJSON.decode(OperatorDTO.StopSession.self, from: request, context: context)
        return try Self.render(try await services.stopParking(StopParking(sessionID: id, endedAt: body.endedAt, payment: body.payment), operatorCode: op))
    }

    @Sendable func getSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try readingOperator(request, context)
        return try Self.json(try await services.parkingSession(id: try LedgerController.uuidParameter(context), operatorCode: op))
    }

    @Sendable func listSessions(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let op = try readingOperator(request, context) else {
            throw Problem(status: .badRequest, code: "missing_operator", detail: "admin and finance keys list one operator at a time: add ?operator=CODE")
        }
        let q = request.uri.queryParameters
        let status = q["status"].map(String.init)
        if let status, !["active", "paid", "exempt", "awaiting_payment"].contains(status as String) {
            throw Problem(status: .badRequest, code: "invalid_status", detail: "status must be active, paid, exempt or awaiting_payment")
        }
        func instant(_ name: String) throws -> Int64? {
            guard let text = q.get(name) else { return nil }
            guard let value = RequestTime.epochSeconds(text), RequestTime.isInRange(value) else {
                throw Problem(status: .badRequest, code: "invalid_field", detail: "\(name) must be an ISO 8601 time with offset, within 2000–2099")
            }
            return value
        }
        let page = try await services.parkingSessions(
            operatorCode: op, status: status, from: try instant("from"), to: try instant("to"),
            after: try SessionCursor.decode(q["cursor"].map(String.init)), limit: try Cursor.limit(q["limit"].map(String.init)))
        return try Self.json(SessionPage(items: page.items, nextCursor: page.last.map(SessionCursor.encode)))
    }

    @Sendable func uploadEvents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.DeviceBatch.self, from: request, context: context)
        guard (1...1_000).contains(body.events.count) else {
            throw Problem(status: .unprocessableContent, code: "invalid_batch_size", detail: "send between 1 and 1000 events per upload")
        }
        guard Set(body.events.map(\.seq)).count == body.events.count else {
            throw Problem(status: .unprocessableContent, code: "duplicate_seq", detail: "each event of an upload needs its own seq")
        }
        return try Self.json(try await services.uploadParkingEvents(deviceID: body.deviceID, events: body.events, operatorCode: op))
    }

    @Sendable func getDevice(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let op = try readingOperator(request, context) else {
            throw Problem(status: .badRequest, code: "missing_operator", detail: "admin and finance keys add ?operator=CODE")
        }
        return try Self.json(try await services.device(id: context.parameters.get("device") ?? "", operatorCode: op))
    }

    @Sendable func tap(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.Tap.self, from: request, context: context)
        return try Self.render(try await services.tap(body.request, operatorCode: op))
    }

    /// Offline validator upload: each tap gets its own result; re-uploading changes nothing.
    @Sendable func tapBatch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.TapBatch.self, from: request, context: context)
        guard (1...1_000).contains(body.taps.count) else {
            throw Problem(status: .unprocessableContent, code: "invalid_batch_size", detail: "send between 1 and 1000 taps per upload")
        }
        var parts: [String] = []
        for (tap, outcome) in zip(body.taps, await services.taps(body.taps, operatorCode: op)) {
            let id = tap.id.lowercasedString
            switch outcome {
            case .success(let response):
                parts.append(#"{"id":"\#(id)","result":"\#(response.replayed ? "duplicate" : "ok")","status":\#(response.status),"tap":\#(response.body)}"#)
            case .failure(let error):
                let (status, code) = OperatorServices.classify(error)
                let detail = String(decoding: try JSONEncoder().encode("\(error)"), as: UTF8.self)
                parts.append(#"{"id":"\#(id)","result":"error","status":\#(status),"code":"\#(code)","detail":\#(detail)}"#)
            }
        }
        return Self.raw(status: .ok, body: #"{"results":[\#(parts.joined(separator: ","))]}"#, replayed: false)
    }

    @Sendable func buyPass(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.Pass.self, from: request, context: context)
        return try Self.render(try await services.buyPass(body.request, operatorCode: op))
    }

    @Sendable func registerRider(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.Rider.self, from: request, context: context)
        return try Self.render(try await services.registerRider(body.request, operatorCode: op))
    }

    @Sendable func denyList(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.DenyList.self, from: request, context: context)
        try await services.decideDenyList(token: body.token, deny: body.deny, reason: body.reason)
        return Self.raw(status: .created, body: #"{"action":"\#(body.deny ? "deny" : "allow")","token_type":"\#(body.token.type)"}"#, replayed: false)
    }

    @Sendable func payFee(_ request: Request, context: AppRequestContext) async throws -> Response {
        let op = try actingOperator(context)
        let body = try await StrictJSON.decode(OperatorDTO.FeePayment.self, from: request, context: context)
        let fee = FeePaymentRequest(id: body.id, feeCode: body.feeCode, payerName: body.payer.name, payerIDNumber: body.payer.idNumber,
                                    payment: body.payment, amount: body.amount, at: Int64(Date().timeIntervalSince1970))
        return try Self.render(try await services.payFee(fee, operatorCode: op))
    }

    // MARK: - Rendering

    static func render(_ response: OperationResponse) throws -> Response {
        raw(status: HTTPResponse.Status(code: response.status), body: response.body, replayed: response.replayed)
    }

    static func raw(status: HTTPResponse.Status, body: String, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if replayed, let name = HTTPField.Name("Idempotent-Replayed") { headers[name] = "true" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return raw(status: .ok, body: String(decoding: try encoder.encode(value), as: UTF8.self), replayed: false)
    }
}

struct SessionPage: Encodable {
    let items: [ParkingSessionView]
    let nextCursor: String?
    enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
}

/// Opaque cursor over (started_at, id).
enum SessionCursor {
    static func encode(_ position: (Int64, UUID)) -> String {
        Data("p:\(position.0):\(position.1.uuidString)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decode(_ text: String?) throws -> (Int64, UUID)? {
        guard let text, !text.isEmpty else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let parts = Data(base64Encoded: base64).flatMap { String(data: $0, encoding: .utf8) }?.split(separator: ":") ?? []
        guard parts.count == 3, parts[0] == "p", let at = Int64(parts[1]), let id = UUID(text: parts[2]) else {
            throw Problem(status: .badRequest, code: "invalid_cursor", detail: "the cursor is not one this API returned; start again without it")
        }
        return (at, id)
    }
}
