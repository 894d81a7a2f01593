import FeeGateCore

/// Why a quote (or loading the tariff directory) failed. Messages say what to change.
///
/// No case carries a CCCD number: identity numbers must never reach logs or error output.
public enum TariffError: Error, Sendable, Hashable, CustomStringConvertible {
    case tariffDirectoryUnreadable(path: String, reason: String)
    /// The tariff files have problems; quoting from them would be unsafe.
    case invalidTariffs(count: Int, first: String)
    case unknownZone(zone: String, known: [String])
    case invalidStay(from: HanoiDateTime, to: HanoiDateTime)
    case stayTooLong(days: Int64, maximumDays: Int64)
    /// No version of a needed tariff is in force on that date.
    case noTariffInForce(what: String, date: LocalDate)
    case unknownRoute(route: String, date: LocalDate, known: [String])
    case unknownCategory(category: String, known: [String])
    case unknownTokenType(tokenType: String, known: [String])
    /// The token value cannot be used (e.g. a CCCD that is not 12 digits). `reason` never contains the value.
    case malformedToken(tokenType: String, reason: String)
    /// An explicit rider category disagrees with what the token proves.
    case categoryContradictsToken(category: String, reason: String)
    case invalidPaidToday(Money)
    case unknownPassProduct(product: String, known: [String])
    case unknownPassCategory(category: String, known: [String])
    case unknownFeeCode(code: String, known: [String])
    case noVATRate(taxCategory: String, date: LocalDate)
    case amountOverflow(context: String)

    public var description: String {
        func list(_ items: [String]) -> String {
            guard !items.isEmpty else { return "none defined" }
            let shown = items.prefix(20).joined(separator: ", ")
            return items.count > 20 ? shown + ", … (\(items.count) in all; see `feegate tariff list`)" : shown
        }
        switch self {
        case let .tariffDirectoryUnreadable(path, reason):
            return "cannot read tariff directory '\(path)': \(reason) (set --tariffs DIR or FEEGATE_TARIFFS)"
        case let .invalidTariffs(count, first):
            return "the tariff files have \(count) problem(s), e.g. \(first); run `feegate tariff check` and fix them before quoting"
        case let .unknownZone(zone, known):
            return "unknown parking zone '\(zone)' (zones in force: \(list(known)))"
        case let .invalidStay(from, to):
            return "the stay must end after it starts: --to \(to) is not after --from \(from)"
        case let .stayTooLong(days, maximum):
            return "the stay lasts \(days) days; stays longer than \(maximum) days are not priced per turn (use a monthly ticket or split the stay)"
        case let .noTariffInForce(what, date):
            return "no \(what) is in force on \(date) (Hanoi time); check the effective dates in the tariff files"
        case let .unknownRoute(route, date, known):
            return "unknown bus route '\(route)' on \(date) (routes: \(list(known)))"
        case let .unknownCategory(category, known):
            return "unknown rider category '\(category)' (known: \(list(known)))"
        case let .unknownTokenType(tokenType, known):
            return "unknown token type '\(tokenType)' (known: \(list(known)))"
        case let .malformedToken(tokenType, reason):
            return "malformed \(tokenType) token: \(reason)"
        case let .categoryContradictsToken(category, reason):
            return "rider category '\(category)' contradicts the token: \(reason)"
        case let .invalidPaidToday(amount):
            return "the amount already paid today must be 0 or more, got \(amount.vnd)"
        case let .unknownPassProduct(product, known):
            return "unknown pass product '\(product)' (known: \(list(known)))"
        case let .unknownPassCategory(category, known):
            return "unknown pass category '\(category)' (known: \(list(known)))"
        case let .unknownFeeCode(code, known):
            return "unknown fee code '\(code)' (codes in force: \(list(known)))"
        case let .noVATRate(taxCategory, date):
            return "no VAT rate for tax category '\(taxCategory)' is in force on \(date); add a vat-rate file covering that date"
        case let .amountOverflow(context):
            return "amount too large while computing \(context)"
        }
    }
}
