import FeeGateCore
import FeeGateTariffs
import Testing

/// Worked examples, computed by hand from the rules in Tariffs/parking/street-parking-2018.yaml:
/// two-wheelers pay one turn per period touched (day 06:00–18:00, night 18:00–06:00; motorbike
/// 5,000 / 8,000, bicycle 2,000 / 3,000); cars in R3-IN pay per started hour 25,000 (h1–2),
/// 35,000 (h3–4), 45,000 (h5+), at most 300,000 per started 24 h; cars in HK-12 pay 60,000 per
/// started 2-hour block. Times are Hanoi local.
@Suite("Parking quotes")
struct ParkingQuoteTests {
    let hk = "HK-12-LY-THAI-TO"
    let r3 = "R3-IN-KIM-MA"

    func quote(_ zone: String, _ vehicle: Vehicle, _ from: String, _ to: String) throws -> Quote {
        try shippedEngine().quoteParking(ParkingQuoteRequest(zone: zone, vehicle: vehicle, from: try t(from), to: try t(to)))
    }

    @Test("motorbike 07:00–09:00 touches only the day period: 5,000")
    func motorbikeMorning() throws {
        let q = try quote(hk, .motorbike, "2025-03-10T07:00", "2025-03-10T09:00")
        #expect(q.amount == 5_000)
        #expect(q.lines.count == 1)
        #expect(try q.lines[0].from == (t("2025-03-10T07:00")) && q.lines[0].to == (t("2025-03-10T09:00")))
        #expect(q.fundedBy == "customer" && q.referenceAmount == 5_000 && !q.capped)
        #expect(q.zoneClass == "HK-12" && q.category == "motorbike")
        #expect(q.tariffId == "hn-street-parking" && q.tariffVersion == "2018-01")
    }

    @Test("motorbike 17:00–19:00 touches day and night: 5,000 + 8,000 = 13,000")
    func motorbikeEvening() throws {
        let q = try quote(r3, .motorbike, "2025-03-10T17:00", "2025-03-10T19:00")
        #expect(q.amount == 13_000)
        #expect(q.lines.map(\.amount) == [5_000, 8_000])
        // The split is at 18:00.
        #expect(try q.lines[0].to == (t("2025-03-10T18:00")))
        #expect(try q.lines[1].from == (t("2025-03-10T18:00")))
    }

    @Test("overnight motorbike 20:00 → 07:00 next day: night 8,000 + day 5,000 = 13,000")
    func motorbikeOvernight() throws {
        let q = try quote(hk, .motorbike, "2025-03-10T20:00", "2025-03-11T07:00")
        #expect(q.lines.map(\.amount) == [8_000, 5_000])
        #expect(q.amount == 13_000)
        #expect(try q.lines[1].from == (t("2025-03-11T06:00")))
    }

    @Test("motorbike 17:00 → 07:00 next day: day + night + day = 5,000 + 8,000 + 5,000 = 18,000")
    func motorbikeOvernightBothEnds() throws {
        let q = try quote(hk, .motorbike, "2025-03-10T17:00", "2025-03-11T07:00")
        #expect(q.lines.map(\.amount) == [5_000, 8_000, 5_000])
        #expect(q.amount == 18_000)
    }

    @Test("two days 08:00 → 08:00: day, night, day, night, day = 3 × 5,000 + 2 × 8,000 = 31,000")
    func motorbikeTwoDays() throws {
        let q = try quote(hk, .motorbike, "2025-03-10T08:00", "2025-03-12T08:00")
        #expect(q.lines.map(\.amount) == [5_000, 8_000, 5_000, 8_000, 5_000])
        #expect(q.amount == 31_000)
    }

    @Test("period ends are exclusive: 06:00–18:00 is one day turn; 18:00–06:00 one night turn")
    func exactPeriods() throws {
        #expect(try quote(hk, .motorbike, "2025-03-10T06:00", "2025-03-10T18:00").amount == 5_000)
        #expect(try quote(hk, .motorbike, "2025-03-10T18:00", "2025-03-11T06:00").amount == 8_000)
        // 05:00 is still in the night that began at 18:00 the day before: 05:00–06:00 = 8,000 …
        #expect(try quote(hk, .motorbike, "2025-03-10T05:00", "2025-03-10T06:00").amount == 8_000)
        // … and one minute more touches the day period: 8,000 + 5,000.
        #expect(try quote(hk, .motorbike, "2025-03-10T05:00", "2025-03-10T06:01").amount == 13_000)
    }

    @Test("bicycle 17:00–19:00: 2,000 + 3,000 = 5,000; 07:00–09:00: 2,000")
    func bicycle() throws {
        #expect(try quote(hk, .bicycle, "2025-03-10T17:00", "2025-03-10T19:00").amount == 5_000)
        #expect(try quote(r3, .bicycle, "2025-03-10T07:00", "2025-03-10T09:00").amount == 2_000)
    }

    @Test("an offset timestamp is converted to Hanoi time: 10:00Z–12:00Z = 17:00–19:00 local = 13,000")
    func utcInput() throws {
        #expect(try quote(hk, .motorbike, "2025-03-10T10:00:00Z", "2025-03-10T12:00:00Z").amount == 13_000)
    }

    @Test(
        "R3-IN car, per started hour, progressive",
        arguments: [
            // (end time after 08:00 start, started hours, expected VND, worked out)
            ("08:01", 25_000),   // 1 started hour: 25,000
            ("09:00", 25_000),   // exactly 1 h: 25,000
            ("09:01", 50_000),   // 2 started hours: 2 × 25,000
            ("11:30", 120_000),  // 4 started hours: 2 × 25,000 + 2 × 35,000
            ("13:00", 165_000),  // 5 hours: 120,000 + 45,000
            ("14:30", 255_000),  // 7 started hours: 120,000 + 3 × 45,000
            ("16:00", 300_000),  // 8 hours: 120,000 + 4 × 45,000 = 300,000, exactly the cap (not capped)
        ]
    )
    func carR3(end: String, expected: Int64) throws {
        let q = try quote(r3, .car, "2025-03-10T08:00", "2025-03-10T\(end)")
        #expect(q.amount == Money(expected))
        #expect(!q.capped)
    }

    @Test("R3-IN car hour lines: 3 h 30 min gives hours 1–4 at 25,000, 25,000, 35,000, 35,000; last line ends at exit")
    func carR3Lines() throws {
        let q = try quote(r3, .car, "2025-03-10T08:00", "2025-03-10T11:30")
        #expect(q.lines.map(\.amount) == [25_000, 25_000, 35_000, 35_000])
        #expect(try q.lines.last?.from == (t("2025-03-10T11:00")))
        #expect(try q.lines.last?.to == (t("2025-03-10T11:30")))
    }

    @Test("R3-IN car cap: 9 started hours would be 345,000 → capped at 300,000")
    func carR3Capped() throws {
        let q = try quote(r3, .car, "2025-03-10T08:00", "2025-03-10T16:01")
        // 120,000 + 5 × 45,000 = 345,000 > 300,000
        #expect(q.amount == 300_000)
        #expect(q.capped)
        #expect(q.lines.count == 1)
    }

    @Test("R3-IN car 24 h: capped 300,000; 24 h 01 min: 300,000 + hour 25 at 45,000 = 345,000")
    func carR3Day() throws {
        let day = try quote(r3, .car, "2025-03-10T08:00", "2025-03-11T08:00")
        #expect(day.amount == 300_000 && day.capped)
        let more = try quote(r3, .car, "2025-03-10T08:00", "2025-03-11T08:01")
        #expect(more.amount == 345_000 && more.capped)
        #expect(more.lines.map(\.amount) == [300_000, 45_000])
        #expect(try more.lines[1].from == (t("2025-03-11T08:00")))
    }

    @Test("R3-IN car 48 h: two started 24 h windows, each capped: 2 × 300,000 = 600,000")
    func carR3TwoDays() throws {
        let q = try quote(r3, .car, "2025-03-10T08:00", "2025-03-12T08:00")
        // Window 2 = hours 25–48 at 45,000 = 1,080,000 → 300,000.
        #expect(q.amount == 600_000)
        #expect(q.lines.map(\.amount) == [300_000, 300_000])
    }

    @Test(
        "HK-12 car: 60,000 per started 2-hour block, no cap",
        arguments: [
            ("2025-03-10T08:01", 60_000),    // 1 block
            ("2025-03-10T10:00", 60_000),    // exactly 2 h = 1 block
            ("2025-03-10T10:01", 120_000),   // 2 blocks
            ("2025-03-10T13:00", 180_000),   // 5 h = 3 started blocks
            ("2025-03-11T10:00", 780_000),   // 26 h = 13 blocks, no cap
        ]
    )
    func carHK12(end: String, expected: Int64) throws {
        let q = try quote(hk, .car, "2025-03-10T08:00", end)
        #expect(q.amount == Money(expected))
        #expect(!q.capped)
        #expect(q.lines.count == Int(expected / 60_000))
    }

    @Test("parking VAT 10% on 2025-06-30, 8% on 2025-07-01: 5,000 → 4,545 + 455, then 4,630 + 370")
    func vatSwitch2025() throws {
        // 5,000 / 1.10 = 4,545.45 → 4,545; VAT 455.   5,000 / 1.08 = 4,629.63 → 4,630; VAT 370.
        let june = try quote(hk, .motorbike, "2025-06-30T07:00", "2025-06-30T09:00")
        #expect(june.vatRate == .ten && june.amountBeforeVAT == 4_545 && june.vatAmount == 455)
        #expect(june.vatTariffId == "vat-parking-service" && june.vatTariffVersion == "2009-std-10")
        let july = try quote(hk, .motorbike, "2025-07-01T07:00", "2025-07-01T09:00")
        #expect(july.vatRate == .eight && july.amountBeforeVAT == 4_630 && july.vatAmount == 370)
    }

    @Test("parking VAT 8% on 2026-12-31, 10% on 2027-01-01: car 120,000 → 111,111 + 8,889, then 109,091 + 10,909")
    func vatSwitch2027() throws {
        // 120,000 / 1.08 = 111,111.11 → 111,111.   120,000 / 1.10 = 109,090.91 → 109,091.
        let end2026 = try quote(r3, .car, "2026-12-31T08:00", "2026-12-31T11:30")
        #expect(end2026.amount == 120_000 && end2026.vatRate == .eight)
        #expect(end2026.amountBeforeVAT == 111_111 && end2026.vatAmount == 8_889)
        let start2027 = try quote(r3, .car, "2027-01-01T08:00", "2027-01-01T11:30")
        #expect(start2027.vatRate == .ten && start2027.amountBeforeVAT == 109_091 && start2027.vatAmount == 10_909)
    }

    @Test("a stay across the VAT switch takes the rate in force when it ends (tax point): night 8,000 at 8%")
    func vatAtEndOfStay() throws {
        // 23:00 on 30/6 to 01:00 on 1/7 is one night turn, 8,000; ends 1/7 → 8%: 8,000 / 1.08 = 7,407.41 → 7,407 + 593.
        let q = try quote(hk, .motorbike, "2025-06-30T23:00", "2025-07-01T01:00")
        #expect(q.amount == 8_000 && q.vatRate == .eight && q.amountBeforeVAT == 7_407 && q.vatAmount == 593)
    }

    @Test("bad parking input gives typed errors")
    func errors() throws {
        let engine = try shippedEngine()
        let from = try t("2025-03-10T08:00"), to = try t("2025-03-10T10:00")
        let unknown = tariffError { () throws(TariffError) in try engine.quoteParking(.init(zone: "HK-12-NOWHERE", vehicle: .car, from: from, to: to)) }
        guard case .unknownZone(let zone, let known)? = unknown else { Issue.record("got \(String(describing: unknown))"); return }
        #expect(zone == "HK-12-NOWHERE" && known.contains(hk))

        let backwards = tariffError { () throws(TariffError) in try engine.quoteParking(.init(zone: hk, vehicle: .car, from: to, to: from)) }
        #expect(backwards == .invalidStay(from: to, to: from))
        #expect(backwards?.description.contains("must end after it starts") == true)

        let empty = tariffError { () throws(TariffError) in try engine.quoteParking(.init(zone: hk, vehicle: .car, from: from, to: from)) }
        #expect(empty == .invalidStay(from: from, to: from))

        let late = try t("2025-04-11T08:01")  // 32 days and 1 minute: 33 started days
        let long = tariffError { () throws(TariffError) in try engine.quoteParking(.init(zone: hk, vehicle: .car, from: from, to: late)) }
        #expect(long == .stayTooLong(days: 33, maximumDays: 31))

        // Before QĐ 44/2017 took effect on 1/1/2018 nothing is in force.
        let before2018 = try t("2017-12-31T08:00"), before2018End = try t("2017-12-31T09:00")
        let early = tariffError { () throws(TariffError) in
            try engine.quoteParking(.init(zone: hk, vehicle: .car, from: before2018, to: before2018End))
        }
        guard case .noTariffInForce(_, let date)? = early else { Issue.record("got \(String(describing: early))"); return }
        #expect(date.description == "2017-12-31")
    }
}
