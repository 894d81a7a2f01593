import FeeGateCore
import Foundation
import Testing

@Suite("Money and VAT")
struct MoneyTests {
    // Each expected value is worked by hand: before = round_half_up(price / (1 + rate)), vat = price − before.
    @Test(arguments: [
        // 25,000 / 1.08 = 23,148.148… → 23,148; VAT 1,852
        (Int64(25_000), VATRate.eight, Int64(23_148), Int64(1_852)),
        // 5,000 / 1.08 = 4,629.629… → 4,630; VAT 370
        (5_000, .eight, 4_630, 370),
        // 13,000 / 1.10 = 11,818.18… → 11,818; VAT 1,182
        (13_000, .ten, 11_818, 1_182),
        // 60,000 / 1.10 = 54,545.45… → 54,545; VAT 5,455
        (60_000, .ten, 54_545, 5_455),
        // 300,000 / 1.08 = 277,777.77… → 277,778; VAT 22,222
        (300_000, .eight, 277_778, 22_222),
        // 54 / 1.08 = 50 exactly
        (54, .eight, 50, 4),
        // KHAC 20%: 3 / 1.2 = 2.5 → half up → 3; VAT 0 (the only way to hit an exact half, see DEVELOPERS notes)
        (3, .percent(basisPoints: 2000), 3, 0),
        // 1 / 1.08 = 0.926 → 1; VAT 0
        (1, .eight, 1, 0),
        (0, .eight, 0, 0),
        // not subject: everything is the price
        (8_000, .notSubject, 8_000, 0),
        // 10^15 / 1.08 = 925,925,925,925,925.925… → 925,925,925,925,926
        (1_000_000_000_000_000, .eight, 925_925_925_925_926, 74_074_074_074_074),
    ])
    func splitsInclusivePrices(price: Int64, rate: VATRate, before: Int64, vat: Int64) {
        let split = rate.split(inclusive: Money(price))
        #expect(split.beforeVAT == Money(before))
        #expect(split.vat == Money(vat))
        #expect(split.beforeVAT.vnd + split.vat.vnd == price)
    }

    @Test func vatOnExclusiveAmountsRoundsHalfUp() {
        #expect(VATRate.eight.vat(onExclusive: 12_500) == 1_000)
        #expect(VATRate.ten.vat(onExclusive: 1_234) == 123)  // 123.4
        #expect(VATRate.ten.vat(onExclusive: 1_235) == 124)  // 123.5 → up
        #expect(VATRate.notSubject.vat(onExclusive: 1_000) == 0)
    }

    @Test func vatLabelsRoundTrip() {
        let cases: [(String, VATRate)] = [
            ("0%", .zero), ("5%", .five), ("8%", .eight), ("10%", .ten), ("KCT", .notSubject), ("KKKNT", .notDeclared),
            ("KHAC:03.50%", .percent(basisPoints: 350)), ("KHAC:12.05%", .percent(basisPoints: 1205)),
        ]
        for (label, rate) in cases {
            #expect(VATRate(label: label) == rate, "\(label)")
            #expect(rate.label == label)
        }
        #expect(VATRate(label: "KHAC:3.5%") == .percent(basisPoints: 350))
        for bad in ["8", "12%", "KHAC:", "KHAC:1.234%", "KHAC:abc%", "kct", ""] { #expect(VATRate(label: bad) == nil, "\(bad)") }
    }

    @Test func checkedArithmeticReportsOverflow() {
        #expect(Money(Int64.max).adding(1) == nil)
        #expect(Money(Int64.min).subtracting(1) == nil)
        #expect(Money(5_000).multiplied(by: 3) == 15_000)
        #expect(Money(Int64.max / 2 + 1).multiplied(by: 2) == nil)
        #expect(Money.maximum.isValidAmount && !Money(Money.maximum.vnd + 1).isValidAmount && !Money(-1).isValidAmount)
    }

    @Test func groupsDigitsTheVietnameseWay() {
        #expect(Money.grouped(0) == "0")
        #expect(Money.grouped(999) == "999")
        #expect(Money.grouped(1_000) == "1.000")
        #expect(Money.grouped(1_250_000) == "1.250.000")
        #expect(Money.grouped(-25_000) == "-25.000")
        #expect(Money(25_000).description == "25.000 ₫")
    }

    @Test func formatsLedgerTimeInVietnam() {
        // 2026-11-21T16:27:53Z = 1,795,278,473 s since the epoch (checked with `date -d @1795278473 -u`).
        #expect(LedgerTime.iso8601(nanoseconds: 1_795_278_473_123_000_000) == "2026-11-21T23:27:53.123+07:00")
        #expect(LedgerTime.iso8601(nanoseconds: 0) == "1970-01-01T07:00:00.000+07:00")
        // 2024-02-29T17:00:00Z is 2024-03-01 00:00 in Hanoi: 19,782 days (leap-year boundary).
        #expect(LedgerTime.iso8601(nanoseconds: (19_782 * 86_400 + 17 * 3600) * 1_000_000_000) == "2024-03-01T00:00:00.000+07:00")
        #expect(VietnamCalendar.days(year: 2024, month: 3, day: 1) == 19_783)
    }

    /// Against Foundation's ISO 8601 formatter, for whole milliseconds from 1900 to 2200 and several offsets.
    @Test func ledgerTimeMatchesFoundationsISO8601() {
        var random = SystemRandomNumberGenerator()
        for offset: Int64 in [7 * 3600, 0, -5 * 3600 - 1800, 14 * 3600] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds, .withColonSeparatorInTimeZone]
            formatter.timeZone = TimeZone(secondsFromGMT: Int(offset))
            for _ in 0..<2_000 {
                let millis = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &random)  // 1900-01-01 ... 2200-01-01
                let expected = formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000 + 0.0002))  // inside the millisecond, whether Foundation rounds or truncates
                    .replacingOccurrences(of: "Z", with: "+00:00")
                #expect(LedgerTime.iso8601(nanoseconds: millis * 1_000_000, offsetSeconds: offset) == expected, "\(millis) ms, offset \(offset)")
            }
        }
        // The ends of the Int64 range (`date -u -d @9223372036.854` and `@-9223372037`), milliseconds floored.
        #expect(LedgerTime.iso8601(nanoseconds: .max, offsetSeconds: 0) == "2262-04-11T23:47:16.854+00:00")
        #expect(LedgerTime.iso8601(nanoseconds: .min, offsetSeconds: 0) == "1677-09-21T00:12:43.145+00:00")
    }
}
