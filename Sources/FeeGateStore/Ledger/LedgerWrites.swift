import FeeGateCore
import Foundation
import GRDB

/// The write side of the ledger: runs the engine inside one transaction and persists its changes.
enum LedgerWrites {
    /// Commits several requests' transfers in one IMMEDIATE transaction (a group commit).
    /// Returns one result array per request, in the order given.
    static func commit(
        _ batches: [Submission], writer: any DatabaseWriter, now: Int64, cache: SettlementAccountCache
    ) async throws -> [[TransferResult]] {
        try await mapErrors {
            try await writer.write { db in
                var engine = LedgerEngine(reader: SQLiteLedgerReader(db: db), now: now, lastTimestamp: try ChainHead.lastTimestamp(db))
                var results: [[TransferResult]] = []
                results.reserveCapacity(batches.count)
                var eventDays: [UUID: BusinessDay] = [:]
                for batch in batches {
                    results.append(try engine.execute(batch.transfers))
                    if let day = batch.businessDay {
                        for t in batch.transfers { eventDays[t.id] = day }
                    }
                }
                try persist(engine.changes, db, eventDays: eventDays, cache: cache)
                return results
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
    static func persist(_ changes: LedgerChanges, _ db: Database, eventDays: [UUID: BusinessDay], cache: SettlementAccountCache) throws {
        if !changes.transfers.isEmpty {
            var head = try ChainHead.load(db, "transfer")
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO transfer (seq, id, debit_account_id, credit_account_id, amount, pending_id, timeout, ledger,
                                          code, flags, reference, timestamp, expires_at, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for t in changes.transfers {
                let hash = head.append(CanonicalEncoding.transfer(t, seq: head.seq + 1), timestamp: t.timestamp)
                try insert.execute(arguments: [
                    head.seq, t.id.blob, t.debitAccountID.blob, t.creditAccountID.blob, t.amount, t.pendingID?.blob,
                    Int64(t.timeoutSeconds), Int64(t.ledger), Int64(t.code.rawValue), Int64(t.flags.rawValue), t.reference,
                    t.timestamp, t.expiresAt, Data(hash),
                ])
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
