import FeeGateCore
import Foundation
import Testing

/// The one calendar every module uses, checked against Foundation's Gregorian calendar and the time-zone database
/// (`Asia/Ho_Chi_Minh`), an independent implementation.
@Suite("Vietnam calendar")
struct VietnamCalendarTests {
    static var utc: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }

    /// Foundation's Gregorian calendar switches to Julian before 1582-10-15, so the comparison starts in 1583.
    @Test func dayNumbersMatchFoundationBothWays() {
        let calendar = Self.utc
        let first = VietnamCalendar.days(year: 1583, month: 1, day: 1)
        var generator = SystemRandomNumberGenerator()
        var samples = Array(first...(first + 800)) + Array(-800...800) + Array(20_000...21_500)
        samples += (0..<5_000).map { _ in Int64.random(in: first...2_932_896, using: &generator) }  // up to 9999-12-31
        for n in samples {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(n * 86_400)))
            let (y, m, d) = VietnamCalendar.civil(fromDays: n)
            #expect((Int(y), Int(m), Int(d)) == (parts.year!, parts.month!, parts.day!), "day \(n)")
            #expect(VietnamCalendar.days(year: y, month: m, day: d) == n)
        }
    }

    @Test func monthLengthsAndValidDatesMatchFoundation() {
        let calendar = Self.utc
        for year in [1900, 1999, 2000, 2023, 2024, 2025, 2100, 2400] {
            for month in 1...12 {
                let date = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
                let length = calendar.range(of: .day, in: .month, for: date)!.count
                #expect(VietnamCalendar.daysIn(month: Int64(month), year: Int64(year)) == Int64(length), "\(year)-\(month)")
                #expect(VietnamCalendar.isValidDate(year: Int64(year), month: Int64(month), day: Int64(length)))
                #expect(!VietnamCalendar.isValidDate(year: Int64(year), month: Int64(month), day: Int64(length) + 1))
            }
        }
        #expect(!VietnamCalendar.isValidDate(year: 2025, month: 13, day: 1))
        #expect(!VietnamCalendar.isValidDate(year: 2025, month: 1, day: 0))
    }

    /// The local day of an instant equals the tz database's Asia/Ho_Chi_Minh date (GMT+7 since 1975), around midnight too.
    @Test func localDayMatchesTheTimeZoneDatabase() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Ho_Chi_Minh"))
        var instants: [Int64] = [1_795_194_000 - 1, 1_795_194_000, 1_795_194_000 + 1]  // 2026-11-21 00:00 in Hanoi ± 1 s
        var generator = SystemRandomNumberGenerator()
        instants += (0..<3_000).map { _ in Int64.random(in: 220_000_000...4_102_444_800, using: &generator) }  // 1976 … 2100
        for t in instants {
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(t)))
            let (y, m, d) = VietnamCalendar.civil(fromDays: VietnamCalendar.day(epochSeconds: t))
            #expect((Int(y), Int(m), Int(d)) == (parts.year!, parts.month!, parts.day!), "instant \(t)")
        }
        #expect(VietnamCalendar.day(epochSeconds: -1) == 0)  // 1969-12-31T23:59:59Z is 1970-01-01 06:59:59 in Hanoi
        #expect(VietnamCalendar.day(epochSeconds: -25_201) == -1)
    }
}
