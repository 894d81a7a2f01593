import FeeGateCore
import Yams

/// Reads one tariff file (YAML text) into a `TariffDocument`, reporting every schema problem with
/// its line. Pure: the caller supplies the text.
enum TariffFileParser {
    /// Parses `contents` of the file at relative `path`. The document is returned whenever its
    /// metadata could be read (bad body items are skipped and reported), so that one typo does not
    /// cascade into "unknown reference" errors in other files.
    static func parse(path: String, contents: String) -> (TariffDocument?, [TariffDiagnostic]) {
        var sink = DiagnosticSink(file: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: contents)
        } catch let error as YamlError {
            let (line, message) = describe(error)
            // libyaml may point just past the last line (unexpected end of file): clamp to the file.
            let lastLine = max(1, contents.split(separator: "\n", omittingEmptySubsequences: false).count
                - (contents.hasSuffix("\n") ? 1 : 0))
            sink.error(min(line, lastLine), "YAML syntax error: \(message)")
            return (nil, sink.items)
        } catch {
            sink.error(1, "YAML syntax error: \(error)")
            return (nil, sink.items)
        }
        guard let root else {
            sink.error(1, "file is empty (expected a tariff document; see Tariffs/README.md)")
            return (nil, sink.items)
        }
        guard var fields = Fields(root, what: "the tariff file", sink: &sink) else { return (nil, sink.items) }
        let meta = readMetadata(&fields, path: path, sink: &sink)
        var body: TariffBody?
        if let kind = meta?.kind ?? peekKind(&fields) {
            body = readBody(kind, &fields, sink: &sink)
        }
        fields.reportUnknown(sink: &sink)
        guard let meta, let body else { return (nil, sink.items) }
        return (TariffDocument(meta: meta, body: body), sink.items)
    }

    private static func peekKind(_ fields: inout Fields) -> TariffKind? {
        fields.optional("kind")?.scalarText.flatMap(TariffKind.init(rawValue:))
    }

    private static func describe(_ error: YamlError) -> (Int, String) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let ctx = context.map { " (\($0.text) that started on line \($0.mark.line))" } ?? ""
            return (mark.line, problem + ctx)
        case let .duplicatedKeysInMapping(duplicates, context):
            return (context.mark.line, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        case let .reader(problem, _, _, _):
            return (1, problem)
        default:
            return (1, "\(error)")
        }
    }

    // MARK: Metadata

    private static func readMetadata(_ fields: inout Fields, path: String, sink: inout DiagnosticSink) -> TariffMetadata? {
        let kind = fields.required("kind", sink: &sink).flatMap { Scalars.choice($0, "kind", as: TariffKind.self, sink: &sink) }
        let id = fields.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
        let version = fields.required("version", sink: &sink).flatMap { Scalars.identifier($0, "version", sink: &sink) }
        let title = fields.required("title", sink: &sink).flatMap { Scalars.text($0, "title", sink: &sink) }
        let legal = fields.required("legal_basis", sink: &sink).flatMap { Scalars.text($0, "legal_basis", sink: &sink) }
        let source = fields.required("source", sink: &sink).flatMap { Scalars.text($0, "source", sink: &sink) }
        let confidence = fields.required("confidence", sink: &sink)
            .flatMap { Scalars.choice($0, "confidence", as: Confidence.self, sink: &sink) }
        let from = fields.required("effective_from", sink: &sink).flatMap { Scalars.date($0, "effective_from", sink: &sink) }
        var to: LocalDate?
        if let node = fields.required("effective_to", sink: &sink), !node.isNull {
            to = Scalars.date(node, "effective_to", sink: &sink)
        }
        let currency = fields.required("currency", sink: &sink).flatMap { Scalars.text($0, "currency", sink: &sink) }
        if let currency, currency != "VND" {
            sink.error(fields.keyLine("currency"), "currency must be VND (FeeGate prices only in đồng), found '\(currency)'")
        }
        let tax = fields.required("tax_category", sink: &sink).flatMap { Scalars.identifier($0, "tax_category", sink: &sink) }
        if let from, let to, to < from {
            sink.error(fields.keyLine("effective_to"), "effective_to \(to) is before effective_from \(from)")
        }
        // Only the identity and dating fields are essential; a missing title or source is reported
        // above but the document is kept so that other files' references to it still resolve.
        guard let kind, let id, let version, let from, let tax else { return nil }
        var lines = FieldLines()
        lines.root = fields.line
        lines.effectiveFrom = fields.keyLine("effective_from")
        lines.taxCategory = fields.keyLine("tax_category")
        lines.version = fields.keyLine("version")
        return TariffMetadata(
            kind: kind, id: id, version: version, title: title ?? "", legalBasis: legal ?? "", source: source ?? "",
            confidence: confidence ?? .inferred, effective: EffectivePeriod(from: from, to: to), currency: "VND",
            taxCategory: tax, file: path, line: fields.keyLine("id"), lines: lines)
    }

    // MARK: Bodies

    private static func readBody(_ kind: TariffKind, _ fields: inout Fields, sink: inout DiagnosticSink) -> TariffBody? {
        switch kind {
        case .vatRate:
            guard let node = fields.required("rate", sink: &sink) else { return nil }
            guard let text = node.scalarText, let rate = VATRate(label: text) else {
                sink.error(node.line, "'rate' must be a VAT label (0%, 5%, 8%, 10%, KCT, KKKNT or KHAC:AB.CD%), found '\(node.scalarText ?? node.kindName)'")
                return nil
            }
            return .vatRate(rate)
        case .parkingZones: return readZones(&fields, sink: &sink).map(TariffBody.parkingZones)
        case .parkingTariff: return readParkingTariff(&fields, sink: &sink).map(TariffBody.parkingTariff)
        case .busRoutes: return readRoutes(&fields, sink: &sink).map(TariffBody.busRoutes)
        case .busSingleFares: return readFares(&fields, sink: &sink).map(TariffBody.busSingleFares)
        case .busRiderCategories: return readCategories(&fields, sink: &sink).map(TariffBody.busRiderCategories)
        case .busDailyCap: return readDailyCap(&fields, sink: &sink).map(TariffBody.busDailyCap)
        case .busEventWaiver: return readWaiver(&fields, sink: &sink).map(TariffBody.busEventWaiver)
        case .busMonthlyPasses: return readPasses(&fields, sink: &sink).map(TariffBody.busMonthlyPasses)
        case .feeSchedule: return readFees(&fields, sink: &sink).map(TariffBody.feeSchedule)
        }
    }

    /// Reads a required list of mappings, calling `item` for each entry.
    private static func eachEntry(
        _ fields: inout Fields, _ key: String, what: String, sink: inout DiagnosticSink,
        _ item: (inout Fields, inout DiagnosticSink) -> Void
    ) -> Bool {
        guard let node = fields.required(key, sink: &sink), let list = Scalars.list(node, key, sink: &sink) else { return false }
        if list.isEmpty { sink.error(node.line, "'\(key)' must list at least one \(what)") }
        for entry in list {
            guard var entryFields = Fields(entry, what: "a \(what) entry", sink: &sink) else { continue }
            item(&entryFields, &sink)
            entryFields.reportUnknown(sink: &sink)
        }
        return true
    }

    private static func readZones(_ fields: inout Fields, sink: inout DiagnosticSink) -> ParkingZonesBody? {
        var classes: [ZoneClass] = []
        var classIds = DuplicateCheck("zone class")
        let okClasses = eachEntry(&fields, "zone_classes", what: "zone class", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            if let id, let name, classIds.insert(id, line: f.keyLine("id"), sink: &sink) {
                classes.append(ZoneClass(id: id, name: name, line: f.keyLine("id")))
            }
        }
        var zones: [ParkingZone] = []
        var zoneIds = DuplicateCheck("zone")
        let okZones = eachEntry(&fields, "zones", what: "zone", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            let zoneClass = f.required("zone_class", sink: &sink).flatMap { Scalars.identifier($0, "zone_class", sink: &sink) }
            let district = f.optional("district").flatMap { Scalars.text($0, "district", sink: &sink) }
            _ = f.optional("note").flatMap { Scalars.text($0, "note", sink: &sink) }
            if let id, let name, let zoneClass, zoneIds.insert(id, line: f.keyLine("id"), sink: &sink) {
                zones.append(ParkingZone(
                    id: id, name: name, zoneClass: zoneClass, district: district,
                    line: f.keyLine("id"), zoneClassLine: f.keyLine("zone_class")))
            }
        }
        guard okClasses, okZones else { return nil }
        return ParkingZonesBody(zoneClasses: classes, zones: zones)
    }

    private static func readParkingTariff(_ fields: inout Fields, sink: inout DiagnosticSink) -> ParkingTariffBody? {
        var rules: [ParkingRule] = []
        var seen = DuplicateCheck("rule for")
        let ok = eachEntry(&fields, "rules", what: "parking rule", sink: &sink) { f, sink in
            let classes = f.optional("zone_classes").flatMap { Scalars.identifiers($0, "zone_classes", sink: &sink) } ?? []
            let zones = f.optional("zones").flatMap { Scalars.identifiers($0, "zones", sink: &sink) } ?? []
            if !f.keys.contains("zone_classes") && !f.keys.contains("zones") {
                sink.error(f.line, "a parking rule must name 'zone_classes', 'zones' or both")
            }
            var vehicles: [Vehicle] = []
            if let node = f.required("vehicles", sink: &sink) {
                let items = node.scalar != nil ? [node] : (Scalars.list(node, "vehicles", sink: &sink) ?? [])
                for item in items {
                    if let v = Scalars.choice(item, "vehicles", as: Vehicle.self, sink: &sink) { vehicles.append(v) }
                }
            }
            let charge = f.required("charge", sink: &sink)
            var scheme: ParkingScheme?
            switch charge?.scalarText {
            case "turn-per-period": scheme = readPeriods(&f, sink: &sink)
            case "per-started-unit": scheme = readUnits(&f, sink: &sink)
            case nil: break
            case let other?:
                sink.error(f.keyLine("charge"), "'charge' must be turn-per-period or per-started-unit, found '\(other)'")
            }
            guard !classes.isEmpty || !zones.isEmpty, !vehicles.isEmpty, let scheme else { return }
            for (target, line) in classes.map({ ("zone class \($0.0)", $0.1) }) + zones.map({ ("zone \($0.0)", $0.1) }) {
                for vehicle in vehicles {
                    _ = seen.insert("\(target), vehicle \(vehicle.rawValue)", line: line, sink: &sink)
                }
            }
            rules.append(ParkingRule(
                zoneClasses: classes.map(\.0), zones: zones.map(\.0), vehicles: vehicles, scheme: scheme,
                line: f.line, zoneClassLines: classes.map(\.1), zoneLines: zones.map(\.1)))
        }
        return ok ? ParkingTariffBody(rules: rules) : nil
    }

    private static func readPeriods(_ f: inout Fields, sink: inout DiagnosticSink) -> ParkingScheme? {
        var periods: [DayPeriod] = []
        let before = sink.items.count
        let ok = eachEntry(&f, "periods", what: "period", sink: &sink) { p, sink in
            let name = p.required("name", sink: &sink).flatMap { Scalars.identifier($0, "name", sink: &sink) }
            let starts = p.required("starts", sink: &sink).flatMap { Scalars.clock($0, "starts", sink: &sink) }
            let price = p.required("price", sink: &sink).flatMap { Scalars.money($0, "price", sink: &sink) }
            if let name, let starts, let price {
                if let last = periods.last, starts <= last.starts {
                    sink.error(p.keyLine("starts"), "period '\(name)' starts at \(starts), not after the previous period's \(last.starts): list periods in clock order")
                    return
                }
                periods.append(DayPeriod(name: name, starts: starts, price: price))
            }
        }
        guard ok, sink.items.count == before, !periods.isEmpty else { return nil }
        return .turnPerPeriod(periods: periods)
    }

    private static func readUnits(_ f: inout Fields, sink: inout DiagnosticSink) -> ParkingScheme? {
        let before = sink.items.count
        let unit = f.required("unit_minutes", sink: &sink).flatMap { Scalars.integer($0, "unit_minutes", range: 1...1440, sink: &sink) }
        var tiers: [UnitTier] = []
        _ = eachEntry(&f, "tiers", what: "tier", sink: &sink) { t, sink in
            let from = t.required("from_unit", sink: &sink).flatMap { Scalars.integer($0, "from_unit", range: 1...100_000, sink: &sink) }
            let price = t.required("price", sink: &sink).flatMap { Scalars.money($0, "price", sink: &sink) }
            guard let from, let price else { return }
            if tiers.isEmpty, from != 1 {
                sink.error(t.keyLine("from_unit"), "the first tier must start at from_unit 1, found \(from)")
                return
            }
            if let last = tiers.last, from <= last.fromUnit {
                sink.error(t.keyLine("from_unit"), "tier from_unit \(from) must be greater than the previous tier's \(last.fromUnit)")
                return
            }
            tiers.append(UnitTier(fromUnit: from, price: price))
        }
        var cap: WindowCap?
        if let capNode = f.optional("cap"), !capNode.isNull, var c = Fields(capNode, what: "'cap'", sink: &sink) {
            let amount = c.required("amount", sink: &sink).flatMap { Scalars.money($0, "amount", sink: &sink) }
            let window = c.required("per_started_minutes", sink: &sink)
                .flatMap { Scalars.integer($0, "per_started_minutes", range: 1...527_040, sink: &sink) }
            c.reportUnknown(sink: &sink)
            if let amount, let window, let unit {
                if window % unit != 0 {
                    sink.error(c.keyLine("per_started_minutes"), "cap window \(window) min must be a whole number of \(unit)-minute units")
                } else {
                    cap = WindowCap(amount: amount, windowMinutes: window)
                }
            }
        }
        guard sink.items.count == before, let unit, !tiers.isEmpty else { return nil }
        return .perStartedUnit(unitMinutes: unit, tiers: tiers, cap: cap)
    }

    private static func readRoutes(_ fields: inout Fields, sink: inout DiagnosticSink) -> BusRoutesBody? {
        var routes: [BusRoute] = []
        var ids = DuplicateCheck("route")
        let ok = eachEntry(&fields, "routes", what: "route", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            let length = f.required("length_km", sink: &sink).flatMap { Scalars.kilometres($0, "length_km", sink: &sink) }
            _ = f.optional("note").flatMap { Scalars.text($0, "note", sink: &sink) }
            if let length, length == 0 { sink.error(f.keyLine("length_km"), "route length must be more than 0 km") }
            if let id, let name, let length, length > 0, ids.insert(id, line: f.keyLine("id"), sink: &sink) {
                routes.append(BusRoute(id: id, name: name, lengthMeters: length, line: f.keyLine("id")))
            }
        }
        return ok ? BusRoutesBody(routes: routes) : nil
    }

    private static func readFares(_ fields: inout Fields, sink: inout DiagnosticSink) -> BusSingleFaresBody? {
        var bands: [FareBand] = []
        let before = sink.items.count
        let ok = eachEntry(&fields, "bands", what: "fare band", sink: &sink) { f, sink in
            let from = f.required("from_km", sink: &sink).flatMap { Scalars.kilometres($0, "from_km", sink: &sink) }
            let below = f.optional("below_km").flatMap { $0.isNull ? nil : Scalars.kilometres($0, "below_km", sink: &sink) }
            let fare = f.required("fare", sink: &sink).flatMap { Scalars.money($0, "fare", sink: &sink) }
            guard let from, let fare else { return }
            if let last = bands.last, last.belowMeters == nil {
                sink.error(f.line, "no band may follow the open-ended band on line \(last.line)")
                return
            }
            let expectedFrom = bands.last?.belowMeters ?? 0
            if from != expectedFrom {
                sink.error(f.keyLine("from_km"), "band starts at \(km(from)) km but must start at \(km(expectedFrom)) km (bands must cover every length with no gap or overlap)")
            }
            if let below, below <= from {
                sink.error(f.keyLine("below_km"), "below_km \(km(below)) must be greater than from_km \(km(from))")
                return
            }
            // Kept even after a gap error so that the next band is checked against this one, not
            // reported again (the file is invalid anyway).
            bands.append(FareBand(fromMeters: from, belowMeters: below, fare: fare, line: f.line))
        }
        if ok, sink.items.count == before, let last = bands.last, last.belowMeters != nil {
            sink.error(last.line, "the last band must be open-ended (omit below_km) so every route length has a fare")
        }
        return ok ? BusSingleFaresBody(bands: bands) : nil
    }

    private static func readCategories(_ fields: inout Fields, sink: inout DiagnosticSink) -> RiderCategoriesBody? {
        var categories: [RiderCategory] = []
        var ids = DuplicateCheck("rider category")
        let okCategories = eachEntry(&fields, "categories", what: "rider category", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            let isDefault = f.optional("default").flatMap { Scalars.bool($0, "default", sink: &sink) } ?? false
            _ = f.optional("eligibility").flatMap { Scalars.text($0, "eligibility", sink: &sink) }
            var treatment: SingleFareTreatment?
            let funder = f.optional("funded_by")
            switch f.required("single_fare", sink: &sink)?.scalarText {
            case "full":
                treatment = .full
                if funder != nil { sink.error(f.keyLine("funded_by"), "'funded_by' applies only to single_fare: free") }
            case "free":
                if let funder {
                    treatment = Scalars.identifier(funder, "funded_by", sink: &sink).map { .free(fundedBy: $0) }
                } else {
                    sink.error(f.keyLine("single_fare"), "a free category must say who pays the operator: add 'funded_by' (e.g. city-budget)")
                }
            case nil: break
            case let other?: sink.error(f.keyLine("single_fare"), "'single_fare' must be full or free, found '\(other)'")
            }
            if let id, let name, let treatment, ids.insert(id, line: f.keyLine("id"), sink: &sink) {
                categories.append(RiderCategory(id: id, name: name, singleFare: treatment, isDefault: isDefault, line: f.keyLine("id")))
            }
        }
        let defaults = categories.filter(\.isDefault)
        if okCategories, defaults.count != 1 {
            let line = defaults.dropFirst().first?.line ?? fields.keyLine("categories")
            sink.error(line, "exactly one rider category must have 'default: true', found \(defaults.count)")
        }
        var tokenTypes: [TokenType] = []
        var tokenIds = DuplicateCheck("token type")
        let okTokens = eachEntry(&fields, "token_types", what: "token type", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            if let id, let name, tokenIds.insert(id, line: f.keyLine("id"), sink: &sink) {
                tokenTypes.append(TokenType(id: id, name: name, line: f.keyLine("id")))
            }
        }
        var rules: [CCCDAgeRule] = []
        if fields.keys.contains("cccd_age_rules") {
            _ = eachEntry(&fields, "cccd_age_rules", what: "CCCD age rule", sink: &sink) { f, sink in
                let category = f.required("category", sink: &sink).flatMap { Scalars.identifier($0, "category", sink: &sink) }
                let minAge = f.optional("min_age").flatMap { Scalars.integer($0, "min_age", range: 0...150, sink: &sink) }
                let maxAge = f.optional("max_age").flatMap { Scalars.integer($0, "max_age", range: 0...150, sink: &sink) }
                guard let category else { return }
                if minAge == nil && maxAge == nil {
                    sink.error(f.line, "a CCCD age rule needs min_age, max_age or both")
                    return
                }
                if let minAge, let maxAge, maxAge < minAge {
                    sink.error(f.keyLine("max_age"), "max_age \(maxAge) is below min_age \(minAge)")
                    return
                }
                if !categories.contains(where: { $0.id == category }) {
                    sink.error(f.keyLine("category"), "unknown rider category '\(category)' (not in this file's categories)")
                    return
                }
                rules.append(CCCDAgeRule(category: category, minAge: minAge, maxAge: maxAge, line: f.line))
            }
        }
        guard okCategories, okTokens else { return nil }
        return RiderCategoriesBody(categories: categories, tokenTypes: tokenTypes, cccdAgeRules: rules)
    }

    private static func readDailyCap(_ fields: inout Fields, sink: inout DiagnosticSink) -> DailyCapBody? {
        let dayStarts = fields.required("service_day_starts", sink: &sink).flatMap { Scalars.clock($0, "service_day_starts", sink: &sink) }
        var caps: [DailyCapRule] = []
        var seen = DuplicateCheck("cap for")
        let ok = eachEntry(&fields, "caps", what: "daily cap", sink: &sink) { f, sink in
            let category = f.required("category", sink: &sink).flatMap { Scalars.identifier($0, "category", sink: &sink) }
            let token = f.required("token_type", sink: &sink).flatMap { Scalars.identifier($0, "token_type", sink: &sink) }
            let amount = f.required("amount", sink: &sink).flatMap { Scalars.money($0, "amount", sink: &sink) }
            if let category, let token, let amount, seen.insert("\(category)/\(token)", line: f.line, sink: &sink) {
                caps.append(DailyCapRule(
                    category: category, tokenType: token, amount: amount, line: f.line,
                    categoryLine: f.keyLine("category"), tokenTypeLine: f.keyLine("token_type")))
            }
        }
        guard ok, let dayStarts else { return nil }
        return DailyCapBody(serviceDayStarts: dayStarts, caps: caps)
    }

    private static func readWaiver(_ fields: inout Fields, sink: inout DiagnosticSink) -> EventWaiverBody? {
        let reason = fields.required("reason", sink: &sink).flatMap { Scalars.text($0, "reason", sink: &sink) }
        let funder = fields.required("funded_by", sink: &sink).flatMap { Scalars.identifier($0, "funded_by", sink: &sink) }
        var scope: RouteScope?
        var lines: [Int] = []
        if let node = fields.required("routes", sink: &sink) {
            if node.scalarText == "all" {
                scope = .all
            } else if let ids = Scalars.identifiers(node, "routes", sink: &sink) {
                scope = .only(ids.map(\.0))
                lines = ids.map(\.1)
            }
        }
        guard let reason, let funder, let scope else { return nil }
        return EventWaiverBody(reason: reason, fundedBy: funder, routes: scope, routeLines: lines)
    }

    private static func readPasses(_ fields: inout Fields, sink: inout DiagnosticSink) -> MonthlyPassesBody? {
        var products: [PassProduct] = []
        var productIds = DuplicateCheck("pass product")
        let okProducts = eachEntry(&fields, "products", what: "pass product", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            if let id, let name, productIds.insert(id, line: f.keyLine("id"), sink: &sink) {
                products.append(PassProduct(id: id, name: name, line: f.keyLine("id")))
            }
        }
        var categories: [PassCategory] = []
        var categoryIds = DuplicateCheck("pass category")
        let okCategories = eachEntry(&fields, "categories", what: "pass category", sink: &sink) { f, sink in
            let id = f.required("id", sink: &sink).flatMap { Scalars.identifier($0, "id", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            _ = f.optional("eligibility").flatMap { Scalars.text($0, "eligibility", sink: &sink) }
            if let id, let name, categoryIds.insert(id, line: f.keyLine("id"), sink: &sink) {
                categories.append(PassCategory(id: id, name: name, line: f.keyLine("id")))
            }
        }
        var prices: [PassPrice] = []
        if let node = fields.required("prices", sink: &sink), let table = Fields(node, what: "'prices'", sink: &sink) {
            for (category, categoryLine, row) in table.entries {
                guard categories.contains(where: { $0.id == category }) else {
                    sink.error(categoryLine, "unknown pass category '\(category)' (declare it under 'categories')")
                    continue
                }
                guard let cells = Fields(row, what: "prices for '\(category)'", sink: &sink) else { continue }
                for (product, productLine, cell) in cells.entries {
                    guard products.contains(where: { $0.id == product }) else {
                        sink.error(productLine, "unknown pass product '\(product)' (declare it under 'products')")
                        continue
                    }
                    if let price = Scalars.money(cell, "prices.\(category).\(product)", sink: &sink) {
                        prices.append(PassPrice(category: category, product: product, price: price, line: productLine))
                    }
                }
            }
            if okProducts, okCategories {
                for category in categories {
                    for product in products where !prices.contains(where: { $0.category == category.id && $0.product == product.id }) {
                        sink.error(table.line, "missing price for pass category '\(category.id)', product '\(product.id)'")
                    }
                }
            }
        }
        guard okProducts, okCategories else { return nil }
        return MonthlyPassesBody(products: products, categories: categories, prices: prices)
    }

    private static func readFees(_ fields: inout Fields, sink: inout DiagnosticSink) -> FeeScheduleBody? {
        var fees: [Fee] = []
        var codes = DuplicateCheck("fee code")
        let ok = eachEntry(&fields, "fees", what: "fee", sink: &sink) { f, sink in
            let code = f.required("code", sink: &sink).flatMap { Scalars.identifier($0, "code", sink: &sink) }
            let name = f.required("name", sink: &sink).flatMap { Scalars.text($0, "name", sink: &sink) }
            let amount = f.required("amount", sink: &sink).flatMap { Scalars.money($0, "amount", sink: &sink) }
            let document = f.required("document", sink: &sink)
                .flatMap { Scalars.choice($0, "document", as: PaymentDocument.self, sink: &sink) }
            _ = f.optional("unit").flatMap { Scalars.text($0, "unit", sink: &sink) }
            if let code, let name, let amount, let document, codes.insert(code, line: f.keyLine("code"), sink: &sink) {
                fees.append(Fee(code: code, name: name, amount: amount, document: document, line: f.keyLine("code")))
            }
        }
        return ok ? FeeScheduleBody(fees: fees) : nil
    }

    /// Metres as km text: 15000 → `15`, 14900 → `14.9`.
    static func km(_ meters: Int) -> String {
        let whole = meters / 1000, fraction = meters % 1000
        guard fraction != 0 else { return "\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
