import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// The write side of the ledger: runs the engine inside one transaction and persists its changes.
enum LedgerWrites {
    /// Commits several requests' transfers in one IMMEDIATE transaction (a group commit).
    /// Returns one result array per request, in the order given.
    /// Synchronous: runs on the committer's drain thread (never on the cooperative pool or an event loop).
    static func commit(
        _ batches: [Submission], writer: any DatabaseWriter, now: Int64, cache: SettlementAccountCache
    ) throws -> [[TransferOutcome]] {
        try mapErrorsSync {
            try writer.write { db in
                var engine = LedgerEngine(reader: SQLiteLedgerReader(db: db), now: now, lastTimestamp: try ChainHead.lastTimestamp(db))
                var results: [[TransferResult]] = []
                results.reserveCapacity(batches.count)
                var eventDays: [UUID: BusinessDay] = [:]
                for batch in batches {
                    if let record = batch.record {
                        var executed: [TransferResult] = []
                        try record.run(db) {
                            executed = try engine.execute(batch.transfers)
                            return executed
                        }
                        results.append(executed)
                    } else {
                        results.append(try engine.execute(batch.transfers))
                    }
                    // Only transfers this request wrote take its day (an `exists` or a step that did not post must
                    // not move an earlier request's transfer to another day).
                    if let day = batch.businessDay, let executed = results.last {
                        for (t, result) in zip(batch.transfers, executed) where result == .ok { eventDays[t.id] = day }
                    }
                }
                let changes = engine.changes
                let firstSeq = try persist(changes, db, eventDays: eventDays, cache: cache)
                // The rows just written, by id, with their journal positions (returned instead of re-read).
                var written: [UUID: Int] = [:]
                written.reserveCapacity(changes.transfers.count)
                for (index, t) in changes.transfers.enumerated() { written[t.id] = index }
                var outcomes: [[TransferOutcome]] = []
                outcomes.reserveCapacity(batches.count)
                for (batch, batchResults) in zip(batches, results) {
                    var out: [TransferOutcome] = []
                    out.reserveCapacity(batchResults.count)
                    for (request, result) in zip(batch.transfers, batchResults) {
                        if result == .ok, let index = written[request.id] {
                            out.append(TransferOutcome(result: result, committed: (seq: firstSeq + Int64(index), transfer: changes.transfers[index])))
                        } else {
                            out.append(TransferOutcome(result: result, committed: nil))
                        }
                    }
                    outcomes.append(out)
                }
                return outcomes
            }
        }
    }

    /// Expires every pending transfer whose timeout has passed; returns how many.
    static func expireDue(writer: any DatabaseWriter, now: Int64, limit: Int, cache: SettlementAccountCache) async throws -> Int {
        try await mapErrors {
            try await writer.write { db in
                let due = try Data.fetchAll(
                    db,
                    sql: """
                        SELECT p.id FROM transfer p
                        WHERE p.expires_at IS NOT NULL AND p.expires_at <= ?
                          AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.pending_id = p.id)
                        ORDER BY p.expires_at LIMIT ?
                        """,
                    arguments: [now, limit]
                ).compactMap { UUID(bytes: $0) }
                guard !due.isEmpty else { return 0 }
                var engine = LedgerEngine(reader: SQLiteLedgerReader(db: db), now: now, lastTimestamp: try ChainHead.lastTimestamp(db))
                let count = try engine.expire(pendingIDs: due)
                try persist(engine.changes, db, eventDays: [:], cache: cache)
                return count
            }
        }
    }

    /// Appends the engine's transfers and failures to their hash chains and writes account counters.
    /// Also updates the settlement roll-ups in the same transaction (see ``SettlementRollup``).
    /// Returns the journal position (`seq`) of the first transfer written; the others follow in order.
    @discardableResult
    static func persist(_ changes: LedgerChanges, _ db: Database, eventDays: [UUID: BusinessDay], cache: SettlementAccountCache) throws -> Int64 {
        var firstSeq: Int64 = 0
        if !changes.transfers.isEmpty {
            var head = try ChainHead.load(db, "transfer")
            firstSeq = head.seq + 1
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO transfer (seq, id, debit_account_id, credit_account_id, amount, pending_id, timeout, ledger,
                                          code, flags, reference, timestamp, expires_at, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let hasher = SHA256Context()
            let s = insert.sqliteStatement
            for t in changes.transfers {
                let hash = head.append(CanonicalEncoding.transfer(t, seq: head.seq + 1), timestamp: t.timestamp, hasher: hasher)
                RawSQLite.bind(s, 1, head.seq)
                RawSQLite.bind(s, 2, t.id)
                RawSQLite.bind(s, 3, t.debitAccountID)
                RawSQLite.bind(s, 4, t.creditAccountID)
                RawSQLite.bind(s, 5, t.amount)
                RawSQLite.bind(s, 6, t.pendingID)
                RawSQLite.bind(s, 7, Int64(t.timeoutSeconds))
                RawSQLite.bind(s, 8, Int64(t.ledger))
                RawSQLite.bind(s, 9, Int64(t.code.rawValue))
                RawSQLite.bind(s, 10, Int64(t.flags.rawValue))
                RawSQLite.bind(s, 11, t.reference)
                RawSQLite.bind(s, 12, t.timestamp)
                RawSQLite.bind(s, 13, t.expiresAt)
                RawSQLite.bind(s, 14, hash)
                try RawSQLite.execute(insert, db)
            }
            try head.save(db)
            try SettlementRollup.apply(changes, db, eventDays: eventDays, cache: cache)
        }
        if !changes.accounts.isEmpty {
            let update = try db.cachedStatement(
                sql: "UPDATE account SET debits_pending = ?, debits_posted = ?, credits_pending = ?, credits_posted = ? WHERE id = ?")
            for a in changes.accounts {
                try update.execute(arguments: [a.debitsPending, a.debitsPosted, a.creditsPending, a.creditsPosted, a.id.blob])
            }
        }
        if !changes.failures.isEmpty {
            var head = try ChainHead.load(db, "transfer_failure")
            let insert = try db.cachedStatement(sql: "INSERT INTO transfer_failure (seq, id, result, timestamp, hash) VALUES (?, ?, ?, ?, ?)")
            for f in changes.failures {
                let hash = head.append(CanonicalEncoding.failure(f, seq: head.seq + 1), timestamp: f.timestamp)
                try insert.execute(arguments: [head.seq, f.id.blob, f.result.rawValue, f.timestamp, Data(hash)])
            }
            try head.save(db)
        }
        return firstSeq
    }

    /// Creates accounts in one transaction; identical retries return `exists`.
    static func createAccounts(_ requests: [AccountRequest], writer: any DatabaseWriter, now: Int64) async throws -> [CreateAccountResult] {
        try await mapErrors {
            try await writer.write { db in try insertAccounts(requests, db, now: now) }
        }
    }

    /// Creates accounts inside the caller's transaction; identical retries return `exists`.
    static func insertAccounts(_ requests: [AccountRequest], _ db: Database, now: Int64) throws -> [CreateAccountResult] {
        let reader = SQLiteLedgerReader(db: db)
        var head = try ChainHead.load(db, "account")
        var timestamp = max(now, try ChainHead.lastTimestamp(db) + 1)
        var results: [CreateAccountResult] = []
        for request in requests {
            if let invalid = CreateAccountResult.validate(request) {
                results.append(invalid)
                continue
            }
            if let existing = try reader.account(id: request.id) {
                results.append(CreateAccountResult.compare(request, with: existing))
                continue
            }
            if let code = request.operatorCode,
                try Int.fetchOne(db, sql: "SELECT 1 FROM operator WHERE code = ?", arguments: [code]) == nil
            {
                throw StoreError.notFound("operator '\(code)' does not exist; add it with `feegate operators add` first")
            }
            let account = Account(
                id: request.id, ledger: request.ledger, code: request.code, flags: request.flags,
                operatorCode: request.operatorCode, name: request.name, timestamp: timestamp)
            let hash = head.append(CanonicalEncoding.account(account, seq: head.seq + 1), timestamp: timestamp)
            try db.execute(
                sql: """
                    INSERT INTO account (seq, id, ledger, code, flags, operator_code, name, timestamp, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    head.seq, account.id.blob, Int64(account.ledger), Int64(account.code.rawValue), Int64(account.flags.rawValue),
                    account.operatorCode, account.name, account.timestamp, Data(hash),
                ])
            timestamp += 1
            results.append(.ok)
        }
        try head.save(db)
        return results
    }
}
