/// A civil date-time in Vietnam (GMT+7, no daylight saving), as printed in e-invoice XML.
///
/// QĐ 1271/QĐ-CT Phần I: dates are `YYYY-MM-DD`, date-times `YYYY-MM-DDThh:mm:ss`, both in GMT+7 with no zone
/// suffix (einvoice-vn.md §2.1). Conversion from an instant is pure arithmetic (no `TimeZone`), so it is
/// deterministic on every host.
public struct VietnamTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int

    /// Vietnam's fixed offset from UTC in seconds (+07:00).
    public static let offsetSeconds: Int64 = 7 * 3600

    /// - Throws: ``InvoicingError/invalidField(field:value:rule:)`` for an impossible date or time.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) throws(InvoicingError) {
        let text = "\(year)-\(month)-\(day) \(hour):\(minute):\(second)"
        guard (1970...9999).contains(year), (1...12).contains(month),
              (1...VietnamTime.daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else {
            throw .invalidField(field: "date-time", value: text, rule: "not a valid calendar date and time (years 1970–9999)")
        }
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    /// The Vietnam civil time of an instant given as seconds since 1970-01-01T00:00:00Z.
    public init(unixSeconds: Int64) {
        let local = unixSeconds + VietnamTime.offsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondsOfDay = Int(local - days * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        month = Int(m)
        day = Int(d)
        hour = secondsOfDay / 3600
        minute = secondsOfDay / 60 % 60
        second = secondsOfDay % 60
    }

    /// The instant as seconds since 1970-01-01T00:00:00Z (inverse of ``init(unixSeconds:)``).
    public var unixSeconds: Int64 {
        // Howard Hinnant's days_from_civil.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - VietnamTime.offsetSeconds
    }

    /// Parses `YYYY-MM-DD` (time 00:00:00) or `YYYY-MM-DDThh:mm:ss`.
    public static func parse(_ text: String) throws(InvoicingError) -> VietnamTime {
        let chars = Array(text)
        func number(_ range: Range<Int>) -> Int? {
            let slice = chars[range]
            guard slice.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(String(slice))
        }
        let rule = "expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ss (GMT+7, no zone suffix)"
        guard chars.count == 10 || chars.count == 19, chars[4] == "-", chars[7] == "-",
              let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10)
        else { throw .invalidField(field: "date", value: text, rule: rule) }
        if chars.count == 10 { return try VietnamTime(year: y, month: mo, day: d) }
        guard chars[10] == "T", chars[13] == ":", chars[16] == ":",
              let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19)
        else { throw .invalidField(field: "date-time", value: text, rule: rule) }
        return try VietnamTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// `YYYY-MM-DD`.
    public var dateText: String { "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }
    /// `YYYY-MM-DDThh:mm:ss`.
    public var dateTimeText: String { "\(dateText)T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))" }
    /// The same day at 00:00:00.
    public var startOfDay: VietnamTime {
        // Components are already valid, so this cannot throw; fall back to self defensively.
        (try? VietnamTime(year: year, month: month, day: day)) ?? self
    }

    public var description: String { dateTimeText }

    public static func < (lhs: VietnamTime, rhs: VietnamTime) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute, lhs.second)
            < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute, rhs.second)
    }
}
