import FeeGateCore
import FeeGateNotifications
import FeeGateStore
import FeeGateVietQR
import Foundation
import Hummingbird
import Logging

/// Bank-QR payments: intents (authenticated) and the providers' signed notifications (no bearer
/// key: each provider signs its requests, verified over the raw body or query).
struct PaymentsController {
    let store: GatewayStore
    let configuration: PaymentsConfiguration
    let processor: PaymentProcessor

    func addRoutes(authenticated v1: RouterGroup<AppRequestContext>, unauthenticated router: Router<AppRequestContext>) {
        v1.post("payments/qr", use: createIntent)
        v1.get("payments", use: listIntents)
        v1.get("payments/:id", use: getIntent)
        v1.post("payments/:id/resolve", use: resolveIntent)
        let notifications = router.group("v1/notifications")
        notifications.post("payos") { request, context in try await acknowledge(.payOS, request, context) }
        notifications.post("casso") { request, context in try await acknowledge(.casso, request, context) }
        notifications.post("sepay") { request, context in try await acknowledge(.sepay, request, context) }
        notifications.get("vnpay", use: vnpay)
    }

    // MARK: - Intents

    @Sendable func createIntent(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<PaymentsDTO.IntentCreated> {
        let principal = try context.require(.admin, .operator)
        let body = try await StrictJSON.decode(PaymentsDTO.CreateIntent.self, from: request, context: context)
        if principal.role == .operator && principal.operatorCode != body.operatorCode {
            throw Problem(status: .forbidden, code: "forbidden", detail: "an operator key creates payment intents only for its own operator")
        }
        let now = store.now()
        guard let expiresAt = Self.parseTimestamp(body.expiresAt) else {
            throw StrictJSON.field(
                .unprocessableContent, "invalid_field", [AnyKey("expires_at")], "'\(body.expiresAt)' is not an RFC 3339 time with an offset (e.g. 2026-11-21T08:15:00+07:00)")
        }
        guard expiresAt > now else {
            throw StrictJSON.field(.unprocessableContent, "invalid_expiry", [AnyKey("expires_at")], "expires_at must be in the future")
        }
        var clientReference: PaymentReference?
        if let text = body.reference {
            guard let parsed = PaymentReference(parsing: text) else {
                throw StrictJSON.field(
                    .unprocessableContent, "invalid_reference", [AnyKey("reference")],
                    "'\(text)' is not a FeeGate payment reference (FG + 6 symbols + check symbol, e.g. as returned by this endpoint); omit it to get one")
            }
            clientReference = parsed
        }
        let fingerprint = [
            body.operatorCode, String(body.amount), clientReference?.text ?? "-", body.purpose, String(expiresAt), body.vatRate.label, body.code.name,
        ].joined(separator: "\u{1F}")
        guard let account = configuration.operators[body.operatorCode]?.collectionAccount else {
            throw Problem(
                status: .unprocessableContent, code: "payments_not_configured",
                detail: "operator '\(body.operatorCode)' has no collection account in the payments configuration (feegate serve --payments-config)")
        }
        let (record, created) = try await PaymentIntentService(store: store, configuration: configuration).create(
            id: body.id, operatorCode: body.operatorCode, amount: body.amount, clientReference: clientReference, purpose: body.purpose,
            vatRate: body.vatRate, code: body.code, expiresAt: expiresAt, fingerprint: fingerprint, createdBy: principal.keyID, account: account)
        if created {
            context.logger.info(
                "payment intent created", metadata: ["feegate.intent_id": .string(body.id.lowercasedString), "feegate.amount": .stringConvertible(body.amount)])
        }
        return EditedResponse(status: created ? .created : .ok, response: PaymentsDTO.IntentCreated(record.intent))
    }

    /// `GET /v1/payments?status=&operator=&cursor=&limit=`: intents oldest first with their status now (finance,
    /// admin: all or `operator=`; operators: their own). The cursor counts intents examined, so pages stay stable
    /// while new intents are added at the end even when a status filter skips some.
    @Sendable func listIntents(_ request: Request, context: AppRequestContext) async throws -> PaymentsDTO.IntentPage {
        let principal = try context.require(.admin, .finance, .operator)
        let q = request.uri.queryParameters
        var status: PaymentIntentStatus?
        if let text = q.get("status") {
            guard let parsed = PaymentIntentStatus(rawValue: text) else {
                throw Problem(status: .badRequest, code: "invalid_field",
                              detail: "status must be one of \(PaymentIntentStatus.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'",
                              errors: [.init(pointer: "/status", detail: "unknown status")])
            }
            status = parsed
        }
        let operatorCode = principal.role == .operator ? principal.operatorCode : q.get("operator")
        let start = Int(try Cursor.decode(q.get("cursor")))
        let limit = try Cursor.limit(q.get("limit"))
        let now = store.now()
        let all = try await store.paymentIntents(operatorCode: operatorCode, now: now)
        var items: [PaymentsDTO.IntentSummary] = []
        var position = min(start, all.count)
        while position < all.count, items.count < limit {
            let record = all[position]
            position += 1
            if status == nil || record.state.effectiveStatus(of: record.intent, now: now) == status { items.append(.init(record, now: now)) }
        }
        return PaymentsDTO.IntentPage(items: items, nextCursor: Cursor.encode(Int64(position)))
    }

    @Sendable func getIntent(_ request: Request, context: AppRequestContext) async throws -> PaymentsDTO.IntentOutput {
        let principal = try context.require(.admin, .finance, .operator)
        let id = try LedgerController.uuidParameter(context)
        guard let record = try await store.paymentIntent(id: id), principal.role != .operator || record.intent.operatorCode == principal.operatorCode
        else { throw Problem.notFound("payment intent \(id.lowercasedString)") }
        return try await output(record)
    }

    @Sendable func resolveIntent(_ request: Request, context: AppRequestContext) async throws -> PaymentsDTO.IntentOutput {
        let principal = try context.require(.admin, .finance, .operator)
        let id = try LedgerController.uuidParameter(context)
        let body = try await StrictJSON.decode(PaymentsDTO.Resolve.self, from: request, context: context)
        let record = try await processor.resolve(
            intentID: id, resolution: body.action, actor: principal.keyID, visibleTo: principal.role == .operator ? principal.operatorCode : nil)
        context.logger.notice(
            "payment intent resolved", metadata: ["feegate.intent_id": .string(id.lowercasedString), "feegate.action": .string(body.action.rawValue)])
        return try await output(record)
    }

    private func output(_ record: PaymentIntentRecord) async throws -> PaymentsDTO.IntentOutput {
        let notifications = try await store.paymentNotifications(intentID: record.intent.id)
        let events = try await store.paymentIntentEvents(intentID: record.intent.id)
        return PaymentsDTO.IntentOutput(
            record, now: store.now(), notifications: notifications.map { PaymentsDTO.NotificationOutput($0.notification, outcome: $0.outcome) },
            events: events.map(PaymentsDTO.EventOutput.init))
    }

    /// The VietQR for an intent: 62/08 (the memo bank apps pre-fill) carries the reference, followed
    /// by the purpose folded to ASCII when both fit in 25 characters (otherwise the reference alone).
    static func payload(_ account: PaymentsConfiguration.CollectionAccount, amount: Int64, reference: PaymentReference, purpose: String) throws -> String {
        let memo = (try? ASCIIText.field("\(reference.text) \(purpose)", name: "purpose (62/08)", maximum: 25)) ?? reference.text
        let qr = VietQR(
            bin: account.bin, account: account.account, amount: Money(amount), additionalData: .init(purpose: memo), merchantName: account.merchantName)
        do {
            return try VietQRCodec.encode(qr)
        } catch {
            throw StrictJSON.field(.unprocessableContent, "invalid_amount", [AnyKey("amount")], "cannot be carried in a VietQR: \(error)")
        }
    }

    /// RFC 3339 with an offset (fractional seconds allowed) → ledger nanoseconds; `nil` outside
    /// 2000–2199 (nanoseconds since 1970 overflow `Int64` after 2262, and no intent lives that long).
    static func parseTimestamp(_ text: String) -> Int64? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard text.count >= 20, let date = plain.date(from: text) ?? fractional.date(from: text) else { return nil }
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= 946_684_800, seconds < 7_258_118_400 else { return nil }
        let milliseconds = ((date.timeIntervalSince1970 - seconds) * 1000).rounded()
        return Int64(seconds) * 1_000_000_000 + Int64(milliseconds) * 1_000_000
    }

    // MARK: - Notifications

    /// Verifies, stores (always, first) and processes one notification; returns the outcome.
    private func receive(_ provider: NotificationProvider, _ request: Request, _ context: AppRequestContext) async throws -> Received {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        var headers: [String: String] = [:]
        for field in request.headers where headers[field.name.canonicalName] == nil { headers[field.name.canonicalName] = field.value }
        let receivedAt = store.now()
        let raw = NotificationRequest(
            provider: provider, body: Array(buffer.readableBytesView), rawQuery: request.uri.query, headers: headers,
            now: Date(timeIntervalSince1970: Double(receivedAt) / 1_000_000_000))
        let verification = NotificationVerification.verify(raw, configuration: configuration)
        let stored: StoredNotification
        switch verification {
        case .success(let verified):
            let n = verified.notification
            let direction: String
            var failureCode: String?
            switch n.outcome {
            case .credit: direction = "credit"
            case .debit: direction = "debit"
            case .failed(let code):
                direction = "failed"
                failureCode = code
            }
            stored = StoredNotification(
                id: UUID(), provider: provider.rawValue, method: request.method.rawValue, rawQuery: raw.rawQuery, rawBody: Data(raw.body),
                headers: raw.storedHeaders, receivedAt: receivedAt, verified: true, verification: "ok", operatorCode: verified.operatorCode,
                providerTransactionID: n.providerTransactionID, direction: direction, failureCode: failureCode, amount: n.amount.vnd,
                content: n.content, orderReference: n.orderReference, transactionTime: n.transactionTime,
                occurredAt: n.occurredAt.flatMap { date in
                    let seconds = date.timeIntervalSince1970
                    return seconds > 0 && seconds < 7_258_118_400 ? Int64(seconds) * 1_000_000_000 : nil
                })
        case .failure(let rejection):
            stored = StoredNotification(
                id: UUID(), provider: provider.rawValue, method: request.method.rawValue, rawQuery: raw.rawQuery, rawBody: Data(raw.body),
                headers: raw.storedHeaders, receivedAt: receivedAt, verified: false, verification: rejection.reason)
        }
        // Store first: the raw request is durable before anything is decided.
        let recording = try await store.recordNotification(stored)
        var logger = context.logger
        logger[metadataKey: "feegate.provider"] = .string(provider.rawValue)
        logger[metadataKey: "feegate.notification_id"] = .string(stored.id.lowercasedString)
        if case .failure(let rejection) = verification {
            logger.warning("payment notification rejected", metadata: ["feegate.reason": .string(rejection.reason)])
            return .rejected(rejection)
        }
        switch recording {
        case .original:
            return .processed(stored, try await processor.process(notificationID: stored.id, logger: logger), duplicate: false)
        case .duplicate(let original, let outcome):
            logger.notice("duplicate payment notification acknowledged", metadata: ["feegate.duplicate_of": .string(original.id.lowercasedString)])
            // A first delivery that was stored but never processed (a crash) is finished now.
            if let outcome { return .processed(stored, outcome, duplicate: true) }
            return .processed(stored, try await processor.process(notificationID: original.id, logger: logger), duplicate: true)
        }
    }

    enum Received {
        case rejected(NotificationRejection)
        case processed(StoredNotification, StoredOutcome, duplicate: Bool)
    }

    /// payOS, Casso and SePay: 200 `{"success":true,…}` once stored and processed; 400 for an
    /// unreadable body, 401 for a bad signature or key (recorded, never processed).
    private func acknowledge(_ provider: NotificationProvider, _ request: Request, _ context: AppRequestContext) async throws -> PaymentsDTO.NotificationAck {
        switch try await receive(provider, request, context) {
        case .rejected(let rejection):
            switch rejection.kind {
            case .malformed: throw Problem(status: .badRequest, code: "malformed_notification", detail: rejection.reason)
            case .unauthenticated: throw Problem(status: .unauthorized, code: "invalid_signature", detail: rejection.reason)
            }
        case .processed(let stored, let outcome, let duplicate):
            return PaymentsDTO.NotificationAck(
                success: true, notificationID: stored.id.lowercasedString, duplicate: duplicate, outcome: outcome.outcome.rawValue,
                intentID: outcome.intentID?.lowercasedString)
        }
    }

    /// VNPAY IPN: always HTTP 200 with `{"RspCode","Message"}`. 97 for a bad checksum, 02 for a
    /// redelivery, 01 when no order matches, 04 for a wrong amount, 00 otherwise (including a failed
    /// payment, which is recorded), 99 when the request is unreadable or cannot be stored.
    @Sendable func vnpay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code: VNPayIPNResponse
        do {
            switch try await receive(.vnpay, request, context) {
            case .rejected(let rejection): code = rejection.kind == .malformed ? .unknownError : .invalidChecksum
            case .processed(_, _, duplicate: true): code = .orderAlreadyConfirmed
            case .processed(_, let outcome, duplicate: false):
                switch outcome.outcome {
                case .paid, .late, .failed, .ignored: code = .confirmSuccess
                case .unmatched: code = .orderNotFound
                case .underpaid, .overpaid: code = .invalidAmount
                }
            }
        } catch {
            context.logger.error("VNPAY IPN could not be stored or processed", metadata: ["error": "\(error)"])
            code = .unknownError
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: code.jsonBody)))
    }
}
