import FeeGateCore
import Foundation

// Wall-clock arithmetic for Hanoi (Asia/Ho_Chi_Minh): Vietnam has used a fixed GMT+7 offset with no daylight saving
// time since 1975, so all tariff arithmetic is plain integer arithmetic on seconds (``VietnamCalendar``): no
// `Calendar`, no time-zone database, and the same answer on every machine.

/// An instant, held as whole seconds since 1970-01-01T00:00:00Z and shown in Hanoi local time.
///
/// Encodes as an ISO 8601 string with the `+07:00` offset, e.g. `2025-07-01T08:00:00+07:00`.
public struct HanoiDateTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since the Unix epoch (UTC).
    public let epochSeconds: Int64

    public init(epochSeconds: Int64) { self.epochSeconds = epochSeconds }

    /// The instant of `date`, truncated to the whole second (tariffs never look below a second).
    public init(_ date: Date) {
        self.epochSeconds = Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// The instant at local `date` and `hour:minute:second` in Hanoi.
    public init(local date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let local = date.daysSinceEpoch * VietnamCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        self.epochSeconds = local - VietnamCalendar.utcOffsetSeconds
    }

    /// Seconds since 1970-01-01T00:00:00 *local* time; handy for splitting at local clock times.
    var localSeconds: Int64 { epochSeconds + VietnamCalendar.utcOffsetSeconds }

    /// The Hanoi calendar date of this instant.
    public var localDate: LocalDate {
        LocalDate(daysSinceEpoch: localSeconds.floorDiv(VietnamCalendar.secondsPerDay))
    }

    /// Seconds since local midnight, 0 ..< 86,400.
    public var secondOfDay: Int64 { localSeconds.floorMod(VietnamCalendar.secondsPerDay) }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(epochSeconds)) }

    public static func < (lhs: HanoiDateTime, rhs: HanoiDateTime) -> Bool { lhs.epochSeconds < rhs.epochSeconds }

    public func adding(seconds: Int64) -> HanoiDateTime { HanoiDateTime(epochSeconds: epochSeconds + seconds) }

    /// `2025-07-01T08:00:00+07:00`.
    public var iso8601: String {
        let s = secondOfDay
        return "\(localDate)T\(Self.two(s / 3600)):\(Self.two(s / 60 % 60)):\(Self.two(s % 60))+07:00"
    }

    /// `2025-07-01 08:00` (local), for human-readable output.
    public var shortLocal: String {
        let s = secondOfDay
        let base = "\(localDate) \(Self.two(s / 3600)):\(Self.two(s / 60 % 60))"
        return s % 60 == 0 ? base : base + ":\(Self.two(s % 60))"
    }

    public var description: String { iso8601 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = HanoiDateTime.parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 date-time, got '\(text)'")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Parses an ISO 8601 date-time: `YYYY-MM-DDTHH:MM[:SS]` followed by `Z`, `±HH:MM`, `±HHMM`,
    /// or nothing (then the time is taken as Hanoi local time). A space may replace the `T`.
    /// Fractional seconds are accepted and dropped. Returns `nil` for anything else.
    public static func parse(_ text: String) -> HanoiDateTime? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= chars.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let c = chars[index + offset]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            index += digits
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard index < chars.count, chars[index] == c else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2), let date = LocalDate(year: year, month: month, day: day)
        else { return nil }
        guard index < chars.count, chars[index] == UInt8(ascii: "T") || chars[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        guard let hour = number(2), hour < 24, expect(UInt8(ascii: ":")), let minute = number(2), minute < 60 else { return nil }
        var second = 0
        if expect(UInt8(ascii: ":")) {
            guard let s = number(2), s < 60 else { return nil }
            second = s
            if expect(UInt8(ascii: ".")) {
                let start = index
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
                guard index > start else { return nil }
            }
        }
        var offsetSeconds = VietnamCalendar.utcOffsetSeconds
        if index < chars.count {
            if expect(UInt8(ascii: "Z")) {
                offsetSeconds = 0
            } else {
                let sign: Int64
                if expect(UInt8(ascii: "+")) { sign = 1 } else if expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
                guard let oh = number(2), oh <= 14 else { return nil }
                _ = expect(UInt8(ascii: ":"))
                guard let om = number(2), om < 60 else { return nil }
                offsetSeconds = sign * Int64(oh * 3600 + om * 60)
            }
        }
        guard index == chars.count else { return nil }
        let wall = date.daysSinceEpoch * VietnamCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        return HanoiDateTime(epochSeconds: wall - offsetSeconds)
    }
}

/// A calendar date (proleptic Gregorian) with no time zone: tariff effective dates are Hanoi dates.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid date, or `nil` (e.g. 2025-02-29, month 13). Years 1..9999 only.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` exactly.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date `days` days after 1970-01-01 (negative = before).
    public init(daysSinceEpoch days: Int64) {
        let (y, m, d) = VietnamCalendar.civil(fromDays: days)
        self.year = Int(y)
        self.month = Int(m)
        self.day = Int(d)
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int64 { VietnamCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day)) }

    public func adding(days: Int64) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Local midnight at the start of this date.
    public var startInstant: HanoiDateTime { HanoiDateTime(local: self) }

    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int { Int(VietnamCalendar.daysIn(month: Int64(month), year: Int64(year))) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a date YYYY-MM-DD, got '\(text)'")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A local clock time `HH:MM` within a day, as minutes after midnight (0 ..< 1440).
public struct ClockTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let minutes: Int

    public init?(minutes: Int) {
        guard (0..<1440).contains(minutes) else { return nil }
        self.minutes = minutes
    }

    /// Parses `HH:MM` (24-hour clock).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        self.minutes = h * 60 + m
    }

    public var description: String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0\(h)" : "\(h)") + ":" + (m < 10 ? "0\(m)" : "\(m)")
    }

    public static func < (lhs: ClockTime, rhs: ClockTime) -> Bool { lhs.minutes < rhs.minutes }
}

extension Int64 {
    /// Division rounding towards negative infinity (Swift's `/` truncates towards zero).
    func floorDiv(_ divisor: Int64) -> Int64 { VietnamCalendar.floorDiv(self, divisor) }

    func floorMod(_ divisor: Int64) -> Int64 { self - floorDiv(divisor) * divisor }

    /// Division rounding up, for non-negative numerator and positive divisor ("per started unit").
    func ceilDiv(_ divisor: Int64) -> Int64 { (self + divisor - 1) / divisor }
}
