import FeeGateCore
import Foundation

/// The payment intermediaries whose notifications FeeGate verifies.
public enum NotificationProvider: String, Sendable, Hashable, CaseIterable, Codable {
    case payOS = "payos"
    case casso
    case vnpay
    case sepay
}

/// A verified notification of money moving, normalised across providers.
///
/// Only produced after the provider's signature (or API key) has been verified over the raw
/// request. `providerTransactionID` is the idempotency key: the same transfer notified twice
/// carries the same value.
public struct BankNotification: Sendable, Hashable {
    /// What the notification says happened.
    public enum Outcome: Sendable, Hashable {
        /// Money came in.
        case credit
        /// Money went out (Casso and SePay also report outgoing transfers).
        case debit
        /// The provider reports a failed or cancelled payment, with its result code.
        case failed(code: String)
    }

    /// Who sent it.
    public let provider: NotificationProvider
    /// The provider's unique ID for this transaction (payOS `data.reference`, Casso `data.id`,
    /// VNPAY `vnp_TransactionNo`, SePay `id`).
    public let providerTransactionID: String
    /// Amount in VND, never negative; the direction is in `outcome`.
    public let amount: Money
    /// Credit, debit or failure.
    public let outcome: Outcome
    /// The transfer content / description the payer's bank carried: where the payment reference is.
    public let content: String
    /// The receiving account (VNPAY: the merchant terminal code `vnp_TmnCode`).
    public let account: String?
    /// The receiving virtual account, when the provider uses one.
    public let virtualAccount: String?
    /// The merchant's own order reference when the provider carries one (payOS `orderCode`,
    /// VNPAY `vnp_TxnRef`, SePay `code`).
    public let orderReference: String?
    /// The bank's transaction reference (payOS/Casso `reference`, SePay `referenceCode`, VNPAY `vnp_BankTranNo`).
    public let bankReference: String?
    /// The payer's account number and name when reported.
    public let counterpartyAccount: String?
    public let counterpartyName: String?
    /// The transaction time exactly as the provider wrote it (Vietnam local time).
    public let transactionTime: String?
    /// `transactionTime` as an instant (read as UTC+07:00), `nil` if it could not be read.
    public let occurredAt: Date?
    /// The raw body (or query string for VNPAY) as received.
    public let raw: String

    public init(
        provider: NotificationProvider, providerTransactionID: String, amount: Money, outcome: Outcome,
        content: String, account: String?, virtualAccount: String?, orderReference: String?,
        bankReference: String?, counterpartyAccount: String?, counterpartyName: String?,
        transactionTime: String?, occurredAt: Date?, raw: String
    ) {
        self.provider = provider
        self.providerTransactionID = providerTransactionID
        self.amount = amount
        self.outcome = outcome
        self.content = content
        self.account = account
        self.virtualAccount = virtualAccount
        self.orderReference = orderReference
        self.bankReference = bankReference
        self.counterpartyAccount = counterpartyAccount
        self.counterpartyName = counterpartyName
        self.transactionTime = transactionTime
        self.occurredAt = occurredAt
        self.raw = raw
    }
}

/// Why a notification was not accepted. Every case is a rejection: the request must be recorded
/// (store first) and answered as the provider expects, but never processed.
public enum NotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body or query cannot be read (not JSON, not UTF-8, wrong shape).
    case malformedBody(provider: NotificationProvider, reason: String)
    /// No signature where the scheme puts it.
    case missingSignature(provider: NotificationProvider, location: String)
    /// The signature is present but unreadable (bad header syntax, not hex).
    case malformedSignature(provider: NotificationProvider, reason: String)
    /// The signature does not match the raw request under the configured key.
    case signatureMismatch(provider: NotificationProvider)
    /// The signed timestamp is too far from now (replay or clock problem).
    case timestampOutsideWindow(provider: NotificationProvider, timestamp: Date, now: Date, toleranceSeconds: Int64)
    /// A field needed to build the notification is absent.
    case missingField(provider: NotificationProvider, field: String)
    /// A field has a value that cannot be used (non-integer amount, …).
    case invalidField(provider: NotificationProvider, field: String, value: String, reason: String)
    /// The required authentication header is absent.
    case missingCredentials(provider: NotificationProvider, header: String)
    /// The API key does not match.
    case apiKeyMismatch(provider: NotificationProvider)
    /// VNPAY `vnp_SecureHashType` names a hash other than HMAC-SHA512.
    case unsupportedHashType(provider: NotificationProvider, hashType: String)

    public var description: String {
        switch self {
        case .malformedBody(let provider, let reason):
            return "\(provider.rawValue): malformed notification: \(reason)"
        case .missingSignature(let provider, let location):
            return "\(provider.rawValue): no signature in \(location)"
        case .malformedSignature(let provider, let reason):
            return "\(provider.rawValue): unreadable signature: \(reason)"
        case .signatureMismatch(let provider):
            return "\(provider.rawValue): signature does not match (body altered, or the configured key is wrong)"
        case .timestampOutsideWindow(let provider, let timestamp, let now, let tolerance):
            let skew = Int64(now.timeIntervalSince(timestamp).rounded())
            return "\(provider.rawValue): signed timestamp is \(skew) s away from now; at most \(tolerance) s is accepted"
        case .missingField(let provider, let field):
            return "\(provider.rawValue): missing field \(field)"
        case .invalidField(let provider, let field, let value, let reason):
            return "\(provider.rawValue): invalid \(field) \"\(value)\": \(reason)"
        case .missingCredentials(let provider, let header):
            return "\(provider.rawValue): missing \(header) header"
        case .apiKeyMismatch(let provider):
            return "\(provider.rawValue): API key does not match"
        case .unsupportedHashType(let provider, let hashType):
            return "\(provider.rawValue): unsupported hash type \(hashType) (only HMAC-SHA512 is accepted)"
        }
    }
}
