import FeeGateCore
import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

@Suite("Ledger store")
struct LedgerStoreTests {
    static let t0: Int64 = 1_790_000_000_000_000_000

    func openFile(_ dir: TemporaryDirectory, clock: ManualClock? = nil) throws -> GatewayStore {
        var options = GatewayStore.Options()
        if let clock { options.clock = { clock.now } }
        return try GatewayStore.open(path: dir.path("ledger.sqlite"), options: options)
    }

    @Test func fileDatabaseUsesWALWithFullSync() async throws {
        let dir = try TemporaryDirectory()
        let store = try openFile(dir)
        #expect(try await store.journalMode() == "wal")
        #expect(try await store.synchronousLevel() == 2)  // FULL (GRDB's WAL default would be NORMAL = 1)
    }

    /// The same random workload through SQLite and through the in-memory reference ledger must give
    /// identical results and identical balances, and `verify` must find the file intact.
    @Test(arguments: [11, 22, 33])
    func sqliteMatchesTheReferenceLedger(seed: Int) async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock(Self.t0)
        let store = try openFile(dir, clock: clock)
        var reference = InMemoryLedger()
        var rng = SplitMix64(seed: UInt64(seed))
        let ids = (0..<5).map { _ in UUID() }
        let requests = ids.enumerated().map { i, id in
            AccountRequest(id: id, code: .control, flags: i < 2 ? .debitsMustNotExceedCredits : [], name: "acct \(i)")
        }
        #expect(try await store.createAccounts(requests) == Array(repeating: .ok, count: 5))
        #expect(try await store.createAccounts(requests) == Array(repeating: .exists, count: 5))
        for r in requests { _ = reference.createAccount(r, now: 1) }
        var history: [TransferRequest] = []
        var pendings: [UUID] = []
        for _ in 0..<120 {
            clock.advance(seconds: Int64.random(in: 0...3, using: &rng))
            var batch: [TransferRequest] = []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let roll = Int.random(in: 0..<100, using: &rng)
                if roll < 12, var old = history.randomElement(using: &rng) {
                    old.flags.remove(.linked)
                    if roll < 4, let amount = old.amount { old.amount = amount + 7 }
                    batch.append(old)
                } else if roll < 25, let pid = pendings.randomElement(using: &rng) {
                    let post = Bool.random(using: &rng)
                    batch.append(TransferRequest(id: UUID(), debitAccountID: nil, creditAccountID: nil, amount: nil, pendingID: pid, code: nil,
                                                 flags: post ? .postPendingTransfer : .voidPendingTransfer))
                } else {
                    let d = Int.random(in: 0..<5, using: &rng), c = (d + Int.random(in: 1..<5, using: &rng)) % 5
                    var flags: TransferFlags = []
                    if roll < 40 { flags.insert(.pending) }
                    if roll > 92 { flags.insert(.linked) }
                    let t = TransferRequest(id: UUID(), debitAccountID: ids[d], creditAccountID: ids[c], amount: Int64.random(in: 0...9_000, using: &rng),
                                            timeoutSeconds: flags.contains(.pending) && roll % 3 == 0 ? 5 : 0, code: .adjustment, flags: flags)
                    if flags.contains(.pending) { pendings.append(t.id) }
                    batch.append(t)
                }
            }
            history += batch
            let expected = reference.execute(batch, now: clock.now)
            let actual = try await store.submitTransfers(batch)
            #expect(actual == expected)
            if Int.random(in: 0..<10, using: &rng) == 0 {
                let a = try await store.expirePendingTransfers()
                let b = reference.expirePending(now: clock.now)
                #expect(a == b)
            }
        }
        for id in ids {
            let stored = try #require(try await store.account(id: id))
            let ref = try #require(reference.account(id: id))
            #expect([stored.debitsPending, stored.debitsPosted, stored.creditsPending, stored.creditsPosted]
                    == [ref.debitsPending, ref.debitsPosted, ref.creditsPending, ref.creditsPosted])
        }
        let report = try await store.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.transfers == Int64(reference.journal.count))
        #expect(report.failures == Int64(reference.failures.count))
    }

    @Test func concurrentSubmissionsAreGroupCommittedAndAllDurable() async throws {
        let dir = try TemporaryDirectory()
        let store = try openFile(dir)
        let source = UUID(), sink = UUID()
        _ = try await store.createAccounts([.init(id: source, code: .control, name: "src"), .init(id: sink, code: .operatorRevenue, name: "sink")])
        let ids = (0..<400).map { _ in UUID() }
        let results = try await withThrowingTaskGroup(of: [TransferResult].self) { group in
            for id in ids {
                group.addTask { try await store.submitTransfers([.init(id: id, debitAccountID: source, creditAccountID: sink, amount: 1_000, code: .busFare)]) }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(results.count == 400 && results.allSatisfy { $0 == .ok })
        // Reopen the file (a new process would): everything acknowledged is there exactly once.
        let reopened = try GatewayStore.open(path: dir.path("ledger.sqlite"))
        #expect(try await reopened.account(id: sink)?.creditsPosted == 400_000)
        for id in ids.prefix(50) { #expect(try await reopened.transfer(id: id) != nil) }
        #expect(try await reopened.verify().isIntact)
    }

    @Test func journalRowsCannotBeChangedThroughSQL() async throws {
        let dir = try TemporaryDirectory()
        let store = try openFile(dir)
        let a = UUID(), b = UUID()
        _ = try await store.createAccounts([.init(id: a, code: .control, name: "a"), .init(id: b, code: .control, name: "b")])
        _ = try await store.submitTransfers([.init(id: UUID(), debitAccountID: a, creditAccountID: b, amount: 5, code: .adjustment)])
        // A sticky failure, so transfer_failure has a row to protect.
        #expect(try await store.submitTransfers([.init(id: UUID(), debitAccountID: UUID(), creditAccountID: b, amount: 5, code: .adjustment)]) == [.debitAccountNotFound])
        let queue = try DatabaseQueue(path: dir.path("ledger.sqlite"))
        for sql in ["UPDATE transfer SET amount = 6", "DELETE FROM transfer", "DELETE FROM account", "UPDATE account SET name = 'x'",
                    "UPDATE account SET code = 900", "DELETE FROM transfer_failure", "DELETE FROM chain_head"] {
            #expect(throws: DatabaseError.self, "\(sql) must be refused") { try queue.write { try $0.execute(sql: sql) } }
        }
        #expect(try await store.verify().isIntact)
    }

    /// Tampering that bypasses the triggers (dropping them first, as someone with the file could) is found by `verify`.
    @Test(arguments: [
        ("UPDATE transfer SET amount = amount + 1 WHERE seq = 2", "transfer", Int64(2), "hash mismatch"),
        ("DELETE FROM transfer WHERE seq = 2", "transfer", 3, "missing"),
        ("DELETE FROM transfer WHERE seq = 3", "transfer", 3, "chain head"),
        ("UPDATE account SET credits_posted = credits_posted + 100 WHERE seq = 2", "account", 2, "credits_posted"),
        ("UPDATE transfer SET reference = 'edited' WHERE seq = 1", "transfer", 1, "hash mismatch"),
        ("INSERT INTO transfer (seq, id, debit_account_id, credit_account_id, amount, timeout, ledger, code, flags, timestamp, hash) SELECT 4, randomblob(16), debit_account_id, credit_account_id, 1, 0, ledger, code, flags, timestamp + 1, randomblob(32) FROM transfer WHERE seq = 1", "transfer", 4, "hash mismatch"),
    ])
    func verifyNamesTheTamperedRow(sql: String, table: String, seq: Int64, message: String) async throws {
        let dir = try TemporaryDirectory()
        let store = try openFile(dir)
        let a = UUID(), b = UUID()
        _ = try await store.createAccounts([.init(id: a, code: .control, name: "a"), .init(id: b, code: .control, name: "b")])
        for amount in [100, 200, 300] as [Int64] {
            _ = try await store.submitTransfers([.init(id: UUID(), debitAccountID: a, creditAccountID: b, amount: amount, code: .adjustment, reference: "r\(amount)")])
        }
        #expect(try await store.verify().isIntact)
        let queue = try DatabaseQueue(path: dir.path("ledger.sqlite"))
        try await queue.writeWithoutTransaction { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: sql)
        }
        let report = try await store.verify()
        #expect(!report.isIntact)
        let first = try #require(report.problems.first)
        #expect(first.table == table && first.seq == seq, "\(report.problems)")
        #expect(first.message.contains(message), "\(first.message)")
    }

    @Test func pendingTransfersExpireInTheBackgroundSweep() async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock(Self.t0)
        let store = try openFile(dir, clock: clock)
        let a = UUID(), b = UUID(), hold = UUID()
        _ = try await store.createAccounts([.init(id: a, code: .control, name: "a"), .init(id: b, code: .control, name: "b")])
        #expect(try await store.submitTransfers([.init(id: hold, debitAccountID: a, creditAccountID: b, amount: 9_000, timeoutSeconds: 30, code: .payment, flags: .pending)]) == [.ok])
        clock.advance(seconds: 29)
        #expect(try await store.expirePendingTransfers() == 0)
        clock.advance(seconds: 2)
        #expect(try await store.expirePendingTransfers() == 1)
        #expect(try await store.resolution(ofPending: hold) == .expired)
        #expect(try await store.account(id: b)?.creditsPending == 0)
        #expect(try await store.submitTransfers([.init(id: UUID(), debitAccountID: nil, creditAccountID: nil, amount: nil, pendingID: hold, code: nil, flags: .postPendingTransfer)]) == [.pendingTransferExpired])
        #expect(try await store.verify().isIntact)
    }

    @Test func accountsNeedAnExistingOperator() async throws {
        let store = try GatewayStore.inMemory()
        await #expect(throws: StoreError.self) { try await store.createAccounts([.init(id: UUID(), code: .operatorRevenue, operatorCode: "NOPE", name: "x")]) }
        _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        #expect(try await store.createAccounts([.init(id: UUID(), code: .operatorRevenue, operatorCode: "HN-BUS-01", name: "x")]) == [.ok])
        let id = UUID()
        #expect(try await store.createAccounts([.init(id: id, code: .control, name: "x")]) == [.ok])
        #expect(try await store.createAccounts([.init(id: id, code: .control, name: "y")]) == [.existsWithDifferentName])
        #expect(try await store.createAccounts([.init(id: id, code: .sponsor, name: "x")]) == [.existsWithDifferentCode])
    }
}

@Suite("Operators and keys")
struct DirectoryStoreTests {
    @Test func operatorsAreValidatedAndUnique() async throws {
        let store = try GatewayStore.inMemory()
        let op = try await store.addOperator(code: "HN-PARK-01", name: "Hapark", taxCode: "0101234567-001", kind: .parking, mttPrefix: "K7Q2M", invoiceSeries: "C26MAA")
        #expect(op.code == "HN-PARK-01")
        await #expect(throws: StoreError.self) { try await store.addOperator(code: "HN-PARK-01", name: "again", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil) }
        for (code, tax, prefix) in [("hn-park", "0101234567", nil), ("HN-PARK-02", "010123456", nil), ("HN-PARK-02", "0101234567-01", nil), ("HN-PARK-02", "0101234567", "K7Q2")] as [(String, String, String?)] {
            await #expect(throws: StoreError.self, "\(code) \(tax)") {
                try await store.addOperator(code: code, name: "x", taxCode: tax, kind: .parking, mttPrefix: prefix, invoiceSeries: nil)
            }
        }
        #expect(try await store.operators().map(\.code) == ["HN-PARK-01"])
    }

    @Test func keysAuthenticateUntilRevoked() async throws {
        let store = try GatewayStore.inMemory()
        _ = try await store.addOperator(code: "HN-BUS-01", name: "Transerco", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        let (info, secret) = try await store.createKey(role: .operator, operatorCode: "HN-BUS-01", label: "validators")
        #expect(secret.hasPrefix("fg_") && secret.count == 67)
        #expect(try await store.principal(forSecret: secret) == Principal(keyID: info.id, role: .operator, operatorCode: "HN-BUS-01"))
        #expect(try await store.principal(forSecret: secret + "x") == nil)
        try await store.revokeKey(id: info.id)
        #expect(try await store.principal(forSecret: secret) == nil)
        await #expect(throws: StoreError.self) { try await store.revokeKey(id: "key_nope") }
        await #expect(throws: StoreError.self) { try await store.createKey(role: .operator, operatorCode: nil, label: nil) }
        await #expect(throws: StoreError.self) { try await store.createKey(role: .admin, operatorCode: "HN-BUS-01", label: nil) }
        await #expect(throws: StoreError.self) { try await store.createKey(role: .operator, operatorCode: "NOPE", label: nil) }
    }

    /// Valid keys are cached; a revocation by another connection (`feegate keys revoke` while the
    /// server runs) takes effect within the cache's lifetime, and at once with the cache off.
    @Test func keyRevokedByAnotherProcessStopsWithinTheCacheLifetime() async throws {
        let dir = try TemporaryDirectory()
        var options = GatewayStore.Options()
        options.principalCacheTTL = .milliseconds(200)
        let server = try GatewayStore.open(path: dir.path("keys.sqlite"), options: options)
        var uncachedOptions = GatewayStore.Options()
        uncachedOptions.principalCacheTTL = .zero
        let uncached = try GatewayStore.open(path: dir.path("keys.sqlite"), options: uncachedOptions)
        let cli = try GatewayStore.open(path: dir.path("keys.sqlite"))
        let (info, secret) = try await cli.createKey(role: .admin, operatorCode: nil, label: nil)
        let principal = Principal(keyID: info.id, role: .admin, operatorCode: nil)
        #expect(try await server.principal(forSecret: secret) == principal)
        #expect(try await uncached.principal(forSecret: secret) == principal)
        try await cli.revokeKey(id: info.id)
        #expect(try await uncached.principal(forSecret: secret) == nil)
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await server.principal(forSecret: secret) == nil)
        // A key created after a failed lookup works at once (unknown secrets are never cached).
        #expect(try await server.principal(forSecret: "fg_unknown") == nil)
    }

    /// The rows returned by the commit are the rows in the journal (so the API need not read them back).
    @Test func committedOutcomesAreTheJournalRows() async throws {
        let dir = try TemporaryDirectory()
        let clock = ManualClock(LedgerStoreTests.t0)
        var options = GatewayStore.Options()
        options.clock = { clock.now }
        let store = try GatewayStore.open(path: dir.path("outcomes.sqlite"), options: options)
        let a = UUID(), b = UUID()
        _ = try await store.createAccounts([AccountRequest(id: a, code: .control, name: "a"), AccountRequest(id: b, code: .control, name: "b")])
        let first = UUID(), second = UUID()
        let batch = [
            TransferRequest(id: first, debitAccountID: a, creditAccountID: b, amount: 7, code: .adjustment, reference: "one"),
            TransferRequest(id: second, debitAccountID: a, creditAccountID: b, amount: 8, code: .adjustment, flags: .pending),
            TransferRequest(id: UUID(), debitAccountID: a, creditAccountID: a, amount: 1, code: .adjustment),
        ]
        let outcomes = try await store.submitTransfersReturningCommitted(batch)
        #expect(outcomes.map(\.result) == [TransferResult.ok, .ok, .accountsMustBeDifferent])
        for (request, outcome) in zip(batch.prefix(2), outcomes) {
            let stored = try #require(try await store.transfer(id: request.id))
            #expect(outcome.committed?.seq == stored.seq)
            #expect(outcome.committed?.transfer == stored.transfer)
        }
        #expect(outcomes[2].committed == nil)
        let retry = try await store.submitTransfersReturningCommitted(Array(batch.prefix(1)))
        #expect(retry.map(\.result) == [TransferResult.exists])
        #expect(retry[0].committed == nil)
    }
}
