/// A VAT treatment as printed in the `TSuat` element of a Vietnamese e-invoice.
///
/// Labels follow the GDT format (QĐ 1271/QĐ-CT, Phụ lục V): `0%`, `5%`, `8%`, `10%`, `KCT`
/// (không chịu thuế: not subject to VAT), `KKKNT` (không kê khai, tính nộp thuế: not declared),
/// and `KHAC:AB.CD%` for any other percentage.
public enum VATRate: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A percentage in basis points (800 = 8 %). 0, 500, 800 and 1000 print as `0%`, `5%`, `8%`, `10%`;
    /// any other value prints as `KHAC:AB.CD%`.
    case percent(basisPoints: Int)
    /// Not subject to VAT (`KCT`), e.g. public bus transport, fees and charges.
    case notSubject
    /// Not declared, not paid (`KKKNT`).
    case notDeclared

    public static let zero = VATRate.percent(basisPoints: 0)
    public static let five = VATRate.percent(basisPoints: 500)
    public static let eight = VATRate.percent(basisPoints: 800)
    public static let ten = VATRate.percent(basisPoints: 1000)

    /// The `TSuat` label.
    public var label: String {
        switch self {
        case .notSubject: return "KCT"
        case .notDeclared: return "KKKNT"
        case .percent(let bp):
            switch bp {
            case 0: return "0%"
            case 500: return "5%"
            case 800: return "8%"
            case 1000: return "10%"
            default:
                let whole = bp / 100, fraction = bp % 100
                let pad = fraction < 10 ? "0" : ""
                return "KHAC:\(whole < 10 ? "0" : "")\(whole).\(pad)\(fraction)%"
            }
        }
    }

    public var description: String { label }

    /// Parses a `TSuat` label (`8%`, `KCT`, `KHAC:3.50%` …). Returns `nil` for anything else.
    public init?(label: String) {
        switch label {
        case "KCT": self = .notSubject
        case "KKKNT": self = .notDeclared
        case "0%": self = .zero
        case "5%": self = .five
        case "8%": self = .eight
        case "10%": self = .ten
        default:
            guard label.hasPrefix("KHAC:"), label.hasSuffix("%") else { return nil }
            let body = label.dropFirst(5).dropLast()
            let parts = body.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, let whole = Int(parts[0]), whole >= 0, whole < 100, parts[0].count <= 2 else { return nil }
            var fraction = 0
            if parts.count == 2 {
                guard parts[1].count <= 2, parts[1].allSatisfy(\.isASCII), let f = Int(parts[1]) else { return nil }
                fraction = parts[1].count == 1 ? f * 10 : f
            }
            self = .percent(basisPoints: whole * 100 + fraction)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let label = try container.decode(String.self)
        guard let rate = VATRate(label: label) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown VAT rate label '\(label)' (expected 0%, 5%, 8%, 10%, KCT, KKKNT or KHAC:AB.CD%)")
        }
        self = rate
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(label)
    }

    /// The rate in basis points used for arithmetic; `KCT` and `KKKNT` carry no VAT.
    public var basisPoints: Int {
        if case .percent(let bp) = self { return bp }
        return 0
    }

    /// Splits a VAT-inclusive price into the amount before VAT and the VAT.
    ///
    /// Rule (documented in README "Money and rounding"): `before = round(price / (1 + rate))`,
    /// rounded half up to the đồng, and `vat = price − before`, so the two always add back up to
    /// the price exactly. For `KCT`/`KKKNT`/`0%` the VAT is 0.
    ///
    /// Example: 25,000 at 8 % → 25,000 / 1.08 = 23,148.148… → 23,148 before VAT, 1,852 VAT.
    public func split(inclusive price: Money) -> VATSplit {
        precondition(price.vnd >= 0, "VAT split of a negative price")
        let bp = UInt64(basisPoints)
        guard bp > 0 else { return VATSplit(total: price, beforeVAT: price, vat: .zero) }
        let before = Rounding.divideHalfUp(UInt64(price.vnd), multipliedBy: 10_000, dividedBy: 10_000 + bp)
        let beforeMoney = Money(Int64(before))
        return VATSplit(total: price, beforeVAT: beforeMoney, vat: Money(price.vnd - beforeMoney.vnd))
    }

    /// VAT on a VAT-exclusive amount, rounded half up to the đồng: `round(amount × rate)`.
    public func vat(onExclusive amount: Money) -> Money {
        precondition(amount.vnd >= 0, "VAT on a negative amount")
        let bp = UInt64(basisPoints)
        guard bp > 0 else { return .zero }
        return Money(Int64(Rounding.divideHalfUp(UInt64(amount.vnd), multipliedBy: bp, dividedBy: 10_000)))
    }
}

/// A VAT-inclusive price split into its parts; `beforeVAT + vat == total` always holds.
public struct VATSplit: Sendable, Hashable, Codable {
    public let total: Money
    public let beforeVAT: Money
    public let vat: Money
}
