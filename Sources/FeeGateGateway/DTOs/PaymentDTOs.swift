import FeeGateCore
import FeeGateStore
import Foundation
import Hummingbird

/// Wire formats of the payments API (see `openapi.json`).
enum PaymentsDTO {
    /// Transfer codes a payment intent may use for its revenue posting.
    static let revenueCodes: [TransferCode] = [.payment, .parkingFee, .busFare, .passSale, .publicFee]

    /// `POST /v1/payments/qr`.
    struct CreateIntent: Decodable {
        let id: UUID
        let operatorCode: String
        let amount: Int64
        let reference: String?
        let purpose: String
        let expiresAt: String
        let vatRate: VATRate
        let code: TransferCode

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, `operator`, amount, reference, purpose, expiresAt = "expires_at", vatRate = "vat_rate", code
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeUUID(forKey: .id)
            operatorCode = try c.decode(String.self, forKey: .operator)
            let amount = try c.decodeAmount(forKey: .amount, required: true) ?? 0
            guard amount > 0 else {
                throw StrictJSON.field(.unprocessableContent, "invalid_amount", c.codingPath + [CodingKeys.amount], "a payment intent needs an amount of at least 1 VND")
            }
            self.amount = amount
            reference = try c.decodeIfPresent(String.self, forKey: .reference)
            purpose = try c.decode(String.self, forKey: .purpose)
            guard !purpose.trimmingCharacters(in: .whitespaces).isEmpty, purpose.count <= 200 else {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.purpose], "purpose must be 1 to 200 characters")
            }
            expiresAt = try c.decode(String.self, forKey: .expiresAt)
            vatRate = try c.decodeIfPresent(VATRate.self, forKey: .vatRate) ?? .notSubject
            code = try c.decodeIfPresent(TransferCode.self, forKey: .code) ?? .payment
            guard PaymentsDTO.revenueCodes.contains(code) else {
                throw StrictJSON.field(
                    .unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.code],
                    "code must be one of \(PaymentsDTO.revenueCodes.map(\.name).joined(separator: ", "))")
            }
        }
    }

    /// The answer to an intent creation (the same body again for an identical retry).
    struct IntentCreated: ResponseEncodable {
        let intentID: String
        let status: String
        let vietqr: String
        let reference: String
        let amount: Int64
        let expiresAt: String
        let `operator`: String

        enum CodingKeys: String, CodingKey {
            case intentID = "intent_id", status, vietqr, reference, amount, expiresAt = "expires_at", `operator`
        }

        init(_ intent: PaymentIntent) {
            intentID = intent.id.lowercasedString
            status = PaymentIntentStatus.pending.rawValue
            vietqr = intent.vietQR
            reference = intent.reference
            amount = intent.amount.vnd
            expiresAt = LedgerTime.iso8601(nanoseconds: intent.expiresAt)
            self.operator = intent.operatorCode
        }
    }

    /// `POST /v1/payments/{id}/resolve`.
    struct Resolve: Decodable {
        let action: PaymentPostingRules.Resolution

        enum CodingKeys: String, CodingKey, CaseIterable { case action }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let raw = try c.decode(String.self, forKey: .action)
            guard let action = PaymentPostingRules.Resolution(rawValue: raw) else {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.action], "action must be accept or refund")
            }
            self.action = action
        }
    }

    /// `GET /v1/payments/{id}`.
    struct IntentOutput: ResponseEncodable {
        let intentID: String
        let `operator`: String
        let status: String
        let amount: Int64
        let paid: Int64
        let lateAmount: Int64
        let reference: String
        let purpose: String
        let vatRate: String
        let code: String
        let vietqr: String
        let expiresAt: String
        let createdAt: String
        let updatedAt: String
        let notifications: [NotificationOutput]
        let events: [EventOutput]

        enum CodingKeys: String, CodingKey {
            case intentID = "intent_id", `operator`, status, amount, paid, lateAmount = "late_amount", reference, purpose
            case vatRate = "vat_rate", code, vietqr, expiresAt = "expires_at", createdAt = "created_at", updatedAt = "updated_at"
            case notifications, events
        }

        init(_ record: PaymentIntentRecord, now: Int64, notifications: [NotificationOutput], events: [EventOutput]) {
            let intent = record.intent
            intentID = intent.id.lowercasedString
            self.operator = intent.operatorCode
            status = record.state.effectiveStatus(of: intent, now: now).rawValue
            amount = intent.amount.vnd
            paid = record.state.paid.vnd
            lateAmount = record.lateTotal
            reference = intent.reference
            purpose = intent.purpose
            vatRate = intent.vatRate.label
            code = intent.code.name
            vietqr = intent.vietQR
            expiresAt = LedgerTime.iso8601(nanoseconds: intent.expiresAt)
            createdAt = LedgerTime.iso8601(nanoseconds: intent.createdAt)
            updatedAt = LedgerTime.iso8601(nanoseconds: record.updatedAt)
            self.notifications = notifications
            self.events = events
        }
    }

    /// An intent in a list: its status now and amounts (the notifications and events are on `GET /v1/payments/{id}`).
    struct IntentSummary: Encodable {
        let intentID: String, `operator`: String, status: String, amount: Int64, paid: Int64, lateAmount: Int64, reference: String, purpose: String
        let expiresAt: String, createdAt: String, updatedAt: String

        enum CodingKeys: String, CodingKey {
            case intentID = "intent_id", `operator`, status, amount, paid, lateAmount = "late_amount", reference, purpose
            case expiresAt = "expires_at", createdAt = "created_at", updatedAt = "updated_at"
        }

        init(_ record: PaymentIntentRecord, now: Int64) {
            let intent = record.intent
            intentID = intent.id.lowercasedString
            self.operator = intent.operatorCode
            status = record.state.effectiveStatus(of: intent, now: now).rawValue
            amount = intent.amount.vnd
            paid = record.state.paid.vnd
            lateAmount = record.lateTotal
            reference = intent.reference
            purpose = intent.purpose
            expiresAt = LedgerTime.iso8601(nanoseconds: intent.expiresAt)
            createdAt = LedgerTime.iso8601(nanoseconds: intent.createdAt)
            updatedAt = LedgerTime.iso8601(nanoseconds: record.updatedAt)
        }
    }

    struct IntentPage: ResponseEncodable {
        let items: [IntentSummary]
        let nextCursor: String
        enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
    }

    /// One delivery of a notification linked to an intent.
    struct NotificationOutput: Encodable {
        let id: String
        let provider: String
        let providerTransactionID: String?
        let receivedAt: String
        let duplicate: Bool
        let duplicateOf: String?
        let amount: Int64?
        let content: String?
        let transactionTime: String?
        let outcome: String?
        let detail: String?
        let transferIDs: [String]

        enum CodingKeys: String, CodingKey {
            case id, provider, providerTransactionID = "provider_transaction_id", receivedAt = "received_at", duplicate
            case duplicateOf = "duplicate_of", amount, content, transactionTime = "transaction_time", outcome, detail
            case transferIDs = "transfer_ids"
        }

        init(_ n: StoredNotification, outcome: StoredOutcome?) {
            id = n.id.lowercasedString
            provider = n.provider
            providerTransactionID = n.providerTransactionID
            receivedAt = LedgerTime.iso8601(nanoseconds: n.receivedAt)
            duplicate = n.duplicateOf != nil
            duplicateOf = n.duplicateOf?.lowercasedString
            amount = n.amount
            content = n.content
            transactionTime = n.transactionTime
            self.outcome = outcome?.outcome.rawValue
            detail = outcome?.detail
            // The postings belong to the first delivery; a redelivery moved nothing.
            transferIDs = n.duplicateOf == nil ? (outcome?.transferIDs ?? []).map { $0.lowercasedString } : []
        }
    }

    /// One status change.
    struct EventOutput: Encodable {
        let status: String
        let paid: Int64
        let at: String
        let notificationID: String?
        let action: String?
        let detail: String
        let transferIDs: [String]

        enum CodingKeys: String, CodingKey {
            case status, paid, at, notificationID = "notification_id", action, detail, transferIDs = "transfer_ids"
        }

        init(_ e: PaymentIntentEvent) {
            status = e.status.rawValue
            paid = e.paid
            at = LedgerTime.iso8601(nanoseconds: e.at)
            notificationID = e.notificationID?.lowercasedString
            action = e.action
            detail = e.detail
            transferIDs = e.transferIDs.map { $0.lowercasedString }
        }
    }

    /// The acknowledgement of a notification (payOS, Casso, SePay).
    struct NotificationAck: ResponseEncodable {
        let success: Bool
        let notificationID: String
        let duplicate: Bool
        let outcome: String
        let intentID: String?

        enum CodingKeys: String, CodingKey {
            case success, notificationID = "notification_id", duplicate, outcome, intentID = "intent_id"
        }
    }
}
