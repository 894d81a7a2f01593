/// Conversions between ledger time (nanoseconds since the Unix epoch) and ISO 8601 text.
///
/// FeeGate prints times in Vietnam's civil time, GMT+7 (`Asia/Ho_Chi_Minh`, no daylight saving),
/// with an explicit offset, e.g. `2026-11-21T23:13:58.123+07:00`.
public enum LedgerTime {
    /// Vietnam's fixed offset from UTC, in seconds.
    public static let vietnamOffsetSeconds: Int64 = 7 * 3600

    /// ISO 8601 with milliseconds and the given offset (default GMT+7), e.g. `2026-11-21T23:27:53.123+07:00`.
    /// Every transfer in an API answer carries one, so the digits are written straight into the string.
    /// Int64 nanoseconds cover 1677-09-21 to 2262-04-11, so the year always has four digits.
    public static func iso8601(nanoseconds: Int64, offsetSeconds: Int64 = vietnamOffsetSeconds) -> String {
        let totalMillis = floorDiv(nanoseconds, 1_000_000) + offsetSeconds * 1000
        let seconds = floorDiv(totalMillis, 1000)
        let millis = totalMillis - seconds * 1000
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        let offsetMinutes = abs(offsetSeconds) / 60
        let fields: [(value: Int64, width: Int, after: UInt8?)] = [
            (y, 4, UInt8(ascii: "-")), (m, 2, UInt8(ascii: "-")), (d, 2, UInt8(ascii: "T")),
            (secondOfDay / 3600, 2, UInt8(ascii: ":")), (secondOfDay % 3600 / 60, 2, UInt8(ascii: ":")), (secondOfDay % 60, 2, UInt8(ascii: ".")),
            (millis, 3, offsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")), (offsetMinutes / 60, 2, UInt8(ascii: ":")), (offsetMinutes % 60, 2, nil),
        ]
        precondition(offsetMinutes < 100 * 60, "a UTC offset is less than 100 hours")
        return String(unsafeUninitializedCapacity: 29) { out in
            var at = 0
            for field in fields {
                var value = field.value
                for k in stride(from: field.width - 1, through: 0, by: -1) {
                    out[at + k] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                at += field.width
                if let separator = field.after {
                    out[at] = separator
                    at += 1
                }
            }
            return at
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
