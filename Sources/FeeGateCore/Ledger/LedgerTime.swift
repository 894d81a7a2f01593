/// Conversions between ledger time (nanoseconds since the Unix epoch) and ISO 8601 text.
///
/// FeeGate prints times in Vietnam's civil time, GMT+7 (`Asia/Ho_Chi_Minh`, no daylight saving),
/// with an explicit offset, e.g. `2026-11-21T23:13:58.123+07:00`.
public enum LedgerTime {
    /// ISO 8601 with milliseconds and the given offset (default GMT+7), e.g. `2026-11-21T23:27:53.123+07:00`.
    /// Every transfer in an API answer carries one, so the digits are written straight into the string.
    /// Int64 nanoseconds cover 1677-09-21 to 2262-04-11, so the year always has four digits.
    public static func iso8601(nanoseconds: Int64, offsetSeconds: Int64 = VietnamCalendar.utcOffsetSeconds) -> String {
        let totalMillis = VietnamCalendar.floorDiv(nanoseconds, 1_000_000) + offsetSeconds * 1000
        let seconds = VietnamCalendar.floorDiv(totalMillis, 1000)
        let millis = totalMillis - seconds * 1000
        let days = VietnamCalendar.floorDiv(seconds, VietnamCalendar.secondsPerDay)
        let secondOfDay = seconds - days * VietnamCalendar.secondsPerDay
        let (y, m, d) = VietnamCalendar.civil(fromDays: days)
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
}
