import FeeGateCore
import Foundation
import GRDB

/// A bank notification as received and stored (before any processing), with the fields its
/// verification produced. Rejected requests carry only the raw parts and the reason.
public struct StoredNotification: Sendable, Hashable {
    public let id: UUID
    /// `payos`, `casso`, `vnpay`, `sepay`.
    public let provider: String
    /// `GET` or `POST`.
    public let method: String
    public let rawQuery: String?
    public let rawBody: Data
    /// Selected request headers as a JSON object (credentials redacted).
    public let headers: String
    public let receivedAt: Int64
    public let verified: Bool
    /// `ok`, or why the request was rejected.
    public let verification: String
    /// The operator whose credentials verified it.
    public let operatorCode: String?
    public let providerTransactionID: String?
    /// For a redelivery: the id of the first delivery of the same provider transaction.
    public let duplicateOf: UUID?
    /// `credit`, `debit` or `failed`.
    public let direction: String?
    public let failureCode: String?
    public let amount: Int64?
    public let content: String?
    public let orderReference: String?
    public let transactionTime: String?
    /// The provider's transaction time as ledger nanoseconds, when it could be read.
    public let occurredAt: Int64?

    public init(
        id: UUID, provider: String, method: String, rawQuery: String?, rawBody: Data, headers: String, receivedAt: Int64,
        verified: Bool, verification: String, operatorCode: String? = nil, providerTransactionID: String? = nil,
        duplicateOf: UUID? = nil, direction: String? = nil, failureCode: String? = nil, amount: Int64? = nil,
        content: String? = nil, orderReference: String? = nil, transactionTime: String? = nil, occurredAt: Int64? = nil
    ) {
        self.id = id
        self.provider = provider
        self.method = method
        self.rawQuery = rawQuery
        self.rawBody = rawBody
        self.headers = headers
        self.receivedAt = receivedAt
        self.verified = verified
        self.verification = verification
        self.operatorCode = operatorCode
        self.providerTransactionID = providerTransactionID
        self.duplicateOf = duplicateOf
        self.direction = direction
        self.failureCode = failureCode
        self.amount = amount
        self.content = content
        self.orderReference = orderReference
        self.transactionTime = transactionTime
        self.occurredAt = occurredAt
    }

    /// The same notification recorded as a redelivery of `original`.
    func asDuplicate(of original: UUID) -> StoredNotification {
        StoredNotification(
            id: id, provider: provider, method: method, rawQuery: rawQuery, rawBody: rawBody, headers: headers, receivedAt: receivedAt,
            verified: verified, verification: verification, operatorCode: operatorCode, providerTransactionID: providerTransactionID,
            duplicateOf: original, direction: direction, failureCode: failureCode, amount: amount, content: content,
            orderReference: orderReference, transactionTime: transactionTime, occurredAt: occurredAt)
    }
}

/// The one result of processing an original notification.
public struct StoredOutcome: Sendable, Hashable {
    public let notificationID: UUID
    public let outcome: PaymentOutcome
    public let intentID: UUID?
    public let operatorCode: String?
    public let amount: Int64
    public let transferIDs: [UUID]
    public let detail: String
    public let processedAt: Int64

    public init(
        notificationID: UUID, outcome: PaymentOutcome, intentID: UUID?, operatorCode: String?, amount: Int64, transferIDs: [UUID],
        detail: String, processedAt: Int64
    ) {
        self.notificationID = notificationID
        self.outcome = outcome
        self.intentID = intentID
        self.operatorCode = operatorCode
        self.amount = amount
        self.transferIDs = transferIDs
        self.detail = detail
        self.processedAt = processedAt
    }
}

/// A change of an intent's status (caused by a notification or by a person's resolution).
public struct PaymentIntentEvent: Sendable, Hashable {
    public let intentID: UUID
    public let status: PaymentIntentStatus
    public let paid: Int64
    public let notificationID: UUID?
    /// For a resolution: `accept` or `refund`.
    public let action: String?
    /// For a resolution: the API key id of the person.
    public let actor: String?
    public let transferIDs: [UUID]
    public let detail: String
    public let at: Int64

    public init(
        intentID: UUID, status: PaymentIntentStatus, paid: Int64, notificationID: UUID?, action: String?, actor: String?,
        transferIDs: [UUID], detail: String, at: Int64
    ) {
        self.intentID = intentID
        self.status = status
        self.paid = paid
        self.notificationID = notificationID
        self.action = action
        self.actor = actor
        self.transferIDs = transferIDs
        self.detail = detail
        self.at = at
    }
}

/// An intent with its current state.
public struct PaymentIntentRecord: Sendable, Hashable {
    public let intent: PaymentIntent
    public let state: PaymentIntentState
    /// Money received after expiry and held as refund liability.
    public let lateTotal: Int64
    /// When the state last changed (ledger ns), or the creation time.
    public let updatedAt: Int64
    /// The API key id that created it.
    public let createdBy: String?
}

/// What happened to an intent creation request.
public enum PaymentIntentCreation: Sendable {
    case created(PaymentIntentRecord)
    /// The id exists; `sameRequest` tells whether the stored request equals this one.
    case existing(PaymentIntentRecord, sameRequest: Bool)
    /// Another intent already uses the reference.
    case referenceTaken
}

/// What recording a notification found.
public enum NotificationRecording: Sendable {
    /// The first delivery (or a rejected request).
    case original
    /// A redelivery of `original`; `outcome` is `nil` if the original was never processed (e.g. a crash).
    case duplicate(original: StoredNotification, outcome: StoredOutcome?)
}

extension GatewayStore {
    /// The store's clock (ledger nanoseconds since the Unix epoch).
    public func now() -> Int64 { clock() }

    // MARK: - Intents

    /// Creates an intent unless its id exists (then returns the stored one) or its reference is taken.
    /// `fingerprint` is a canonical rendering of the request, compared on retries.
    public func createPaymentIntent(_ intent: PaymentIntent, fingerprint: String, createdBy: String?) async throws -> PaymentIntentCreation {
        try await mapErrors {
            try await writer.write { db in
                if let existing = try PaymentRows.intentRecord(db, whereSQL: "i.id = ?", [intent.id.blob]) {
                    let stored = try String.fetchOne(db, sql: "SELECT fingerprint FROM payment_intent WHERE id = ?", arguments: [intent.id.blob])
                    return .existing(existing, sameRequest: stored == fingerprint)
                }
                if try Int.fetchOne(db, sql: "SELECT 1 FROM payment_intent WHERE reference = ?", arguments: [intent.reference]) != nil {
                    return .referenceTaken
                }
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM operator WHERE code = ?", arguments: [intent.operatorCode]) != nil else {
                    throw StoreError.notFound("operator '\(intent.operatorCode)' does not exist")
                }
                try db.execute(
                    sql: """
                        INSERT INTO payment_intent (id, operator_code, amount, reference, purpose, vat_rate, code, expires_at, vietqr,
                                                    fingerprint, created_by, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        intent.id.blob, intent.operatorCode, intent.amount.vnd, intent.reference, intent.purpose, intent.vatRate.label,
                        Int64(intent.code.rawValue), intent.expiresAt, intent.vietQR, fingerprint, createdBy, intent.createdAt,
                    ])
                return .created(
                    PaymentIntentRecord(intent: intent, state: PaymentIntentState(), lateTotal: 0, updatedAt: intent.createdAt, createdBy: createdBy))
            }
        }
    }

    /// One intent with its state, or `nil`.
    public func paymentIntent(id: UUID) async throws -> PaymentIntentRecord? {
        try await mapErrors { try await writer.read { db in try PaymentRows.intentRecord(db, whereSQL: "i.id = ?", [id.blob]) } }
    }

    /// The intent carrying `reference`, or `nil`.
    public func paymentIntent(reference: String) async throws -> PaymentIntentRecord? {
        try await mapErrors { try await writer.read { db in try PaymentRows.intentRecord(db, whereSQL: "i.reference = ?", [reference]) } }
    }

    /// Intents, oldest first, optionally one operator's and only those whose status at `now` is `status`.
    public func paymentIntents(status: PaymentIntentStatus? = nil, operatorCode: String? = nil, now: Int64) async throws -> [PaymentIntentRecord] {
        try await mapErrors {
            try await writer.read { db in
                let rows =
                    operatorCode == nil
                    ? try PaymentRows.intentRecords(db, whereSQL: "1", [])
                    : try PaymentRows.intentRecords(db, whereSQL: "i.operator_code = ?", [operatorCode])
                guard let status else { return rows }
                return rows.filter { $0.state.effectiveStatus(of: $0.intent, now: now) == status }
            }
        }
    }

    /// An intent's status changes, oldest first.
    public func paymentIntentEvents(intentID: UUID) async throws -> [PaymentIntentEvent] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM payment_intent_event WHERE intent_id = ? ORDER BY seq", arguments: [intentID.blob])
                    .map(PaymentRows.event)
            }
        }
    }

    // MARK: - Notifications

    /// Stores a notification exactly as received, before any processing. A verified notification
    /// whose provider transaction id was seen before is stored as a redelivery of the first one.
    public func recordNotification(_ notification: StoredNotification) async throws -> NotificationRecording {
        try await mapErrors {
            try await writer.write { db in
                var row = notification
                var result = NotificationRecording.original
                if notification.verified, let txn = notification.providerTransactionID,
                    let original = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT * FROM payment_notification
                            WHERE provider = ? AND provider_transaction_id = ? AND verified = 1 AND duplicate_of IS NULL
                            """,
                        arguments: [notification.provider, txn]
                    ).map(PaymentRows.notification)
                {
                    row = notification.asDuplicate(of: original.id)
                    result = .duplicate(original: original, outcome: try PaymentRows.outcome(db, notificationID: original.id))
                }
                try PaymentRows.insert(row, db)
                return result
            }
        }
    }

    /// How many notification requests were stored: all, rejected (bad signature or body), redeliveries.
    public func paymentNotificationCounts() async throws -> (received: Int, rejected: Int, duplicates: Int) {
        try await mapErrors {
            try await writer.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) AS total, COALESCE(SUM(verified = 0), 0) AS rejected,
                               COALESCE(SUM(duplicate_of IS NOT NULL), 0) AS duplicates
                        FROM payment_notification
                        """)
                return (received: row?["total"] ?? 0, rejected: row?["rejected"] ?? 0, duplicates: row?["duplicates"] ?? 0)
            }
        }
    }

    /// One stored notification, or `nil`.
    public func paymentNotification(id: UUID) async throws -> StoredNotification? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM payment_notification WHERE id = ?", arguments: [id.blob]).map(PaymentRows.notification)
            }
        }
    }

    /// Verified first deliveries that have no outcome yet (a crash between storing and processing).
    public func unprocessedNotificationIDs(limit: Int = 100) async throws -> [UUID] {
        try await mapErrors {
            try await writer.read { db in
                try Data.fetchAll(
                    db,
                    sql: """
                        SELECT n.id FROM payment_notification n
                        WHERE n.verified = 1 AND n.duplicate_of IS NULL
                          AND NOT EXISTS (SELECT 1 FROM payment_outcome o WHERE o.notification_id = n.id)
                        ORDER BY n.seq LIMIT ?
                        """,
                    arguments: [limit]
                ).compactMap { UUID(bytes: $0) }
            }
        }
    }

    /// The outcome of an original notification, or `nil` if it has not been processed.
    public func paymentOutcome(notificationID: UUID) async throws -> StoredOutcome? {
        try await mapErrors { try await writer.read { db in try PaymentRows.outcome(db, notificationID: notificationID) } }
    }

    /// Records the outcome of a notification and, in the same transaction, the intent's new status.
    /// If the notification already has an outcome, nothing is written and the stored one is returned.
    public func recordPaymentOutcome(_ outcome: StoredOutcome, event: PaymentIntentEvent?) async throws -> StoredOutcome {
        try await mapErrors {
            try await writer.write { db in
                if let existing = try PaymentRows.outcome(db, notificationID: outcome.notificationID) { return existing }
                try db.execute(
                    sql: """
                        INSERT INTO payment_outcome (notification_id, outcome, intent_id, operator_code, amount, transfer_ids, detail, processed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        outcome.notificationID.blob, outcome.outcome.rawValue, outcome.intentID?.blob, outcome.operatorCode, outcome.amount,
                        PaymentRows.ids(outcome.transferIDs), outcome.detail, outcome.processedAt,
                    ])
                if let event { try PaymentRows.insert(event, db) }
                return outcome
            }
        }
    }

    /// Records a person's resolution of an intent, provided its status is still `expected`
    /// (otherwise a `conflict`: someone or something changed it first).
    public func recordPaymentResolution(_ event: PaymentIntentEvent, expecting expected: PaymentIntentStatus) async throws {
        try await mapErrors {
            try await writer.write { db in
                let current = try String.fetchOne(
                    db, sql: "SELECT status FROM payment_intent_event WHERE intent_id = ? ORDER BY seq DESC LIMIT 1", arguments: [event.intentID.blob])
                guard (current ?? PaymentIntentStatus.pending.rawValue) == expected.rawValue else {
                    throw StoreError.conflict("the payment intent is now \(current ?? "pending"), not \(expected.rawValue); reload it")
                }
                try PaymentRows.insert(event, db)
            }
        }
    }

    /// Every notification linked to an intent (first deliveries that matched it and their
    /// redeliveries), oldest first, each with its outcome.
    public func paymentNotifications(intentID: UUID) async throws -> [(notification: StoredNotification, outcome: StoredOutcome?)] {
        try await mapErrors {
            try await writer.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT n.* FROM payment_notification n
                        WHERE n.id IN (SELECT notification_id FROM payment_outcome WHERE intent_id = ?)
                           OR n.duplicate_of IN (SELECT notification_id FROM payment_outcome WHERE intent_id = ?)
                        ORDER BY n.seq
                        """,
                    arguments: [intentID.blob, intentID.blob])
                return try rows.map { row in
                    let n = try PaymentRows.notification(row)
                    return (n, try PaymentRows.outcome(db, notificationID: n.duplicateOf ?? n.id))
                }
            }
        }
    }

    /// Notifications whose outcome is `unmatched` (money in suspense), oldest first.
    public func unmatchedPayments() async throws -> [(notification: StoredNotification, outcome: StoredOutcome)] {
        try await mapErrors {
            try await writer.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT n.* FROM payment_outcome o JOIN payment_notification n ON n.id = o.notification_id
                        WHERE o.outcome = 'unmatched' ORDER BY o.seq
                        """)
                return try rows.compactMap { row in
                    let n = try PaymentRows.notification(row)
                    guard let outcome = try PaymentRows.outcome(db, notificationID: n.id) else { return nil }
                    return (n, outcome)
                }
            }
        }
    }
}

/// SQL and row decoding of the payment tables, kept together.
enum PaymentRows {
    static func ids(_ ids: [UUID]) -> String { ids.map { $0.lowercasedString }.joined(separator: ",") }
    /// The ids `ids(_:)` wrote. An unreadable one means the row was altered outside FeeGate: refused, never skipped
    /// (a skipped id would hide a transfer from the payment's history).
    static func parseIDs(_ text: String) throws -> [UUID] {
        try text.split(separator: ",").map { part in
            guard let id = UUID(text: part) else { throw StoreError.database("unreadable transfer id '\(part)' in a payment row's transfer_ids") }
            return id
        }
    }

    private static let intentSelect = """
        SELECT i.*,
               e.status AS event_status, e.paid AS event_paid, e.at AS event_at,
               (SELECT COALESCE(SUM(o.amount), 0) FROM payment_outcome o WHERE o.intent_id = i.id AND o.outcome = 'late') AS late_total
        FROM payment_intent i
        LEFT JOIN payment_intent_event e ON e.seq = (SELECT MAX(seq) FROM payment_intent_event WHERE intent_id = i.id)
        """

    static func intentRecord(_ db: Database, whereSQL: String, _ arguments: StatementArguments) throws -> PaymentIntentRecord? {
        try Row.fetchOne(db, sql: "\(intentSelect) WHERE \(whereSQL)", arguments: arguments).map(intentRecord)
    }

    static func intentRecords(_ db: Database, whereSQL: String, _ arguments: StatementArguments) throws -> [PaymentIntentRecord] {
        try Row.fetchAll(db, sql: "\(intentSelect) WHERE \(whereSQL) ORDER BY i.seq", arguments: arguments).map(intentRecord)
    }

    static func intentRecord(_ row: Row) throws -> PaymentIntentRecord {
        let label: String = row["vat_rate"]
        let rawCode: UInt16 = row["code"]
        guard let rate = VATRate(label: label), let code = TransferCode(rawValue: rawCode) else {
            throw StoreError.database("payment intent with unreadable VAT rate \(label) or code \(rawCode)")
        }
        let intent = PaymentIntent(
            id: try LedgerRows.uuid(row, "id"), operatorCode: row["operator_code"], amount: Money(row["amount"]), reference: row["reference"],
            purpose: row["purpose"], vatRate: rate, code: code, expiresAt: row["expires_at"], vietQR: row["vietqr"], createdAt: row["created_at"])
        var state = PaymentIntentState()
        if let status = (row["event_status"] as String?).flatMap(PaymentIntentStatus.init(rawValue:)) {
            state = PaymentIntentState(status: status, paid: Money(row["event_paid"]))
        }
        return PaymentIntentRecord(
            intent: intent, state: state, lateTotal: row["late_total"], updatedAt: (row["event_at"] as Int64?) ?? intent.createdAt,
            createdBy: row["created_by"])
    }

    static func notification(_ row: Row) throws -> StoredNotification {
        StoredNotification(
            id: try LedgerRows.uuid(row, "id"), provider: row["provider"], method: row["method"], rawQuery: row["raw_query"],
            rawBody: row["raw_body"], headers: row["headers"], receivedAt: row["received_at"], verified: (row["verified"] as Int64) == 1,
            verification: row["verification"], operatorCode: row["operator_code"], providerTransactionID: row["provider_transaction_id"],
            duplicateOf: (row["duplicate_of"] as Data?).flatMap { UUID(bytes: $0) }, direction: row["direction"],
            failureCode: row["failure_code"], amount: row["amount"], content: row["content"], orderReference: row["order_reference"],
            transactionTime: row["transaction_time"], occurredAt: row["occurred_at"])
    }

    static func insert(_ n: StoredNotification, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO payment_notification (id, provider, method, raw_query, raw_body, headers, received_at, verified, verification,
                    operator_code, provider_transaction_id, duplicate_of, direction, failure_code, amount, content, order_reference,
                    transaction_time, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                n.id.blob, n.provider, n.method, n.rawQuery, n.rawBody, n.headers, n.receivedAt, n.verified ? 1 : 0, n.verification,
                n.operatorCode, n.providerTransactionID, n.duplicateOf?.blob, n.direction, n.failureCode, n.amount, n.content,
                n.orderReference, n.transactionTime, n.occurredAt,
            ])
    }

    static func outcome(_ db: Database, notificationID: UUID) throws -> StoredOutcome? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM payment_outcome WHERE notification_id = ?", arguments: [notificationID.blob])
        else { return nil }
        let raw: String = row["outcome"]
        guard let outcome = PaymentOutcome(rawValue: raw) else { throw StoreError.database("unknown payment outcome \(raw)") }
        return StoredOutcome(
            notificationID: notificationID, outcome: outcome, intentID: (row["intent_id"] as Data?).flatMap { UUID(bytes: $0) },
            operatorCode: row["operator_code"], amount: row["amount"], transferIDs: try parseIDs(row["transfer_ids"]), detail: row["detail"],
            processedAt: row["processed_at"])
    }

    static func event(_ row: Row) throws -> PaymentIntentEvent {
        let raw: String = row["status"]
        guard let status = PaymentIntentStatus(rawValue: raw) else { throw StoreError.database("unknown payment intent status \(raw)") }
        return PaymentIntentEvent(
            intentID: try LedgerRows.uuid(row, "intent_id"), status: status, paid: row["paid"],
            notificationID: (row["notification_id"] as Data?).flatMap { UUID(bytes: $0) }, action: row["action"], actor: row["actor"],
            transferIDs: try parseIDs(row["transfer_ids"]), detail: row["detail"], at: row["at"])
    }

    static func insert(_ e: PaymentIntentEvent, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO payment_intent_event (intent_id, status, paid, notification_id, action, actor, transfer_ids, detail, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                e.intentID.blob, e.status.rawValue, e.paid, e.notificationID?.blob, e.action, e.actor, ids(e.transferIDs), e.detail, e.at,
            ])
    }
}
