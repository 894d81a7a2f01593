import FeeGateCore
import FeeGateTariffs
import Testing

/// Routes exactly at the fare-band edges, added beside the shipped tariffs (a second routes tariff).
let bandEdgeRoutes = """
    kind: bus-routes
    id: test-band-edge-routes
    version: "t1"
    title: Test routes at band edges
    legal_basis: test fixture
    source: test fixture
    confidence: example
    effective_from: 2014-01-01
    effective_to: null
    currency: VND
    tax_category: public-bus
    routes:
      - {id: "T14.9", name: edge, length_km: 14.9}
      - {id: "T15", name: edge, length_km: 15}
      - {id: "T24.9", name: edge, length_km: 24.9}
      - {id: "T25", name: edge, length_km: 25.0}
      - {id: "T29.9", name: edge, length_km: 29.9}
      - {id: "T30", name: edge, length_km: 30}
      - {id: "T39.9", name: edge, length_km: 39.9}
      - {id: "T40", name: edge, length_km: 40}
      - {id: "T39.999", name: edge, length_km: 39.999}

    """

/// Worked examples from the bus rules: fare by route-length band (from 1/11/2024: < 15 km 8,000;
/// 15–< 25 10,000; 25–< 30 12,000; 30–< 40 15,000; ≥ 40 20,000; before: < 25 7,000; 25–< 30
/// 8,000; ≥ 30 9,000), free riders funded by `city-budget` at the route fare, CCCD age, the A80
/// waiver and the example daily cap (regular + emv, 30,000 per fare day from 04:30).
@Suite("Bus quotes")
struct BusQuoteTests {
    func bus(
        _ route: String, _ at: String, category: String? = nil, token: RiderToken? = nil, paid: Money? = nil
    ) throws -> Quote {
        try shippedEngine().quoteBus(BusQuoteRequest(route: route, at: try t(at), category: category, token: token, paidToday: paid))
    }

    func cccd(_ number: String) -> RiderToken { RiderToken(type: "cccd", value: number) }

    @Test(
        "every band edge, both fare tables",
        arguments: [
            // (route, fare from 1/11/2024, fare in the 2014 table)
            ("T14.9", 8_000, 7_000), ("T15", 10_000, 7_000),
            ("T24.9", 10_000, 7_000), ("T25", 12_000, 8_000),
            ("T29.9", 12_000, 8_000), ("T30", 15_000, 9_000),
            ("T39.9", 15_000, 9_000), ("T39.999", 15_000, 9_000), ("T40", 20_000, 9_000),
        ] as [(String, Int64, Int64)]
    )
    func bandEdges(route: String, newFare: Int64, oldFare: Int64) throws {
        let sandbox = try TariffSandbox()
        try sandbox.write("bus/test-routes.yaml", bandEdgeRoutes)
        let engine = try sandbox.engine()
        let new = try engine.quoteBus(BusQuoteRequest(route: route, at: try t("2025-03-01T08:00")))
        #expect(new.amount == Money(newFare) && new.tariffVersion == "2024-11")
        let old = try engine.quoteBus(BusQuoteRequest(route: route, at: try t("2024-10-15T08:00")))
        #expect(old.amount == Money(oldFare) && old.tariffVersion == "2014")
    }

    @Test("fare table switch at 2024-11-01 00:00 Hanoi time (= 2024-10-31T17:00Z); route 01 (27.8 km): 8,000 → 12,000")
    func switchDate() throws {
        #expect(try bus("01", "2024-10-31T23:59:59").amount == 8_000)
        #expect(try bus("01", "2024-11-01T00:00:00").amount == 12_000)
        #expect(try bus("01", "2024-10-31T16:59:59Z").amount == 8_000)
        #expect(try bus("01", "2024-10-31T17:00:00Z").amount == 12_000)
        // Route 74 (47.8 km) more than doubled: 9,000 → 20,000.
        #expect(try bus("74", "2024-10-31T12:00").amount == 9_000)
        #expect(try bus("74", "2024-11-01T12:00").amount == 20_000)
    }

    @Test("a regular ride is paid by the customer, VAT KCT, one line")
    func regular() throws {
        let q = try bus("86", "2025-03-01T08:00")  // 34.5 km → 15,000
        #expect(q.amount == 15_000 && q.fundedBy == "customer" && q.referenceAmount == 15_000)
        #expect(q.vatRate == .notSubject && q.vatAmount == 0 && q.amountBeforeVAT == 15_000)
        #expect(q.category == "regular" && q.routeLengthKm == "34.5" && q.lines.count == 1 && !q.capped)
        #expect(q.zeroReason == nil)
    }

    @Test("free categories ride for 0, funded by city-budget, reference = route fare", arguments: [
        "elderly", "child-under-6", "disability", "meritorious", "poor-household",
    ])
    func freeCategories(category: String) throws {
        let q = try bus("01", "2025-03-01T08:00", category: category)  // 27.8 km → 12,000
        #expect(q.amount == 0 && q.fundedBy == "city-budget" && q.referenceAmount == 12_000)
        #expect(q.category == category && q.zeroReason == "free-category:\(category)")
        #expect(q.vatAmount == 0 && q.amountBeforeVAT == 0)
    }

    @Test("CCCD: born 1965 → 60 in 2025 rides free; born 1966 → 59 pays 12,000 (either gender code)")
    func cccdAge60() throws {
        // Digit 4 = 0 (male, 1900s) or 1 (female, 1900s); digits 5–6 = birth year.
        let sixty = try bus("01", "2025-03-01T08:00", token: cccd("001065012345"))
        #expect(sixty.amount == 0 && sixty.category == "elderly" && sixty.fundedBy == "city-budget")
        #expect(sixty.referenceAmount == 12_000)
        #expect(sixty.eligibility == "CCCD: aged 60 in 2025 (elderly: ≥ 60)")
        let sixtyF = try bus("01", "2025-03-01T08:00", token: cccd("001165012345"))
        #expect(sixtyF.amount == 0)
        let fiftyNine = try bus("01", "2025-12-31T23:59", token: cccd("001066012345"))
        #expect(fiftyNine.amount == 12_000 && fiftyNine.category == "regular" && fiftyNine.fundedBy == "customer")
    }

    @Test("CCCD age uses the tap's Hanoi year: born 1965, 31/12/2024 23:59:59 local → 59 pays; 1/1/2025 00:30 → 60 free")
    func cccdYearBoundary() throws {
        let card = cccd("079065000001")
        #expect(try bus("01", "2024-12-31T16:59:59Z", token: card).amount == 12_000)  // 23:59:59 local, age 59
        #expect(try bus("01", "2024-12-31T17:30:00Z", token: card).amount == 0)       // 00:30 local on 1/1/2025, age 60
    }

    @Test("CCCD century codes: 2/3 → 2000s (born 2020 → 5 in 2025 → child free; born 2019 → 6 pays)")
    func cccdCenturyCodes() throws {
        let child = try bus("01", "2025-03-01T08:00", token: cccd("001320012345"))
        #expect(child.amount == 0 && child.category == "child-under-6")
        let six = try bus("01", "2025-03-01T08:00", token: cccd("001219012345"))
        #expect(six.amount == 12_000 && six.category == "regular")
        // 0/1 → 1900s: "00" = 1900 → 125 in 2025, free as elderly.
        #expect(try bus("01", "2025-03-01T08:00", token: cccd("001000012345")).category == "elderly")
    }

    @Test("CCCD century code 4/5 → 2100s: a birth year after the tap is rejected; malformed numbers are rejected; no digits leak")
    func cccdMalformed() throws {
        let engine = try shippedEngine()
        let at = try t("2025-03-01T08:00")
        func attempt(_ number: String) -> TariffError? {
            tariffError { () throws(TariffError) in
                try engine.quoteBus(BusQuoteRequest(route: "01", at: at, token: RiderToken(type: "cccd", value: number)))
            }
        }
        let future = attempt("001425012345")  // code 4 → 2125
        #expect(future == .malformedToken(tokenType: "cccd", reason: "it encodes birth year 2125, after the tap's year 2025"))
        #expect(attempt("00106501234") == .malformedToken(tokenType: "cccd", reason: "a CCCD number has exactly 12 digits, this one has 11 characters"))
        #expect(attempt("0010650123456")?.description.contains("13 characters") == true)
        #expect(attempt("00106501234X") == .malformedToken(tokenType: "cccd", reason: "a CCCD number has digits only; character 12 is not a digit"))
        #expect(attempt("") != nil)
        for error in [future, attempt("00106501234X")].compactMap({ $0 }) {
            #expect(!error.description.contains("0010650"), "error text must not contain the CCCD number")
        }
        #expect(try CCCD(number: "001525012345").birthYear == 2125)
        #expect(try CCCD(number: "001265000000").birthYear == 2065)
    }

    @Test("an explicit age category contradicted by the CCCD is an error; a CCCD aged ≥ 60 overrides 'regular'")
    func cccdVersusCategory() throws {
        let engine = try shippedEngine()
        let at = try t("2025-03-01T08:00")
        let error = tariffError { () throws(TariffError) in
            try engine.quoteBus(BusQuoteRequest(route: "01", at: at, category: "elderly", token: RiderToken(type: "cccd", value: "001085012345")))
        }
        #expect(error == .categoryContradictsToken(category: "elderly", reason: "the CCCD shows age 40 in 2025, outside ≥ 60"))
        let q = try bus("01", "2025-03-01T08:00", category: "regular", token: cccd("001050012345"))
        #expect(q.category == "elderly" && q.amount == 0)
        // A non-age category (disability) is kept for a 40-year-old CCCD holder.
        let d = try bus("01", "2025-03-01T08:00", category: "disability", token: cccd("001085012345"))
        #expect(d.category == "disability" && d.amount == 0)
    }

    @Test("A80 waiver edges: 29/8 23:59:59 pays; 30/8 00:00 and 2/9 23:59:59 free (city-budget at the fare); 3/9 00:00 pays")
    func eventWaiver() throws {
        #expect(try bus("01", "2025-08-29T23:59:59").amount == 12_000)
        let first = try bus("01", "2025-08-30T00:00:00")
        #expect(first.amount == 0 && first.fundedBy == "city-budget" && first.referenceAmount == 12_000)
        #expect(first.zeroReason == "event-waiver:hn-a80-free-rides" && first.category == "regular")
        let last = try bus("74", "2025-09-02T23:59:59")
        #expect(last.amount == 0 && last.referenceAmount == 20_000)
        #expect(try bus("01", "2025-09-03T00:00:00").amount == 12_000)
        // The waiver beats the daily cap and is reported as such for a capped-token rider.
        let capped = try bus("01", "2025-08-31T08:00", token: RiderToken(type: "emv", value: "tok"), paid: 30_000)
        #expect(capped.zeroReason == "event-waiver:hn-a80-free-rides" && !capped.capped)
    }

    @Test(
        "daily cap 30,000 (regular + emv): paid today → amount for a 12,000 fare",
        arguments: [
            (0, 12_000, false),       // 0 + 12,000 ≤ 30,000
            (18_000, 12_000, false),  // 18,000 + 12,000 = 30,000 exactly: not capped
            (24_000, 6_000, true),    // only 30,000 − 24,000 = 6,000 left
            (30_000, 0, true),        // cap reached
            (45_000, 0, true),        // already over (e.g. a fare change): nothing more
        ] as [(Int64, Int64, Bool)]
    )
    func dailyCap(paid: Int64, expected: Int64, capped: Bool) throws {
        let q = try bus("01", "2025-03-01T08:00", token: RiderToken(type: "emv", value: "tok"), paid: Money(paid))
        #expect(q.amount == Money(expected) && q.capped == capped)
        #expect(q.referenceAmount == 12_000 && q.fundedBy == "customer")
        #expect(q.dailyCap == 30_000 && q.paidToday == Money(paid))
        #expect(q.zeroReason == (expected == 0 ? "daily-cap:example-emv-daily-cap" : nil))
    }

    @Test("the cap applies only to its category and token type; the fare day starts at 04:30")
    func dailyCapScope() throws {
        let card = try bus("01", "2025-03-01T08:00", token: RiderToken(type: "transit-card", value: "c"), paid: 24_000)
        #expect(card.amount == 12_000 && !card.capped && card.dailyCap == nil)
        let noToken = try bus("01", "2025-03-01T08:00", paid: 24_000)
        #expect(noToken.amount == 12_000 && !noToken.capped)
        let elderly = try bus("01", "2025-03-01T08:00", category: "elderly", token: RiderToken(type: "emv", value: "t"), paid: 0)
        #expect(elderly.amount == 0 && !elderly.capped && elderly.zeroReason == "free-category:elderly")
        // 03:00 on 2/3 still belongs to the fare day of 1/3; 04:30 starts the next one.
        #expect(try bus("01", "2025-03-02T03:00", token: RiderToken(type: "emv", value: "t")).serviceDay?.description == "2025-03-01")
        #expect(try bus("01", "2025-03-02T04:30", token: RiderToken(type: "emv", value: "t")).serviceDay?.description == "2025-03-02")
    }

    @Test("bad bus input gives typed errors")
    func errors() throws {
        let engine = try shippedEngine()
        let at = try t("2025-03-01T08:00")
        func attempt(_ request: BusQuoteRequest) -> TariffError? {
            tariffError { () throws(TariffError) in try engine.quoteBus(request) }
        }
        guard case .unknownRoute("999", _, let known)? = attempt(BusQuoteRequest(route: "999", at: at)) else {
            Issue.record("expected unknownRoute"); return
        }
        #expect(known.contains("BRT01"))
        guard case .unknownCategory("vip", _)? = attempt(BusQuoteRequest(route: "01", at: at, category: "vip")) else {
            Issue.record("expected unknownCategory"); return
        }
        guard case .unknownTokenType("nfc-ring", _)? = attempt(BusQuoteRequest(route: "01", at: at, token: RiderToken(type: "nfc-ring", value: "x"))) else {
            Issue.record("expected unknownTokenType"); return
        }
        #expect(attempt(BusQuoteRequest(route: "01", at: at, paidToday: Money(-1))) == .invalidPaidToday(Money(-1)))
        // Before NQ 07/2019's free passes (1/9/2019) there is no category policy to apply.
        let early = try t("2019-08-31T08:00")
        guard case .noTariffInForce(_, let date)? = attempt(BusQuoteRequest(route: "01", at: early, category: "elderly")) else {
            Issue.record("expected noTariffInForce"); return
        }
        #expect(date.description == "2019-08-31")
        // … but a plain fare can still be quoted then: 27.8 km in the 2014 table = 8,000.
        #expect(try engine.quoteBus(BusQuoteRequest(route: "01", at: early)).amount == 8_000)
        guard case .noTariffInForce? = attempt(BusQuoteRequest(route: "01", at: try t("2013-12-31T08:00"))) else {
            Issue.record("expected noTariffInForce before 2014"); return
        }
    }
}
