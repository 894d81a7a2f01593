import FeeGateCore
import FeeGateSettlement
import FeeGateSimulation
import FeeGateTestSupport
import Foundation
import Testing

/// The `smoke` profile through the real posting path: asserts the simulator's invariants, never its speed.
@Suite struct SimulatorSmokeTests {
    /// Today, and a past day (the store's clock then runs from noon of that day, so on-time postings, the close and
    /// the late events still land in the right business days). Today's run also interleaves the SQLite baseline,
    /// which must end up with exactly the transfers the run ingested.
    @Test(arguments: [0, -3])
    func smokeDayHoldsEveryInvariant(daysFromToday: Int64) async throws {
        let dir = try TemporaryDirectory()
        let today = BusinessDay(epochSeconds: Int64(Date().timeIntervalSince1970))
        let options = SimOptions(
            profile: .smoke, seed: 7, day: BusinessDay(number: today.number + daysFromToday), databasePath: dir.path("smoke.sqlite"),
            concurrency: 16, settlementConfig: try SettlementConfig.parse(SimDefaults.settlementYAML), baseline: daysFromToday == 0)
        let report = try await InProcessSimulation.run(options, commitStats: CommitStats())
        for invariant in report.invariants { #expect(invariant.ok, "\(invariant.name): \(invariant.detail)") }
        if daysFromToday == 0 {
            #expect(report.baseline?.transfers == report.transfers)
            #expect((report.baseline?.batchSize ?? 0) >= 1 && (report.ratioToSQLiteCeiling ?? 0) > 0)
        }
        #expect(report.invariants.count >= 9)
        #expect(report.transfers > 3_000)
        #expect(report.settlementGroups ?? 0 > 5)
    }

    /// The plain-SQLite baseline inserts the transfers it is given, in batches, and reports its rate.
    @Test func baselineInsertsEveryRow() throws {
        let dir = try TemporaryDirectory()
        let a = UUID(), b = UUID(), c = UUID()
        let rows = (0..<250).map { i in SQLiteBaseline.Row(id: UUID(), debit: i % 2 == 0 ? a : c, credit: b, amount: Int64(i)) }
        let result = try SQLiteBaseline.run(rows: rows, batchSize: 100, path: dir.path("baseline.sqlite"))
        #expect(result.transfers == 250 && result.batchSize == 100 && result.transfersPerSecond > 0)
    }

    /// Interleaved parts add up, and the rows really are in the baseline's database (read with the sqlite3 tool).
    @Test func baselineSessionTakesItsRowsInParts() throws {
        let dir = try TemporaryDirectory()
        let a = UUID(), b = UUID()
        let rows = (0..<300).map { i in SQLiteBaseline.Row(id: UUID(), debit: a, credit: b, amount: Int64(i + 1)) }
        let path = dir.path("parts.sqlite")
        let session = try SQLiteBaseline.Session(path: path, rows: rows)
        try session.insert(rows[0..<100], batchSize: 10)
        try session.insert(rows[100..<300], batchSize: 40)
        let result = session.result
        #expect(result.transfers == 300 && result.batchSize == 30)  // (10·100 + 40·200) / 300
        let counted = try ExternalTool.run("sqlite3", [path, "SELECT count(*), sum(amount) FROM transfer; SELECT sum(debits_posted), sum(credits_posted) FROM account;"])
        #expect(counted.stdout.split(separator: "\n").map(String.init) == ["300|45150", "45150|45150"])
    }

    @Test func theDayIsDeterministicFromTheSeed() {
        let day = BusinessDay("2026-11-20")!
        let a = SimWorkload(profile: .smoke, seed: 11, day: day), b = SimWorkload(profile: .smoke, seed: 11, day: day)
        let c = SimWorkload(profile: .smoke, seed: 12, day: day)
        for i in [0, 1, 2_999, 3_000, 3_599, 3_600, 3_999] {
            #expect(a.event(i).id == b.event(i).id && a.event(i).amount == b.event(i).amount && a.event(i).eventTime == b.event(i).eventTime)
        }
        #expect((0..<50).contains { a.event($0).id != c.event($0).id })
        let kinds = Set((0..<a.count).map { a.event($0).kind })
        #expect(kinds == [.tap, .parking, .payment])
        // Some riders are elderly (city budget) and some hold passes; some taps are offline or late.
        let taps = (0..<SimProfile.smoke.taps).map(a.event)
        #expect(taps.contains { $0.funder == "city-budget" } && taps.contains { $0.funder == "pass" })
        #expect(taps.contains { $0.phase == .offline } && taps.contains { $0.phase == .late } && taps.contains { $0.retry })
    }
}
