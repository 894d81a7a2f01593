import FeeGateCore
import FeeGateCrypto
import FeeGateReconciliation
import Foundation
import GRDB

/// What importing one statement did.
public struct StatementImport: Sendable, Hashable {
    public let seq: Int64
    public let statementID: String
    public let account: String
    public let lineCount: Int
    /// `true` when the same statement (same account, id and content) was imported before: nothing was written.
    public let alreadyImported: Bool
}

/// A recorded resolution of a reconciliation difference.
public struct ReconciliationResolution: Sendable, Hashable {
    public let seq: Int64
    public let items: [String]
    public let action: String
    public let amount: Int64
    public let note: String
    public let resolvedBy: String
    public let transferID: UUID
    public let at: Int64
}

extension GatewayStore {
    // MARK: - Statements

    /// Imports statements in one transaction: all of them or nothing.
    ///
    /// A statement already imported with the same account, id and content is reported `alreadyImported` and
    /// writes nothing. The same account and id with *different* content is a conflict (a bank correcting a
    /// statement must issue a new one); then nothing at all is written.
    public func importStatements(_ statements: [BankStatement], source: String, importedBy: String?) async throws -> [StatementImport] {
        let now = clock()
        let hashes = statements.map(Self.contentHash)
        return try await mapErrors {
            try await writer.write { db in
                var results: [StatementImport] = []
                let insertLine = try db.makeStatement(
                    sql: """
                        INSERT INTO recon_line (statement_seq, position, account, bank_reference, booking_day, value_day, amount, currency, text, counterparty)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for (statement, hash) in zip(statements, hashes) {
                    if let row = try Row.fetchOne(
                        db, sql: "SELECT seq, content_hash, line_count FROM recon_statement WHERE account = ? AND statement_id = ?",
                        arguments: [statement.account, statement.statementID])
                    {
                        guard (row["content_hash"] as String) == hash else {
                            throw StoreError.conflict(
                                "statement \(statement.statementID) of account \(statement.account) was imported before with different content; "
                                    + "nothing was imported (a corrected statement needs its own statement id)")
                        }
                        results.append(
                            StatementImport(seq: row["seq"], statementID: statement.statementID, account: statement.account, lineCount: row["line_count"], alreadyImported: true))
                        continue
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO recon_statement (statement_id, account, format, content_hash, source, opening_balance, closing_balance, line_count, imported_at, imported_by)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            statement.statementID, statement.account, statement.format.rawValue, hash, source, statement.openingBalance, statement.closingBalance,
                            statement.lines.count, now, importedBy,
                        ])
                    let seq = db.lastInsertedRowID
                    for line in statement.lines {
                        try insertLine.execute(arguments: [
                            seq, line.position, statement.account, line.bankReference, line.bookingDate.number, line.valueDate?.number, line.amount, line.currency,
                            line.text, line.counterparty,
                        ])
                    }
                    results.append(StatementImport(seq: seq, statementID: statement.statementID, account: statement.account, lineCount: statement.lines.count, alreadyImported: false))
                }
                return results
            }
        }
    }

    /// SHA-256 of the statement's canonical content (identity, balances, every line field), hex.
    static func contentHash(_ s: BankStatement) -> String {
        var text = "\(s.format.rawValue)\u{1}\(s.account)\u{1}\(s.statementID)\u{1}\(s.openingBalance.map(String.init) ?? "-")\u{1}\(s.closingBalance.map(String.init) ?? "-")\n"
        for l in s.lines {
            text += "\(l.position)\u{1}\(l.bankReference ?? "")\u{1}\(l.bookingDate)\u{1}\(l.valueDate?.description ?? "")\u{1}\(l.amount)\u{1}\(l.currency)\u{1}\(l.text)\u{1}\(l.counterparty ?? "")\n"
        }
        return Digest.sha256(text).map { String(format: "%02x", $0) }.joined()
    }

    /// Imported bank lines booked from `from` through `to`, by booking day then import order.
    public func reconciliationBankLines(from: BusinessDay, to: BusinessDay) async throws -> [BankLine] {
        try await mapErrors {
            try await writer.read { db in
                var lines: [BankLine] = []
                let cursor = try Row.fetchCursor(
                    db, sql: "SELECT * FROM recon_line WHERE booking_day BETWEEN ? AND ? ORDER BY booking_day, seq", arguments: [from.number, to.number])
                while let row = try cursor.next() { lines.append(Self.bankLine(row)) }
                return lines
            }
        }
    }

    static func bankLine(_ row: Row) -> BankLine {
        BankLine(
            id: row["seq"], account: row["account"],
            line: StatementLine(
                position: row["position"], bankReference: row["bank_reference"], bookingDate: BusinessDay(number: row["booking_day"]),
                valueDate: (row["value_day"] as Int64?).map(BusinessDay.init(number:)), amount: row["amount"], currency: row["currency"], text: row["text"],
                counterparty: row["counterparty"]), statement: row["statement_seq"])
    }

    // MARK: - What the ledger expected

    /// Ledger items dated from `from` through `to`, sorted by key:
    /// - `intent:<reference>` — Σ money recorded for a payment intent (paid, underpaid, overpaid and late notifications), dated by its first notification;
    /// - `notification:<id>` — money recorded in suspense (no intent matched);
    /// - `payout:<day>:<operator>` — a ready settlement payout (a debit), dated on the settled day;
    /// - `refund:<reference>` — a refunded intent's money going back (a debit), dated on the refund decision.
    public func reconciliationLedgerItems(from: BusinessDay, to: BusinessDay) async throws -> [LedgerItem] {
        let lo = from.startEpochSeconds * 1_000_000_000, hi = to.endEpochSeconds * 1_000_000_000
        return try await mapErrors {
            try await writer.read { db in
                var items: [LedgerItem] = []
                let intents = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT i.reference, i.operator_code, SUM(o.amount) AS total, MIN(COALESCE(n.occurred_at, n.received_at)) AS first_at
                        FROM payment_outcome o
                        JOIN payment_notification n ON n.id = o.notification_id
                        JOIN payment_intent i ON i.id = o.intent_id
                        WHERE o.outcome IN ('paid', 'underpaid', 'overpaid', 'late')
                        GROUP BY o.intent_id
                        HAVING first_at >= ? AND first_at < ?
                        """,
                    arguments: [lo, hi])
                while let row = try intents.next() {
                    let reference: String = row["reference"]
                    items.append(
                        LedgerItem(
                            key: "intent:\(reference)", kind: .intent, amount: row["total"], date: BusinessDay(ledgerTimestamp: row["first_at"]),
                            reference: reference, text: "", operatorCode: row["operator_code"]))
                }
                let unmatched = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT n.id, n.amount, n.content, n.provider, COALESCE(n.occurred_at, n.received_at) AS at
                        FROM payment_outcome o JOIN payment_notification n ON n.id = o.notification_id
                        WHERE o.outcome = 'unmatched' AND COALESCE(n.occurred_at, n.received_at) >= ? AND COALESCE(n.occurred_at, n.received_at) < ?
                        """,
                    arguments: [lo, hi])
                while let row = try unmatched.next() {
                    let id = try LedgerRows.uuid(row, "id")
                    items.append(
                        LedgerItem(
                            key: "notification:\(id.uuidString.lowercased())", kind: .notification, amount: row["amount"], date: BusinessDay(ledgerTimestamp: row["at"]),
                            reference: nil, text: (row["content"] as String?) ?? "", operatorCode: nil))
                }
                let refunds = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT i.reference, i.operator_code, e.paid, e.at,
                               (SELECT COALESCE(SUM(o.amount), 0) FROM payment_outcome o WHERE o.intent_id = i.id AND o.outcome = 'late') AS late_total
                        FROM payment_intent_event e JOIN payment_intent i ON i.id = e.intent_id
                        WHERE e.status = 'refunded' AND e.at >= ? AND e.at < ?
                        """,
                    arguments: [lo, hi])
                while let row = try refunds.next() {
                    let reference: String = row["reference"]
                    let total = (row["paid"] as Int64) + (row["late_total"] as Int64)
                    guard total > 0 else { continue }
                    items.append(
                        LedgerItem(
                            key: "refund:\(reference)", kind: .refund, amount: -total, date: BusinessDay(ledgerTimestamp: row["at"]), reference: reference,
                            text: "", operatorCode: row["operator_code"]))
                }
                let days = try Row.fetchAll(db, sql: "SELECT day, record FROM settlement_day WHERE day BETWEEN ? AND ?", arguments: [from.description, to.description])
                for row in days {
                    let record: String = row["record"]
                    guard let day = BusinessDay(row["day"] as String), let data = record.data(using: .utf8),
                        let decoded = try? JSONDecoder().decode(SealedPayouts.self, from: data)
                    else { throw StoreError.database("settlement record of \(row["day"] as String) cannot be read") }
                    for payout in decoded.payouts where payout.status == "ready" && payout.amount > 0 {
                        items.append(
                            LedgerItem(
                                key: "payout:\(day):\(payout.operator)", kind: .payout, amount: -payout.amount, date: day, reference: payout.reference, text: "",
                                operatorCode: payout.operator))
                    }
                }
                return items.sorted { $0.key < $1.key }
            }
        }
    }

    /// The payouts of a sealed settlement record (the part reconciliation needs).
    struct SealedPayouts: Decodable {
        struct Payout: Decodable {
            let `operator`: String
            let amount: Int64
            let reference: String
            let status: String
        }
        let payouts: [Payout]
    }

    // MARK: - Runs

    /// Stores a run and every line of its result in one transaction; returns the run number.
    public func recordReconciliationRun(
        from: BusinessDay, to: BusinessDay, rules: String, runBy: String?, startedAt: Int64, lines: [ReportLine]
    ) async throws -> Int64 {
        let finished = clock()
        return try await mapErrors {
            try await writer.write { db in
                try db.execute(
                    sql: "INSERT INTO recon_run (from_day, to_day, rules, run_by, started_at, finished_at, line_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [from.number, to.number, rules, runBy, startedAt, finished, lines.count])
                let run = db.lastInsertedRowID
                let insert = try db.makeStatement(
                    sql: """
                        INSERT INTO recon_result (run_seq, ord, status, line_seq, ledger_key, ledger_kind, ledger_day, ledger_amount, reference, grp, rule,
                                                  difference, detail, resolution)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for (ord, l) in lines.enumerated() {
                    try insert.execute(arguments: [
                        run, ord, l.status.rawValue, l.bankLineID, l.ledgerKey, l.ledgerKind?.rawValue, l.ledgerDate?.number, l.ledgerAmount, l.reference,
                        l.group, l.rule, l.difference, l.detail, l.resolution,
                    ])
                }
                return run
            }
        }
    }

    /// The stored report of the latest run whose range includes `day` (or of run `run`), exactly as it was stored.
    public func reconciliationReport(day: BusinessDay? = nil, run: Int64? = nil) async throws -> ReconciliationReport? {
        try await mapErrors {
            try await writer.read { db in
                let header: Row?
                if let run {
                    header = try Row.fetchOne(db, sql: "SELECT * FROM recon_run WHERE seq = ?", arguments: [run])
                } else if let day {
                    header = try Row.fetchOne(
                        db, sql: "SELECT * FROM recon_run WHERE ? BETWEEN from_day AND to_day ORDER BY seq DESC LIMIT 1", arguments: [day.number])
                } else {
                    header = try Row.fetchOne(db, sql: "SELECT * FROM recon_run ORDER BY seq DESC LIMIT 1")
                }
                guard let header else { return nil }
                let seq: Int64 = header["seq"]
                var lines: [ReportLine] = []
                lines.reserveCapacity(header["line_count"])
                let cursor = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT r.*, l.account, l.booking_day, l.amount AS bank_amount, l.bank_reference, l.text
                        FROM recon_result r LEFT JOIN recon_line l ON l.seq = r.line_seq
                        WHERE r.run_seq = ? ORDER BY r.ord
                        """,
                    arguments: [seq])
                while let row = try cursor.next() {
                    let status: String = row["status"]
                    lines.append(
                        ReportLine(
                            status: ReconciliationStatus(rawValue: status) ?? .unmatchedBank, bankLineID: row["line_seq"], account: row["account"],
                            bookingDate: (row["booking_day"] as Int64?).map(BusinessDay.init(number:)), bankAmount: row["bank_amount"],
                            bankReference: row["bank_reference"], text: row["text"], ledgerKey: row["ledger_key"],
                            ledgerKind: (row["ledger_kind"] as String?).flatMap(LedgerItem.Kind.init(rawValue:)),
                            ledgerDate: (row["ledger_day"] as Int64?).map(BusinessDay.init(number:)), ledgerAmount: row["ledger_amount"], reference: row["reference"],
                            group: row["grp"], rule: row["rule"], difference: row["difference"], detail: row["detail"], resolution: row["resolution"]))
                }
                return ReconciliationReport(
                    run: seq, from: BusinessDay(number: header["from_day"]), to: BusinessDay(number: header["to_day"]), dryRun: false, rules: header["rules"],
                    lines: lines)
            }
        }
    }

    // MARK: - Resolutions

    /// Resolutions recorded for these items (`line:<id>` or ledger keys), by item.
    public func reconciliationResolutions(items: [String]? = nil) async throws -> [String: ReconciliationResolution] {
        try await mapErrors {
            try await writer.read { db in
                var sql = """
                    SELECT i.item, r.* FROM recon_resolution_item i JOIN recon_resolution r ON r.seq = i.resolution_seq
                    """
                var arguments: StatementArguments = []
                if let items {
                    guard !items.isEmpty else { return [:] }
                    sql += " WHERE i.item IN (\(items.map { _ in "?" }.joined(separator: ",")))"
                    arguments = StatementArguments(items)
                }
                var bySeq: [Int64: [String]] = [:]
                var rows: [Int64: Row] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    let seq: Int64 = row["seq"]
                    bySeq[seq, default: []].append(row["item"])
                    rows[seq] = row
                }
                var result: [String: ReconciliationResolution] = [:]
                for (seq, row) in rows {
                    let resolution = ReconciliationResolution(
                        seq: seq, items: bySeq[seq] ?? [], action: row["action"], amount: row["amount"], note: row["note"], resolvedBy: row["resolved_by"],
                        transferID: try LedgerRows.uuid(row, "transfer_id"), at: row["at"])
                    for item in resolution.items { result[item] = resolution }
                }
                return result
            }
        }
    }

    /// The latest stored result rows concerning `item` (`line:<id>` or a ledger key): the rows of its group
    /// in the latest run that saw it. Empty when no run has seen it.
    public func latestReconciliationRows(item: String) async throws -> (run: Int64, lines: [ReportLine])? {
        let lineID = item.hasPrefix("line:") ? Int64(item.dropFirst(5)) : nil
        guard let run = try await mapErrors({
            try await writer.read { db -> Int64? in
                if let lineID {
                    return try Int64.fetchOne(db, sql: "SELECT MAX(run_seq) FROM recon_result WHERE line_seq = ?", arguments: [lineID])
                }
                return try Int64.fetchOne(db, sql: "SELECT MAX(run_seq) FROM recon_result WHERE ledger_key = ?", arguments: [item])
            }
        }), let report = try await reconciliationReport(run: run) else { return nil }
        let own = report.lines.filter { lineID != nil ? $0.bankLineID == lineID : $0.ledgerKey == item }
        guard let first = own.first else { return nil }
        if first.group == 0 { return (run, own) }
        return (run, report.lines.filter { $0.group == first.group })
    }

    /// Posts a resolution's transfer through the ledger and records it, with the items it settles.
    ///
    /// The transfer id derives from the items, so a retry after a crash finds the transfer (`exists`) and posts
    /// nothing twice; an item already resolved is a conflict and nothing is posted.
    public func recordReconciliationResolution(
        items: [String], run: Int64, status: String, action: String, amount: Int64, note: String, resolvedBy: String, accounts: [AccountKey],
        transfer: TransferRequest
    ) async throws -> ReconciliationResolution {
        let existing = try await reconciliationResolutions(items: items)
        if let (item, found) = existing.first {
            throw StoreError.conflict("\(item) was already resolved (\(found.action) by \(found.resolvedBy), transfer \(found.transferID.uuidString.lowercased()))")
        }
        try await ensureAccounts(accounts)
        let results = try await submitTransfers([transfer])
        guard let result = results.first, result == .ok || result == .exists else {
            throw StoreError.conflict("the ledger refused the resolution transfer: \(results.first.map { "\($0)" } ?? "no result")")
        }
        let now = clock()
        return try await mapErrors {
            try await writer.write { db in
                try db.execute(
                    sql: "INSERT INTO recon_resolution (run_seq, status, action, amount, note, resolved_by, transfer_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [run, status, action, amount, note, resolvedBy, transfer.id.blob, now])
                let seq = db.lastInsertedRowID
                for item in items {
                    try db.execute(sql: "INSERT INTO recon_resolution_item (item, resolution_seq) VALUES (?, ?)", arguments: [item, seq])
                }
                return ReconciliationResolution(
                    seq: seq, items: items, action: action, amount: amount, note: note, resolvedBy: resolvedBy, transferID: transfer.id, at: now)
            }
        }
    }
}
