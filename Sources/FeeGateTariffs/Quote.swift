import FeeGateCore

/// What was priced.
public enum QuotedService: String, Sendable, Hashable, Codable, CaseIterable {
    case parking, bus, pass, fee
}

/// One charged period, block or item of a quote. Lines always add up to the quote's `amount`
/// before any fare cap, waiver or exemption (those are reported on the quote itself).
public struct QuoteLine: Sendable, Hashable, Codable {
    public let description: String
    /// Start of the charged period (Hanoi time), if the line is a period of time.
    public let from: HanoiDateTime?
    /// End of the charged period, clipped to the end of the stay.
    public let to: HanoiDateTime?
    /// VAT-inclusive amount of this line.
    public let amount: Money

    public init(description: String, from: HanoiDateTime? = nil, to: HanoiDateTime? = nil, amount: Money) {
        self.description = description
        self.from = from
        self.to = to
        self.amount = amount
    }
}

/// A priced answer: who pays what, under which tariff version, with its VAT split.
///
/// Encodes with snake_case keys; money is whole đồng; times are ISO 8601 with `+07:00`.
public struct Quote: Sendable, Hashable, Codable {
    public let service: QuotedService
    /// VND paid by the customer (VAT-inclusive).
    public let amount: Money
    /// Who pays: `customer`, or a funder id such as `city-budget` when the customer pays 0.
    public let fundedBy: String
    /// The normal price: what is settled with the operator when the customer pays 0, or the
    /// uncapped fare when a daily cap applied.
    public let referenceAmount: Money
    /// VAT treatment of `amount` (`8%`, `10%`, `KCT`, …).
    public let vatRate: VATRate
    public let amountBeforeVAT: Money
    public let vatAmount: Money
    public let tariffId: String
    public let tariffVersion: String
    public let tariffTitle: String
    public let legalBasis: String
    public let confidence: Confidence
    public let taxCategory: String
    /// The `vat-rate` tariff and version that gave `vatRate`.
    public let vatTariffId: String
    public let vatTariffVersion: String
    /// Invoice (service) or receipt (fee/charge).
    public let document: PaymentDocument
    public let lines: [QuoteLine]
    /// `true` when a cap reduced the amount (daily fare cap or a parking window cap).
    public let capped: Bool
    /// Rider category (bus), pass category (pass), vehicle (parking) or `fee` (fees).
    public let category: String
    /// Why the customer pays 0 when a rule made it free, e.g. `event-waiver:hn-a80-free-rides`.
    public let zeroReason: String?
    /// The instant that selected the tariff version (stay start, tap time, purchase time).
    public let at: HanoiDateTime
    /// Parking only: end of the stay (selects the VAT rate: the tax point is when the service ends).
    public let until: HanoiDateTime?
    public let zone: String?
    public let zoneClass: String?
    public let route: String?
    /// Route length as decimal km text (`14.9`), never a floating-point number.
    public let routeLengthKm: String?
    public let tokenType: String?
    /// How the category was established, e.g. `CCCD: aged 65 in 2025 (elderly: ≥ 60)`; never the number.
    public let eligibility: String?
    public let dailyCap: Money?
    public let paidToday: Money?
    /// The fare day the daily cap counts in (starts at the cap file's `service_day_starts`).
    public let serviceDay: LocalDate?
    public let product: String?
    public let feeCode: String?
    public let feeName: String?
    public let currency: String

    enum CodingKeys: String, CodingKey {
        case service, amount, capped, category, lines, document, confidence, currency, at, until, zone, route, product
        case fundedBy = "funded_by"
        case referenceAmount = "reference_amount"
        case vatRate = "vat_rate"
        case amountBeforeVAT = "amount_before_vat"
        case vatAmount = "vat_amount"
        case tariffId = "tariff_id"
        case tariffVersion = "tariff_version"
        case tariffTitle = "tariff_title"
        case legalBasis = "legal_basis"
        case taxCategory = "tax_category"
        case vatTariffId = "vat_tariff_id"
        case vatTariffVersion = "vat_tariff_version"
        case zeroReason = "zero_reason"
        case zoneClass = "zone_class"
        case routeLengthKm = "route_length_km"
        case tokenType = "token_type"
        case eligibility
        case dailyCap = "daily_cap"
        case paidToday = "paid_today"
        case serviceDay = "service_day"
        case feeCode = "fee_code"
        case feeName = "fee_name"
    }
}

/// The optional, service-specific parts of a quote.
struct QuoteExtras {
    var until: HanoiDateTime?
    var zone: String?
    var zoneClass: String?
    var route: String?
    var routeLengthKm: String?
    var tokenType: String?
    var eligibility: String?
    var dailyCap: Money?
    var paidToday: Money?
    var serviceDay: LocalDate?
    var product: String?
    var feeCode: String?
    var feeName: String?
}
