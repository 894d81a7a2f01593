import Foundation

/// A business day in Hanoi time (GMT+7, no daylight saving): the unit of settlement.
///
/// Stored as the number of days since 1970-01-01 (Hanoi), so computing the day of a ledger timestamp
/// is two integer divisions; printed as `YYYY-MM-DD`.
public struct BusinessDay: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Days since 1970-01-01 in GMT+7.
    public let number: Int64

    public init(number: Int64) { self.number = number }

    /// The day of a Unix time in seconds.
    public init(epochSeconds: Int64) {
        number = VietnamCalendar.day(epochSeconds: epochSeconds)
    }

    /// The day of a ledger timestamp (nanoseconds since the Unix epoch).
    public init(ledgerTimestamp: Int64) {
        self.init(epochSeconds: VietnamCalendar.floorDiv(ledgerTimestamp, 1_000_000_000))
    }

    /// Parses `YYYY-MM-DD` (a real calendar date), else `nil`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]), VietnamCalendar.isValidDate(year: y, month: m, day: d)
        else { return nil }
        number = VietnamCalendar.days(year: y, month: m, day: d)
    }

    /// The first instant of the day, as Unix seconds.
    public var startEpochSeconds: Int64 { number * VietnamCalendar.secondsPerDay - VietnamCalendar.utcOffsetSeconds }
    /// The first instant of the next day, as Unix seconds.
    public var endEpochSeconds: Int64 { startEpochSeconds + VietnamCalendar.secondsPerDay }

    public var next: BusinessDay { BusinessDay(number: number + 1) }

    public var description: String {
        let (y, m, d) = VietnamCalendar.civil(fromDays: number)
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
}
