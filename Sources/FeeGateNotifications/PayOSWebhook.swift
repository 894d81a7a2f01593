import FeeGateCore
import FeeGateCrypto
import Foundation

/// payOS payment webhooks: `{code, desc, success, data: {…}, signature}`.
///
/// Scheme (payOS SDKs `payos-lib-node` / `payos-lib-python`): `signature` is the lower-case hex
/// HMAC-SHA256, under the checksum key, of `data` only, rendered as `k=v` pairs joined by `&` in
/// ascending key order; `null` (and the strings "null"/"undefined") become empty; numbers keep their
/// literal text; strings are used verbatim (no URL encoding); arrays are `JSON.stringify` of their
/// elements with each element's keys sorted. There is no timestamp in the scheme.
public struct PayOSWebhookVerifier: Sendable {
    private let checksumKey: [UInt8]

    /// - Parameter checksumKey: the payment channel's checksum key from the payOS dashboard.
    public init(checksumKey: String) {
        self.checksumKey = Array(checksumKey.utf8)
    }

    /// Verifies the signature over the raw body and returns the normalised notification.
    public func verify(rawBody: some Collection<UInt8>) throws(NotificationError) -> BankNotification {
        let bytes = Array(rawBody)
        let body = try NotificationSupport.jsonObject(bytes, provider: .payOS)
        guard let data = body["data"], case .object = data else {
            throw .malformedBody(provider: .payOS, reason: "no \"data\" object")
        }
        guard case .string(let signatureHex)? = body["signature"], !signatureHex.isEmpty else {
            throw .missingSignature(provider: .payOS, location: "the body's \"signature\" field")
        }
        let received = try NotificationSupport.signatureBytes(signatureHex, provider: .payOS, expectedLength: 32)
        let expected = Digest.hmac(.sha256, key: checksumKey, message: Array(Self.stringToSign(data: data).utf8))
        guard Digest.constantTimeEquals(expected, received) else { throw .signatureMismatch(provider: .payOS) }
        return try notification(data: data, topLevel: body, raw: String(decoding: bytes, as: UTF8.self))
    }

    /// The exact text payOS signs for a `data` object.
    static func stringToSign(data: RawJSON) -> String {
        guard case .object(let members) = data else { return "" }
        return members
            .sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            .map { member in member.key + "=" + render(member.value) }
            .joined(separator: "&")
    }

    private static func render(_ value: RawJSON) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text == "null" || text == "undefined" ? "" : text
        case .number(let literal): return literal
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let elements):
            return "[" + elements.map { $0.serialized(keys: .sortedTopLevel, escaping: .javaScript) }.joined(separator: ",") + "]"
        case .object:
            return "[object Object]"  // JavaScript template-literal rendering, as the Node SDK signs it
        }
    }

    private func notification(data: RawJSON, topLevel: RawJSON, raw: String) throws(NotificationError) -> BankNotification {
        let reference = try NotificationSupport.requiredText(data, "reference", provider: .payOS, path: "data.reference")
        let (amount, negative) = try NotificationSupport.integerAmount(data["amount"], provider: .payOS, field: "data.amount")
        guard !negative else {
            throw .invalidField(provider: .payOS, field: "data.amount", value: "-\(amount.vnd)", reason: "a payment amount cannot be negative")
        }
        let code = NotificationSupport.text(data["code"]) ?? NotificationSupport.text(topLevel["code"]) ?? ""
        let time = nonEmpty(NotificationSupport.text(data["transactionDateTime"]))
        return BankNotification(
            provider: .payOS,
            providerTransactionID: reference,
            amount: amount,
            outcome: code == "00" ? .credit : .failed(code: code),
            content: NotificationSupport.text(data["description"]) ?? "",
            account: nonEmpty(NotificationSupport.text(data["accountNumber"])),
            virtualAccount: nonEmpty(NotificationSupport.text(data["virtualAccountNumber"])),
            orderReference: nonEmpty(NotificationSupport.text(data["orderCode"])),
            bankReference: reference,
            counterpartyAccount: nonEmpty(NotificationSupport.text(data["counterAccountNumber"])),
            counterpartyName: nonEmpty(NotificationSupport.text(data["counterAccountName"])),
            transactionTime: time,
            occurredAt: time.flatMap(VietnamTime.parse),
            raw: raw
        )
    }
}

func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
