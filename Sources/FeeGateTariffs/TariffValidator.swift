/// Checks that need more than one file: overlapping versions, conflicting definitions, unknown
/// references and VAT coverage.
enum TariffValidator {
    static func validate(_ documents: [TariffDocument]) -> [TariffDiagnostic] {
        var out: [TariffDiagnostic] = []
        checkVersions(documents, into: &out)
        checkConflicts(documents, into: &out)
        checkReferences(documents, into: &out)
        checkVATCoverage(documents, into: &out)
        return out
    }

    private static func at(_ meta: TariffMetadata, _ line: Int, _ message: String) -> TariffDiagnostic {
        TariffDiagnostic(file: meta.file, line: line, message: message)
    }

    /// Versions of one tariff id: same kind, unique version labels, no overlapping periods.
    private static func checkVersions(_ documents: [TariffDocument], into out: inout [TariffDiagnostic]) {
        let byId = Dictionary(grouping: documents, by: \.meta.id)
        for id in byId.keys.sorted() {
            let versions = (byId[id] ?? []).sorted {
                ($0.meta.effective.from, $0.meta.file) < ($1.meta.effective.from, $1.meta.file)
            }
            for (j, later) in versions.enumerated() {
                for earlier in versions[..<j] {
                    let a = earlier.meta, b = later.meta
                    if a.kind != b.kind {
                        out.append(at(b, b.line, "tariff id '\(id)' is already used by a \(a.kind.rawValue) file (\(a.file)); ids must be unique across kinds"))
                        continue
                    }
                    if a.version == b.version {
                        out.append(at(b, b.lines.version, "version '\(b.version)' of tariff '\(id)' is also defined in \(a.file); version labels must be unique"))
                    }
                    if a.effective.overlaps(b.effective) {
                        out.append(at(b, b.lines.effectiveFrom, "effective period \(b.effective) overlaps version '\(a.version)' of tariff '\(id)' (\(a.effective)) in \(a.file); end the older version the day before the newer one starts"))
                    }
                }
            }
        }
    }

    /// What a document defines, for detecting two tariffs defining the same thing at the same time.
    private static func definitions(_ doc: TariffDocument) -> [(key: String, line: Int)] {
        switch doc.body {
        case .vatRate: return [("the VAT rate of tax category '\(doc.meta.taxCategory)'", doc.meta.lines.taxCategory)]
        case .parkingZones(let body):
            return body.zoneClasses.map { ("zone class '\($0.id)'", $0.line) } + body.zones.map { ("zone '\($0.id)'", $0.line) }
        case .parkingTariff(let body):
            return body.rules.flatMap { rule in
                zip(rule.zoneClasses, rule.zoneClassLines).flatMap { zoneClass, line in
                    rule.vehicles.map { ("the \($0.rawValue) price in zone class '\(zoneClass)'", line) }
                } + zip(rule.zones, rule.zoneLines).flatMap { zone, line in
                    rule.vehicles.map { ("the \($0.rawValue) price in zone '\(zone)'", line) }
                }
            }
        case .busRoutes(let body): return body.routes.map { ("route '\($0.id)'", $0.line) }
        case .busSingleFares: return [("the bus single-fare table", doc.meta.lines.root)]
        case .busRiderCategories: return [("the rider-category policy", doc.meta.lines.root)]
        case .busDailyCap(let body):
            return body.caps.map { ("the daily cap for category '\($0.category)' with token type '\($0.tokenType)'", $0.line) }
        case .busEventWaiver: return []
        case .busMonthlyPasses(let body):
            return body.prices.map { ("the '\($0.product)' pass price for category '\($0.category)'", $0.line) }
        case .feeSchedule(let body): return body.fees.map { ("fee code '\($0.code)'", $0.line) }
        }
    }

    /// Two different tariffs of one kind, in force on a common day, must not define the same thing.
    private static func checkConflicts(_ documents: [TariffDocument], into out: inout [TariffDiagnostic]) {
        let ordered = documents.sorted { $0.meta.file < $1.meta.file }
        for (j, later) in ordered.enumerated() {
            let laterDefs = definitions(later)
            guard !laterDefs.isEmpty else { continue }
            for earlier in ordered[..<j] {
                let a = earlier.meta, b = later.meta
                guard a.kind == b.kind, a.id != b.id, a.effective.overlaps(b.effective) else { continue }
                let earlierKeys = Dictionary(definitions(earlier).map { ($0.key, $0.line) }, uniquingKeysWith: { first, _ in first })
                for def in laterDefs {
                    if let line = earlierKeys[def.key] {
                        out.append(at(b, def.line, "\(def.key) is also defined by tariff '\(a.id)' at \(a.file):\(line) for overlapping dates; only one definition may be in force at a time"))
                    }
                }
            }
        }
    }

    private static func checkReferences(_ documents: [TariffDocument], into out: inout [TariffDiagnostic]) {
        var taxCategories: Set<String> = [], zoneClasses: Set<String> = [], zones: Set<String> = []
        var routes: Set<String> = [], riderCategories: Set<String> = [], tokenTypes: Set<String> = []
        for doc in documents {
            switch doc.body {
            case .vatRate: taxCategories.insert(doc.meta.taxCategory)
            case .parkingZones(let body):
                zoneClasses.formUnion(body.zoneClasses.map(\.id))
                zones.formUnion(body.zones.map(\.id))
            case .busRoutes(let body): routes.formUnion(body.routes.map(\.id))
            case .busRiderCategories(let body):
                riderCategories.formUnion(body.categories.map(\.id))
                tokenTypes.formUnion(body.tokenTypes.map(\.id))
            default: break
            }
        }
        func known(_ set: Set<String>) -> String {
            set.isEmpty ? "none are defined" : "known: " + set.sorted().joined(separator: ", ")
        }
        for doc in documents {
            let meta = doc.meta
            if meta.kind != .vatRate, !taxCategories.contains(meta.taxCategory) {
                out.append(at(meta, meta.lines.taxCategory, "unknown tax category '\(meta.taxCategory)': no vat-rate file defines it (\(known(taxCategories)))"))
            }
            switch doc.body {
            case .parkingZones(let body):
                for zone in body.zones where !zoneClasses.contains(zone.zoneClass) {
                    out.append(at(meta, zone.zoneClassLine, "unknown zone class '\(zone.zoneClass)' for zone '\(zone.id)' (\(known(zoneClasses)))"))
                }
            case .parkingTariff(let body):
                for rule in body.rules {
                    for (zoneClass, line) in zip(rule.zoneClasses, rule.zoneClassLines) where !zoneClasses.contains(zoneClass) {
                        out.append(at(meta, line, "unknown zone class '\(zoneClass)' (\(known(zoneClasses)))"))
                    }
                    for (zone, line) in zip(rule.zones, rule.zoneLines) where !zones.contains(zone) {
                        out.append(at(meta, line, "unknown zone '\(zone)' (\(known(zones)))"))
                    }
                }
            case .busDailyCap(let body):
                for cap in body.caps {
                    if !riderCategories.contains(cap.category) {
                        out.append(at(meta, cap.categoryLine, "unknown rider category '\(cap.category)' (\(known(riderCategories)))"))
                    }
                    if !tokenTypes.contains(cap.tokenType) {
                        out.append(at(meta, cap.tokenTypeLine, "unknown token type '\(cap.tokenType)' (\(known(tokenTypes)))"))
                    }
                }
            case .busEventWaiver(let body):
                if case .only(let ids) = body.routes {
                    for (route, line) in zip(ids, body.routeLines) where !routes.contains(route) {
                        out.append(at(meta, line, "unknown route '\(route)' (\(known(routes)))"))
                    }
                }
            default: break
            }
        }
    }

    /// A priced tariff must have a VAT rate for its tax category on every day it is in force.
    private static func checkVATCoverage(_ documents: [TariffDocument], into out: inout [TariffDiagnostic]) {
        let vat = documents.filter { $0.meta.kind == .vatRate }
        for doc in documents {
            switch doc.meta.kind {
            case .parkingTariff, .busSingleFares, .busMonthlyPasses, .feeSchedule: break
            default: continue
            }
            let meta = doc.meta
            let rates = vat.filter { $0.meta.taxCategory == meta.taxCategory }
            guard !rates.isEmpty else { continue }  // reported as an unknown tax category
            var day = meta.effective.from
            // Walk the tariff's period one VAT version at a time; bounded by the number of VAT versions.
            for _ in 0...rates.count {
                guard let rate = rates.first(where: { $0.meta.effective.contains(day) }) else {
                    out.append(at(meta, meta.lines.taxCategory, "no VAT rate for tax category '\(meta.taxCategory)' on \(day), while this tariff is in force (\(meta.effective))"))
                    break
                }
                guard let rateEnd = rate.meta.effective.to else { break }
                if let end = meta.effective.to, rateEnd >= end { break }
                day = rateEnd.adding(days: 1)
            }
        }
    }
}
