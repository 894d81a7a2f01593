import FeeGateTariffs
import Foundation
import Testing

/// Expected values from GNU date / Python, computed outside this code base:
///   date -u -d '2025-07-01T01:00:00Z' +%s            → 1751331600
///   date -u -d '2024-10-31T17:00:00Z' +%s            → 1730394000
///   (date.fromisoformat(s) - date(1970, 1, 1)).days  → the day numbers below
@Suite("Hanoi time")
struct HanoiTimeTests {
    @Test("ISO 8601 forms accepted; no offset means Hanoi time (GMT+7)", arguments: [
        "2025-07-01T08:00", "2025-07-01T08:00:00", "2025-07-01 08:00:00", "2025-07-01T08:00:00+07:00",
        "2025-07-01T08:00:00+0700", "2025-07-01T01:00:00Z", "2025-07-01T01:00:00.250Z", "2025-06-30T20:00:00-05:00",
    ])
    func parse(text: String) throws {
        let value = try #require(HanoiDateTime.parse(text))
        #expect(value.epochSeconds == 1_751_331_600)
        #expect(value.iso8601 == "2025-07-01T08:00:00+07:00")
    }

    @Test("malformed timestamps are rejected", arguments: [
        "2025-07-01", "2025-02-29T08:00", "2025-07-01T24:00", "2025-07-01T08:60", "2025-07-01T08:00+7",
        "2025-07-01T08:00:00+07:00x", "2025-7-01T08:00", "yesterday", "",
    ])
    func reject(text: String) {
        #expect(HanoiDateTime.parse(text) == nil)
    }

    @Test("local date and second of day at the GMT+7 boundary")
    func localDate() throws {
        let midnight = HanoiDateTime(epochSeconds: 1_730_394_000)  // 2024-10-31T17:00:00Z
        #expect(midnight.localDate.description == "2024-11-01" && midnight.secondOfDay == 0)
        let before = midnight.adding(seconds: -1)
        #expect(before.localDate.description == "2024-10-31" && before.secondOfDay == 86_399)
        #expect(HanoiDateTime(local: try #require(LocalDate(iso: "2024-11-01"))) == midnight)
    }

    @Test("civil date ↔ day number", arguments: [
        ("1970-01-01", 0), ("2000-03-01", 11_017), ("2024-02-29", 19_782), ("1900-03-01", -25_508),
        ("2100-02-28", 47_540), ("2100-03-01", 47_541), ("1969-12-31", -1),
    ] as [(String, Int64)])
    func dayNumbers(text: String, days: Int64) throws {
        let date = try #require(LocalDate(iso: text))
        #expect(date.daysSinceEpoch == days)
        #expect(LocalDate(daysSinceEpoch: days) == date)
    }

    @Test("invalid calendar dates", arguments: ["2025-02-29", "2100-02-29", "2024-13-01", "2024-04-31", "24-01-01", "2024-1-01"])
    func invalidDates(text: String) {
        #expect(LocalDate(iso: text) == nil)
    }
}

@Suite("Tariff directory")
struct TariffDirectoryTests {
    @Test func aSymlinkedDirectoryLoadsAndAnEmptyOneIsAnError() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-tariff-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let link = base.appendingPathComponent("Tariffs")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: shippedTariffs)
        let catalog = try TariffCatalog.load(directory: link.path)
        #expect(catalog.fileCount == 16 && catalog.diagnostics.isEmpty)
        let empty = base.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: TariffError.self) { try TariffCatalog.load(directory: empty.path) }
    }
}
