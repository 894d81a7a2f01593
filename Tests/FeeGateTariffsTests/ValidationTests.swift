import FeeGateCore
import FeeGateTariffs
import Foundation
import Testing

/// Eleven metadata lines (lines 1–11), so a fixture's body starts on line 12.
func header(
    kind: String, id: String, version: String = "t1", from: String = "2020-01-01", to: String = "null",
    tax: String = "public-bus", currency: String = "VND"
) -> String {
    """
    kind: \(kind)
    id: \(id)
    version: "\(version)"
    title: Test fixture
    legal_basis: test
    source: test
    confidence: example
    effective_from: \(from)
    effective_to: \(to)
    currency: \(currency)
    tax_category: \(tax)

    """
}

/// One test per validation rule. Each breaks a copy of the shipped tariffs in a temp directory and
/// asserts the exact `file:line: message` the validator reports (line numbers counted by hand in
/// the fixture text).
@Suite("Tariff validation")
struct ValidationTests {
    @Test("the shipped Tariffs/ directory validates clean")
    func shippedIsClean() throws {
        let catalog = try TariffCatalog.load(directory: shippedTariffs.path)
        #expect(catalog.diagnostics.map(\.description) == [])
        #expect(catalog.fileCount == 16)
        #expect(Set(catalog.documents.map(\.meta.id)).count == 12)
        // Every file carries its legal basis and source note; reported figures are marked as such.
        for doc in catalog.documents {
            #expect(!doc.meta.legalBasis.isEmpty && !doc.meta.source.isEmpty && doc.meta.currency == "VND")
        }
        let confidence = Dictionary(uniqueKeysWithValues: catalog.documents.map { ("\($0.meta.id)@\($0.meta.version)", $0.meta.confidence) })
        #expect(confidence["hn-street-parking@2018-01"] == .reported)
        #expect(confidence["hn-bus-single-fare@2024-11"] == .reported)
        #expect(confidence["example-emv-daily-cap@example-1"] == .example)
    }

    @Test("YAML syntax error: reported with its line")
    func yamlSyntax() throws {
        let box = try TariffSandbox()
        try box.write("fees/broken.yaml", """
            kind: fee-schedule
            id: broken
            fees: [unclosed, list
            """)
        let problems = try box.problems()
        #expect(problems.count == 1)
        // libyaml notices at the end of the file; the line is clamped to the last line and the message
        // names where the unclosed list started.
        #expect(problems == [
            "fees/broken.yaml:3: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence that started on line 3)",
        ])
        try box.remove("fees/broken.yaml")
        try box.write("fees/indent.yaml", """
            kind: fee-schedule
            id: indent
              title: indented by mistake
            """)
        #expect(try box.problems() == ["fees/indent.yaml:3: YAML syntax error: mapping values are not allowed in this context"])
    }

    @Test("duplicate YAML key")
    func duplicateKey() throws {
        let box = try TariffSandbox()
        try box.write("fees/dup.yaml", header(kind: "fee-schedule", id: "dup", tax: "public-fee") + """
            fees:
              - code: A
                name: a
                amount: 1000
                amount: 2000
                document: receipt
            """)
        #expect(try box.problems() == ["fees/dup.yaml:15: YAML syntax error: duplicate key 'amount'"])
    }

    @Test("empty file")
    func emptyFile() throws {
        let box = try TariffSandbox()
        try box.write("fees/empty.yaml", "# nothing here\n")
        #expect(try box.problems() == ["fees/empty.yaml:1: file is empty (expected a tariff document; see Tariffs/README.md)"])
    }

    @Test("schema: a misspelt field is unknown and the real one is missing")
    func misspeltField() throws {
        let box = try TariffSandbox()
        try box.replace("fees/id-card-fees-2022-07.yaml", "effective_to: null", with: "efective_to: null")
        #expect(try box.problems() == [
            "fees/id-card-fees-2022-07.yaml:2: missing required field 'effective_to' in the tariff file",
            "fees/id-card-fees-2022-07.yaml:13: unknown field 'efective_to' in the tariff file (expected one of: confidence, currency, effective_from, effective_to, fees, id, kind, legal_basis, source, tax_category, title, version)",
        ])
    }

    @Test("schema: wrong value types")
    func wrongTypes() throws {
        let box = try TariffSandbox()
        try box.write("bus/bad-types.yaml", header(kind: "bus-routes", id: "bad-types") + """
            routes:
              - id: X1
                name: ok
                length_km: about 12
              - id: X2
                name: ok
                length_km: 12.3456
              - not a mapping
            """)
        #expect(try box.problems() == [
            "bus/bad-types.yaml:15: 'length_km' must be a length in km such as 14.9, found 'about 12'",
            "bus/bad-types.yaml:18: 'length_km' must have at most three decimals (metres), found '12.3456'",
            "bus/bad-types.yaml:19: a route entry must be a mapping (key: value lines), found a single value",
        ])
    }

    @Test("schema: unknown kind and bad dates")
    func unknownKindAndDates() throws {
        let box = try TariffSandbox()
        try box.write("bus/kind.yaml", header(kind: "bus-fares", id: "k", from: "2020-02-30"))
        #expect(try box.problems() == [
            "bus/kind.yaml:1: 'kind' must be one of vat-rate, parking-zones, parking-tariff, bus-routes, bus-single-fares, bus-rider-categories, bus-daily-cap, bus-event-waiver, bus-monthly-passes, fee-schedule, found 'bus-fares'",
            "bus/kind.yaml:8: 'effective_from' must be a date YYYY-MM-DD, found '2020-02-30'",
        ])
    }

    @Test("missing metadata is reported at the document's first line")
    func missingMetadata() throws {
        let box = try TariffSandbox()
        // Drop legal_basis from a shipped file; its first key is on line 2 (line 1 is a comment).
        try box.replace("vat/public-fee.yaml", "legal_basis: Luật Phí", with: "# legal_basis: Luật Phí")
        #expect(try box.problems() == ["vat/public-fee.yaml:2: missing required field 'legal_basis' in the tariff file"])
    }

    @Test("currency must be VND; effective_to must not precede effective_from")
    func currencyAndPeriod() throws {
        let box = try TariffSandbox()
        try box.write("fees/usd.yaml", header(kind: "fee-schedule", id: "usd", from: "2024-05-01", to: "2024-04-30", tax: "public-fee", currency: "USD") + """
            fees:
              - {code: X, name: x, amount: 1, document: receipt}
            """)
        #expect(try box.problems() == [
            "fees/usd.yaml:9: effective_to 2024-04-30 is before effective_from 2024-05-01",
            "fees/usd.yaml:10: currency must be VND (FeeGate prices only in đồng), found 'USD'",
        ])
    }

    @Test("overlapping versions of one tariff (editing a shipped file)")
    func overlapShipped() throws {
        let box = try TariffSandbox()
        // The 2014 table now ends on 1/11/2024, the day the 2024-11 table starts: one day of overlap.
        try box.replace("bus/single-fares-2014.yaml", "effective_to: 2024-10-31", with: "effective_to: 2024-11-01")
        #expect(try box.problems() == [
            "bus/single-fares-2024-11.yaml:12: effective period 2024-11-01..open overlaps version '2014' of tariff 'hn-bus-single-fare' (2014-01-01..2024-11-01) in bus/single-fares-2014.yaml; end the older version the day before the newer one starts",
        ])
        // Quoting from such a directory is refused.
        #expect(throws: TariffError.self) { try box.engine() }
    }

    @Test("overlapping versions of one tariff (a new open-ended version) and duplicate version labels")
    func overlapNewFile() throws {
        let box = try TariffSandbox()
        try box.write("fees/id-card-fees-2025.yaml", header(kind: "fee-schedule", id: "vn-id-card-fees", version: "2022-07", from: "2025-01-01", tax: "public-fee") + """
            fees:
              - {code: CCCD-DOI, name: x, amount: 60000, document: receipt}
            """)
        #expect(try box.problems() == [
            "fees/id-card-fees-2025.yaml:3: version '2022-07' of tariff 'vn-id-card-fees' is also defined in fees/id-card-fees-2022-07.yaml; version labels must be unique",
            "fees/id-card-fees-2025.yaml:8: effective period 2025-01-01..open overlaps version '2022-07' of tariff 'vn-id-card-fees' (2022-07-01..open) in fees/id-card-fees-2022-07.yaml; end the older version the day before the newer one starts",
        ])
    }

    @Test("a new version that follows the old one is fine, and quotes switch on its first day")
    func cleanNewVersion() throws {
        let box = try TariffSandbox()
        try box.replace("fees/id-card-fees-2022-07.yaml", "effective_to: null", with: "effective_to: 2025-12-31")
        try box.write("fees/id-card-fees-2026.yaml", header(kind: "fee-schedule", id: "vn-id-card-fees", version: "2026", from: "2026-01-01", tax: "public-fee") + """
            fees:
              - {code: CCCD-DOI, name: x, amount: 60000, document: receipt}
            """)
        #expect(try box.problems() == [])
        let engine = try box.engine()
        #expect(try engine.quoteFee(.init(code: "CCCD-DOI", at: try t("2025-12-31T23:59"))).amount == 50_000)
        #expect(try engine.quoteFee(.init(code: "CCCD-DOI", at: try t("2026-01-01T00:00"))).amount == 60_000)
    }

    @Test("two different tariffs defining the same zone at the same time")
    func conflictingDefinitions() throws {
        let box = try TariffSandbox()
        try box.write("parking/zz-more-zones.yaml", header(kind: "parking-zones", id: "more-zones", tax: "parking-service") + """
            zone_classes:
              - {id: HK-OTHER, name: other Hoàn Kiếm streets}
            zones:
              - id: HK-12-LY-THAI-TO
                name: duplicate
                zone_class: HK-12
            """)
        #expect(try box.problems() == [
            "parking/zz-more-zones.yaml:15: zone 'HK-12-LY-THAI-TO' is also defined by tariff 'hn-parking-zones' at parking/zones.yaml:25 for overlapping dates; only one definition may be in force at a time",
        ])
    }

    @Test("duplicate id inside one file")
    func duplicateInFile() throws {
        let box = try TariffSandbox()
        try box.write("parking/dup-zones.yaml", header(kind: "parking-zones", id: "dup-zones", tax: "parking-service") + """
            zone_classes:
              - {id: HK-12B, name: x}
            zones:
              - {id: Z1, name: a, zone_class: HK-12B}
              - {id: Z1, name: b, zone_class: HK-12B}
            """)
        #expect(try box.problems() == ["parking/dup-zones.yaml:16: duplicate zone 'Z1' (first defined on line 15)"])
    }

    @Test("unknown zone class (zone list)")
    func unknownZoneClassInZones() throws {
        let box = try TariffSandbox()
        try box.replace("parking/zones.yaml", "    zone_class: R3-IN\n  - id: R3-IN-KIM-MA", with: "    zone_class: R3-OUT\n  - id: R3-IN-KIM-MA")
        // The zone_class line of R3-IN-NGUYEN-THUONG-HIEN (zone entry starting on line 45) is line 48.
        #expect(try box.problems() == [
            "parking/zones.yaml:48: unknown zone class 'R3-OUT' for zone 'R3-IN-NGUYEN-THUONG-HIEN' (known: HK-12, R3-IN)",
        ])
    }

    @Test("unknown zone class and unknown zone (parking rules)")
    func unknownZoneInRules() throws {
        let box = try TariffSandbox()
        try box.write("parking/extra-rules.yaml", header(kind: "parking-tariff", id: "extra-rules", from: "2018-01-01", tax: "parking-service") + """
            rules:
              - zone_classes: [HK-13]
                zones:
                  - R3-IN-KIM-MA
                  - NOWHERE
                vehicles: car
                charge: per-started-unit
                unit_minutes: 60
                tiers:
                  - {from_unit: 1, price: 10000}
            """)
        let problems = try box.problems()
        #expect(problems.count == 2)
        #expect(problems.first == "parking/extra-rules.yaml:13: unknown zone class 'HK-13' (known: HK-12, R3-IN)")
        #expect(problems.last?.hasPrefix("parking/extra-rules.yaml:16: unknown zone 'NOWHERE' (known: HK-12-DINH-LE,") == true)
    }

    @Test("a zone-specific rule wins over the zone class rule")
    func zoneSpecificRule() throws {
        let box = try TariffSandbox()
        try box.write("parking/hospital-gate.yaml", header(kind: "parking-tariff", id: "hospital-gate", from: "2018-01-01", tax: "parking-service") + """
            rules:
              - zones: [R3-IN-TAY-SON]
                vehicles: [motorbike]
                charge: turn-per-period
                periods:
                  - {name: all-day, starts: "00:00", price: 4000}
            """)
        #expect(try box.problems() == [])
        let engine = try box.engine()
        // One period a day from 00:00: 17:00–19:00 is a single 4,000 turn; 23:00–01:00 touches two days: 8,000.
        let here = try engine.quoteParking(.init(zone: "R3-IN-TAY-SON", vehicle: .motorbike, from: try t("2025-03-10T17:00"), to: try t("2025-03-10T19:00")))
        #expect(here.amount == 4_000 && here.tariffId == "hospital-gate")
        let night = try engine.quoteParking(.init(zone: "R3-IN-TAY-SON", vehicle: .motorbike, from: try t("2025-03-10T23:00"), to: try t("2025-03-11T01:00")))
        #expect(night.amount == 8_000)
        let other = try engine.quoteParking(.init(zone: "R3-IN-KIM-MA", vehicle: .motorbike, from: try t("2025-03-10T17:00"), to: try t("2025-03-10T19:00")))
        #expect(other.amount == 13_000)
    }

    @Test("unknown rider category and token type (daily cap)")
    func unknownCategoryInCap() throws {
        let box = try TariffSandbox()
        try box.write("bus/cap2.yaml", header(kind: "bus-daily-cap", id: "cap2") + """
            service_day_starts: "00:00"
            caps:
              - category: student
                token_type: metro-card
                amount: 20000
            """)
        #expect(try box.problems() == [
            "bus/cap2.yaml:14: unknown rider category 'student' (known: child-under-6, disability, elderly, meritorious, poor-household, regular)",
            "bus/cap2.yaml:15: unknown token type 'metro-card' (known: cccd, emv, qr, transit-card)",
        ])
    }

    @Test("unknown route (event waiver)")
    func unknownRoute() throws {
        let box = try TariffSandbox()
        try box.write("bus/waiver2.yaml", header(kind: "bus-event-waiver", id: "waiver2", from: "2026-01-01", to: "2026-01-01") + """
            reason: New Year
            funded_by: city-budget
            routes:
              - "01"
              - "999"
            """)
        let problems = try box.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("bus/waiver2.yaml:16: unknown route '999' (known: 01, 02, 03A, 107, 74, 86, 90, BRT01)") == true)
    }

    @Test("unknown tax category")
    func unknownTaxCategory() throws {
        let box = try TariffSandbox()
        try box.replace("fees/id-card-fees-2022-07.yaml", "tax_category: public-fee", with: "tax_category: public-fees")
        #expect(try box.problems() == [
            "fees/id-card-fees-2022-07.yaml:15: unknown tax category 'public-fees': no vat-rate file defines it (known: parking-service, public-bus, public-fee)",
        ])
    }

    @Test("a priced tariff must have a VAT rate on every day it is in force")
    func vatCoverage() throws {
        let box = try TariffSandbox()
        try box.remove("vat/parking-service-2027.yaml")
        #expect(try box.problems() == [
            "parking/street-parking-2018.yaml:18: no VAT rate for tax category 'parking-service' on 2027-01-01, while this tariff is in force (2018-01-01..open)",
        ])
    }

    @Test("negative amounts and lengths")
    func negativeAmounts() throws {
        let box = try TariffSandbox()
        try box.replace("fees/id-card-fees-2022-07.yaml", "amount: 50000", with: "amount: -50000")
        try box.write("bus/neg-route.yaml", header(kind: "bus-routes", id: "neg-route") + """
            routes:
              - {id: N1, name: n, length_km: -3}
            """)
        #expect(try box.problems() == [
            "bus/neg-route.yaml:13: negative length '-3' in 'length_km': lengths must be 0 or more",
            "fees/id-card-fees-2022-07.yaml:25: negative amount -50000 in 'amount': amounts must be 0 or more",
        ])
    }

    @Test("fare bands must cover every length without gaps")
    func bandGap() throws {
        let box = try TariffSandbox()
        try box.replace("bus/single-fares-2024-11.yaml", "  - from_km: 25\n    below_km: 30", with: "  - from_km: 26\n    below_km: 30")
        #expect(try box.problems() == [
            "bus/single-fares-2024-11.yaml:24: band starts at 26 km but must start at 25 km (bands must cover every length with no gap or overlap)",
        ])
    }

    @Test("rider categories: a free category needs a funder; exactly one default")
    func categoryRules() throws {
        let box = try TariffSandbox()
        try box.replace("bus/rider-categories-2019.yaml", "    single_fare: free\n    funded_by: city-budget\n    eligibility: free card, valid 1 year", with: "    single_fare: free\n    default: true")
        #expect(try box.problems() == [
            "bus/rider-categories-2019.yaml:44: a free category must say who pays the operator: add 'funded_by' (e.g. city-budget)",
        ])
        try box.replace("bus/rider-categories-2019.yaml", "    single_fare: free\n    default: true", with: "    single_fare: free\n    default: true\n    funded_by: city-budget")
        #expect(try box.problems() == [
            "bus/rider-categories-2019.yaml:42: exactly one rider category must have 'default: true', found 2",
        ])
    }

    @Test("pass price table: unknown product, missing price")
    func passTable() throws {
        let box = try TariffSandbox()
        try box.replace("bus/monthly-passes-2024-11.yaml", "    all-routes: 280000", with: "    every-route: 280000")
        let problems = try box.problems()
        #expect(problems == [
            "bus/monthly-passes-2024-11.yaml:31: missing price for pass category 'individual', product 'all-routes'",
            "bus/monthly-passes-2024-11.yaml:39: unknown pass product 'every-route' (declare it under 'products')",
        ])
    }

    @Test("diagnostics print under the directory the user named")
    func formatting() {
        let d = TariffDiagnostic(file: "bus/routes.yaml", line: 7, message: "oops")
        #expect(d.description == "bus/routes.yaml:7: oops")
        #expect(d.formatted(root: "Tariffs") == "Tariffs/bus/routes.yaml:7: oops")
        #expect(d.formatted(root: "/tmp/t/") == "/tmp/t/bus/routes.yaml:7: oops")
    }
}
