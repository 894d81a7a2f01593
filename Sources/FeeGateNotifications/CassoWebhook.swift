import FeeGateCore
import FeeGateCrypto
import Foundation

/// Casso webhook V2: `{"error": 0, "data": {…}}` with header `X-Casso-Signature: t=<ms>,v1=<hex>`.
///
/// Scheme (CassoHQ/casso-webhook-v2-verify-signature): `v1` is the lower-case hex HMAC-SHA512,
/// under the webhook's checksum key, of `t + "." + JSON(body)` where the whole body is serialised
/// compactly with object keys sorted A→Z at every level. Casso's own samples disagree on escaping
/// non-ASCII text (JavaScript keeps it, Python's default escapes it as `\uXXXX`), so both renderings
/// of the same raw body are accepted. `t` is the signing time in milliseconds; requests further than
/// `tolerance` from now are refused (Casso documents no window; 5 minutes is FeeGate's choice and can
/// be widened or disabled per configuration).
public struct CassoWebhookVerifier: Sendable {
    /// The header carrying the signature.
    public static let signatureHeader = "X-Casso-Signature"

    private let checksumKey: [UInt8]
    private let tolerance: Duration?

    /// - Parameters:
    ///   - checksumKey: the "Key bảo mật" of the Webhook V2 integration.
    ///   - tolerance: the largest accepted distance between `t` and now; `nil` disables the check.
    public init(checksumKey: String, tolerance: Duration? = .seconds(300)) {
        self.checksumKey = Array(checksumKey.utf8)
        self.tolerance = tolerance
    }

    /// Verifies the signature over the raw body and returns the normalised notification.
    public func verify(rawBody: some Collection<UInt8>, signatureHeader: String?, now: Date) throws(NotificationError) -> BankNotification {
        guard let signatureHeader, !signatureHeader.isEmpty else {
            throw .missingSignature(provider: .casso, location: "the \(Self.signatureHeader) header")
        }
        let (timestamp, signatures) = try Self.parseHeader(signatureHeader)
        let bytes = Array(rawBody)
        let body = try NotificationSupport.jsonObject(bytes, provider: .casso)
        let received = try signatures.map { (hex: String) throws(NotificationError) -> [UInt8] in
            try NotificationSupport.signatureBytes(hex, provider: .casso, expectedLength: 64)
        }
        var matched = false
        for escaping in [RawJSON.Escaping.javaScript, .asciiOnly] {
            let message = timestamp + "." + body.serialized(keys: .sortedThroughObjects, escaping: escaping)
            let expected = Digest.hmac(.sha512, key: checksumKey, message: Array(message.utf8))
            for candidate in received where Digest.constantTimeEquals(expected, candidate) { matched = true }
        }
        guard matched else { throw .signatureMismatch(provider: .casso) }
        guard let milliseconds = Int64(timestamp) else {
            throw .malformedSignature(provider: .casso, reason: "t=\(timestamp) is not a millisecond timestamp")
        }
        try NotificationSupport.checkWindow(timestampMilliseconds: milliseconds, now: now, tolerance: tolerance, provider: .casso)
        return try notification(body: body, raw: String(decoding: bytes, as: UTF8.self))
    }

    /// `t=<digits>,v1=<hex>[,v1=<hex>…]`; unknown keys are ignored.
    static func parseHeader(_ header: String) throws(NotificationError) -> (timestamp: String, signatures: [String]) {
        var timestamp: String?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else {
                throw .malformedSignature(provider: .casso, reason: "\"\(part)\" is not key=value")
            }
            switch pair[0] {
            case "t": timestamp = pair[1]
            case "v1": signatures.append(pair[1])
            default: continue
            }
        }
        guard let timestamp, !timestamp.isEmpty, timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformedSignature(provider: .casso, reason: "no numeric t= timestamp")
        }
        guard !signatures.isEmpty else { throw .malformedSignature(provider: .casso, reason: "no v1= signature") }
        return (timestamp, signatures)
    }

    private func notification(body: RawJSON, raw: String) throws(NotificationError) -> BankNotification {
        guard let data = body["data"], case .object = data else {
            throw .malformedBody(provider: .casso, reason: "\"data\" must be an object (Casso webhook V2)")
        }
        let id = try NotificationSupport.requiredText(data, "id", provider: .casso, path: "data.id")
        let (amount, negative) = try NotificationSupport.integerAmount(data["amount"], provider: .casso, field: "data.amount")
        let time = nonEmpty(NotificationSupport.text(data["transactionDateTime"]))
        return BankNotification(
            provider: .casso,
            providerTransactionID: id,
            amount: amount,
            outcome: negative ? .debit : .credit,
            content: NotificationSupport.text(data["description"]) ?? "",
            account: nonEmpty(NotificationSupport.text(data["accountNumber"])),
            virtualAccount: nonEmpty(NotificationSupport.text(data["virtualAccountNumber"])),
            orderReference: nil,
            bankReference: nonEmpty(NotificationSupport.text(data["reference"])),
            counterpartyAccount: nonEmpty(NotificationSupport.text(data["counterAccountNumber"])),
            counterpartyName: nonEmpty(NotificationSupport.text(data["counterAccountName"])),
            transactionTime: time,
            occurredAt: time.flatMap(VietnamTime.parse),
            raw: raw
        )
    }
}
