import FeeGateCore
import FeeGateReconciliation
import FeeGateStore
import FeeGateTestSupport
import Foundation
import Testing

/// `feegate reconcile …` as finance staff use it, on a database prepared through the store.
@Suite("feegate reconcile")
struct ReconcileCommandLineTests {
    func feegate(_ arguments: [String], in directory: URL = packageRoot) throws -> CommandResult {
        try ExternalTool.run(feegateExecutable, arguments, environment: ["FEEGATE_USER": "lan.nguyen"], in: directory,
                             install: "swift build --build-tests (builds .build/debug/feegate)")
    }

    @Test func importRunResolveReportVerify() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("recon.sqlite")
        let world = try await ReconciliationWorld.make(path: db)
        _ = world
        let data = try Generator.write(
            [
                GeneratedStatement(format: "camt053", path: dir.path("stmt.xml"), id: "STMT-20261121", account: ReconciliationWorld.account, opening: 5_000_000,
                                   date: "2026-11-22", entries: ReconciliationWorld.entries),
            ], in: dir)
        #expect(!data[0].isEmpty)

        // Import, then import again: detected, nothing changes.
        let imported = try feegate(["reconcile", "import", dir.path("stmt.xml"), "--db", db])
        #expect(imported.status == 0 && imported.stdout.contains("imported statement STMT-20261121 of account 0011001234567: 8 lines"), "\(imported.output)")
        let again = try feegate(["reconcile", "import", dir.path("stmt.xml"), "--db", db])
        #expect(again.status == 0 && again.stdout.contains("already imported"), "\(again.output)")

        // A malformed MT940 (fraction of a đồng on line 5): exit 1, the line named, nothing imported.
        let bad = ":20:X\n:25:0011001234567\n:28C:1/1\n:60F:C261121VND0,\n:61:2611211121C100,50NTRFNONREF//Z1\n:86:x\n:62F:C261121VND100,50\n"
        try bad.write(toFile: dir.path("bad.sta"), atomically: true, encoding: .utf8)
        let rejected = try feegate(["reconcile", "import", dir.path("bad.sta"), "--db", db])
        #expect(rejected.status != 0 && rejected.stderr.contains("bad.sta:5:") && rejected.stderr.contains("nothing was imported"), "\(rejected.output)")

        // Run: differences remain → exit 2, with the summary table.
        let run = try feegate(["reconcile", "run", "--from", "2026-11-21", "--to", "2026-11-22", "--db", db])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.stdout.contains("amount_mismatch") && run.stdout.contains("unmatched_bank") && run.stdout.contains("unmatched_ledger"))
        #expect(run.stderr.contains("matching 8 bank lines"))
        let json = try feegate(["reconcile", "report", "--date", "2026-11-21", "--json", "--db", db])
        #expect(json.status == 2)
        let report = try JSONDecoder().decode(ReconciliationReport.self, from: Data(json.stdout.utf8))
        let summary = Dictionary(uniqueKeysWithValues: report.summary.map { ($0.status, $0) })
        #expect(summary[.matched]?.bankLines == 6 && summary[.matched]?.ledgerItems == 6)
        #expect(summary[.amountMismatch]?.difference == -5_000)
        #expect(summary[.unmatchedBank]?.bankAmount == 99_000 && summary[.unmatchedLedger]?.ledgerAmount == 70_000)
        let csv = try feegate(["reconcile", "report", "--date", "2026-11-22", "--csv", "--db", db])
        #expect(csv.stdout.hasPrefix("status,bank_line_id,") && csv.stdout.split(separator: "\r\n").count == report.lines.count + 1)

        // Resolve every difference; each is a ledger transfer with the user's note.
        let mismatch = try #require(report.lines.first { $0.status == .amountMismatch }?.bankLineID)
        let unknown = try #require(report.lines.first { $0.status == .unmatchedBank }?.bankLineID)
        let r1 = try feegate(["reconcile", "resolve", "\(mismatch)", "--as", "write-off", "--note", "payer short by 5,000", "--db", db])
        #expect(r1.status == 0 && r1.stdout.contains("as write-off by lan.nguyen"), "\(r1.output)")
        let refundWrong = try feegate(["reconcile", "resolve", "intent:FGBBBBBBB", "--as", "refund", "--note", "x", "--account", ReconciliationWorld.account, "--db", db])
        #expect(refundWrong.status != 0 && refundWrong.stderr.contains("use accept or write-off"), "\(refundWrong.output)")
        let r2 = try feegate(["reconcile", "resolve", "\(unknown)", "--as", "refund", "--note", "unknown payer, return", "--db", db])
        #expect(r2.status == 0, "\(r2.output)")
        let r3 = try feegate(["reconcile", "resolve", "intent:FGBBBBBBB", "--as", "accept", "--note", "provider notified, bank delayed",
                              "--account", ReconciliationWorld.account, "--db", db])
        #expect(r3.status == 0, "\(r3.output)")
        let twice = try feegate(["reconcile", "resolve", "\(unknown)", "--as", "accept", "--note", "again", "--db", db])
        #expect(twice.status != 0 && twice.stderr.contains("already resolved"), "\(twice.output)")
        let matched = try #require(report.lines.first { $0.status == .matched }?.bankLineID)
        let notNeeded = try feegate(["reconcile", "resolve", "\(matched)", "--as", "accept", "--note", "x", "--db", db])
        #expect(notNeeded.status != 0 && notNeeded.stderr.contains("matched"), "\(notNeeded.output)")

        // The resolutions are in the ledger: bank account moved by +99,000 − 5,000 − 70,000.
        let store = try GatewayStore.open(path: db)
        let bank = try #require(try await store.account(id: AccountKey.bankAccount(ReconciliationWorld.account).id))
        #expect(bank.debitsPosted - bank.creditsPosted == 99_000 - 5_000 - 70_000)
        let refund = try #require(try await store.account(id: AccountKey.refundLiability(nil).id))
        #expect(refund.creditsPosted == 99_000)

        // A new run: everything matched or resolved → exit 0; the old report is still reproduced as it was.
        let rerun = try feegate(["reconcile", "run", "--from", "2026-11-21", "--to", "2026-11-22", "--db", db])
        #expect(rerun.status == 0 && rerun.stdout.contains("no differences remain"), "\(rerun.output)")
        let old = try feegate(["reconcile", "report", "--run", "\(report.run ?? 0)", "--json", "--db", db])
        #expect(try JSONDecoder().decode(ReconciliationReport.self, from: Data(old.stdout.utf8)) == report)
        let verify = try feegate(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func csvImportWithAShippedMapping() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("csv.sqlite")
        _ = try await ReconciliationWorld.make(path: db)
        try ParserTests.layoutA.write(toFile: dir.path("sao-ke.csv"), atomically: true, encoding: .utf8)
        let noAccount = try feegate(["reconcile", "import", dir.path("sao-ke.csv"), "--mapping", "debit-credit", "--db", db])
        #expect(noAccount.status != 0 && noAccount.stderr.contains("--account"), "\(noAccount.output)")
        let ok = try feegate(["reconcile", "import", dir.path("sao-ke.csv"), "--mapping", "debit-credit", "--account", "0011001234567", "--db", db])
        #expect(ok.status == 0 && ok.stdout.contains("3 lines"), "\(ok.output)")
        let dry = try feegate(["reconcile", "run", "--date", "2026-11-21", "--dry-run", "--json", "--db", db])
        let report = try JSONDecoder().decode(ReconciliationReport.self, from: Data(dry.stdout.utf8))
        #expect(report.run == nil && report.dryRun)
        #expect(report.lines.first { $0.bankReference == "FT2611210001" }?.status == .matched)
        let none = try feegate(["reconcile", "report", "--date", "2026-11-21", "--db", db])
        #expect(none.status != 0 && none.stderr.contains("no stored reconciliation run"), "a dry run stores nothing")
    }

    /// An Excel export imported directly with the CSV mapping, into the database of the other tests.
    @Test func xlsxImportWithAShippedMapping() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("xlsx.sqlite")
        _ = try await ReconciliationWorld.make(path: db)
        let fixtures = Generator.fixtures.path
        let account = ["--account", ReconciliationWorld.account, "--db", db]
        let ok = try feegate(["reconcile", "import", "\(fixtures)/sao-ke.xlsx", "--mapping", "debit-credit"] + account)
        #expect(ok.status == 0 && ok.stdout.contains("imported statement xlsx:") && ok.stdout.contains(": 4 lines"), "\(ok.output)")
        // The same statement saved in the 1904 date system: the same cells, so already imported.
        let again = try feegate(["reconcile", "import", "\(fixtures)/sao-ke-1904.xlsx", "--format", "xlsx", "--mapping", "debit-credit"] + account)
        #expect(again.status == 0 && again.stdout.contains("already imported"), "\(again.output)")
        let bad = try feegate(["reconcile", "import", "\(fixtures)/bad-date.xlsx", "--mapping", "debit-credit"] + account)
        #expect(bad.status != 0 && bad.stderr.contains("bad-date.xlsx Sheet1!A14: '31/11/2026'") && bad.stderr.contains("nothing was imported"), "\(bad.output)")
        try Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504)).write(to: URL(fileURLWithPath: dir.path("old.xls")))
        let old = try feegate(["reconcile", "import", dir.path("old.xls"), "--mapping", "debit-credit"] + account)
        #expect(old.status != 0 && old.stderr.contains("Excel 97–2003 workbook (.xls)"), "\(old.output)")

        let dry = try feegate(["reconcile", "run", "--date", "2026-11-21", "--dry-run", "--json", "--db", db])
        let report = try JSONDecoder().decode(ReconciliationReport.self, from: Data(dry.stdout.utf8))
        let byReference = Dictionary(uniqueKeysWithValues: report.lines.compactMap { l in l.bankReference.map { ($0, l) } })
        #expect(byReference["VCB-1"]?.status == .matched && byReference["VCB-1"]?.ledgerKey == "intent:FG7K3M9X5")
        #expect(byReference["VCB-2"]?.status == .amountMismatch && byReference["VCB-2"]?.difference == 40_000 - 45_000)
        #expect(byReference["VCB-7"]?.status == .unmatchedBank && byReference["VCB-7"]?.bankAmount == 99_000)
    }
}
