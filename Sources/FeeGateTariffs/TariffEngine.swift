import FeeGateCore

/// A parking stay to price.
public struct ParkingQuoteRequest: Sendable, Hashable {
    public let zone: String
    public let vehicle: Vehicle
    public let from: HanoiDateTime
    public let to: HanoiDateTime

    public init(zone: String, vehicle: Vehicle, from: HanoiDateTime, to: HanoiDateTime) {
        self.zone = zone
        self.vehicle = vehicle
        self.from = from
        self.to = to
    }
}

/// A fare medium presented at a validator. `value` is only read, never kept or printed.
public struct RiderToken: Sendable, Hashable, CustomStringConvertible {
    /// A token type id from the rider-category file (`cccd`, `emv`, `transit-card`, …).
    public let type: String
    let value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// Never shows the value.
    public var description: String { "RiderToken(\(type))" }
}

/// One bus tap to price.
public struct BusQuoteRequest: Sendable, Hashable {
    public let route: String
    public let at: HanoiDateTime
    /// Explicit rider category; `nil` = the default category (or what a CCCD proves).
    public let category: String?
    public let token: RiderToken?
    /// What this token already paid in the current fare day (for daily caps); `nil` = 0.
    public let paidToday: Money?

    public init(route: String, at: HanoiDateTime, category: String? = nil, token: RiderToken? = nil, paidToday: Money? = nil) {
        self.route = route
        self.at = at
        self.category = category
        self.token = token
        self.paidToday = paidToday
    }
}

/// A monthly pass purchase to price.
public struct PassQuoteRequest: Sendable, Hashable {
    public let product: String
    public let category: String
    public let at: HanoiDateTime

    public init(product: String, category: String, at: HanoiDateTime) {
        self.product = product
        self.category = category
        self.at = at
    }
}

/// A public fee to price.
public struct FeeQuoteRequest: Sendable, Hashable {
    public let code: String
    public let at: HanoiDateTime

    public init(code: String, at: HanoiDateTime) {
        self.code = code
        self.at = at
    }
}

/// Prices parking stays, bus rides, monthly passes and public fees from a validated catalog.
///
/// Pure and deterministic: the same catalog and request always give the same quote; "now" is
/// always passed in. Effective dating: a quote uses the tariff version in force on the Hanoi date
/// of the event (stay start, tap, purchase). The parking VAT rate is the one in force when the
/// stay ends, the tax point for a service (Nghị định 123/2020/NĐ-CP Art. 9.2).
public struct TariffEngine: Sendable {
    public let catalog: TariffCatalog
    /// Parking stays longer than this are refused (monthly tickets cover them).
    public static let maximumStayDays: Int64 = 31
    static let cccdTokenType = "cccd"
    static let customer = "customer"

    /// - Throws: `TariffError.invalidTariffs` if the catalog has any diagnostic: never price from
    ///   files that failed validation.
    public init(catalog: TariffCatalog) throws(TariffError) {
        if let first = catalog.diagnostics.first {
            throw .invalidTariffs(count: catalog.diagnostics.count, first: first.description)
        }
        self.catalog = catalog
    }

    // MARK: Parking

    /// Prices a parking stay `[from, to)` in `zone` for `vehicle`.
    public func quoteParking(_ request: ParkingQuoteRequest) throws(TariffError) -> Quote {
        guard request.from < request.to else { throw .invalidStay(from: request.from, to: request.to) }
        let seconds = request.to.epochSeconds - request.from.epochSeconds
        guard seconds <= Self.maximumStayDays * VietnamCalendar.secondsPerDay else {
            throw .stayTooLong(days: seconds.ceilDiv(VietnamCalendar.secondsPerDay), maximumDays: Self.maximumStayDays)
        }
        let date = request.from.localDate
        let zoneDocs = catalog.documents(.parkingZones, on: date)
        guard !zoneDocs.isEmpty else { throw .noTariffInForce(what: "parking zone list", date: date) }
        var zone: ParkingZone?
        for doc in zoneDocs {
            if case .parkingZones(let body) = doc.body, let found = body.zones.first(where: { $0.id == request.zone }) {
                zone = found
            }
        }
        guard let zone else {
            let known = zoneDocs.flatMap { doc -> [String] in
                if case .parkingZones(let body) = doc.body { return body.zones.map(\.id) }
                return []
            }
            throw .unknownZone(zone: request.zone, known: known.sorted())
        }
        // A rule naming the zone itself wins over a rule for its class.
        var match: (TariffDocument, ParkingRule)?
        var classMatch: (TariffDocument, ParkingRule)?
        for doc in catalog.documents(.parkingTariff, on: date) {
            guard case .parkingTariff(let body) = doc.body else { continue }
            for rule in body.rules where rule.vehicles.contains(request.vehicle) {
                if rule.zones.contains(zone.id) { match = match ?? (doc, rule) }
                if rule.zoneClasses.contains(zone.zoneClass) { classMatch = classMatch ?? (doc, rule) }
            }
        }
        guard let (doc, rule) = match ?? classMatch else {
            throw .noTariffInForce(what: "parking tariff for a \(request.vehicle.rawValue) in zone \(zone.id) (class \(zone.zoneClass))", date: date)
        }
        let (lines, capped) = try parkingLines(rule.scheme, from: request.from, to: request.to)
        let total = try sum(lines.map(\.amount), context: "the parking charge")
        var extras = QuoteExtras()
        extras.until = request.to
        extras.zone = zone.id
        extras.zoneClass = zone.zoneClass
        return try makeQuote(
            service: .parking, doc: doc, amount: total, reference: total, fundedBy: Self.customer,
            document: .invoice, lines: lines, capped: capped, category: request.vehicle.rawValue,
            zeroReason: nil, at: request.from, vatDate: request.to.localDate, extras: extras)
    }

    func parkingLines(_ scheme: ParkingScheme, from: HanoiDateTime, to: HanoiDateTime) throws(TariffError) -> ([QuoteLine], Bool) {
        switch scheme {
        case .turnPerPeriod(let periods):
            return (turnLines(periods, from: from, to: to), false)
        case let .perStartedUnit(unitMinutes, tiers, cap):
            return try unitLines(unitMinutes: unitMinutes, tiers: tiers, cap: cap, from: from, to: to)
        }
    }

    /// One turn per clock period the stay overlaps. Periods repeat daily; each lasts until the next
    /// one starts (the last wraps past midnight to the first one of the next day).
    func turnLines(_ periods: [DayPeriod], from: HanoiDateTime, to: HanoiDateTime) -> [QuoteLine] {
        let day = VietnamCalendar.secondsPerDay
        let start = from.localSeconds, end = to.localSeconds
        var dayStart = start.floorDiv(day) * day
        let secondOfDay = start - dayStart
        // The period containing the start: the last one starting at or before it, else the previous
        // day's last period (e.g. 05:00 is still in the night that began at 18:00 yesterday).
        var index: Int
        if let found = periods.lastIndex(where: { Int64($0.starts.minutes) * 60 <= secondOfDay }) {
            index = found
        } else {
            index = periods.count - 1
            dayStart -= day
        }
        var lines: [QuoteLine] = []
        while true {
            let periodStart = dayStart + Int64(periods[index].starts.minutes) * 60
            let nextIndex = (index + 1) % periods.count
            let nextDayStart = nextIndex == 0 ? dayStart + day : dayStart
            let periodEnd = nextDayStart + Int64(periods[nextIndex].starts.minutes) * 60
            let period = periods[index]
            lines.append(QuoteLine(
                description: "\(period.name) turn (from \(period.starts))",
                from: HanoiDateTime(epochSeconds: max(periodStart, start) - VietnamCalendar.utcOffsetSeconds),
                to: HanoiDateTime(epochSeconds: min(periodEnd, end) - VietnamCalendar.utcOffsetSeconds),
                amount: period.price))
            if periodEnd >= end { break }
            index = nextIndex
            dayStart = nextDayStart
        }
        return lines
    }

    /// One charge per started unit, priced by the unit's number (progressive tiers); if a cap is
    /// set, the units of each started window (counted from arrival) cost at most the cap, and a
    /// capped window is shown as one line.
    func unitLines(
        unitMinutes: Int, tiers: [UnitTier], cap: WindowCap?, from: HanoiDateTime, to: HanoiDateTime
    ) throws(TariffError) -> ([QuoteLine], Bool) {
        let unit = Int64(unitMinutes) * 60
        let count = (to.epochSeconds - from.epochSeconds).ceilDiv(unit)
        func price(_ k: Int64) -> Money {
            tiers.last(where: { Int64($0.fromUnit) <= k })?.price ?? .zero
        }
        func unitName(_ k: Int64) -> String {
            if unitMinutes == 60 { return "hour \(k)" }
            if unitMinutes % 60 == 0 { return "\(unitMinutes / 60)-hour block \(k)" }
            return "\(unitMinutes)-minute block \(k)"
        }
        func unitLine(_ k: Int64) -> QuoteLine {
            QuoteLine(
                description: unitName(k),
                from: from.adding(seconds: (k - 1) * unit),
                to: min(from.adding(seconds: k * unit), to),
                amount: price(k))
        }
        guard let cap else { return ((1...count).map(unitLine), false) }
        let unitsPerWindow = Int64(cap.windowMinutes / unitMinutes)
        var lines: [QuoteLine] = []
        var capped = false
        var first: Int64 = 1
        while first <= count {
            let last = min(first + unitsPerWindow - 1, count)
            let windowLines = (first...last).map(unitLine)
            let windowTotal = try sum(windowLines.map(\.amount), context: "a parking window")
            if windowTotal > cap.amount {
                capped = true
                let window = (first - 1) / unitsPerWindow + 1
                let hours = cap.windowMinutes % 60 == 0 ? "\(cap.windowMinutes / 60) h" : "\(cap.windowMinutes) min"
                lines.append(QuoteLine(
                    description: "\(hours) window \(window) capped at \(Money.grouped(cap.amount.vnd)) (\(last - first + 1) started units of \(unitMinutes) min would be \(Money.grouped(windowTotal.vnd)))",
                    from: from.adding(seconds: (first - 1) * unit),
                    to: min(from.adding(seconds: last * unit), to),
                    amount: cap.amount))
            } else {
                lines += windowLines
            }
            first = last + 1
        }
        return (lines, capped)
    }

    // MARK: Bus

    /// Prices one tap on a bus route: the route's single fare by length band, then (in this order)
    /// an event waiver, a free rider category, or a daily cap.
    public func quoteBus(_ request: BusQuoteRequest) throws(TariffError) -> Quote {
        let date = request.at.localDate
        if let paid = request.paidToday, paid.vnd < 0 { throw .invalidPaidToday(paid) }
        let route = try findRoute(request.route, on: date)
        guard let fareDoc = catalog.documents(.busSingleFares, on: date).first,
              case .busSingleFares(let fares) = fareDoc.body
        else { throw .noTariffInForce(what: "bus single-fare table", date: date) }
        guard let band = fares.bands.first(where: { band in
            route.lengthMeters >= band.fromMeters && band.belowMeters.map { route.lengthMeters < $0 } ?? true
        }) else {
            throw .noTariffInForce(what: "fare band for a \(TariffFileParser.km(route.lengthMeters)) km route", date: date)
        }
        let fare = band.fare
        let policy = catalog.documents(.busRiderCategories, on: date).first.flatMap { doc -> RiderCategoriesBody? in
            if case .busRiderCategories(let body) = doc.body { return body }
            return nil
        }
        let (category, eligibility) = try riderCategory(request, policy: policy, year: date.year)

        var extras = QuoteExtras()
        extras.route = route.id
        extras.routeLengthKm = TariffFileParser.km(route.lengthMeters)
        extras.tokenType = request.token?.type
        extras.eligibility = eligibility
        let bandText = band.belowMeters.map { "\(TariffFileParser.km(band.fromMeters))–<\(TariffFileParser.km($0)) km" }
            ?? "≥ \(TariffFileParser.km(band.fromMeters)) km"
        let line = QuoteLine(
            description: "single ride, route \(route.id) (\(TariffFileParser.km(route.lengthMeters)) km, band \(bandText))",
            from: request.at, to: nil, amount: fare)

        // 1. Event waiver: everyone rides free, the funder settles the normal fare.
        for doc in catalog.documents(.busEventWaiver, on: date) {
            guard case .busEventWaiver(let waiver) = doc.body else { continue }
            let covered: Bool
            switch waiver.routes {
            case .all: covered = true
            case .only(let ids): covered = ids.contains(route.id)
            }
            guard covered else { continue }
            return try busQuote(
                fareDoc: fareDoc, amount: .zero, reference: fare, fundedBy: waiver.fundedBy, lines: [line],
                capped: false, category: category.id, zeroReason: "event-waiver:\(doc.meta.id)", at: request.at, extras: extras)
        }
        // 2. Free rider category.
        if case .free(let funder) = category.singleFare {
            return try busQuote(
                fareDoc: fareDoc, amount: .zero, reference: fare, fundedBy: funder, lines: [line],
                capped: false, category: category.id, zeroReason: "free-category:\(category.id)", at: request.at, extras: extras)
        }
        // 3. Daily cap for this category and token type.
        if let token = request.token {
            for doc in catalog.documents(.busDailyCap, on: date) {
                guard case .busDailyCap(let caps) = doc.body,
                      let cap = caps.caps.first(where: { $0.category == category.id && $0.tokenType == token.type })
                else { continue }
                let paid = request.paidToday ?? .zero
                let room = cap.amount.vnd > paid.vnd ? Money(cap.amount.vnd - paid.vnd) : .zero
                let amount = min(fare, room)
                extras.dailyCap = cap.amount
                extras.paidToday = paid
                extras.serviceDay = request.at.adding(seconds: -Int64(caps.serviceDayStarts.minutes) * 60).localDate
                return try busQuote(
                    fareDoc: fareDoc, amount: amount, reference: fare, fundedBy: Self.customer, lines: [line],
                    capped: amount < fare, category: category.id, zeroReason: amount == .zero ? "daily-cap:\(doc.meta.id)" : nil,
                    at: request.at, extras: extras)
            }
        }
        return try busQuote(
            fareDoc: fareDoc, amount: fare, reference: fare, fundedBy: Self.customer, lines: [line],
            capped: false, category: category.id, zeroReason: nil, at: request.at, extras: extras)
    }

    private func busQuote(
        fareDoc: TariffDocument, amount: Money, reference: Money, fundedBy: String, lines: [QuoteLine], capped: Bool,
        category: String, zeroReason: String?, at: HanoiDateTime, extras: QuoteExtras
    ) throws(TariffError) -> Quote {
        try makeQuote(
            service: .bus, doc: fareDoc, amount: amount, reference: reference, fundedBy: fundedBy, document: .invoice,
            lines: lines, capped: capped, category: category, zeroReason: zeroReason, at: at, vatDate: at.localDate, extras: extras)
    }

    private func findRoute(_ id: String, on date: LocalDate) throws(TariffError) -> BusRoute {
        let docs = catalog.documents(.busRoutes, on: date)
        guard !docs.isEmpty else { throw .noTariffInForce(what: "bus route list", date: date) }
        var all: [String] = []
        for doc in docs {
            guard case .busRoutes(let body) = doc.body else { continue }
            if let route = body.routes.first(where: { $0.id == id }) { return route }
            all += body.routes.map(\.id)
        }
        throw .unknownRoute(route: id, date: date, known: all.sorted())
    }

    /// The rider's category: what a CCCD proves by age, else the explicit category, else the default.
    private func riderCategory(
        _ request: BusQuoteRequest, policy: RiderCategoriesBody?, year: Int
    ) throws(TariffError) -> (RiderCategory, String?) {
        guard let policy else {
            // Before any rider-category policy existed only the plain fare can be quoted.
            if request.category != nil || request.token != nil {
                throw .noTariffInForce(what: "bus rider-category policy", date: request.at.localDate)
            }
            return (RiderCategory(id: "regular", name: "regular", singleFare: .full, isDefault: true, line: 0), nil)
        }
        let known = policy.categories.map(\.id)
        var explicit: RiderCategory?
        if let id = request.category {
            guard let found = policy.categories.first(where: { $0.id == id }) else {
                throw .unknownCategory(category: id, known: known)
            }
            explicit = found
        }
        var derived: (RiderCategory, String)?
        if let token = request.token {
            guard policy.tokenTypes.contains(where: { $0.id == token.type }) else {
                throw .unknownTokenType(tokenType: token.type, known: policy.tokenTypes.map(\.id))
            }
            if token.type == Self.cccdTokenType {
                let card = try CCCD(number: token.value)
                let age = card.ageInYear(year)
                guard age >= 0 else {
                    throw .malformedToken(tokenType: token.type, reason: "it encodes birth year \(card.birthYear), after the tap's year \(year)")
                }
                // An explicit age-based category must agree with the card.
                if let explicit {
                    let rules = policy.cccdAgeRules.filter { $0.category == explicit.id }
                    if let rule = rules.first, !rules.contains(where: { $0.matches(age: age) }) {
                        throw .categoryContradictsToken(
                            category: explicit.id, reason: "the CCCD shows age \(age) in \(year), outside \(rule.rangeText)")
                    }
                }
                if let rule = policy.cccdAgeRules.first(where: { $0.matches(age: age) }),
                   let category = policy.categories.first(where: { $0.id == rule.category }) {
                    derived = (category, "CCCD: aged \(age) in \(year) (\(category.id): \(rule.rangeText))")
                }
            } else if token.value.isEmpty {
                throw .malformedToken(tokenType: token.type, reason: "the token value is empty")
            }
        }
        if let derived { return (derived.0, derived.1) }
        if let explicit { return (explicit, "declared category") }
        guard let fallback = policy.categories.first(where: \.isDefault) else {
            throw .noTariffInForce(what: "default rider category", date: request.at.localDate)
        }
        return (fallback, nil)
    }

    // MARK: Passes and fees

    /// Prices a monthly pass bought at `at`.
    public func quotePass(_ request: PassQuoteRequest) throws(TariffError) -> Quote {
        let date = request.at.localDate
        guard let doc = catalog.documents(.busMonthlyPasses, on: date).first,
              case .busMonthlyPasses(let body) = doc.body
        else { throw .noTariffInForce(what: "monthly pass tariff", date: date) }
        guard let product = body.products.first(where: { $0.id == request.product }) else {
            throw .unknownPassProduct(product: request.product, known: body.products.map(\.id))
        }
        guard let category = body.categories.first(where: { $0.id == request.category }) else {
            throw .unknownPassCategory(category: request.category, known: body.categories.map(\.id))
        }
        guard let price = body.prices.first(where: { $0.category == category.id && $0.product == product.id }) else {
            throw .noTariffInForce(what: "price for pass \(product.id) / \(category.id)", date: date)
        }
        var extras = QuoteExtras()
        extras.product = product.id
        let line = QuoteLine(description: "\(product.name) — \(category.name)", amount: price.price)
        return try makeQuote(
            service: .pass, doc: doc, amount: price.price, reference: price.price, fundedBy: Self.customer, document: .invoice,
            lines: [line], capped: false, category: category.id, zeroReason: nil, at: request.at, vatDate: date, extras: extras)
    }

    /// Prices a public fee (phí, lệ phí) due at `at`.
    public func quoteFee(_ request: FeeQuoteRequest) throws(TariffError) -> Quote {
        let date = request.at.localDate
        let docs = catalog.documents(.feeSchedule, on: date)
        guard !docs.isEmpty else { throw .noTariffInForce(what: "fee schedule", date: date) }
        var known: [String] = []
        for doc in docs {
            guard case .feeSchedule(let body) = doc.body else { continue }
            known += body.fees.map(\.code)
            guard let fee = body.fees.first(where: { $0.code == request.code }) else { continue }
            var extras = QuoteExtras()
            extras.feeCode = fee.code
            extras.feeName = fee.name
            let line = QuoteLine(description: "\(fee.code): \(fee.name)", amount: fee.amount)
            return try makeQuote(
                service: .fee, doc: doc, amount: fee.amount, reference: fee.amount, fundedBy: Self.customer,
                document: fee.document, lines: [line], capped: false, category: "fee", zeroReason: nil,
                at: request.at, vatDate: date, extras: extras)
        }
        throw .unknownFeeCode(code: request.code, known: known.sorted())
    }

    // MARK: Common

    /// The VAT rate document for `taxCategory` in force on `date`.
    public func vatRate(taxCategory: String, on date: LocalDate) throws(TariffError) -> (VATRate, TariffMetadata) {
        for doc in catalog.documents(.vatRate, on: date) where doc.meta.taxCategory == taxCategory {
            if case .vatRate(let rate) = doc.body { return (rate, doc.meta) }
        }
        throw .noVATRate(taxCategory: taxCategory, date: date)
    }

    private func sum(_ amounts: [Money], context: String) throws(TariffError) -> Money {
        var total = Money.zero
        for amount in amounts {
            guard let next = total.adding(amount), next.isValidAmount else { throw .amountOverflow(context: context) }
            total = next
        }
        return total
    }

    private func makeQuote(
        service: QuotedService, doc: TariffDocument, amount: Money, reference: Money, fundedBy: String,
        document: PaymentDocument, lines: [QuoteLine], capped: Bool, category: String, zeroReason: String?,
        at: HanoiDateTime, vatDate: LocalDate, extras: QuoteExtras
    ) throws(TariffError) -> Quote {
        let (rate, vatMeta) = try vatRate(taxCategory: doc.meta.taxCategory, on: vatDate)
        // Prices are VAT-inclusive; FeeGateCore owns the rounding rule (half up to the đồng).
        let split = rate.split(inclusive: amount)
        return Quote(
            service: service, amount: amount, fundedBy: fundedBy, referenceAmount: reference, vatRate: rate,
            amountBeforeVAT: split.beforeVAT, vatAmount: split.vat, tariffId: doc.meta.id,
            tariffVersion: doc.meta.version, tariffTitle: doc.meta.title, legalBasis: doc.meta.legalBasis,
            confidence: doc.meta.confidence, taxCategory: doc.meta.taxCategory, vatTariffId: vatMeta.id,
            vatTariffVersion: vatMeta.version, document: document, lines: lines, capped: capped, category: category,
            zeroReason: zeroReason, at: at, until: extras.until, zone: extras.zone, zoneClass: extras.zoneClass,
            route: extras.route, routeLengthKm: extras.routeLengthKm, tokenType: extras.tokenType,
            eligibility: extras.eligibility, dailyCap: extras.dailyCap, paidToday: extras.paidToday,
            serviceDay: extras.serviceDay, product: extras.product, feeCode: extras.feeCode, feeName: extras.feeName,
            currency: "VND")
    }
}
