import FeeGateCore
import FeeGateCrypto
import Foundation

/// SePay bank-account webhooks (JSON POST; `id`, `gateway`, `transactionDate`, `accountNumber`,
/// `subAccount`, `code`, `content`, `transferType`, `description`, `transferAmount`,
/// `referenceCode`, `accumulated`).
///
/// Two authentication modes, as configured in SePay:
/// - API key: header `Authorization: Apikey <key>`.
/// - HMAC-SHA256: header `X-SePay-Signature: sha256=<hex>` over `"<X-SePay-Timestamp>.<raw body>"`,
///   and a timestamp no more than `tolerance` (SePay recommends 5 minutes) from now. SePay's page
///   confirms the mode, the timestamp header and the 5-minute rule; the exact string-to-sign and
///   the `sha256=` prefix come from public integrations (see vietqr-gateways.md §3.2).
public struct SePayWebhookVerifier: Sendable {
    /// How SePay authenticates its calls.
    public enum Authentication: Sendable {
        /// `Authorization: Apikey <key>`.
        case apiKey(String)
        /// HMAC-SHA256 with a shared secret and a timestamp window.
        case hmacSHA256(secret: String, tolerance: Duration = .seconds(300))
    }

    public static let authorizationHeader = "Authorization"
    public static let signatureHeader = "X-SePay-Signature"
    public static let timestampHeader = "X-SePay-Timestamp"

    private let authentication: Authentication

    public init(authentication: Authentication) {
        self.authentication = authentication
    }

    /// Authenticates the request and returns the normalised notification.
    /// - Parameters:
    ///   - rawBody: the body bytes exactly as received.
    ///   - authorization: the `Authorization` header (API-key mode).
    ///   - timestamp: the `X-SePay-Timestamp` header (HMAC mode), Unix seconds (milliseconds accepted).
    ///   - signature: the `X-SePay-Signature` header (HMAC mode).
    ///   - now: the current time.
    public func verify(
        rawBody: some Collection<UInt8>, authorization: String?, timestamp: String?, signature: String?, now: Date
    ) throws(NotificationError) -> BankNotification {
        let bytes = Array(rawBody)
        switch authentication {
        case .apiKey(let key):
            guard let authorization, !authorization.isEmpty else {
                throw .missingCredentials(provider: .sepay, header: Self.authorizationHeader)
            }
            let trimmed = authorization.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix("apikey ") else { throw .apiKeyMismatch(provider: .sepay) }
            let given = trimmed.dropFirst("apikey ".count).trimmingCharacters(in: .whitespaces)
            // Compare digests so that neither the key's content nor its length leaks through timing.
            guard Digest.constantTimeEquals(Digest.sha256(given), Digest.sha256(key)) else {
                throw .apiKeyMismatch(provider: .sepay)
            }
        case .hmacSHA256(let secret, let tolerance):
            guard let timestamp, !timestamp.isEmpty else {
                throw .missingCredentials(provider: .sepay, header: Self.timestampHeader)
            }
            guard let signature, !signature.isEmpty else {
                throw .missingSignature(provider: .sepay, location: "the \(Self.signatureHeader) header")
            }
            let trimmedStamp = timestamp.trimmingCharacters(in: .whitespaces)
            guard !trimmedStamp.isEmpty, trimmedStamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(trimmedStamp) else {
                throw .malformedSignature(provider: .sepay, reason: "\(Self.timestampHeader) \"\(timestamp)\" is not a Unix timestamp")
            }
            var hex = signature.trimmingCharacters(in: .whitespaces)
            if hex.lowercased().hasPrefix("sha256=") { hex = String(hex.dropFirst("sha256=".count)) }
            let received = try NotificationSupport.signatureBytes(hex, provider: .sepay, expectedLength: 32)
            let message = Array((trimmedStamp + ".").utf8) + bytes
            let expected = Digest.hmac(.sha256, key: Array(secret.utf8), message: message)
            guard Digest.constantTimeEquals(expected, received) else { throw .signatureMismatch(provider: .sepay) }
            // Unix seconds; a 13-digit value is taken as milliseconds.
            let (milliseconds, overflow) = value >= 1_000_000_000_000 ? (value, false) : value.multipliedReportingOverflow(by: 1000)
            guard !overflow else {
                throw .malformedSignature(provider: .sepay, reason: "\(Self.timestampHeader) \"\(timestamp)\" is out of range")
            }
            try NotificationSupport.checkWindow(timestampMilliseconds: milliseconds, now: now, tolerance: tolerance, provider: .sepay)
        }
        let body = try NotificationSupport.jsonObject(bytes, provider: .sepay)
        return try notification(body, raw: String(decoding: bytes, as: UTF8.self))
    }

    private func notification(_ body: RawJSON, raw: String) throws(NotificationError) -> BankNotification {
        let id = try NotificationSupport.requiredText(body, "id", provider: .sepay, path: "id")
        let (amount, negative) = try NotificationSupport.integerAmount(body["transferAmount"], provider: .sepay, field: "transferAmount")
        guard !negative else {
            throw .invalidField(provider: .sepay, field: "transferAmount", value: "-\(amount.vnd)", reason: "the direction is in transferType")
        }
        let outcome: BankNotification.Outcome
        switch NotificationSupport.text(body["transferType"]) {
        case "in": outcome = .credit
        case "out": outcome = .debit
        case let other:
            throw .invalidField(provider: .sepay, field: "transferType", value: other ?? "", reason: "must be \"in\" or \"out\"")
        }
        let time = nonEmpty(NotificationSupport.text(body["transactionDate"]))
        let content = nonEmpty(NotificationSupport.text(body["content"])) ?? NotificationSupport.text(body["description"]) ?? ""
        return BankNotification(
            provider: .sepay,
            providerTransactionID: id,
            amount: amount,
            outcome: outcome,
            content: content,
            account: nonEmpty(NotificationSupport.text(body["accountNumber"])),
            virtualAccount: nonEmpty(NotificationSupport.text(body["subAccount"])),
            orderReference: nonEmpty(NotificationSupport.text(body["code"])),
            bankReference: nonEmpty(NotificationSupport.text(body["referenceCode"])),
            counterpartyAccount: nil,
            counterpartyName: nil,
            transactionTime: time,
            occurredAt: time.flatMap(VietnamTime.parse),
            raw: raw
        )
    }
}
