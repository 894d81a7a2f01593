import FeeGateCore
import FeeGateReconciliation
import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

/// A database with what the ledger expects for 2026-11-21: intents paid through notifications, money in
/// suspense, a refunded intent and a closed settlement day with a payout.
struct ReconciliationWorld {
    let store: GatewayStore
    static let account = "0011001234567"
    static let day = "2026-11-21"
    /// 2026-11-21 10:00 Hanoi time, ledger nanoseconds.
    static let morning: Int64 = (BusinessDay("2026-11-21")!.startEpochSeconds + 10 * 3_600) * 1_000_000_000

    static func make(path: String? = nil) async throws -> ReconciliationWorld {
        var options = GatewayStore.Options()
        options.clock = { morning + 20 * 3_600 * 1_000_000_000 }
        let store = try path.map { try GatewayStore.open(path: $0, options: options) } ?? GatewayStore.inMemory(options: options)
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Trông giữ xe", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil)
        let world = ReconciliationWorld(store: store)
        try await world.paidIntent("FG7K3M9X5", price: 25_000, payments: [25_000])  // matched
        try await world.paidIntent("FG2345672", price: 50_000, payments: [45_000])  // bank shows 40,000: amount_mismatch
        try await world.paidIntent("FGAAAAAAA", price: 30_000, payments: [10_000, 20_000])  // paid in two transfers: n:1
        try await world.paidIntent("FGBBBBBBB", price: 70_000, payments: [70_000])  // never on the statement: unmatched_ledger
        try await world.paidIntent("FGCCCCCCC", price: 15_000, payments: [15_000])  // one transfer pays CCC and DDD: 1:n
        try await world.paidIntent("FGDDDDDDD", price: 35_000, payments: [35_000])
        try await world.suspense(amount: 12_345, content: "chuyen tien")
        // Settlement of the day: a payout of 1,250,000 to HN-PARK-01 (record as FeeGateSettlement seals it).
        let record = #"{"day":"2026-11-21","payouts":[{"operator":"HN-PARK-01","amount":1250000,"reference":"FGS 20261121 HN-PARK-01","status":"ready"},{"operator":"HN-BUS-01","amount":0,"reference":"FGS 20261121 HN-BUS-01","status":"nothing_to_pay"}]}"#
        _ = try await store.closeSettlementDay(BusinessDay("2026-11-21")!) { _, _ in SettlementClosePlan(accounts: [], transfers: [], record: record) }
        return world
    }

    func paidIntent(_ reference: String, price: Int64, payments: [Int64]) async throws {
        let intent = PaymentIntent(
            id: UUID(), operatorCode: "HN-PARK-01", amount: Money(price), reference: reference, purpose: "Phí gửi xe", vatRate: .notSubject, code: .payment,
            expiresAt: Self.morning + 3_600_000_000_000, vietQR: "000201", createdAt: Self.morning)
        _ = try await store.createPaymentIntent(intent, fingerprint: reference, createdBy: nil)
        var paid: Int64 = 0
        for (i, amount) in payments.enumerated() {
            let id = UUID()
            paid += amount
            _ = try await store.recordNotification(
                StoredNotification(
                    id: id, provider: "casso", method: "POST", rawQuery: nil, rawBody: Data("{}".utf8), headers: "{}", receivedAt: Self.morning + Int64(i) * 60_000_000_000,
                    verified: true, verification: "ok", operatorCode: "HN-PARK-01", providerTransactionID: "\(reference)-\(i)", direction: "credit", amount: amount,
                    content: "CT \(reference)", occurredAt: Self.morning + Int64(i) * 60_000_000_000))
            _ = try await store.recordPaymentOutcome(
                StoredOutcome(notificationID: id, outcome: paid >= price ? .paid : .underpaid, intentID: intent.id, operatorCode: "HN-PARK-01", amount: amount,
                              transferIDs: [], detail: "", processedAt: Self.morning),
                event: PaymentIntentEvent(intentID: intent.id, status: paid >= price ? .paid : .underpaid, paid: paid, notificationID: id, action: nil, actor: nil,
                                          transferIDs: [], detail: "", at: Self.morning))
        }
    }

    func suspense(amount: Int64, content: String) async throws {
        let id = UUID()
        _ = try await store.recordNotification(
            StoredNotification(
                id: id, provider: "casso", method: "POST", rawQuery: nil, rawBody: Data("{}".utf8), headers: "{}", receivedAt: Self.morning, verified: true,
                verification: "ok", providerTransactionID: "S-\(id)", direction: "credit", amount: amount, content: content, occurredAt: Self.morning))
        _ = try await store.recordPaymentOutcome(
            StoredOutcome(notificationID: id, outcome: .unmatched, intentID: nil, operatorCode: nil, amount: amount, transferIDs: [], detail: "", processedAt: Self.morning),
            event: nil)
    }

    /// The bank's side of the day: every status once (entries for the independent generator).
    static var entries: [GeneratedEntry] {
        [
            GeneratedEntry(amount: 25_000, booking: day, ref: "VCB-1", text: "MBVCB.8812.fg7k3m9x5.CT tu NGUYEN VAN A"),
            GeneratedEntry(amount: 40_000, booking: day, ref: "VCB-2", text: "thanh toan FG2345672"),
            GeneratedEntry(amount: 10_000, booking: day, ref: "VCB-3", text: "FGAAAAAAA lan 1"),
            GeneratedEntry(amount: 20_000, booking: day, ref: "VCB-4", text: "FGAAAAAAA lan 2"),
            GeneratedEntry(amount: 50_000, booking: day, ref: "VCB-5", text: "FGCCCCCCC FGDDDDDDD"),
            GeneratedEntry(amount: 12_345, booking: day, ref: "VCB-6", text: "CHUYEN TIEN"),
            GeneratedEntry(amount: 99_000, booking: day, ref: "VCB-7", text: "khong ro noi dung"),
            GeneratedEntry(amount: -1_250_000, booking: "2026-11-22", ref: "VCB-8", text: "FGS 20261121 HN-PARK-01"),
        ]
    }
}

@Suite("Reconciliation store")
struct ReconciliationStoreTests {
    @Test func ledgerItemsComeFromPaymentsAndSettlement() async throws {
        let world = try await ReconciliationWorld.make()
        let items = try await world.store.reconciliationLedgerItems(from: day("2026-11-21"), to: day("2026-11-21"))
        let byKey = Dictionary(uniqueKeysWithValues: items.map { ($0.key, $0) })
        #expect(byKey["intent:FG7K3M9X5"]?.amount == 25_000)
        #expect(byKey["intent:FGAAAAAAA"]?.amount == 30_000, "Σ of the two notifications")
        #expect(byKey["payout:2026-11-21:HN-PARK-01"]?.amount == -1_250_000 && byKey["payout:2026-11-21:HN-PARK-01"]?.reference == "FGS 20261121 HN-PARK-01")
        #expect(byKey["payout:2026-11-21:HN-BUS-01"] == nil, "nothing to pay is not expected on the statement")
        #expect(items.filter { $0.kind == .notification }.map(\.amount) == [12_345])
        #expect(items.count == 8)
        #expect(try await world.store.reconciliationLedgerItems(from: day("2026-11-22"), to: day("2026-11-22")).isEmpty)
    }

    /// Expected settlement inflows: per channel of a closed day, Σ over operators of gross − refunds − fee, hand-computed;
    /// bank QR (matched per intent) and channels netting to 0 are not expected on the statement. The acquirer's lump,
    /// booked the next day with the bank's own text, is matched on amount and date; a wrong amount is not.
    @Test func acquirerInflowsComeFromClosedSettlementDays() async throws {
        let store = try GatewayStore.inMemory()
        let record = """
            {"day":"2026-11-21","groups":[
             {"operator":"HN-PARK-01","channel":"card","gross":1000000,"refunds":50000,"fee":6000},
             {"operator":"HN-BUS-01","channel":"card","gross":500000,"refunds":0,"fee":3000},
             {"operator":"HN-PARK-01","channel":"qr","gross":200000,"refunds":0,"fee":1000},
             {"operator":"HN-BUS-01","channel":"bank_card","gross":100000,"refunds":100000,"fee":0}],
             "payouts":[]}
            """
        _ = try await store.closeSettlementDay(BusinessDay("2026-11-21")!) { _, _ in SettlementClosePlan(accounts: [], transfers: [], record: record) }
        let items = try await store.reconciliationLedgerItems(from: day("2026-11-21"), to: day("2026-11-21"))
        // card: (1,000,000 − 50,000 − 6,000) + (500,000 − 0 − 3,000) = 944,000 + 497,000 = 1,441,000.
        #expect(items.map(\.key) == ["inflow:2026-11-21:card"] && items.first?.amount == 1_441_000 && items.first?.kind == .inflow)
        let matcher = Matcher(rules: .standard)
        let good = [bankLine(1, 1_441_000, "2026-11-22", "TT THE VISA/MC NGAY 21/11 MID 00123", ref: "ACQ1")]
        let rows = matcher.run(bank: good, ledger: items, reportLedgerFrom: day("2026-11-21"))
        #expect(rows.count == 1 && rows[0].status == .matched && rows[0].rule == "acquirer-inflow", "\(rows)")
        let wrong = [bankLine(1, 1_440_000, "2026-11-22", "TT THE VISA/MC NGAY 21/11 MID 00123", ref: "ACQ1")]
        let off = matcher.run(bank: wrong, ledger: items, reportLedgerFrom: day("2026-11-21")).map(\.status).sorted { $0.rawValue < $1.rawValue }
        #expect(off == [.unmatchedBank, .unmatchedLedger])
    }

    @Test func importIsAllOrNothingAndReimportChangesNothing() async throws {
        let world = try await ReconciliationWorld.make()
        let dir = try TemporaryDirectory()
        let data = try Generator.write(
            [GeneratedStatement(format: "camt053", path: dir.path("s.xml"), id: "STMT-1", account: ReconciliationWorld.account, opening: 5_000_000,
                                date: "2026-11-21", entries: ReconciliationWorld.entries)], in: dir)
        let statements = try StatementReader.read(data[0], source: "s.xml", format: .camt053, mapping: nil, account: nil)
        let first = try await world.store.importStatements(statements, source: "s.xml", importedBy: "lan")
        #expect(first.map(\.alreadyImported) == [false] && first[0].lineCount == 8)
        let again = try await world.store.importStatements(statements, source: "s.xml", importedBy: "lan")
        #expect(again.map(\.alreadyImported) == [true] && again[0].seq == first[0].seq)
        let lines = try await world.store.reconciliationBankLines(from: day("2026-11-20"), to: day("2026-11-23"))
        #expect(lines.count == 8, "re-importing wrote nothing")

        // Same statement id with different content, next to a new statement: a conflict, and neither is written.
        var altered = statements[0]
        altered.lines[0].amount = 26_000
        var fresh = statements[0]
        fresh.statementID = "STMT-2"
        await #expect(throws: StoreError.self) { try await world.store.importStatements([fresh, altered], source: "x.xml", importedBy: nil) }
        #expect(try await world.store.reconciliationBankLines(from: day("2026-11-20"), to: day("2026-11-23")).count == 8)
    }

    @Test func runStoreReportResolveAndVerify() async throws {
        let world = try await ReconciliationWorld.make()
        let dir = try TemporaryDirectory()
        let data = try Generator.write(
            [
                GeneratedStatement(format: "mt940", path: dir.path("s.sta"), id: "STMT-1", account: ReconciliationWorld.account, opening: 5_000_000,
                                   date: "2026-11-22", entries: ReconciliationWorld.entries),
                // The intraday notification of one entry already on the statement: the same bank reference.
                GeneratedStatement(format: "camt054", path: dir.path("n.xml"), id: "NTF-1", account: ReconciliationWorld.account, date: "2026-11-21",
                                   entries: [ReconciliationWorld.entries[0]]),
            ], in: dir)
        _ = try await world.store.importStatements(try MT940Parser.parse(data[0], source: "s.sta"), source: "s.sta", importedBy: "lan")
        _ = try await world.store.importStatements(try CAMTParser.parse(data[1], source: "n.xml", format: .camt054), source: "n.xml", importedBy: "lan")

        let from = day("2026-11-21"), to = day("2026-11-22")
        let bank = try await world.store.reconciliationBankLines(from: from, to: to)
        let ledger = try await world.store.reconciliationLedgerItems(from: from.adding(days: -3), to: to)
        let rows = Matcher(rules: .standard).run(bank: bank, ledger: ledger, reportLedgerFrom: from)
        let lines = ReconciliationReport.lines(rows: rows, bank: bank, ledger: ledger)
        var byText: [String: ReconciliationStatus] = [:]
        for l in lines { if let t = l.text { byText[t + "#\(l.bankLineID ?? 0)"] = l.status } }
        let statusOf = { (text: String) in Set(lines.filter { $0.text == text }.map(\.status)) }
        #expect(statusOf("MBVCB.8812.fg7k3m9x5.CT tu NGUYEN VAN A") == [.matched, .duplicate], "the camt.054 copy of the statement's entry")
        #expect(statusOf("thanh toan FG2345672") == [.amountMismatch])
        #expect(statusOf("FGAAAAAAA lan 1") == [.matched] && statusOf("FGAAAAAAA lan 2") == [.matched])
        #expect(statusOf("FGCCCCCCC FGDDDDDDD") == [.matched])
        #expect(statusOf("CHUYEN TIEN") == [.matched])
        #expect(statusOf("khong ro noi dung") == [.unmatchedBank])
        #expect(statusOf("FGS 20261121 HN-PARK-01") == [.matched])
        #expect(lines.filter { $0.status == .unmatchedLedger }.map(\.ledgerKey) == ["intent:FGBBBBBBB"])
        #expect(lines.first { $0.status == .amountMismatch }?.difference == -5_000)

        let run = try await world.store.recordReconciliationRun(from: from, to: to, rules: "built-in", runBy: "lan", startedAt: 1, lines: lines)
        let stored = try await world.store.reconciliationReport(day: day("2026-11-22"))
        #expect(stored?.run == run)
        #expect(stored?.lines == lines, "the stored report is the run's report, line for line")
        #expect(stored?.summary == ReconciliationReport(run: nil, from: from, to: to, dryRun: false, rules: "", lines: lines).summary)

        // Resolve the mismatch: 5,000 VND less in the bank than the ledger recorded → written off.
        let mismatchLine = try #require(lines.first { $0.status == .amountMismatch }?.bankLineID)
        let found = try #require(try await world.store.latestReconciliationRows(item: "line:\(mismatchLine)"))
        #expect(found.run == run && found.lines.count == 1)
        let plan = try ResolutionPosting.plan(items: ["line:\(mismatchLine)", "intent:FG2345672"], account: ReconciliationWorld.account, difference: -5_000,
                                              action: .writeOff, reference: "test")
        let resolution = try await world.store.recordReconciliationResolution(
            items: ["line:\(mismatchLine)", "intent:FG2345672"], run: run, status: "amount_mismatch", action: "write-off", amount: -5_000,
            note: "payer sent 5,000 less; operator agreed", resolvedBy: "lan", accounts: plan.accounts, transfer: plan.transfer)
        let transfer = try #require(try await world.store.transfer(id: resolution.transferID))
        #expect(transfer.transfer.amount == 5_000 && transfer.transfer.code == .adjustment)
        #expect(transfer.transfer.debitAccountID == AccountKey.reconciliationWriteOff.id)
        #expect(transfer.transfer.creditAccountID == AccountKey.bankAccount(ReconciliationWorld.account).id)
        let bankAccount = try #require(try await world.store.account(id: AccountKey.bankAccount(ReconciliationWorld.account).id))
        #expect(bankAccount.creditsPosted == 5_000)
        // Resolving again is refused and posts nothing.
        await #expect(throws: StoreError.self) {
            try await world.store.recordReconciliationResolution(
                items: ["intent:FG2345672"], run: run, status: "amount_mismatch", action: "accept", amount: -5_000, note: "again", resolvedBy: "lan",
                accounts: plan.accounts, transfer: plan.transfer)
        }
        #expect(try await world.store.resolutionsCount() == 1)
        let verification = try await world.store.verify()
        #expect(verification.isIntact, "\(verification.problems)")
    }

    @Test func reconciliationTablesAreAppendOnly() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("r.sqlite")
        let world = try await ReconciliationWorld.make(path: path)
        let statement = BankStatement(
            statementID: "S", account: "A", format: .csv, openingBalance: nil, closingBalance: nil,
            lines: [StatementLine(position: 2, bankReference: "R", bookingDate: day("2026-11-21"), valueDate: nil, amount: 5, text: "x")])
        _ = try await world.store.importStatements([statement], source: "s.csv", importedBy: nil)
        let queue = try DatabaseQueue(path: path)
        for sql in ["UPDATE recon_line SET amount = 6", "DELETE FROM recon_line", "UPDATE recon_statement SET account = 'B'", "DELETE FROM recon_statement"] {
            #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: sql) } }
        }
    }
}

extension GatewayStore {
    /// Test helper: how many resolutions are recorded.
    func resolutionsCount() async throws -> Int { Set(try await reconciliationResolutions().values.map(\.seq)).count }
}
