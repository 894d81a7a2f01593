import FeeGateTestSupport
import Foundation
import Testing

/// Acceptance: changing one amount, deleting one row or inserting a row directly with `sqlite3`
/// makes `feegate verify` exit 1 and name the row.
@Suite("Tamper evidence", .serialized)
struct TamperEvidenceTests {
    /// A database with 2 accounts and 5 transfers (seq 1…5), written through the real server.
    static func makeLedger(_ scratch: Scratch) async throws -> String {
        let db = scratch.path("ledger.sqlite")
        #expect(try Tools.feegate(["migrate", "--db", db]).status == 0)
        let key = try Tools.feegate(["keys", "create", "--role", "admin", "--quiet", "--db", db]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess(db: db, directory: scratch.url)
        defer { server.stop() }
        let a = UUID().uuidString, b = UUID().uuidString
        _ = try await HTTP.send(.POST, "\(server.base)/v1/ledger/accounts", key: key,
                                json: #"{"accounts":[{"id":"\#(a)","code":"control","name":"a"},{"id":"\#(b)","code":"operator_revenue","name":"b"}]}"#)
        for amount in [1_000, 2_000, 3_000, 4_000, 5_000] {
            let reply = try await HTTP.send(.POST, "\(server.base)/v1/ledger/transfers", key: key,
                                            json: #"{"transfers":[{"id":"\#(UUID().uuidString)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":\#(amount),"code":"parking_fee"}]}"#)
            #expect(reply.status == 200)
        }
        return db
    }

    @Test func triggersRefuseEditsThroughSQL() async throws {
        let scratch = try Scratch()
        let db = try await Self.makeLedger(scratch)
        for sql in ["UPDATE transfer SET amount = 1 WHERE seq = 3;", "DELETE FROM transfer WHERE seq = 3;", "UPDATE account SET name = 'x';"] {
            let out = try Tools.sqlite3(db, sql)
            #expect(out.status != 0, "sqlite3 accepted: \(sql)")
            #expect(out.stderr.contains("append-only") || out.stderr.contains("immutable"), "\(out.stderr)")
        }
        #expect(try Tools.feegate(["verify", "--db", db]).status == 0)
    }

    @Test(arguments: [
        ("UPDATE transfer SET amount = 3001 WHERE seq = 3;", "transfer seq 3"),
        ("DELETE FROM transfer WHERE seq = 3;", "transfer seq 4"),
        ("DELETE FROM transfer WHERE seq = 5;", "transfer seq 5"),
        ("INSERT INTO transfer (seq, id, debit_account_id, credit_account_id, amount, timeout, ledger, code, flags, timestamp, hash) SELECT 6, randomblob(16), debit_account_id, credit_account_id, 777, 0, ledger, code, flags, timestamp + 1, randomblob(32) FROM transfer WHERE seq = 5;", "transfer seq 6"),
        ("UPDATE account SET credits_posted = credits_posted - 1000 WHERE seq = 2;", "account seq 2"),
    ])
    func verifyFailsAndNamesTheRow(sql: String, expected: String) async throws {
        let scratch = try Scratch()
        let db = try await Self.makeLedger(scratch)
        // Someone with the file can drop the triggers first; the hash chain still gives them away.
        let triggers = try Tools.sqlite3(db, "SELECT name FROM sqlite_master WHERE type = 'trigger';").stdout.split(separator: "\n")
        #expect(triggers.count >= 6)
        let drop = triggers.map { "DROP TRIGGER \($0);" }.joined()
        let tamper = try Tools.sqlite3(db, drop + sql)
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let verify = try Tools.feegate(["verify", "--db", db])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("LEDGER BROKEN"))
        #expect(verify.stderr.contains(expected), "\(verify.stderr)")
    }
}
