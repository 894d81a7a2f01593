/// Vietnam's civil calendar as plain integer arithmetic: GMT+7 all year (no daylight saving since 1975) on the
/// proleptic Gregorian calendar.
///
/// The one home of the offset and of the day-number conversions that the ledger, settlement, tariffs, invoices,
/// bank notifications and statements use. No `Calendar` and no time-zone database: every host gives the same
/// answer. Day numbers count days since 1970-01-01 (negative before it).
public enum VietnamCalendar {
    /// Vietnam's fixed offset from UTC, in seconds (+07:00).
    public static let utcOffsetSeconds: Int64 = 7 * 3_600
    public static let secondsPerDay: Int64 = 86_400

    /// The day number of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). The date is not checked:
    /// see ``isValidDate(year:month:day:)``.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day number (Howard Hinnant's `civil_from_days`).
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The number of days in `month` (1–12) of `year`.
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether `year-month-day` is a real calendar date (any year).
    public static func isValidDate(year: Int64, month: Int64, day: Int64) -> Bool {
        (1...12).contains(month) && day >= 1 && day <= daysIn(month: month, year: year)
    }

    /// The Vietnam day number of an instant given as seconds since the Unix epoch.
    public static func day(epochSeconds: Int64) -> Int64 {
        floorDiv(epochSeconds + utcOffsetSeconds, secondsPerDay)
    }

    /// Division rounding toward negative infinity (instants before 1970 fall on the right day).
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
