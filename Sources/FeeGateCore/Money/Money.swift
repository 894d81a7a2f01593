/// An amount of Vietnamese đồng (VND), the only currency FeeGate handles.
///
/// VND has no minor unit in use (ISO 4217 exponent 0), so one `Money` unit is one đồng. Amounts are
/// integers end to end: there is no floating point anywhere near money in FeeGate. Arithmetic is
/// checked; an overflow is an error, never a silent wrap.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in đồng. May be negative only for balances and differences, never for a price.
    public let vnd: Int64

    /// The largest amount FeeGate accepts in a single price, transfer or document: 10^15 VND
    /// (one quadrillion đồng), far beyond any real fee yet small enough that sums of many stay in `Int64`.
    public static let maximum = Money(1_000_000_000_000_000)
    public static let zero = Money(0)

    public init(_ vnd: Int64) { self.vnd = vnd }

    public init(from decoder: any Decoder) throws {
        self.vnd = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(vnd)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.vnd < rhs.vnd }

    /// `true` when the amount is a valid price or transfer amount: 0 ... 10^15.
    public var isValidAmount: Bool { vnd >= 0 && vnd <= Money.maximum.vnd }

    /// Checked addition; `nil` on `Int64` overflow.
    public func adding(_ other: Money) -> Money? {
        let (sum, overflow) = vnd.addingReportingOverflow(other.vnd)
        return overflow ? nil : Money(sum)
    }

    /// Checked subtraction; `nil` on `Int64` overflow.
    public func subtracting(_ other: Money) -> Money? {
        let (difference, overflow) = vnd.subtractingReportingOverflow(other.vnd)
        return overflow ? nil : Money(difference)
    }

    /// Checked multiplication by a count (e.g. number of periods); `nil` on overflow.
    public func multiplied(by count: Int64) -> Money? {
        let (product, overflow) = vnd.multipliedReportingOverflow(by: count)
        return overflow ? nil : Money(product)
    }

    /// The amount grouped the Vietnamese way: `25.000 ₫`.
    public var description: String { "\(Money.grouped(vnd)) ₫" }

    /// Digits grouped by thousands with `.` as in Vietnamese usage (`1.250.000`).
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, char) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(".") }
            out.append(char)
        }
        return value < 0 ? "-" + out : out
    }
}

extension Money: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}

/// Integer rounding helpers. Every rounding in FeeGate goes through here so the rule is in one place.
public enum Rounding {
    /// `numerator / denominator` rounded half up (away from zero for the half), for non-negative
    /// numerator and positive denominator, computed without intermediate overflow.
    ///
    /// - Precondition: `numerator >= 0`, `denominator > 0`.
    public static func divideHalfUp(_ numerator: UInt64, multipliedBy factor: UInt64, dividedBy denominator: UInt64) -> UInt64 {
        precondition(denominator > 0, "division by zero")
        // (n * f) as 128-bit, then add denominator/2 before dividing: floor((n*f + d/2) / d)
        // is half-up for integers. For odd d, d/2 floors, which is still exact half-up because
        // n*f/d can never be exactly x.5 when d is odd.
        let product = numerator.multipliedFullWidth(by: factor)
        let half = denominator / 2
        let (low, carry) = product.low.addingReportingOverflow(half)
        let high = product.high + (carry ? 1 : 0)
        let (quotient, _) = denominator.dividingFullWidth((high: high, low: low))
        return quotient
    }
}
