import FeeGateCore

/// What a tariff file describes; the `kind:` field of every file. See `Tariffs/README.md`.
public enum TariffKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A VAT treatment for one tax category over one period.
    case vatRate = "vat-rate"
    /// Parking zone classes and the street zones that belong to them.
    case parkingZones = "parking-zones"
    /// Parking prices by zone class and vehicle.
    case parkingTariff = "parking-tariff"
    /// Bus routes with their lengths.
    case busRoutes = "bus-routes"
    /// Bus single-ride fares by route-length band.
    case busSingleFares = "bus-single-fares"
    /// Rider categories (free riders and who funds them), token types and CCCD age rules.
    case busRiderCategories = "bus-rider-categories"
    /// Daily fare caps per rider category and token type.
    case busDailyCap = "bus-daily-cap"
    /// A dated rule making rides free (e.g. national-day free travel).
    case busEventWaiver = "bus-event-waiver"
    /// Monthly pass products and prices.
    case busMonthlyPasses = "bus-monthly-passes"
    /// Public fees and charges (phí, lệ phí) with fixed amounts.
    case feeSchedule = "fee-schedule"
}

/// How sure we are of a file's figures. Anything but `confirmed` must be re-checked before relying on it.
public enum Confidence: String, Sendable, Hashable, Codable, CaseIterable {
    /// Read in a primary or official source.
    case confirmed
    /// Stated in press coverage; second-hand.
    case reported
    /// Our own reading; not stated in any source.
    case inferred
    /// Illustrative data shipped to exercise an engine feature; not a real rule.
    case example
}

/// The days a tariff version is in force, both ends inclusive, in Hanoi local dates.
public struct EffectivePeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    public let from: LocalDate
    /// Last day in force (inclusive); `nil` = open-ended.
    public let to: LocalDate?

    public init(from: LocalDate, to: LocalDate?) {
        self.from = from
        self.to = to
    }

    public func contains(_ date: LocalDate) -> Bool {
        date >= from && (to.map { date <= $0 } ?? true)
    }

    public func overlaps(_ other: EffectivePeriod) -> Bool {
        let startsBeforeOtherEnds = other.to.map { from <= $0 } ?? true
        let otherStartsBeforeThisEnds = to.map { other.from <= $0 } ?? true
        return startsBeforeOtherEnds && otherStartsBeforeThisEnds
    }

    /// `2024-11-01..2025-06-30` or `2024-11-01..open`.
    public var description: String { "\(from)..\(to.map(\.description) ?? "open")" }
}

/// The metadata every tariff file carries.
public struct TariffMetadata: Sendable, Hashable {
    public let kind: TariffKind
    /// The tariff's identity; all versions of one tariff share it.
    public let id: String
    /// This version's label, unique within the tariff id (e.g. `2024-11`).
    public let version: String
    public let title: String
    /// Decision number or other legal source, e.g. `QĐ 44/2017/QĐ-UBND`.
    public let legalBasis: String
    /// Where the figures come from (addresses, notes on what is unverified).
    public let source: String
    public let confidence: Confidence
    public let effective: EffectivePeriod
    /// Always `VND`.
    public let currency: String
    /// The VAT category (see `vat-rate` files) that prices in this file fall under.
    public let taxCategory: String
    /// Path of the file relative to the tariff directory, e.g. `bus/routes.yaml`.
    public let file: String
    /// Line of the `id:` field (where version-level problems are reported).
    public let line: Int
    let lines: FieldLines
}

/// Lines of metadata fields, for precise cross-file diagnostics.
struct FieldLines: Sendable, Hashable {
    var root = 1
    var effectiveFrom = 1
    var taxCategory = 1
    var version = 1
}

/// A vehicle class for parking.
public enum Vehicle: String, Sendable, Hashable, Codable, CaseIterable {
    case bicycle, motorbike, car
}

/// Who must be given what document for a payment.
public enum PaymentDocument: String, Sendable, Hashable, Codable, CaseIterable {
    /// An e-invoice (hóa đơn điện tử): sale of a service, VAT applies.
    case invoice
    /// An e-receipt (biên lai thu phí, lệ phí điện tử): state-budget revenue, no VAT line.
    case receipt
}

public struct ZoneClass: Sendable, Hashable {
    public let id: String
    public let name: String
    let line: Int
}

public struct ParkingZone: Sendable, Hashable {
    /// The code on the street sign / in the app, e.g. `HK-12-LY-THAI-TO`.
    public let id: String
    public let name: String
    public let zoneClass: String
    public let district: String?
    let line: Int
    let zoneClassLine: Int
}

public struct ParkingZonesBody: Sendable, Hashable {
    public let zoneClasses: [ZoneClass]
    public let zones: [ParkingZone]
}

/// One clock period of a day (e.g. day from 06:00) and the price of one turn in it.
public struct DayPeriod: Sendable, Hashable {
    public let name: String
    /// Local time the period starts; it ends where the next one starts (wrapping past midnight).
    public let starts: ClockTime
    public let price: Money
}

/// A progressive tier: units from `fromUnit` (1-based) onwards cost `price` each until the next tier.
public struct UnitTier: Sendable, Hashable {
    public let fromUnit: Int
    public let price: Money
}

/// A cap on the charge for each started window of stay (e.g. 300,000 per started 24 h).
public struct WindowCap: Sendable, Hashable {
    public let amount: Money
    public let windowMinutes: Int
}

/// How a parking rule charges.
public enum ParkingScheme: Sendable, Hashable {
    /// One turn for every clock period the stay touches (bicycles, motorbikes).
    case turnPerPeriod(periods: [DayPeriod])
    /// One charge per started unit of stay (1 h, 2 h …), progressive by unit number, optionally capped
    /// per started window of stay.
    case perStartedUnit(unitMinutes: Int, tiers: [UnitTier], cap: WindowCap?)
}

/// Prices for some vehicles in some zone classes and/or individual zones. A rule naming a zone
/// takes precedence over a rule naming the zone's class (e.g. a hospital gate priced apart).
public struct ParkingRule: Sendable, Hashable {
    public let zoneClasses: [String]
    public let zones: [String]
    public let vehicles: [Vehicle]
    public let scheme: ParkingScheme
    let line: Int
    let zoneClassLines: [Int]
    let zoneLines: [Int]
}

public struct ParkingTariffBody: Sendable, Hashable {
    public let rules: [ParkingRule]
}

public struct BusRoute: Sendable, Hashable {
    public let id: String
    public let name: String
    /// Route length in metres (the file gives km with up to three decimals).
    public let lengthMeters: Int
    let line: Int
}

public struct BusRoutesBody: Sendable, Hashable {
    public let routes: [BusRoute]
}

/// Routes of length `fromMeters` ..< `belowMeters` pay `fare`.
public struct FareBand: Sendable, Hashable {
    public let fromMeters: Int
    /// `nil` for the last, open-ended band.
    public let belowMeters: Int?
    public let fare: Money
    let line: Int
}

public struct BusSingleFaresBody: Sendable, Hashable {
    public let bands: [FareBand]
}

/// What a rider category pays for a single ride.
public enum SingleFareTreatment: Sendable, Hashable {
    case full
    /// Rides free; the normal fare is settled with the operator by `fundedBy`.
    case free(fundedBy: String)
}

public struct RiderCategory: Sendable, Hashable {
    public let id: String
    public let name: String
    public let singleFare: SingleFareTreatment
    public let isDefault: Bool
    let line: Int
}

public struct TokenType: Sendable, Hashable {
    public let id: String
    public let name: String
    let line: Int
}

/// A rider whose CCCD shows an age (tap year − birth year) in `minAge ... maxAge` is in `category`.
public struct CCCDAgeRule: Sendable, Hashable {
    public let category: String
    public let minAge: Int?
    public let maxAge: Int?
    let line: Int

    func matches(age: Int) -> Bool {
        (minAge.map { age >= $0 } ?? true) && (maxAge.map { age <= $0 } ?? true)
    }

    /// `≥ 60`, `≤ 5`, `18–25`.
    var rangeText: String {
        switch (minAge, maxAge) {
        case let (min?, max?): return "\(min)–\(max)"
        case let (min?, nil): return "≥ \(min)"
        case let (nil, max?): return "≤ \(max)"
        case (nil, nil): return "any age"
        }
    }
}

public struct RiderCategoriesBody: Sendable, Hashable {
    public let categories: [RiderCategory]
    public let tokenTypes: [TokenType]
    public let cccdAgeRules: [CCCDAgeRule]
}

public struct DailyCapRule: Sendable, Hashable {
    public let category: String
    public let tokenType: String
    public let amount: Money
    let line: Int
    let categoryLine: Int
    let tokenTypeLine: Int
}

public struct DailyCapBody: Sendable, Hashable {
    /// When the fare day starts (TfL uses 04:30); the caller sums what was paid since then.
    public let serviceDayStarts: ClockTime
    public let caps: [DailyCapRule]
}

/// Which routes a waiver covers.
public enum RouteScope: Sendable, Hashable {
    case all
    case only([String])
}

public struct EventWaiverBody: Sendable, Hashable {
    public let reason: String
    public let fundedBy: String
    public let routes: RouteScope
    let routeLines: [Int]
}

public struct PassProduct: Sendable, Hashable {
    public let id: String
    public let name: String
    let line: Int
}

public struct PassCategory: Sendable, Hashable {
    public let id: String
    public let name: String
    let line: Int
}

public struct PassPrice: Sendable, Hashable {
    public let category: String
    public let product: String
    public let price: Money
    let line: Int
}

public struct MonthlyPassesBody: Sendable, Hashable {
    public let products: [PassProduct]
    public let categories: [PassCategory]
    public let prices: [PassPrice]
}

public struct Fee: Sendable, Hashable {
    public let code: String
    public let name: String
    public let amount: Money
    public let document: PaymentDocument
    let line: Int
}

public struct FeeScheduleBody: Sendable, Hashable {
    public let fees: [Fee]
}

/// The kind-specific content of a tariff file.
public enum TariffBody: Sendable, Hashable {
    case vatRate(VATRate)
    case parkingZones(ParkingZonesBody)
    case parkingTariff(ParkingTariffBody)
    case busRoutes(BusRoutesBody)
    case busSingleFares(BusSingleFaresBody)
    case busRiderCategories(RiderCategoriesBody)
    case busDailyCap(DailyCapBody)
    case busEventWaiver(EventWaiverBody)
    case busMonthlyPasses(MonthlyPassesBody)
    case feeSchedule(FeeScheduleBody)
}

/// One version of one tariff: one file.
public struct TariffDocument: Sendable, Hashable {
    public let meta: TariffMetadata
    public let body: TariffBody
}

/// A problem found in a tariff file, reported as `file:line: message`.
public struct TariffDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Path relative to the tariff directory, e.g. `parking/zones.yaml`.
    public let file: String
    /// 1-based line number.
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `parking/zones.yaml:12: unknown zone class 'HK-13'`.
    public var description: String { "\(file):\(line): \(message)" }

    /// The same line with the file shown under `root` (as the user typed it), e.g. `Tariffs/parking/zones.yaml:12: …`.
    public func formatted(root: String) -> String {
        let prefix = root.isEmpty || root == "." ? "" : (root.hasSuffix("/") ? root : root + "/")
        return "\(prefix)\(file):\(line): \(message)"
    }
}
