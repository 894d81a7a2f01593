import FeeGateCore
import FeeGateSettlement
import FeeGateStore
import FeeGateTestSupport
import Foundation
import Testing

/// Fee arithmetic and configuration, checked against figures worked out by hand.
@Suite struct ChannelFeeRuleTests {
    let day = BusinessDay("2026-11-20")!
    func percent(_ text: String, min: Int64 = 0, max: Int64? = nil) -> ChannelFeeRule {
        let yaml = """
            channel_fees:
              - {channel: card, effective_from: 2025-01-01, percent: "\(text)"\(min > 0 ? ", min: \(min)" : "")\(max.map { ", max: \($0)" } ?? "")}
            """
        return try! SettlementConfig.parse(yaml).rule(channel: "card", on: day)!
    }

    @Test func percentageWithMinimumAndMaximum() {
        let rule = percent("0.6%", min: 2_000, max: 2_000_000)
        #expect(rule.fee(gross: 1_000_000, count: 10) == 6_000)  // 0.6 % of 1,000,000
        #expect(rule.fee(gross: 200_000, count: 3) == 2_000)  // 1,200 → raised to the 2,000 minimum
        #expect(rule.fee(gross: 500_000_000, count: 900) == 2_000_000)  // 3,000,000 → capped at 2,000,000
        #expect(rule.fee(gross: 1_500, count: 1) == 1_500)  // the minimum never exceeds the gross
        #expect(rule.fee(gross: 0, count: 0) == 0)
        #expect(rule.label == "0.6% min 2000 max 2000000")
    }

    @Test func percentageRoundsHalfUp() {
        let rule = percent("0.75%")
        #expect(rule.fee(gross: 200, count: 1) == 2)  // 1.5 → 2
        #expect(rule.fee(gross: 180, count: 1) == 1)  // 1.35 → 1
        #expect(rule.fee(gross: 123_458, count: 1) == 926)  // 925.935 → 926
        #expect(percent("0.0125%").fee(gross: 4_000_000, count: 1) == 500)
    }

    @Test func fixedPerSale() throws {
        let config = try SettlementConfig.parse("channel_fees:\n  - {channel: app_qr, effective_from: 2025-01-01, fixed: 1100}\n")
        let rule = try #require(config.rule(channel: "app_qr", on: day))
        #expect(rule.fee(gross: 70_000, count: 7) == 7_700)
        #expect(rule.fee(gross: 5_000, count: 7) == 5_000)  // never more than collected
        #expect(rule.label == "fixed 1100/sale")
    }

    @Test func percentTextIsParsedWithoutFloatingPoint() {
        #expect(SettlementConfig.parsePercent("0.6%") == 6_000)
        #expect(SettlementConfig.parsePercent("1%") == 10_000)
        #expect(SettlementConfig.parsePercent("0.0125%") == 125)
        #expect(SettlementConfig.parsePercent("0.12345%") == nil)
        #expect(SettlementConfig.parsePercent("101%") == nil)
        #expect(SettlementConfig.parsePercent("0.6") == nil)
        #expect(SettlementConfig.parsePercent("-1%") == nil)
    }

    @Test func datedRulesProgramsAndValidation() throws {
        let config = try SettlementConfig.parse("""
            channel_fees:
              - {channel: card, effective_from: 2025-01-01, effective_to: 2026-06-30, percent: "0.8%"}
              - {channel: card, effective_from: 2026-07-01, percent: "0.6%"}
              - {channel: "*", effective_from: 2025-01-01, percent: "1%"}
            zero_fee_programs:
              - {id: promo, sponsor: bank-x, channels: [card], operators: [HN-PARK-01], effective_from: 2026-11-01, effective_to: 2026-11-30}
            """)
        #expect(config.rule(channel: "card", on: BusinessDay("2026-06-30")!)?.label == "0.8%")
        #expect(config.rule(channel: "card", on: BusinessDay("2026-07-01")!)?.label == "0.6%")
        #expect(config.rule(channel: "other", on: day)?.label == "1%")
        #expect(config.program(day: day, operatorCode: "HN-PARK-01", channel: "card")?.sponsor == "bank-x")
        #expect(config.program(day: day, operatorCode: "HN-BUS-01", channel: "card") == nil)
        #expect(config.program(day: BusinessDay("2026-12-01")!, operatorCode: "HN-PARK-01", channel: "card") == nil)
        #expect(throws: SettlementError.self) {
            try SettlementConfig.parse("channel_fees:\n  - {channel: card, effective_from: 2025-01-01, percent: \"1%\"}\n  - {channel: card, effective_from: 2026-01-01, fixed: 5}\n")
        }
        #expect(throws: SettlementError.self) { try SettlementConfig.parse("channel_fees:\n  - {channel: card, effective_from: 2025-01-01}\n") }
        #expect(throws: SettlementError.self) { try SettlementConfig.parse("channel_fees:\n  - {channel: card, effective_from: 2025-01-01, fixed: 5, min: 1}\n") }
    }

    @Test func businessDaysAreHanoiCalendarDays() {
        // 2026-11-20T16:59:59Z is 23:59:59 in Hanoi; one second later is the next day.
        let lastSecond: Int64 = 1_795_193_999  // calendar.timegm((2026, 11, 20, 16, 59, 59))
        #expect(BusinessDay(epochSeconds: lastSecond).description == "2026-11-20")
        #expect(BusinessDay(epochSeconds: lastSecond + 1).description == "2026-11-21")
        #expect(BusinessDay(ledgerTimestamp: (lastSecond + 1) * 1_000_000_000 - 1).description == "2026-11-20")
        #expect(BusinessDay("2026-11-20")?.startEpochSeconds == lastSecond + 1 - 86_400)
        #expect(BusinessDay("2024-02-29") != nil)
        #expect(BusinessDay("2026-02-29") == nil)
        #expect(BusinessDay("2026-13-01") == nil)
    }
}

final class FixedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ ns: Int64) { value = ns }
    var now: Int64 { lock.withLock { value += 1; return value } }
    func set(_ ns: Int64) { lock.withLock { value = ns } }
}

/// A whole day posted through the store, closed, and checked against hand-computed settlement figures.
@Suite struct SettlementCloseTests {
    static let day = BusinessDay("2026-11-20")!
    static let config = """
        channel_fees:
          - {channel: card, effective_from: 2025-01-01, percent: "0.6%", min: 2000, max: 2000000}
          - {channel: account, effective_from: 2025-01-01, percent: "0.3%"}
          - {channel: bank_card, effective_from: 2025-01-01, percent: "0.7%", min: 1000}
          - {channel: app_qr, effective_from: 2025-01-01, fixed: 100}
        zero_fee_programs:
          - {id: emv-promo, sponsor: card-scheme-promo, channels: [bank_card], effective_from: 2026-01-01, effective_to: 2026-12-31}
        payout_accounts:
          HN-PARK-01: {bank_bin: "970436", account: "0011001234567", name: "CONG TY TRONG GIU XE HA NOI"}
          HN-BUS-01: {bank_bin: "970418", account: "12010000123456", name: "TONG CONG TY VAN TAI HA NOI"}
        """

    struct Fixture {
        let dir: TemporaryDirectory
        let clock: FixedClock
        let store: GatewayStore
        let service: SettlementService

        init() async throws {
            dir = try TemporaryDirectory()
            clock = FixedClock((SettlementCloseTests.day.startEpochSeconds + 10 * 3_600) * 1_000_000_000)  // 10:00 Hanoi
            var options = GatewayStore.Options()
            let clock = self.clock
            options.clock = { clock.now }
            store = try GatewayStore.open(path: dir.path("s.sqlite"), options: options)
            _ = try await store.addOperator(code: "HN-PARK-01", name: "Hapark", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil)
            _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
            service = SettlementService(store: store, config: try SettlementConfig.parse(SettlementCloseTests.config))
        }

        func post(_ plan: Postings.Plan) async throws {
            try await store.ensureAccounts(plan.accounts)
            let results = try await store.submitTransfers(plan.transfers, businessDay: plan.businessDay)
            let allOK = results.allSatisfy { $0.isSuccess }
            #expect(allOK, "\(results)")
        }

        func sale(_ op: String, _ channel: String, _ price: Int64, rate: VATRate, code: TransferCode = .parkingFee) async throws -> UUID {
            let id = UUID()
            try await post(Postings.customerSale(event: id, operatorCode: op, channel: channel, price: Money(price), rate: rate, code: code, reference: "t"))
            return id
        }

        func balance(_ key: AccountKey) async throws -> (debits: Int64, credits: Int64) {
            let a = try #require(try await store.account(id: key.id))
            return (a.debitsPosted, a.creditsPosted)
        }

        /// The whole day of the scenario.
        func postDay() async throws {
            for _ in 0..<3 { _ = try await sale("HN-PARK-01", "card", 120_000, rate: .eight) }
            let refunded = UUID()
            try await post(Postings.customerSale(event: refunded, operatorCode: "HN-PARK-01", channel: "card", price: Money(120_000), rate: .eight,
                                                 code: .parkingFee, reference: "r"))
            try await post(Postings.refund(event: refunded, operatorCode: "HN-PARK-01", channel: "card", price: Money(120_000), rate: .eight, reference: "r"))
            _ = try await sale("HN-PARK-01", "account", 25_000, rate: .eight)
            for _ in 0..<5 { _ = try await sale("HN-BUS-01", "bank_card", 8_000, rate: .notSubject, code: .busFare) }
            for _ in 0..<2 { _ = try await sale("HN-BUS-01", "app_qr", 10_000, rate: .notSubject, code: .busFare) }
            for _ in 0..<2 {
                try await post(Postings.fundedSale(event: UUID(), operatorCode: "HN-BUS-01", funder: "city-budget", referenceAmount: Money(8_000),
                                                   rate: .notSubject, code: .busFare, reference: "elderly"))
            }
            try await post(Postings.fundedSale(event: UUID(), operatorCode: "HN-BUS-01", funder: "pass", referenceAmount: .zero, rate: .notSubject,
                                               code: .busFare, reference: "pass"))
        }
    }

    @Test func closesADayWithHandComputedFeesPayoutsAndClaims() async throws {
        let f = try await Fixture()
        try await f.postDay()
        let (report, already) = try await f.service.close(Self.day)
        #expect(!already)
        #expect(report.status == "closed")
        func group(_ op: String, _ ch: String) throws -> SettlementReport.Group {
            try #require(report.groups.first { $0.operator == op && $0.channel == ch })
        }
        // Card: 4 sales × 120,000 = 480,000 gross, one refunded (120,000); 0.6 % of 480,000 = 2,880 (≥ 2,000 min).
        let card = try group("HN-PARK-01", "card")
        #expect((card.gross, card.sales, card.refunds, card.refundCount) == (480_000, 4, 120_000, 1))
        #expect((card.fee, card.operatorFee, card.sponsoredFee) == (2_880, 2_880, 0))
        #expect(card.netPayable == 480_000 - 120_000 - 2_880)  // 357,120
        // Account: 0.3 % of 25,000 = 75.
        let account = try group("HN-PARK-01", "account")
        #expect((account.gross, account.fee, account.netPayable) == (25_000, 75, 24_925))
        // Bank card under the zero-fee program: 0.7 % of 40,000 = 280 → minimum 1,000, carried by the sponsor.
        let emv = try group("HN-BUS-01", "bank_card")
        #expect((emv.gross, emv.sales, emv.fee, emv.operatorFee, emv.sponsoredFee) == (40_000, 5, 1_000, 0, 1_000))
        #expect(emv.sponsor == "card-scheme-promo" && emv.program == "emv-promo")
        #expect(emv.netPayable == 40_000)
        // App QR: fixed 100 per sale × 2.
        let qr = try group("HN-BUS-01", "app_qr")
        #expect((qr.gross, qr.fee, qr.netPayable) == (20_000, 200, 19_800))
        // Payouts: 357,120 + 24,925 = 382,045 for parking; 40,000 + 19,800 = 59,800 for the bus operator.
        #expect(report.payouts.map(\.operator) == ["HN-BUS-01", "HN-PARK-01"])
        #expect(report.payouts.map(\.amount) == [59_800, 382_045])
        #expect(report.payouts.allSatisfy { $0.status == "ready" })
        #expect(report.payouts[1].reference == "FGS 20261120 HN-PARK-01")
        // Claims: two elderly rides at 8,000 from the city budget; one pass ride counted at 0.
        #expect(report.claims.map { "\($0.funder) \($0.operator) \($0.events) \($0.amount)" } == ["city-budget HN-BUS-01 2 16000", "pass HN-BUS-01 1 0"])

        // Ledger effects: clearing accounts are emptied, fees, payouts and claims are on their accounts.
        #expect(try await f.balance(.clearing("HN-PARK-01", channel: "card")) == (480_000, 480_000))
        #expect(try await f.balance(.channelFees("HN-PARK-01", channel: "card")) == (2_880, 0))
        #expect(try await f.balance(.payouts("HN-PARK-01")) == (382_045, 0))
        #expect(try await f.balance(.clearing("HN-BUS-01", channel: "bank_card")) == (40_000, 40_000))
        #expect(try await f.balance(.channelFees("HN-BUS-01", channel: "bank_card")) == (1_000, 0))
        #expect(try await f.balance(.funder("card-scheme-promo")) == (0, 1_000))
        #expect(try await f.balance(.funder("city-budget")) == (16_000, 0))
        #expect(try await f.balance(.subsidyReceivable("HN-BUS-01", funder: "city-budget")) == (16_000, 16_000))
        let verification = try await f.store.verify()
        #expect(verification.problems.isEmpty)

        // The bank file.
        #expect(Settlement.payoutCSV(report) == """
            value_date,bank_bin,account_number,account_name,amount_vnd,reference,operator\r
            2026-11-20,970418,12010000123456,TONG CONG TY VAN TAI HA NOI,59800,FGS 20261120 HN-BUS-01,HN-BUS-01\r
            2026-11-20,970436,0011001234567,CONG TY TRONG GIU XE HA NOI,382045,FGS 20261120 HN-PARK-01,HN-PARK-01\r

            """)
        // Running totals equal the journal recomputed from scratch.
        #expect(Set(try await f.store.settlementRollup(day: Self.day)) == Set(try await f.store.recomputeSettlementFromJournal(day: Self.day)))
        // An operator sees only its own part.
        #expect(report.only(operatorCode: "HN-BUS-01").groups.allSatisfy { $0.operator == "HN-BUS-01" })
        #expect(report.only(operatorCode: "HN-BUS-01").payouts.map(\.amount) == [59_800])
    }

    @Test func reclosingReturnsTheSealedRecordAndPostsNothing() async throws {
        let f = try await Fixture()
        try await f.postDay()
        let first = try await f.service.close(Self.day)
        let transfers = try await f.store.verify().transfers
        let second = try await f.service.close(Self.day)
        #expect(second.alreadyClosed)
        #expect(second.report == first.report)
        #expect(first.report.hash != nil)
        #expect(try await f.store.verify().transfers == transfers)
        #expect(try await f.store.verifySettlementChain().isEmpty)
    }

    @Test func lateTransactionsFallIntoTheNextOpenDayAndAreReported() async throws {
        let f = try await Fixture()
        try await f.postDay()
        _ = try await f.service.close(Self.day)
        // An offline validator uploads a tap of the closed day after the close; another sale is posted on the closed day.
        let tapTime = Self.day.startEpochSeconds + 23 * 3_600
        let late = Postings.customerSale(event: UUID(), operatorCode: "HN-BUS-01", channel: "app_qr", price: Money(10_000), rate: .notSubject,
                                         code: .busFare, reference: "late").on(eventTime: tapTime)
        try await f.post(late)
        try await f.post(Postings.fundedSale(event: UUID(), operatorCode: "HN-BUS-01", funder: "city-budget", referenceAmount: Money(8_000),
                                             rate: .notSubject, code: .busFare, reference: "late elderly").on(eventTime: tapTime))
        let next = Self.day.next
        let reported = try await f.store.lateSettlementTransfers(day: next)
        #expect(reported.contains { $0.transferID == late.transfers[0].id })
        #expect(reported.count == 2 && reported.allSatisfy { $0.eventDay == Self.day && $0.assignedDay == next })
        // The closed day is unchanged; the next day carries them as late.
        #expect(try await f.service.report(Self.day).groups.first { $0.channel == "app_qr" }?.gross == 20_000)
        f.clock.set((next.startEpochSeconds + 9 * 3_600) * 1_000_000_000)
        let (nextReport, _) = try await f.service.close(next)
        let qr = try #require(nextReport.groups.first { $0.channel == "app_qr" })
        #expect((qr.gross, qr.lateAmount, qr.lateCount, qr.fee, qr.netPayable) == (10_000, 10_000, 1, 100, 9_900))
        #expect(nextReport.claims.map { "\($0.funder) \($0.amount) late \($0.lateCount)" } == ["city-budget 8000 late 1"])
        #expect(nextReport.lateTransfers?.count == 2)
        #expect(Set(try await f.store.settlementRollup(day: next)) == Set(try await f.store.recomputeSettlementFromJournal(day: next)))
        #expect(try await f.store.verifySettlementChain().isEmpty)
    }

    @Test func refundsAboveCollectionsLeaveANegativeNetAndNoPayout() async throws {
        let f = try await Fixture()
        let earlier = UUID()
        // Sold on an earlier day (not in this settlement), refunded today.
        try await f.post(Postings.customerSale(event: earlier, operatorCode: "HN-PARK-01", channel: "account", price: Money(50_000), rate: .eight,
                                               code: .parkingFee, reference: "s").on(eventTime: Self.day.startEpochSeconds - 3_600))
        try await f.post(Postings.refund(event: earlier, operatorCode: "HN-PARK-01", channel: "account", price: Money(50_000), rate: .eight, reference: "r"))
        _ = try await f.sale("HN-PARK-01", "account", 10_000, rate: .eight)
        let (report, _) = try await f.service.close(Self.day)
        let g = try #require(report.groups.first)
        // 10,000 collected, 50,000 refunded, fee 0.3 % of 10,000 = 30: net −40,030, owed by the operator.
        #expect((g.gross, g.refunds, g.fee, g.netPayable) == (10_000, 50_000, 30, -40_030))
        #expect(report.payouts.first?.status == "nothing_to_pay")
        #expect(Settlement.payoutCSV(report) == "value_date,bank_bin,account_number,account_name,amount_vnd,reference,operator\r\n")
        #expect(try await f.store.verify().problems.isEmpty)
    }
}
