import FeeGateCore
import FeeGateOperations
import FeeGateStore
import FeeGateVietQR
import Foundation
import HTTPTypes

/// Creates payment intents: one path for `POST /v1/payments/qr` and for parking stops paid by QR.
public struct PaymentIntentService: PaymentIntentIssuer {
    let store: GatewayStore
    let configuration: PaymentsConfiguration

    public init(store: GatewayStore, configuration: PaymentsConfiguration) {
        self.store = store
        self.configuration = configuration
    }

    /// Stores a new intent with a fresh check-protected reference (or the client's), or returns the
    /// existing one for a retry with the same fields (`created: false`); different fields → 409.
    func create(
        id: UUID, operatorCode: String, amount: Int64, clientReference: PaymentReference?, purpose: String, vatRate: VATRate, code: TransferCode,
        expiresAt: Int64, fingerprint: String, createdBy: String?, account: PaymentsConfiguration.CollectionAccount
    ) async throws -> (record: PaymentIntentRecord, created: Bool) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let reference = clientReference ?? PaymentReference.generate(using: &generator)
            let intent = PaymentIntent(
                id: id, operatorCode: operatorCode, amount: Money(amount), reference: reference.text, purpose: purpose, vatRate: vatRate, code: code,
                expiresAt: expiresAt, vietQR: try PaymentsController.payload(account, amount: amount, reference: reference, purpose: purpose),
                createdAt: store.now())
            switch try await store.createPaymentIntent(intent, fingerprint: fingerprint, createdBy: createdBy) {
            case .created(let record):
                return (record, true)
            case .existing(let record, let same):
                guard same else {
                    throw Problem(
                        status: .conflict, code: "idempotency_conflict",
                        detail: "payment intent \(id.lowercasedString) already exists with different fields; a new intent needs a new id")
                }
                return (record, false)
            case .referenceTaken:
                if clientReference != nil {
                    throw Problem(status: .conflict, code: "reference_taken", detail: "reference \(reference.text) is already used by another payment intent")
                }
            }
        }
        throw Problem(status: .serviceUnavailable, code: "storage_unavailable", detail: "no free payment reference was found; retry with the same id")
    }

    /// The seam of the operator flows: a parking stop paid by QR becomes an intent with the stop's
    /// session id, so retrying the stop finds the same intent.
    public func issueIntent(
        id: UUID, operatorCode: String, amount: Money, vatRate: VATRate, code: TransferCode, purpose: String, expiresAt: Int64
    ) async throws -> IssuedPaymentIntent {
        guard let account = configuration.operators[operatorCode]?.collectionAccount else {
            throw OperationsError.unavailable("operator \(operatorCode) has no collection account in the payments configuration (feegate serve --payments-config)")
        }
        let expires = expiresAt * 1_000_000_000
        let fingerprint = [operatorCode, String(amount.vnd), "-", purpose, String(expires), vatRate.label, code.name].joined(separator: "\u{1F}")
        let (record, _) = try await create(
            id: id, operatorCode: operatorCode, amount: amount.vnd, clientReference: nil, purpose: purpose, vatRate: vatRate, code: code,
            expiresAt: expires, fingerprint: fingerprint, createdBy: nil, account: account)
        return IssuedPaymentIntent(
            intentID: record.intent.id.lowercasedString, reference: record.intent.reference, vietqr: record.intent.vietQR,
            expiresAt: LedgerTime.iso8601(nanoseconds: record.intent.expiresAt))
    }
}
