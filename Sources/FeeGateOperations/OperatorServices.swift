import FeeGateCore
import FeeGateCrypto
import FeeGateStore
import FeeGateTariffs
import Foundation

/// What a payment-intent service (issue #5) returns when a sale is to be paid by bank QR.
public struct IssuedPaymentIntent: Sendable, Codable, Hashable {
    public let intentID: String
    public let reference: String
    public let vietqr: String
    public let expiresAt: String

    public init(intentID: String, reference: String, vietqr: String, expiresAt: String) {
        self.intentID = intentID
        self.reference = reference
        self.vietqr = vietqr
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey { case intentID = "intent_id", reference, vietqr, expiresAt = "expires_at" }
}

/// The seam to the bank-QR payment intents of issue #5: parking stops paid by QR create an intent
/// here; the intent's notification processing posts the money when it arrives.
public protocol PaymentIntentIssuer: Sendable {
    func issueIntent(
        id: UUID, operatorCode: String, amount: Money, vatRate: VATRate, code: TransferCode, purpose: String, expiresAt: Int64
    ) async throws -> IssuedPaymentIntent
}

/// The stored response of a money-moving request, replayed verbatim on retry.
public struct OperationResponse: Sendable, Equatable {
    public let status: Int
    public let body: String
    /// `true` when this is the stored response of an earlier identical request.
    public let replayed: Bool
}

/// The operator flows: parking sessions, bus taps, passes, rider registrations and public-fee
/// payments. Each flow quotes from the tariffs, posts to the ledger with ids derived from the
/// request, then records the request and its response, so retries are safe at every step.
public struct OperatorServices: Sendable {
    let store: GatewayStore
    let tariffs: TariffEngine
    let tokenKey: [UInt8]
    let payments: (any PaymentIntentIssuer)?
    public let documents: DocumentIssuer?
    let now: @Sendable () -> Int64
    /// A capped token's taps, one at a time (by token hash): its fare depends on what it paid today.
    let cappedTaps = KeyedSerialization<[UInt8]>()

    /// - Parameters:
    ///   - tokenKey: secret for the keyed hashes of token values (card numbers, CCCD): at least 32 bytes.
    ///   - payments: the bank-QR intent service, or `nil` where QR is not configured (QR stops then get 503).
    ///   - documents: issues e-invoices, e-tickets and receipts; `nil` (or an operator without a profile) → `document: null`.
    ///   - now: Unix seconds.
    public init(store: GatewayStore, tariffs: TariffEngine, tokenKey: [UInt8], payments: (any PaymentIntentIssuer)? = nil,
                documents: DocumentIssuer? = nil, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.tariffs = tariffs
        self.tokenKey = tokenKey
        self.payments = payments
        self.documents = documents
        self.now = now
    }

    /// Keyed hash of a token value: the only form in which FeeGate keeps card numbers and CCCD numbers.
    public func tokenHash(type: String, value: String) -> [UInt8] {
        Digest.hmac(.sha256, key: tokenKey, message: Array("\(type):\(value)".utf8))
    }

    // MARK: - Shared steps

    /// Hash of the request's canonical JSON (sorted keys), for idempotency.
    static func requestHash(_ request: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Digest.sha256(Array(try encoder.encode(request)))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A stored response for `id`: replay it if the body is the same, else a conflict.
    func replay(_ id: UUID, hash: [UInt8], conflict: String? = nil) async throws -> OperationResponse? {
        guard let existing = try await store.operation(id: id) else { return nil }
        return try replay(existing, hash: hash, conflict: conflict)
    }

    /// The stored answer of `existing` if this request is the same (same hash), else a conflict.
    func replay(_ existing: OperationRecord, hash: [UInt8], conflict: String? = nil) throws -> OperationResponse {
        guard existing.requestHash == hash else {
            throw OperationsError.conflict(conflict ?? "id \(existing.id.lowercasedString) was already used for a different \(existing.kind) request; use a new id")
        }
        return OperationResponse(status: existing.status, body: existing.response, replayed: true)
    }

    func response(_ outcome: RecordOutcome, status: Int, body: String) -> OperationResponse {
        switch outcome {
        case .recorded: return OperationResponse(status: status, body: body, replayed: false)
        case .replay(let stored): return OperationResponse(status: stored.status, body: stored.response, replayed: true)
        }
    }

    /// Posts the plan's transfers (if any) and records the request (``OperationWrite``) in one transaction: the
    /// response to send. A refused transfer is an error and records nothing; a same-id request that raced this one
    /// and won with another body is a conflict.
    func record(_ plan: Postings.Plan?, _ write: OperationWrite) async throws -> OperationResponse {
        if let plan { try await store.ensureAccounts(plan.accounts) }
        let posted: PostedRecord
        do {
            posted = try await store.postAndRecord(plan?.transfers ?? [], businessDay: plan?.businessDay, write)
        } catch let StoreError.conflict(message) {
            throw OperationsError.conflict(message)
        }
        switch posted {
        case .recorded(let stored): return OperationResponse(status: stored.status, body: stored.response, replayed: false)
        case .replay(let stored): return OperationResponse(status: stored.status, body: stored.response, replayed: true)
        case .rejected(let refused): throw OperationsError.ledgerRejected(result: refused.rawValue, detail: refused.explanation)
        }
    }

    static func at(_ seconds: Int64) -> String { HanoiDateTime(epochSeconds: seconds).iso8601 }
}

/// The priced part of a response, common to every flow.
public struct QuoteSummary: Codable, Sendable, Equatable {
    public let amount: Int64
    public let fundedBy: String
    public let referenceAmount: Int64
    public let vatRate: String
    public let amountBeforeVAT: Int64
    public let vatAmount: Int64
    public let tariffID: String
    public let tariffVersion: String
    public let capped: Bool
    public let lines: [Line]

    public struct Line: Codable, Sendable, Equatable {
        public let description: String
        public let amount: Int64
    }

    enum CodingKeys: String, CodingKey {
        case amount, fundedBy = "funded_by", referenceAmount = "reference_amount", vatRate = "vat_rate", amountBeforeVAT = "amount_before_vat"
        case vatAmount = "vat_amount", tariffID = "tariff_id", tariffVersion = "tariff_version", capped, lines
    }

    init(_ q: Quote) {
        amount = q.amount.vnd
        fundedBy = q.fundedBy
        referenceAmount = q.referenceAmount.vnd
        vatRate = q.vatRate.label
        amountBeforeVAT = q.amountBeforeVAT.vnd
        vatAmount = q.vatAmount.vnd
        tariffID = q.tariffId
        tariffVersion = q.tariffVersion
        capped = q.capped
        lines = q.lines.map { Line(description: $0.description, amount: $0.amount.vnd) }
    }
}

/// The reference to an issued document carried in flow responses.
public struct DocumentReference: Codable, Sendable, Equatable {
    public let id: String
    public let kind: String
    public let template: String
    public let series: String
    public let number: Int64
    public let authorityCode: String?

    enum CodingKeys: String, CodingKey { case id, kind, template, series, number, authorityCode = "authority_code" }

    public init(_ d: IssuedDocument) {
        id = d.id.lowercasedString
        kind = d.kind
        template = d.template
        series = d.series
        number = d.number
        authorityCode = d.authorityCode
    }
}
