import FeeGateCore

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
        let days = VietnamCalendar.day(epochSeconds: unixSeconds)
        let secondsOfDay = Int(unixSeconds + VietnamCalendar.utcOffsetSeconds - days * VietnamCalendar.secondsPerDay)
        let (y, m, d) = VietnamCalendar.civil(fromDays: days)
        year = Int(y)
        month = Int(m)
        day = Int(d)
        hour = secondsOfDay / 3600
        minute = secondsOfDay / 60 % 60
        second = secondsOfDay % 60
    }

    /// The instant as seconds since 1970-01-01T00:00:00Z (inverse of ``init(unixSeconds:)``).
    public var unixSeconds: Int64 {
        VietnamCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day)) * VietnamCalendar.secondsPerDay
            + Int64(hour * 3600 + minute * 60 + second) - VietnamCalendar.utcOffsetSeconds
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

    static func daysIn(month: Int, year: Int) -> Int { Int(VietnamCalendar.daysIn(month: Int64(month), year: Int64(year))) }

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
