import FeeGateCore
import FeeGateReconciliation
import FeeGateTestSupport
import Foundation
import Testing

@Suite("Matching engine")
struct MatcherTests {
    let standard = Matcher(rules: .standard)

    func intent(_ ref: String, _ amount: Int64, _ date: String = "2026-11-21") -> LedgerItem {
        LedgerItem(key: "intent:\(ref)", kind: .intent, amount: amount, date: day(date), reference: ref, operatorCode: "HN-PARK-01")
    }

    func payout(_ op: String, _ amount: Int64, _ date: String = "2026-11-21") -> LedgerItem {
        LedgerItem(key: "payout:\(date):\(op)", kind: .payout, amount: -amount, date: day(date), reference: "FGS \(date.replacingOccurrences(of: "-", with: "")) \(op)", operatorCode: op)
    }

    /// The status of each bank line id and each ledger key.
    func statuses(_ rows: [MatchRow], _ bank: [BankLine], _ ledger: [LedgerItem]) -> (bank: [Int64: ReconciliationStatus], ledger: [String: ReconciliationStatus]) {
        var b: [Int64: ReconciliationStatus] = [:], l: [String: ReconciliationStatus] = [:]
        for row in rows {
            if let i = row.bank { b[bank[i].id] = row.status }
            if let i = row.ledger { l[ledger[i].key] = row.status }
        }
        return (b, l)
    }

    @Test func everyStatus() {
        let ledger = [
            intent("FG7K3M9X5", 25_000),  // matched: reference upper-cased, prefixed, in free text
            intent("FG2345672", 50_000),  // amount_mismatch: the payer sent 45,000
            intent("FGAAAAAAA", 30_000, "2026-11-18"),  // late: booked three days after
            intent("FGBBBBBBB", 70_000),  // unmatched_ledger: the bank never moved it
            payout("HN-PARK-01", 1_250_000, "2026-11-20"),  // matched debit, next day
        ]
        let bank = [
            bankLine(1, 25_000, "2026-11-21", "MBVCB.123456.fg7k3m9x5.CT tu NGUYEN VAN A", ref: "R1"),
            bankLine(2, 45_000, "2026-11-21", "thanh toan FG-234-567-2", ref: "R2"),
            bankLine(3, 30_000, "2026-11-21", "FGAAAAAAA", ref: "R3"),
            bankLine(4, 99_000, "2026-11-21", "chuyen tien khong ro noi dung", ref: "R4"),  // unmatched_bank
            bankLine(5, 25_000, "2026-11-21", "MBVCB.123456.fg7k3m9x5.CT tu NGUYEN VAN A", ref: "R1"),  // duplicate of 1
            bankLine(6, -1_250_000, "2026-11-21", "FGS 20261120 HN-PARK-01", ref: "R6"),
        ]
        let rows = standard.run(bank: bank, ledger: ledger, reportLedgerFrom: day("2026-11-21"))
        let s = statuses(rows, bank, ledger)
        #expect(s.bank == [1: .matched, 2: .amountMismatch, 3: .late, 4: .unmatchedBank, 5: .duplicate, 6: .matched])
        // Items dated before the run's first day are candidates only: FGAAAAAAA matched late; none reported unmatched.
        #expect(s.ledger == ["intent:FG7K3M9X5": .matched, "intent:FG2345672": .amountMismatch, "intent:FGAAAAAAA": .late,
                             "intent:FGBBBBBBB": .unmatchedLedger, "payout:2026-11-20:HN-PARK-01": .matched])
        let mismatch = rows.first { $0.status == .amountMismatch }
        #expect(mismatch?.difference == -5_000)
        #expect(rows.first { $0.status == .unmatchedLedger }?.difference == -70_000)
        #expect(rows.first { $0.status == .unmatchedBank }?.difference == 99_000)

        let report = ReconciliationReport(run: nil, from: day("2026-11-21"), to: day("2026-11-21"), dryRun: true, rules: "standard",
                                          lines: ReconciliationReport.lines(rows: rows, bank: bank, ledger: ledger))
        let byStatus = Dictionary(uniqueKeysWithValues: report.summary.map { ($0.status, $0) })
        #expect(byStatus[.matched]?.bankLines == 2 && byStatus[.matched]?.bankAmount == 25_000 - 1_250_000 && byStatus[.matched]?.ledgerItems == 2)
        #expect(byStatus[.unmatchedLedger]?.ledgerItems == 1 && byStatus[.unmatchedLedger]?.ledgerAmount == 70_000)
        #expect(byStatus[.duplicate]?.bankLines == 1)
        #expect(!report.allMatched)
        let fast = ReconciliationReport(run: nil, from: day("2026-11-21"), to: day("2026-11-21"), dryRun: true, rules: "standard", rows: rows, bank: bank, ledger: ledger)
        #expect(fast.summary == report.summary && fast.lines == report.lines, "the summary from matcher rows equals the one from report lines")
    }

    @Test func unmatchedOnBothSidesWhenTheAmountsNeverMeet() {
        // Without a reference rule reporting mismatches, a wrong amount leaves both sides open: the bank line is
        // money the ledger does not know, the item is what the bank never moved.
        let rules = RuleSet(rules: [MatchRule(name: "exact", priority: 1, reference: .extract)])
        let ledger = [intent("FG7K3M9X5", 25_000)]
        let bank = [bankLine(1, 26_000, "2026-11-21", "FG7K3M9X5")]
        let s = statuses(Matcher(rules: rules).run(bank: bank, ledger: ledger), bank, ledger)
        #expect(s.bank == [1: .unmatchedBank] && s.ledger == ["intent:FG7K3M9X5": .unmatchedLedger])
    }

    @Test func toleranceInWholeDong() {
        let ledger = [intent("FG7K3M9X5", 1_000_000), intent("FG2345672", 1_000_000)]
        let bank = [bankLine(1, 999_990, "2026-11-21", "FG7K3M9X5"), bankLine(2, 999_989, "2026-11-21", "FG2345672")]
        let rules = RuleSet(rules: [MatchRule(name: "drift-10", priority: 1, reference: .extract, amountTolerance: 10)])
        let rows = Matcher(rules: rules).run(bank: bank, ledger: ledger)
        let s = statuses(rows, bank, ledger)
        #expect(s.bank == [1: .matched, 2: .unmatchedBank], "10 VND is within the tolerance, 11 VND is not")
        #expect(rows.first { $0.bank == 0 }?.difference == -10, "a match within the tolerance still reports its difference")
    }

    @Test func dateWindow() {
        let rules = RuleSet(rules: [MatchRule(name: "w1", priority: 1, reference: .extract, dateWindowDays: 1, lateDays: 2)])
        let ledger = [intent("FG7K3M9X5", 5, "2026-11-20"), intent("FG2345672", 5, "2026-11-20"), intent("FGAAAAAAA", 5, "2026-11-20"),
                      intent("FGBBBBBBB", 5, "2026-11-20")]
        let bank = [bankLine(1, 5, "2026-11-21", "FG7K3M9X5"), bankLine(2, 5, "2026-11-23", "FG2345672"), bankLine(3, 5, "2026-11-24", "FGAAAAAAA"),
                    bankLine(4, 5, "2026-11-18", "FGBBBBBBB")]
        let s = statuses(Matcher(rules: rules).run(bank: bank, ledger: ledger), bank, ledger)
        #expect(s.bank == [1: .matched, 2: .late, 3: .unmatchedBank, 4: .unmatchedBank], "booked before the ledger date is never late")
    }

    @Test func oneBankLinePaysSeveralIntents() {
        let ledger = [intent("FG7K3M9X5", 25_000), intent("FG2345672", 50_000), intent("FGAAAAAAA", 10_000)]
        let bank = [bankLine(1, 75_000, "2026-11-21", "thanh toan FG7K3M9X5 FG2345672")]
        let rows = standard.run(bank: bank, ledger: ledger)
        let s = statuses(rows, bank, ledger)
        #expect(s.bank == [1: .matched])
        #expect(s.ledger == ["intent:FG7K3M9X5": .matched, "intent:FG2345672": .matched, "intent:FGAAAAAAA": .unmatchedLedger])
        let group = rows.filter { $0.status == .matched }.map(\.group)
        #expect(group.count == 2 && Set(group).count == 1 && rows.first?.rule == "intents-one-transfer")
    }

    @Test func severalBankLinesForOnePayout() {
        let ledger = [payout("HN-PARK-01", 1_000_000), payout("HN-BUS-01", 400_000)]
        let bank = [
            bankLine(1, -600_000, "2026-11-22", "FGS 20261121 HN-PARK-01 (1/2)"), bankLine(2, -400_000, "2026-11-22", "fgs-20261121-hn-park-01 2/2"),
            bankLine(3, -400_000, "2026-11-22", "FGS 20261121 HN-BUS-01"),
        ]
        let rows = standard.run(bank: bank, ledger: ledger)
        let s = statuses(rows, bank, ledger)
        #expect(s.bank == [1: .matched, 2: .matched, 3: .matched])
        #expect(rows.filter { $0.rule == "payout-split" }.count == 2)
        // A group is claimed once: a third part naming the same payout stays unmatched.
        let extra = bank + [bankLine(4, -1, "2026-11-22", "FGS 20261121 HN-PARK-01 fee")]
        let s2 = statuses(standard.run(bank: extra, ledger: ledger), extra, ledger)
        #expect(s2.ledger["payout:2026-11-21:HN-PARK-01"] == .amountMismatch, "three parts summing to 1,000,001 against 1,000,000")
    }

    @Test func eachLedgerItemIsClaimedOnce() {
        let ledger = [intent("FG7K3M9X5", 25_000)]
        let bank = [bankLine(1, 25_000, "2026-11-21", "FG7K3M9X5", ref: "A"), bankLine(2, 25_000, "2026-11-21", "FG7K3M9X5", ref: "B")]
        let s = statuses(standard.run(bank: bank, ledger: ledger), bank, ledger)
        #expect(s.bank == [1: .matched, 2: .unmatchedBank], "the second transfer is money the ledger does not know (a double payment)")
    }

    @Test func duplicatesWithoutBankReferenceOnlyAcrossStatements() {
        func line(_ id: Int64, statement: Int64) -> BankLine {
            var b = bankLine(id, 10_000, "2026-11-21", "VE XE BUYT")
            b.statement = statement
            return b
        }
        // Two identical fares in one statement are two payments; the same line in an overlapping export is a copy.
        let bank = [line(1, statement: 1), line(2, statement: 1), line(3, statement: 2)]
        let s = statuses(standard.run(bank: bank, ledger: []), bank, [])
        #expect(s.bank == [1: .unmatchedBank, 2: .unmatchedBank, 3: .duplicate])
    }

    @Test func suspenseMatchesByAmountAndDay() {
        let note = LedgerItem(key: "notification:1", kind: .notification, amount: 12_345, date: day("2026-11-21"), reference: nil, text: "chuyen tien")
        let bank = [bankLine(1, 12_345, "2026-11-22", "x"), bankLine(2, 12_345, "2026-11-21", "y")]
        let s = statuses(standard.run(bank: bank, ledger: [note]), bank, [note])
        #expect(s.bank == [1: .unmatchedBank, 2: .matched])
    }

    @Test func deterministicAndIndependentOfOrderOfRules() throws {
        var generator = SplitMix64(seed: 8)
        var ledger: [LedgerItem] = []
        var bank: [BankLine] = []
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        for i in 0..<2_000 {
            let ref = "FG" + String((0..<7).map { _ in alphabet[Int(generator.next() % 32)] })
            let amount = Int64(generator.next() % 500 + 1) * 1_000
            ledger.append(intent(ref, amount))
            if i % 7 != 0 { bank.append(bankLine(Int64(i), i % 11 == 0 ? amount + 1_000 : amount, "2026-11-21", "CT \(ref.lowercased()) ND")) }
        }
        ledger.sort { $0.key < $1.key }
        let first = standard.run(bank: bank, ledger: ledger)
        let second = standard.run(bank: bank, ledger: ledger)
        #expect(first == second)
        let shuffledRules = Matcher(rules: RuleSet(rules: RuleSet.standard.rules.reversed()))
        #expect(shuffledRules.run(bank: bank, ledger: ledger) == first, "rules run by priority, not by file order")
        let s = statuses(first, bank, ledger)
        #expect(s.bank.values.filter { $0 == .amountMismatch }.count == bank.indices.filter { Int(bank[$0].id) % 11 == 0 }.count)
        #expect(s.ledger.values.filter { $0 == .unmatchedLedger }.count == 2_000 / 7 + 1)
    }

    @Test func rulesFile() throws {
        let shipped = try RuleSet.load(path: packageRoot.appendingPathComponent("Config/reconciliation/rules.yaml").path)
        #expect(shipped == RuleSet.standard, "the built-in rules are the shipped file")
        func error(_ yaml: String) -> String {
            do { _ = try RuleSet.parse(yaml: yaml, file: "r.yaml"); return "no error" } catch { return "\(error)" }
        }
        #expect(error("rules: [{name: a, priority: 1, amount_tolerance: 0.5}]").contains("whole number"))
        #expect(error("rules: [{name: a, priority: 1, strategy: many_to_one, reference: none}]").contains("needs reference"))
        #expect(error("rules: [{name: a, priority: 1, refrence: exact}]").contains("unknown key 'refrence'"))
        #expect(error("rules: [{name: a, priority: 1}, {name: a, priority: 2}]").contains("used twice"))
        #expect(error("rules: [{name: a, priority: 1, kinds: [invoice]}]").contains("unknown kind"))
    }
}
