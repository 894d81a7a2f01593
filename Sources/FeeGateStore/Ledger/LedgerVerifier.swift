import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// What `feegate verify` found.
public struct VerificationReport: Sendable {
    /// One thing that is wrong, located precisely enough to look at with `sqlite3`.
    public struct Problem: Sendable, CustomStringConvertible {
        public let table: String
        public let seq: Int64?
        public let id: String?
        public let message: String

        public var description: String {
            var location = table
            if let seq { location += " seq \(seq)" }
            if let id { location += " id \(id)" }
            return "\(location): \(message)"
        }
    }

    public var accounts: Int64 = 0
    public var transfers: Int64 = 0
    public var failures: Int64 = 0
    public var documents: Int64 = 0
    public var closings: Int64 = 0
    public var settlementDays: Int64 = 0
    public var debitsPosted: Int64 = 0
    public var creditsPosted: Int64 = 0
    public var problems: [Problem] = []

    public var isIntact: Bool { problems.isEmpty }

    /// The one-line summary printed when everything holds.
    public var summary: String {
        "ledger intact: \(accounts) accounts, \(transfers) transfers, \(failures) recorded failures, \(documents) documents numbered without gaps, "
            + "\(closings) daily closings and \(settlementDays) settlement days chained; hash chains verified; "
            + "Σ debits_posted = Σ credits_posted = \(debitsPosted) VND; every account's counters equal its transfers"
    }
}

extension GatewayStore {
    /// Recomputes every hash chain, checks that every transfer balances and that account counters
    /// equal the sums of their transfers. Reads only; safe while the server runs.
    public func verify(maxProblems: Int = 20) async throws -> VerificationReport {
        try await mapErrors { try await writer.read { db in try LedgerVerifier(db: db, maxProblems: maxProblems).run() } }
    }
}

/// The checks behind `feegate verify`.
struct LedgerVerifier {
    let db: Database
    let maxProblems: Int
    private var report = VerificationReport()

    init(db: Database, maxProblems: Int) {
        self.db = db
        self.maxProblems = maxProblems
    }

    func run() throws -> VerificationReport {
        var verifier = self
        try verifier.checkChain(table: "account", columns: "seq, id, ledger, code, flags, operator_code, name, timestamp, hash") { row, seq in
            let rawCode: UInt16 = row["code"]
            guard let code = AccountCode(rawValue: rawCode) else { return nil }
            let account = Account(
                id: try LedgerRows.uuid(row, "id"), ledger: row["ledger"], code: code, flags: AccountFlags(rawValue: row["flags"]),
                operatorCode: row["operator_code"], name: row["name"], timestamp: row["timestamp"])
            return CanonicalEncoding.account(account, seq: seq)
        }
        try verifier.checkChain(table: "transfer", columns: LedgerRows.transferColumns + ", hash") { row, seq in
            let rawCode: UInt16 = row["code"]
            guard TransferCode(rawValue: rawCode) != nil else { return nil }
            return CanonicalEncoding.transfer(try LedgerRows.transfer(row), seq: seq)
        }
        try verifier.checkChain(table: "transfer_failure", columns: "seq, id, result, timestamp, hash") { row, seq in
            let raw: String = row["result"]
            guard let result = TransferResult(rawValue: raw) else { return nil }
            return CanonicalEncoding.failure(TransferFailure(id: try LedgerRows.uuid(row, "id"), result: result, timestamp: row["timestamp"]), seq: seq)
        }
        try verifier.checkChain(
            table: "document",
            columns: "seq, id, operator_code, kind, template, series, year, number, authority_code, source, issued_at, total, vat, xml, hash"
        ) { row, seq in
            let document = try GatewayStore.decodeDocument(row)
            return CanonicalEncoding.document(document, seq: seq, xmlDigest: Digest.sha256(document.xml))
        }
        try verifier.checkDocumentNumbering()
        try verifier.checkClosings()
        try verifier.checkSettlementDays()
        try verifier.checkTransfersBalance()
        try verifier.checkCounters()
        return verifier.report
    }

    private mutating func add(_ table: String, seq: Int64?, id: Data?, _ message: String) {
        guard report.problems.count < maxProblems else { return }
        let idText = id.flatMap { UUID(bytes: $0)?.lowercasedString } ?? id.map { Hex.encode($0) }
        report.problems.append(.init(table: table, seq: seq, id: idText, message: message))
    }

    /// Walks a table in `seq` order. Each row's hash must equal SHA-256(previous row's stored hash ‖ its
    /// canonical bytes), so an edited row is named itself, a deleted row is named by the gap it leaves,
    /// and rows removed from the end are caught by the chain head.
    private mutating func checkChain(table: String, columns: String, canonical: (Row, Int64) throws -> [UInt8]?) throws {
        var previousHash = ChainHead.genesis
        var expectedSeq: Int64 = 1
        var count: Int64 = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table) ORDER BY seq")
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            let id = row["id"] as Data?
            let stored = (row["hash"] as Data?).map(Array.init) ?? []
            count += 1
            if seq != expectedSeq {
                add(table, seq: seq, id: id, seq > expectedSeq
                    ? "rows \(expectedSeq)…\(seq - 1) are missing (deleted?): the chain jumps from seq \(expectedSeq - 1) to \(seq)"
                    : "unexpected seq \(seq) (expected \(expectedSeq)): row inserted out of order?")
            }
            if let bytes = try canonical(row, seq) {
                if Digest.sha256(previousHash + bytes) != stored {
                    add(table, seq: seq, id: id, seq == expectedSeq
                        ? "hash mismatch: the row's content was changed after it was written (or the row was inserted by hand)"
                        : "hash mismatch: does not chain to the previous row (rows deleted before it or inserted by hand)")
                }
            } else {
                add(table, seq: seq, id: id, "row holds an unknown code or result value (edited?)")
            }
            previousHash = stored
            expectedSeq = seq + 1
        }
        let head = try ChainHead.load(db, table)
        if head.seq != expectedSeq - 1 || head.hash != previousHash {
            add(table, seq: head.seq, id: nil,
                "chain head records \(head.seq) rows but the table ends at seq \(expectedSeq - 1): rows were deleted from the end or appended by hand")
        }
        switch table {
        case "account": report.accounts = count
        case "transfer": report.transfers = count
        case "document": report.documents = count
        default: report.failures = count
        }
    }

    /// Document numbers run 1, 2, 3 … without gaps per (operator, template, series, year), and MTT codes
    /// have the 23-character form `M{template}-{YY}-{XXXXX}-{11 digits}` with the document's template and year.
    private mutating func checkDocumentNumbering() throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT seq, id, operator_code, template, series, year, number, authority_code FROM document ORDER BY operator_code, template, series, year, number")
        var expected: [String: Int64] = [:]
        for row in rows {
            let operatorCode: String = row["operator_code"], templateText: String = row["template"], series: String = row["series"]
            let groupYear: Int = row["year"]
            let group = "\(operatorCode) \(templateText) \(series) \(groupYear)"
            let number: Int64 = row["number"]
            let want = (expected[group] ?? 0) + 1
            if number != want {
                add("document", seq: row["seq"], id: row["id"], "number \(number) in \(group) but the next number is \(want): numbering has a gap or a duplicate")
            }
            expected[group] = number
            if let code = row["authority_code"] as String? {
                let parts = code.split(separator: "-", omittingEmptySubsequences: false)
                let template: String = row["template"], year: Int = row["year"]
                let yy = year % 100 < 10 ? "0\(year % 100)" : "\(year % 100)"
                var ok = code.count == 23 && parts.count == 4
                ok = ok && parts[0] == "M\(template)" && parts[1] == yy
                ok = ok && parts[2].count == 5 && parts[2].allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
                ok = ok && parts[3].count == 11 && parts[3].allSatisfy { $0.isASCII && $0.isNumber }
                if !ok { add("document", seq: row["seq"], id: row["id"], "MTT code '\(code)' is malformed or does not match template \(template), year \(year)") }
            }
        }
    }

    /// Every transfer moves one amount between two existing, distinct accounts on its own ledger.
    private mutating func checkTransfersBalance() throws {
        let bad = try Row.fetchAll(
            db,
            sql: """
                SELECT t.seq, t.id,
                  CASE WHEN d.id IS NULL THEN 'debit account does not exist'
                       WHEN c.id IS NULL THEN 'credit account does not exist'
                       WHEN t.debit_account_id = t.credit_account_id THEN 'debits and credits the same account'
                       WHEN t.amount < 0 THEN 'negative amount'
                       WHEN d.ledger <> t.ledger OR c.ledger <> t.ledger THEN 'ledger differs from its accounts'
                       WHEN t.pending_id IS NOT NULL AND p.id IS NULL THEN 'names a pending transfer that does not exist'
                  END AS problem
                FROM transfer t
                LEFT JOIN account d ON d.id = t.debit_account_id
                LEFT JOIN account c ON c.id = t.credit_account_id
                LEFT JOIN transfer p ON p.id = t.pending_id
                WHERE problem IS NOT NULL
                ORDER BY t.seq LIMIT ?
                """, arguments: [maxProblems])
        for row in bad { add("transfer", seq: row["seq"], id: row["id"], row["problem"]) }
    }

    /// Each account's four counters equal the effects of its transfers (see ``LedgerAudit``), and the books balance.
    private mutating func checkCounters() throws {
        let sums = try Row.fetchAll(
            db,
            sql: """
                WITH effect AS (
                  SELECT t.debit_account_id AS account,
                    CASE WHEN t.flags & 2 THEN t.amount WHEN t.pending_id IS NOT NULL THEN -p.amount ELSE 0 END AS dpend,
                    CASE WHEN t.flags & 2 THEN 0 WHEN t.pending_id IS NOT NULL THEN (CASE WHEN t.flags & 4 THEN t.amount ELSE 0 END) ELSE t.amount END AS dpost,
                    0 AS cpend, 0 AS cpost
                  FROM transfer t LEFT JOIN transfer p ON p.id = t.pending_id
                  UNION ALL
                  SELECT t.credit_account_id, 0, 0,
                    CASE WHEN t.flags & 2 THEN t.amount WHEN t.pending_id IS NOT NULL THEN -p.amount ELSE 0 END,
                    CASE WHEN t.flags & 2 THEN 0 WHEN t.pending_id IS NOT NULL THEN (CASE WHEN t.flags & 4 THEN t.amount ELSE 0 END) ELSE t.amount END
                  FROM transfer t LEFT JOIN transfer p ON p.id = t.pending_id
                )
                SELECT a.seq, a.id, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
                       COALESCE(SUM(e.dpend), 0) AS e_dpend, COALESCE(SUM(e.dpost), 0) AS e_dpost,
                       COALESCE(SUM(e.cpend), 0) AS e_cpend, COALESCE(SUM(e.cpost), 0) AS e_cpost
                FROM account a LEFT JOIN effect e ON e.account = a.id
                GROUP BY a.id ORDER BY a.seq
                """)
        var totals = (dpend: Int64(0), dpost: Int64(0), cpend: Int64(0), cpost: Int64(0))
        for row in sums {
            let actual: [Int64] = [row["debits_pending"], row["debits_posted"], row["credits_pending"], row["credits_posted"]]
            let expected: [Int64] = [row["e_dpend"], row["e_dpost"], row["e_cpend"], row["e_cpost"]]
            let names = ["debits_pending", "debits_posted", "credits_pending", "credits_posted"]
            for i in 0..<4 where actual[i] != expected[i] {
                add("account", seq: row["seq"], id: row["id"], "\(names[i]) is \(actual[i]) but its transfers sum to \(expected[i])")
            }
            totals.dpend &+= actual[0]
            totals.dpost &+= actual[1]
            totals.cpend &+= actual[2]
            totals.cpost &+= actual[3]
        }
        report.debitsPosted = totals.dpost
        report.creditsPosted = totals.cpost
        if totals.dpost != totals.cpost { add("account", seq: nil, id: nil, "Σ debits_posted \(totals.dpost) ≠ Σ credits_posted \(totals.cpost)") }
        if totals.dpend != totals.cpend { add("account", seq: nil, id: nil, "Σ debits_pending \(totals.dpend) ≠ Σ credits_pending \(totals.cpend)") }
    }

    /// Daily closings: the global chain (`chain_head` 'daily_closing'), per operator numbers 1, 2, 3… on
    /// consecutive days each chaining to the previous closing's hash, each hash = SHA-256(xml), memberships
    /// matching the counts, and every TDiep message matching its hash. (Signatures and totals against the
    /// documents are checked by the fiscal audit, which can parse and verify XML.)
    private mutating func checkClosings() throws {
        var running = ChainHead.genesis
        var expectedSeq: Int64 = 1
        var last: [String: (number: Int64, day: String, hash: [UInt8])] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT c.*, (SELECT COUNT(*) FROM closing_document m WHERE m.closing_seq = c.seq) AS members,
                        (SELECT COUNT(*) FROM closing_document m WHERE m.closing_seq = c.seq AND m.late = 1) AS late_members
            FROM daily_closing c ORDER BY c.seq
            """)
        while let row = try rows.next() {
            let closing = try GatewayStore.decodeClosing(row)
            let here = "closing \(closing.operatorCode) \(closing.day)"
            report.closings += 1
            if closing.seq != expectedSeq { add("daily_closing", seq: closing.seq, id: nil, "\(here): seq jumps from \(expectedSeq - 1) to \(closing.seq) (rows deleted?)") }
            expectedSeq = closing.seq + 1
            if Digest.sha256(closing.xml) != closing.hash { add("daily_closing", seq: closing.seq, id: nil, "\(here): the XML does not match its hash (edited?)") }
            running = Digest.sha256(running + GatewayStore.closingChainBytes(seq: closing.seq, hash: closing.hash))
            let previous = last[closing.operatorCode]
            if closing.number != (previous?.number ?? 0) + 1 {
                add("daily_closing", seq: closing.seq, id: nil, "\(here): number \(closing.number) follows \(previous?.number ?? 0): a closing is missing")
            }
            if closing.prevHash != (previous?.hash ?? ChainHead.genesis) {
                add("daily_closing", seq: closing.seq, id: nil, "\(here): prev_hash is not the hash of the operator's previous closing")
            }
            if let previous, let before = BusinessDay(previous.day), before.next != closing.day {
                add("daily_closing", seq: closing.seq, id: nil, "\(here): follows \(previous.day); closings must be on consecutive days")
            }
            if (row["members"] as Int64) != closing.documentCount || (row["late_members"] as Int64) != closing.lateCount {
                add("daily_closing", seq: closing.seq, id: nil, "\(here): records \(closing.documentCount) documents (\(closing.lateCount) late) but closing_document holds \(row["members"] as Int64) (\(row["late_members"] as Int64) late)")
            }
            last[closing.operatorCode] = (closing.number, closing.day.description, closing.hash)
        }
        let head = try ChainHead.load(db, "daily_closing")
        if head.seq != expectedSeq - 1 || head.hash != running {
            add("daily_closing", seq: head.seq, id: nil, "chain head records \(head.seq) closings but the table ends at seq \(expectedSeq - 1) (or a closing's hash changed): closings deleted or edited")
        }
        for row in try Row.fetchAll(db, sql: "SELECT seq, xml, hash FROM tax_batch ORDER BY seq") {
            if Digest.sha256([UInt8](row["xml"] as Data)) != [UInt8](row["hash"] as Data) {
                add("tax_batch", seq: row["seq"], id: nil, "the TDiep message does not match its hash (edited?)")
            }
        }
    }

    /// Closed settlement days: each hash is SHA-256(previous hash ‖ record), each day's `prev_hash` is the day before's hash.
    private mutating func checkSettlementDays() throws {
        var previous = ChainHead.genesis
        for row in try Row.fetchAll(db, sql: "SELECT seq, day, record, prev_hash, hash FROM settlement_day ORDER BY seq") {
            report.settlementDays += 1
            let prev = [UInt8](row["prev_hash"] as Data), hash = [UInt8](row["hash"] as Data), record: String = row["record"], day: String = row["day"]
            if prev != previous { add("settlement_day", seq: row["seq"], id: nil, "settlement \(day): prev_hash is not the previous day's hash (a day deleted?)") }
            if Digest.sha256(prev + Array(record.utf8)) != hash { add("settlement_day", seq: row["seq"], id: nil, "settlement \(day): the record does not match its hash (edited?)") }
            previous = hash
        }
    }
}
