import Foundation

/// A business day in Hanoi time (GMT+7, no daylight saving): the unit of settlement.
///
/// Stored as the number of days since 1970-01-01 (Hanoi), so computing the day of a ledger timestamp
/// is two integer divisions; printed as `YYYY-MM-DD`.
public struct BusinessDay: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Days since 1970-01-01 in GMT+7.
    public let number: Int64

    public init(number: Int64) { self.number = number }

    /// Hanoi is UTC+7 all year.
    public static let utcOffsetSeconds: Int64 = 7 * 3_600

    /// The day of a Unix time in seconds.
    public init(epochSeconds: Int64) {
        let local = epochSeconds + Self.utcOffsetSeconds
        number = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    /// The day of a ledger timestamp (nanoseconds since the Unix epoch).
    public init(ledgerTimestamp: Int64) {
        let seconds = ledgerTimestamp >= 0 ? ledgerTimestamp / 1_000_000_000 : (ledgerTimestamp - 999_999_999) / 1_000_000_000
        self.init(epochSeconds: seconds)
    }

    /// Parses `YYYY-MM-DD` (a real calendar date), else `nil`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]), (1...12).contains(m), d >= 1,
            d <= Self.daysInMonth(year: y, month: m)
        else { return nil }
        number = Self.daysFromCivil(year: y, month: m, day: d)
    }

    /// The first instant of the day, as Unix seconds.
    public var startEpochSeconds: Int64 { number * 86_400 - Self.utcOffsetSeconds }
    /// The first instant of the next day, as Unix seconds.
    public var endEpochSeconds: Int64 { startEpochSeconds + 86_400 }

    public var next: BusinessDay { BusinessDay(number: number + 1) }

    public var description: String {
        let (y, m, d) = Self.civil(fromDays: number)
        return String(format: "%04lld-%02lld-%02lld", y, m, d)
    }

    public static func < (a: BusinessDay, b: BusinessDay) -> Bool { a.number < b.number }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = BusinessDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date YYYY-MM-DD: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
