import FeeGateCore
import Foundation
import GRDB
import Logging

/// The one owner of FeeGate's SQLite database: schema, migrations and every read and write.
///
/// Open it once per process and share it (it is `Sendable`). Writes that move money go through the
/// group-commit writer (``submitTransfers(_:)``): concurrent requests are batched into one
/// `BEGIN IMMEDIATE` transaction and acknowledged only after it commits. The database runs in WAL
/// mode with `synchronous=FULL`, so an acknowledged transfer survives `kill -9` and power loss;
/// readers never block the writer.
public struct GatewayStore: Sendable {
    let writer: any DatabaseWriter
    let committer: TransferCommitter
    /// The database file path, or `:memory:`.
    public let path: String
    let clock: @Sendable () -> Int64
    let knownAccounts = KnownAccounts()
    let settlementAccounts = SettlementAccountCache()
    let principals: PrincipalCache
    /// Group commit of the operator flows' record writes (see ``GroupedWriter``).
    let records: GroupedWriter
    /// Background WAL checkpoints of a file database (see ``WALCheckpointer``).
    let checkpointer: WALCheckpointer?

    /// Tuning of the group-commit writer.
    public struct Options: Sendable {
        /// Most transfers committed in one transaction (TigerBeetle's batch size).
        public var maxTransfersPerCommit: Int = 8_190
        /// How long the writer waits for more requests before committing a small batch. 0 commits at once;
        /// batching then comes only from requests that arrive while the previous commit is syncing.
        public var linger: Duration = .zero
        /// Ledger clock in nanoseconds since the Unix epoch (tests inject a fixed clock).
        public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1_000_000_000) }
        /// How long a valid API key stays cached after a database read (0 = read on every request).
        /// Revocations through this store take effect at once; by another process, within this time.
        public var principalCacheTTL: Duration = .seconds(1)
        /// Checkpoint the WAL from a background thread instead of inside the commit that fills it
        /// (``WALCheckpointer``); `false` keeps SQLite's default (the committing writer checkpoints).
        public var backgroundCheckpoints = true

        public init() {}
    }

    /// Opens (creating if needed) the database file at `path` and applies pending migrations.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its directory must exist.
    ///   - migrate: apply migrations (`true` for every command but `verify`, which inspects as-is).
    public static func open(path: String, migrate: Bool = true, options: Options = Options()) throws -> GatewayStore {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -65536")  // 64 MiB: keeps transfer indexes hot (ledger-anchors §4.5)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // GRDB sets synchronous=NORMAL when it switches the writer to WAL, after prepareDatabase:
            // money needs FULL, so set it again on the writer connection.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        var checkpointer: WALCheckpointer?
        if options.backgroundCheckpoints, let started = WALCheckpointer(path: path) {
            try mapErrorsSync {
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.writerCheckpointPages)") }
            }
            checkpointer = started
        }
        return try GatewayStore(writer: pool, path: path, migrate: migrate, options: options, checkpointer: checkpointer)
    }

    /// An in-memory database (tests). Same schema and code paths, no durability.
    public static func inMemory(options: Options = Options()) throws -> GatewayStore {
        let queue = try DatabaseQueue(configuration: Configuration())
        return try GatewayStore(writer: queue, path: ":memory:", migrate: true, options: options)
    }

    init(writer: any DatabaseWriter, path: String, migrate: Bool, options: Options, checkpointer: WALCheckpointer? = nil) throws {
        self.writer = writer
        self.checkpointer = checkpointer
        self.path = path
        self.clock = options.clock
        self.principals = PrincipalCache(ttl: options.principalCacheTTL)
        self.records = GroupedWriter(writer: writer)
        let migrator = Migrations.migrator
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) { throw StoreError.newerSchema(path: path) }
            if migrate {
                try migrator.migrate(writer)
            } else if try !writer.read({ try migrator.hasCompletedMigrations($0) }) {
                throw StoreError.notMigrated(path: path)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "migration failed: \(error)")
        }
        let clock = options.clock
        let commitWriter = writer
        let cache = settlementAccounts
        self.committer = TransferCommitter(
            maxTransfers: options.maxTransfersPerCommit, linger: options.linger,
            commit: { batches in try LedgerWrites.commit(batches, writer: commitWriter, now: clock(), cache: cache) })
    }

    /// The `PRAGMA synchronous` level of the writer connection (2 = FULL). Exposed for tests and `feegate verify`.
    public func synchronousLevel() async throws -> Int {
        try await mapErrors { try await writer.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } }
    }

    /// The SQLite journal mode (`wal` for a file database).
    public func journalMode() async throws -> String {
        try await mapErrors { try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" } }
    }
}

/// Runs `body`, translating GRDB errors into ``StoreError``.
func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        throw error
    } catch let error as DatabaseError {
        throw StoreError.database(error.message ?? "\(error.resultCode)")
    }
}

/// Synchronous variant for start-up and CLI paths.
func mapErrorsSync<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw error
    } catch let error as DatabaseError {
        throw StoreError.database(error.message ?? "\(error.resultCode)")
    }
}
