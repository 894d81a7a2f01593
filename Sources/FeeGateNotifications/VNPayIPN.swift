import FeeGateCore
import FeeGateCrypto
import Foundation

/// VNPAY payment-gateway IPN: a GET whose query carries `vnp_*` parameters and `vnp_SecureHash`.
///
/// Scheme (VNPAY API 2.1.0, as the `lehuygiang28/vnpay` SDK and VNPAY's samples compute it):
/// drop `vnp_SecureHash` and `vnp_SecureHashType`, drop empty values, sort by key, form-encode
/// (`application/x-www-form-urlencoded`: space → `+`, unreserved `*-._` and alphanumerics kept,
/// everything else `%XX` of the UTF-8 bytes), join with `&`, and take the hex HMAC-SHA512 under the
/// terminal's hash secret. The parameters are read from the raw query, not from a framework's
/// decoded dictionary; if VNPAY's own encoding of a value differs from that canonical form, the
/// pairs exactly as received (sorted) are tried as well. There is no timestamp window in the scheme.
public struct VNPayIPNVerifier: Sendable {
    private let hashSecret: [UInt8]

    /// - Parameter hashSecret: the terminal's `vnp_HashSecret`.
    public init(hashSecret: String) {
        self.hashSecret = Array(hashSecret.utf8)
    }

    /// Verifies `vnp_SecureHash` over the raw query string (with or without a leading `?`).
    public func verify(rawQuery: String) throws(NotificationError) -> BankNotification {
        let pairs = try Self.parseQuery(rawQuery)
        var values: [String: String] = [:]
        for pair in pairs {
            guard values.updateValue(pair.value, forKey: pair.key) == nil else {
                throw .malformedBody(provider: .vnpay, reason: "parameter \(pair.key) appears twice")
            }
        }
        guard let hash = values["vnp_SecureHash"], !hash.isEmpty else {
            throw .missingSignature(provider: .vnpay, location: "the vnp_SecureHash parameter")
        }
        if let hashType = values["vnp_SecureHashType"], !hashType.isEmpty, hashType.uppercased() != "HMACSHA512" {
            throw .unsupportedHashType(provider: .vnpay, hashType: hashType)
        }
        let received = try NotificationSupport.signatureBytes(hash, provider: .vnpay, expectedLength: 64)
        let signed = pairs
            .filter { $0.key != "vnp_SecureHash" && $0.key != "vnp_SecureHashType" && !$0.value.isEmpty }
            .sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
        let canonical = signed.map { Self.formEncode($0.key) + "=" + Self.formEncode($0.value) }.joined(separator: "&")
        let asReceived = signed.map { $0.rawKey + "=" + $0.rawValue }.joined(separator: "&")
        var matched = false
        for message in Set([canonical, asReceived]) {
            let expected = Digest.hmac(.sha512, key: hashSecret, message: Array(message.utf8))
            if Digest.constantTimeEquals(expected, received) { matched = true }
        }
        guard matched else { throw .signatureMismatch(provider: .vnpay) }
        return try notification(values, raw: rawQuery)
    }

    /// The canonical string VNPAY signs for these (decoded) parameters.
    public static func stringToSign(_ parameters: [(key: String, value: String)]) -> String {
        parameters
            .filter { $0.key != "vnp_SecureHash" && $0.key != "vnp_SecureHashType" && !$0.value.isEmpty }
            .sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            .map { formEncode($0.key) + "=" + formEncode($0.value) }
            .joined(separator: "&")
    }

    struct QueryPair {
        let key: String
        let value: String
        let rawKey: String
        let rawValue: String
    }

    static func parseQuery(_ rawQuery: String) throws(NotificationError) -> [QueryPair] {
        let query = rawQuery.hasPrefix("?") ? String(rawQuery.dropFirst()) : rawQuery
        var pairs: [QueryPair] = []
        for segment in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawKey = String(parts[0])
            let rawValue = parts.count > 1 ? String(parts[1]) : ""
            guard let key = formDecode(rawKey), let value = formDecode(rawValue) else {
                throw .malformedBody(provider: .vnpay, reason: "bad percent-encoding in \"\(segment)\"")
            }
            pairs.append(QueryPair(key: key, value: value, rawKey: rawKey, rawValue: rawValue))
        }
        return pairs
    }

    /// WHATWG `application/x-www-form-urlencoded` byte serialisation.
    static func formEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x20: out += "+"
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// `+` → space and `%XX` → byte; `nil` for a broken escape or bytes that are not UTF-8.
    static func formDecode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private func notification(_ values: [String: String], raw: String) throws(NotificationError) -> BankNotification {
        func required(_ key: String) throws(NotificationError) -> String {
            guard let value = values[key], !value.isEmpty else { throw .missingField(provider: .vnpay, field: key) }
            return value
        }
        let transactionNo = try required("vnp_TransactionNo")
        let amountText = try required("vnp_Amount")
        // vnp_Amount is VND × 100.
        guard amountText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let hundredths = Int64(amountText), hundredths % 100 == 0,
              Money(hundredths / 100).isValidAmount
        else {
            throw .invalidField(provider: .vnpay, field: "vnp_Amount", value: amountText,
                                reason: "must be a whole number of VND × 100")
        }
        let responseCode = try required("vnp_ResponseCode")
        let status = values["vnp_TransactionStatus"] ?? responseCode
        let succeeded = responseCode == "00" && status == "00"
        let payDate = nonEmpty(values["vnp_PayDate"])
        return BankNotification(
            provider: .vnpay,
            providerTransactionID: transactionNo,
            amount: Money(hundredths / 100),
            outcome: succeeded ? .credit : .failed(code: responseCode == "00" ? status : responseCode),
            content: values["vnp_OrderInfo"] ?? "",
            account: nonEmpty(values["vnp_TmnCode"]),
            virtualAccount: nil,
            orderReference: nonEmpty(values["vnp_TxnRef"]),
            bankReference: nonEmpty(values["vnp_BankTranNo"]),
            counterpartyAccount: nil,
            counterpartyName: nil,
            transactionTime: payDate,
            occurredAt: payDate.flatMap(VietnamTime.parse),
            raw: raw
        )
    }
}

/// The JSON body VNPAY expects in answer to an IPN: `{"RspCode":"..","Message":".."}`.
/// `00` and `02` acknowledge; VNPAY retries on the others — but answering `04` or `01` does not
/// undo a payment the customer already made, so the money must still be recorded.
public enum VNPayIPNResponse: String, Sendable, CaseIterable {
    case confirmSuccess = "00"
    case orderNotFound = "01"
    case orderAlreadyConfirmed = "02"
    case ipProhibited = "03"
    case invalidAmount = "04"
    case invalidChecksum = "97"
    case unknownError = "99"

    /// VNPAY's message text for the code.
    public var message: String {
        switch self {
        case .confirmSuccess: return "Confirm Success"
        case .orderNotFound: return "Order not found"
        case .orderAlreadyConfirmed: return "Order already confirmed"
        case .ipProhibited: return "IP prohibited"
        case .invalidAmount: return "Invalid amount"
        case .invalidChecksum: return "Invalid Checksum"
        case .unknownError: return "Unknown error"
        }
    }

    /// The response body.
    public var jsonBody: String { "{\"RspCode\":\"\(rawValue)\",\"Message\":\"\(message)\"}" }
}
