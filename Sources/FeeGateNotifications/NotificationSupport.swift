import FeeGateCore
import FeeGateCrypto
import Foundation

/// Helpers shared by the provider verifiers.
enum NotificationSupport {
    /// Parses a JSON body that must be an object.
    static func jsonObject(_ body: [UInt8], provider: NotificationProvider) throws(NotificationError) -> RawJSON {
        let value: RawJSON
        do {
            value = try RawJSON.parse(body)
        } catch {
            throw .malformedBody(provider: provider, reason: "invalid JSON at byte \(error.offset): \(error.reason)")
        }
        guard case .object = value else { throw .malformedBody(provider: provider, reason: "the body is not a JSON object") }
        return value
    }

    /// Hex decoding of a received signature (either case).
    static func signatureBytes(_ hex: String, provider: NotificationProvider, expectedLength: Int) throws(NotificationError) -> [UInt8] {
        guard let bytes = Hex.decode(hex), bytes.count == expectedLength else {
            throw .malformedSignature(provider: provider, reason: "expected \(expectedLength * 2) hex digits")
        }
        return bytes
    }

    /// A string field; numbers are accepted as their literal text.
    static func text(_ value: RawJSON?) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let literal): return literal
        default: return nil
        }
    }

    /// A non-empty string or number field.
    static func requiredText(_ object: RawJSON, _ key: String, provider: NotificationProvider, path: String) throws(NotificationError) -> String {
        guard let text = text(object[key]), !text.isEmpty else { throw .missingField(provider: provider, field: path) }
        return text
    }

    /// An integer amount of VND from a JSON number (or numeric string) literal.
    /// Returns the magnitude and whether it was negative.
    static func integerAmount(_ value: RawJSON?, provider: NotificationProvider, field: String) throws(NotificationError) -> (Money, negative: Bool) {
        guard let literal = text(value) else { throw .missingField(provider: provider, field: field) }
        let negative = literal.hasPrefix("-")
        let digits = negative ? String(literal.dropFirst()) : literal
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let vnd = Int64(digits),
              Money(vnd).isValidAmount
        else {
            throw .invalidField(provider: provider, field: field, value: literal, reason: "an amount must be a whole number of VND")
        }
        return (Money(vnd), negative)
    }

    /// Checks `|now − timestamp| ≤ tolerance`.
    static func checkWindow(timestampMilliseconds: Int64, now: Date, tolerance: Duration?, provider: NotificationProvider) throws(NotificationError) {
        guard let tolerance else { return }
        let toleranceMilliseconds = tolerance.components.seconds * 1000 + tolerance.components.attoseconds / 1_000_000_000_000_000
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let (difference, overflow) = nowMilliseconds.subtractingReportingOverflow(timestampMilliseconds)
        guard !overflow, difference.magnitude <= UInt64(max(0, toleranceMilliseconds)) else {
            throw .timestampOutsideWindow(
                provider: provider,
                timestamp: Date(timeIntervalSince1970: Double(timestampMilliseconds) / 1000),
                now: now,
                toleranceSeconds: tolerance.components.seconds
            )
        }
    }
}

/// Vietnam local time (UTC+07:00, no daylight saving) as providers write it.
public enum VietnamTime {
    /// Reads `yyyy-MM-dd HH:mm:ss` (payOS, Casso, SePay) or `yyyyMMddHHmmss` (VNPAY) as an instant.
    public static func parse(_ text: String) -> Date? {
        let digits = text.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map { Int($0.value - 0x30) }
        let shapeOK: Bool
        switch text.utf8.count {
        case 14: shapeOK = digits.count == 14
        case 19:
            let chars = Array(text)
            shapeOK = digits.count == 14 && chars[4] == "-" && chars[7] == "-" && chars[10] == " " && chars[13] == ":" && chars[16] == ":"
        default: shapeOK = false
        }
        guard shapeOK else { return nil }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        let hour = number(8..<10), minute = number(10..<12), second = number(12..<14)
        guard VietnamCalendar.isValidDate(year: Int64(year), month: Int64(month), day: Int64(day)), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = VietnamCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * VietnamCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second) - VietnamCalendar.utcOffsetSeconds
        return Date(timeIntervalSince1970: Double(seconds))
    }
}
