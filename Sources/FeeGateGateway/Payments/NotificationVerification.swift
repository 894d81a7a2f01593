import FeeGateNotifications
import Foundation

/// A notification whose signature verified under one operator's credentials.
struct VerifiedNotification: Sendable {
    let notification: BankNotification
    let operatorCode: String
}

/// Why a notification request was refused.
struct NotificationRejection: Error, Sendable {
    enum Kind: Sendable {
        /// The body or query cannot be read: 400.
        case malformed
        /// Bad, missing or unverifiable signature or credentials: 401.
        case unauthenticated
    }
    let kind: Kind
    let reason: String
}

/// The raw parts of a notification request that the verifiers need.
struct NotificationRequest: Sendable {
    let provider: NotificationProvider
    let body: [UInt8]
    let rawQuery: String?
    /// Lower-cased header names.
    let headers: [String: String]
    let now: Date

    /// The headers worth keeping with the raw body; credentials are redacted (only the scheme is kept).
    static let keptHeaders = [
        "content-type", "user-agent", "x-casso-signature", "x-sepay-signature", "x-sepay-timestamp", "authorization", "x-forwarded-for",
    ]

    /// The kept headers as a key-sorted JSON object.
    var storedHeaders: String {
        var kept: [String: String] = [:]
        for name in Self.keptHeaders {
            guard let value = headers[name] else { continue }
            if name == "authorization" {
                let scheme = value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
                kept[name] = "\(scheme) [redacted]"
            } else {
                kept[name] = value
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(kept)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Verifies a notification with the existing verifiers, trying each operator that has credentials
/// for the provider (in code order); the operator whose key verifies it is the one being paid.
enum NotificationVerification {
    static func verify(_ request: NotificationRequest, configuration: PaymentsConfiguration) -> Result<VerifiedNotification, NotificationRejection> {
        var firstError: NotificationError?
        var candidates = 0
        for code in configuration.operators.keys.sorted() {
            guard let settings = configuration.operators[code] else { continue }
            let attempt: Result<BankNotification, NotificationError>?
            switch request.provider {
            case .payOS:
                attempt = settings.payOSChecksumKey.map { key in
                    Result { () throws(NotificationError) in try PayOSWebhookVerifier(checksumKey: key).verify(rawBody: request.body) }
                }
            case .casso:
                attempt = settings.casso.map { casso in
                    Result { () throws(NotificationError) in
                        try CassoWebhookVerifier(checksumKey: casso.checksumKey, tolerance: casso.tolerance)
                            .verify(rawBody: request.body, signatureHeader: request.headers["x-casso-signature"], now: request.now)
                    }
                }
            case .vnpay:
                attempt = settings.vnpayHashSecret.map { secret in
                    Result { () throws(NotificationError) in try VNPayIPNVerifier(hashSecret: secret).verify(rawQuery: request.rawQuery ?? "") }
                }
            case .sepay:
                attempt = settings.sepay.map { authentication in
                    Result { () throws(NotificationError) in
                        try SePayWebhookVerifier(authentication: authentication).verify(
                            rawBody: request.body, authorization: request.headers["authorization"], timestamp: request.headers["x-sepay-timestamp"],
                            signature: request.headers["x-sepay-signature"], now: request.now)
                    }
                }
            }
            guard let attempt else { continue }
            candidates += 1
            switch attempt {
            case .success(let notification):
                return .success(VerifiedNotification(notification: notification, operatorCode: code))
            case .failure(let error):
                // A body that cannot be read is unreadable under every key.
                if Self.isMalformed(error) { return .failure(NotificationRejection(kind: .malformed, reason: error.description)) }
                if firstError == nil { firstError = error }
            }
        }
        guard candidates > 0, let firstError else {
            return .failure(
                NotificationRejection(
                    kind: .unauthenticated, reason: "\(request.provider.rawValue): no operator has \(request.provider.rawValue) credentials configured"))
        }
        return .failure(NotificationRejection(kind: .unauthenticated, reason: firstError.description))
    }

    static func isMalformed(_ error: NotificationError) -> Bool {
        switch error {
        case .malformedBody, .missingField, .invalidField: return true
        default: return false
        }
    }
}
