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
                let insertLine = try BulkInsert(
                    db,
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
                        insertLine.bind(1, seq)
                        insertLine.bind(2, line.position)
                        insertLine.bind(3, statement.account)
                        insertLine.bind(4, line.bankReference)
                        insertLine.bind(5, line.bookingDate.number)
                        insertLine.bind(6, line.valueDate?.number)
                        insertLine.bind(7, line.amount)
                        insertLine.bind(8, line.currency)
                        insertLine.bind(9, line.text)
                        insertLine.bind(10, line.counterparty)
                        try insertLine.step()
                    }
                    results.append(StatementImport(seq: seq, statementID: statement.statementID, account: statement.account, lineCount: statement.lines.count, alreadyImported: false))
                }
                return results
            }
        }
    }

    /// SHA-256 of the statement's canonical content (identity, balances, every line field), hex.
    static func contentHash(_ s: BankStatement) -> String {
        // One buffer of unit-separated fields, hashed once (a million lines in well under a second).
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 + s.lines.count * 96)
        func field(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            buffer.append(1)
        }
        func number(_ value: Int64?) {
            if let value { buffer.append(contentsOf: String(value).utf8) } else { buffer.append(UInt8(ascii: "-")) }
            buffer.append(1)
        }
        field(s.format.rawValue)
        field(s.account)
        field(s.statementID)
        number(s.openingBalance)
        number(s.closingBalance)
        buffer.append(10)
        for l in s.lines {
            number(Int64(l.position))
            field(l.bankReference ?? "")
            number(l.bookingDate.number)
            number(l.valueDate?.number)
            number(l.amount)
            field(l.currency)
            field(l.text)
            field(l.counterparty ?? "")
            buffer.append(10)
        }
        return Digest.sha256(buffer).map { String(format: "%02x", $0) }.joined()
    }

    /// Imported bank lines booked from `from` through `to`, by booking day then import order.
    public func reconciliationBankLines(from: BusinessDay, to: BusinessDay) async throws -> [BankLine] {
        try await mapErrors {
            try await writer.read { db in
                var lines: [BankLine] = []
                let rows = try BulkSelect(
                    db,
                    sql: """
                        SELECT seq, account, position, bank_reference, booking_day, value_day, amount, currency, text, counterparty, statement_seq,
                               value_day IS NULL
                        FROM recon_line WHERE booking_day BETWEEN ? AND ? ORDER BY booking_day, seq
                        """, arguments: [from.number, to.number])
                while try rows.next() {
                    lines.append(
                        BankLine(
                            id: rows.int64(0), account: rows.string(1) ?? "",
                            line: StatementLine(
                                position: Int(rows.int64(2)), bankReference: rows.string(3), bookingDate: BusinessDay(number: rows.int64(4)),
                                valueDate: rows.int64(11) == 1 ? nil : BusinessDay(number: rows.int64(5)), amount: rows.int64(6), currency: rows.string(7) ?? "VND",
                                text: rows.string(8) ?? "", counterparty: rows.string(9)), statement: rows.int64(10)))
                }
                return lines
            }
        }
    }

    // MARK: - What the ledger expected

    /// Ledger items dated from `from` through `to`, in a deterministic order:
    /// - `intent:<reference>` — Σ money recorded for a payment intent (paid, underpaid, overpaid and late notifications), dated by the day
    ///   FeeGate processed its first payment;
    /// - `notification:<id>` — money recorded in suspense (no intent matched);
    /// - `payout:<day>:<operator>` — a ready settlement payout (a debit), dated on the settled day;
    /// - `refund:<reference>` — a refunded intent's money going back (a debit), dated on the refund decision;
    /// - `inflow:<day>:<channel>` — what the channel's acquirer owes for a closed settlement day (a credit): Σ over
    ///   the operators of gross − refunds − the channel fee (the acquirer deducts the whole fee; a sponsor's share
    ///   is settled with the operator, not by the acquirer). Bank QR (`qr`) arrives per intent and is excluded.
    public func reconciliationLedgerItems(from: BusinessDay, to: BusinessDay) async throws -> [LedgerItem] {
        let lo = from.startEpochSeconds * 1_000_000_000, hi = to.endEpochSeconds * 1_000_000_000
        return try await mapErrors {
            try await writer.read { db in
                var items: [LedgerItem] = []
                // Two sequential scans joined in memory (outcomes summed per intent, then intents in creation order):
                // a million intents in about a second, where a SQL GROUP BY and a join on random ids take 3–6 s.
                // Intents are dated by when FeeGate recorded their first payment.
                var received: [UUID: (total: Int64, first: Int64)] = [:]
                let outcomes = try BulkSelect(
                    db,
                    sql: """
                        SELECT intent_id, amount, processed_at FROM payment_outcome NOT INDEXED
                        WHERE outcome IN ('paid', 'underpaid', 'overpaid', 'late') AND intent_id IS NOT NULL
                        """, arguments: [])
                while try outcomes.next() {
                    guard let id = outcomes.uuid(0) else { continue }
                    let amount = outcomes.int64(1), at = outcomes.int64(2)
                    if let seen = received[id] {
                        received[id] = (seen.total + amount, min(seen.first, at))
                    } else {
                        received[id] = (amount, at)
                    }
                }
                if !received.isEmpty {
                    let intents = try BulkSelect(db, sql: "SELECT id, reference, operator_code FROM payment_intent ORDER BY seq", arguments: [])
                    while try intents.next() {
                        guard let id = intents.uuid(0), let money = received[id], money.first >= lo, money.first < hi else { continue }
                        let reference = intents.string(1) ?? ""
                        items.append(
                            LedgerItem(
                                key: "intent:" + reference, kind: .intent, amount: money.total, date: BusinessDay(ledgerTimestamp: money.first),
                                reference: reference, text: "", operatorCode: intents.string(2)))
                    }
                }
                let unmatched = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT n.id, n.amount, n.content, n.provider, COALESCE(n.occurred_at, n.received_at) AS at
                        FROM payment_outcome o JOIN payment_notification n ON n.id = o.notification_id
                        WHERE o.outcome = 'unmatched' AND COALESCE(n.occurred_at, n.received_at) >= ? AND COALESCE(n.occurred_at, n.received_at) < ?
                        ORDER BY o.seq
                        """,
                    arguments: [lo, hi])
                while let row = try unmatched.next() {
                    let id = try LedgerRows.uuid(row, "id")
                    items.append(
                        LedgerItem(
                            key: "notification:\(id.lowercasedString)", kind: .notification, amount: row["amount"], date: BusinessDay(ledgerTimestamp: row["at"]),
                            reference: nil, text: (row["content"] as String?) ?? "", operatorCode: nil))
                }
                let refunds = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT i.reference, i.operator_code, e.paid, e.at,
                               (SELECT COALESCE(SUM(o.amount), 0) FROM payment_outcome o WHERE o.intent_id = i.id AND o.outcome = 'late') AS late_total
                        FROM payment_intent_event e JOIN payment_intent i ON i.id = e.intent_id
                        WHERE e.status = 'refunded' AND e.at >= ? AND e.at < ?
                        ORDER BY e.seq
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
                let days = try Row.fetchAll(
                    db, sql: "SELECT day, record FROM settlement_day WHERE day BETWEEN ? AND ? ORDER BY day", arguments: [from.description, to.description])
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
                    var inflows: [String: Int64] = [:]
                    for group in decoded.groups ?? [] where !Self.perIntentChannels.contains(group.channel) {
                        inflows[group.channel, default: 0] += group.gross - group.refunds - group.fee
                    }
                    for channel in inflows.keys.sorted() where inflows[channel]! > 0 {
                        items.append(
                            LedgerItem(key: "inflow:\(day):\(channel)", kind: .inflow, amount: inflows[channel]!, date: day, reference: nil, text: "", operatorCode: nil))
                    }
                }
                // Deterministic order without sorting a million strings: intents in creation order, then suspense,
                // refunds and payouts in the order they were recorded.
                return items
            }
        }
    }

    /// Channels whose money reaches the bank per payment intent (matched as `intent:` items), not as an acquirer's lump.
    static let perIntentChannels: Set<String> = ["qr"]

    /// The payouts and channel groups of a sealed settlement record (the part reconciliation needs).
    struct SealedPayouts: Decodable {
        struct Group: Decodable {
            let channel: String
            let gross: Int64
            let refunds: Int64
            let fee: Int64
        }
        let groups: [Group]?
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
                let insert = try BulkInsert(
                    db,
                    sql: """
                        INSERT INTO recon_result (run_seq, ord, status, line_seq, ledger_key, ledger_kind, ledger_day, ledger_amount, reference, grp, rule,
                                                  difference, detail, resolution)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for (ord, l) in lines.enumerated() {
                    insert.bind(1, run)
                    insert.bind(2, ord)
                    insert.bind(3, l.status.rawValue)
                    insert.bind(4, l.bankLineID)
                    insert.bind(5, l.ledgerKey)
                    insert.bind(6, l.ledgerKind?.rawValue)
                    insert.bind(7, l.ledgerDate?.number)
                    insert.bind(8, l.ledgerAmount)
                    insert.bind(9, l.reference)
                    insert.bind(10, l.group)
                    insert.bind(11, l.rule)
                    insert.bind(12, l.difference)
                    insert.bind(13, l.detail)
                    insert.bind(14, l.resolution)
                    try insert.step()
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
                let lines = try Self.resultLines(db, extra: "", arguments: [seq], capacity: header["line_count"])
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
        return try await mapErrors {
            try await writer.read { db -> (run: Int64, lines: [ReportLine])? in
                let found =
                    try lineID.map { id in
                        try Row.fetchOne(db, sql: "SELECT run_seq, grp FROM recon_result WHERE line_seq = ? ORDER BY run_seq DESC LIMIT 1", arguments: [id])
                    } ?? Row.fetchOne(db, sql: "SELECT run_seq, grp FROM recon_result WHERE ledger_key = ? ORDER BY run_seq DESC LIMIT 1", arguments: [item])
                guard let found else { return nil }
                let run: Int64 = found[0], group: Int64 = found[1]
                // Only the item's group is read, not the whole run.
                let lines =
                    group != 0
                    ? try Self.resultLines(db, extra: "AND r.grp = ?", arguments: [run, group], capacity: 4)
                    : lineID != nil
                        ? try Self.resultLines(db, extra: "AND r.line_seq = ?", arguments: [run, lineID], capacity: 1)
                        : try Self.resultLines(db, extra: "AND r.ledger_key = ?", arguments: [run, item], capacity: 1)
                return lines.isEmpty ? nil : (run, lines)
            }
        }
    }

    /// Result lines of run `arguments[0]`, in order, joined with their bank lines.
    static func resultLines(_ db: Database, extra: String, arguments: StatementArguments, capacity: Int) throws -> [ReportLine] {
        var lines: [ReportLine] = []
        lines.reserveCapacity(capacity)
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.status, r.line_seq, l.account, l.booking_day, l.amount, l.bank_reference, l.text, r.ledger_key, r.ledger_kind,
                       r.ledger_day, r.ledger_amount, r.reference, r.grp, r.rule, r.difference, r.detail, r.resolution
                FROM recon_result r LEFT JOIN recon_line l ON l.seq = r.line_seq
                WHERE r.run_seq = ? \(extra) ORDER BY r.ord
                """,
            arguments: arguments)
        while let row = try cursor.next() {
            let status: String = row[0]
            guard let decoded = ReconciliationStatus(rawValue: status) else { throw StoreError.database("unknown reconciliation status \(status)") }
            lines.append(
                ReportLine(
                    status: decoded, bankLineID: row[1], account: row[2], bookingDate: (row[3] as Int64?).map(BusinessDay.init(number:)),
                    bankAmount: row[4], bankReference: row[5], text: row[6], ledgerKey: row[7],
                    ledgerKind: (row[8] as String?).flatMap(LedgerItem.Kind.init(rawValue:)), ledgerDate: (row[9] as Int64?).map(BusinessDay.init(number:)),
                    ledgerAmount: row[10], reference: row[11], group: row[12], rule: row[13], difference: row[14], detail: row[15], resolution: row[16]))
        }
        return lines
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
            throw StoreError.conflict("\(item) was already resolved (\(found.action) by \(found.resolvedBy), transfer \(found.transferID.lowercasedString))")
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
