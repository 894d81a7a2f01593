import CSQLiteBaseline
import FeeGateStore
import Foundation

/// The ceiling of this machine: the same transfers inserted with plain SQLite C API calls (no GRDB,
/// no ledger engine, no hashing): per transfer one INSERT into a table shaped like FeeGate's journal
/// (same columns, UNIQUE id, the two account indexes, foreign keys on) and one counter UPDATE on each
/// of its two accounts; `batchSize` transfers per `BEGIN IMMEDIATE … COMMIT`; WAL, synchronous=FULL,
/// 64 MiB page cache, WAL checkpoints from a background thread as the store does, the same file system.
public enum SQLiteBaseline {
    public struct Result: Sendable, Codable {
        public let transfers: Int
        public let batchSize: Int
        public let seconds: Double
        public let transfersPerSecond: Double
        enum CodingKeys: String, CodingKey { case transfers, batchSize = "batch_size", seconds, transfersPerSecond = "transfers_per_s" }
    }

    public struct Row: Sendable {
        public let id: UUID
        public let debit: UUID
        public let credit: UUID
        public let amount: Int64
        public init(id: UUID, debit: UUID, credit: UUID, amount: Int64) {
            self.id = id
            self.debit = debit
            self.credit = credit
            self.amount = amount
        }
    }

    enum Failure: Error, CustomStringConvertible {
        case sqlite(String)
        var description: String { switch self { case .sqlite(let m): return "baseline SQLite error: \(m)" } }
    }

    /// Inserts `rows` in one go (HTTP mode, after the run).
    public static func run(rows: [Row], batchSize: Int, path: String) throws -> Result {
        let session = try Session(path: path, rows: rows)
        try session.insert(rows[...], batchSize: batchSize)
        return session.result
    }

    /// A baseline database that takes its transfers in several parts, so that its inserts can be
    /// interleaved with the measured run (same minutes of the same disk, whose `fsync` latency
    /// drifts by 2x over minutes) and grow with it. Only the time inside ``insert(_:batchSize:)`` counts.
    public final class Session {
        private let db: OpaquePointer
        private let path: String
        private let insert: OpaquePointer
        private let debit: OpaquePointer
        private let credit: OpaquePointer
        private var timestamp: Int64 = 1
        private var elapsed = Duration.zero
        private var transfers = 0
        private var batchWeighted = 0
        private let hash = [UInt8](repeating: 0xAB, count: 32)
        private var checkpointer: WALCheckpointer?

        /// Creates the schema and the accounts of `rows` (untimed).
        public init(path: String, rows: [Row]) throws {
            self.path = path
            Self.remove(path)
            var handle: OpaquePointer?
            guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db = handle else {
                throw Failure.sqlite("cannot open \(path)")
            }
            self.db = db
            func exec(_ sql: String) throws { try Self.exec(db, sql) }
            func prepare(_ sql: String) throws -> OpaquePointer {
                var statement: OpaquePointer?
                guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                    throw Failure.sqlite(String(cString: sqlite3_errmsg(db)))
                }
                return statement
            }
            do {
                try exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA foreign_keys=ON;")
                // The store's WAL arrangement: checkpoints from a thread of their own, the writer's only as a safety net.
                checkpointer = WALCheckpointer(path: path)
                if checkpointer != nil { try exec("PRAGMA wal_autocheckpoint=\(WALCheckpointer.writerCheckpointPages);") }
                try exec("""
                    CREATE TABLE account (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, debits_posted INTEGER NOT NULL DEFAULT 0,
                                          credits_posted INTEGER NOT NULL DEFAULT 0) STRICT;
                    CREATE TABLE transfer (seq INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, debit_account_id BLOB NOT NULL REFERENCES account(id),
                                           credit_account_id BLOB NOT NULL REFERENCES account(id), amount INTEGER NOT NULL, pending_id BLOB,
                                           timeout INTEGER NOT NULL, ledger INTEGER NOT NULL, code INTEGER NOT NULL, flags INTEGER NOT NULL,
                                           reference TEXT, timestamp INTEGER NOT NULL, expires_at INTEGER, hash BLOB NOT NULL) STRICT;
                    CREATE INDEX transfer_debit ON transfer(debit_account_id, seq);
                    CREATE INDEX transfer_credit ON transfer(credit_account_id, seq);
                    """)
                var accounts = Set<UUID>()
                for r in rows {
                    accounts.insert(r.debit)
                    accounts.insert(r.credit)
                }
                try exec("BEGIN")
                let insertAccount = try prepare("INSERT INTO account (id) VALUES (?)")
                defer { sqlite3_finalize(insertAccount) }
                for a in accounts {
                    try withBlob(a) { p in sqlite3_bind_blob(insertAccount, 1, p, 16, SQLITE_TRANSIENT) }
                    guard sqlite3_step(insertAccount) == SQLITE_DONE else { throw Failure.sqlite(String(cString: sqlite3_errmsg(db))) }
                    sqlite3_reset(insertAccount)
                }
                try exec("COMMIT")
                insert = try prepare(
                    "INSERT INTO transfer (id, debit_account_id, credit_account_id, amount, timeout, ledger, code, flags, reference, timestamp, hash) VALUES (?, ?, ?, ?, 0, 704, 1002, 0, ?, ?, ?)")
                debit = try prepare("UPDATE account SET debits_posted = debits_posted + ? WHERE id = ?")
                credit = try prepare("UPDATE account SET credits_posted = credits_posted + ? WHERE id = ?")
            } catch {
                sqlite3_close_v2(db)
                Self.remove(path)
                throw error
            }
        }

        deinit {
            checkpointer = nil
            sqlite3_finalize(insert)
            sqlite3_finalize(debit)
            sqlite3_finalize(credit)
            sqlite3_close_v2(db)
            Self.remove(path)
        }

        private static func remove(_ path: String) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }

        private static func exec(_ db: OpaquePointer, _ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw Failure.sqlite(String(cString: sqlite3_errmsg(db))) }
        }

        private func exec(_ sql: String) throws { try Self.exec(db, sql) }

        /// Inserts `rows`, `batchSize` transfers per `BEGIN IMMEDIATE … COMMIT` (timed).
        public func insert(_ rows: ArraySlice<Row>, batchSize: Int) throws {
            let batch = max(1, batchSize)
            let started = ContinuousClock.now
            defer { elapsed += ContinuousClock.now - started }
            var index = rows.startIndex
            while index < rows.endIndex {
                try exec("BEGIN IMMEDIATE")
                for r in rows[index..<min(index + batch, rows.endIndex)] {
                    try withBlob(r.id) { p in sqlite3_bind_blob(insert, 1, p, 16, SQLITE_TRANSIENT) }
                    try withBlob(r.debit) { p in sqlite3_bind_blob(insert, 2, p, 16, SQLITE_TRANSIENT) }
                    try withBlob(r.credit) { p in sqlite3_bind_blob(insert, 3, p, 16, SQLITE_TRANSIENT) }
                    sqlite3_bind_int64(insert, 4, r.amount)
                    sqlite3_bind_text(insert, 5, "baseline", -1, SQLITE_TRANSIENT)
                    sqlite3_bind_int64(insert, 6, timestamp)
                    hash.withUnsafeBytes { p in _ = sqlite3_bind_blob(insert, 7, p.baseAddress, 32, SQLITE_TRANSIENT) }
                    timestamp += 1
                    guard sqlite3_step(insert) == SQLITE_DONE else { throw Failure.sqlite(String(cString: sqlite3_errmsg(db))) }
                    sqlite3_reset(insert)
                    for (statement, account) in [(debit, r.debit), (credit, r.credit)] {
                        sqlite3_bind_int64(statement, 1, r.amount)
                        try withBlob(account) { p in sqlite3_bind_blob(statement, 2, p, 16, SQLITE_TRANSIENT) }
                        guard sqlite3_step(statement) == SQLITE_DONE else { throw Failure.sqlite(String(cString: sqlite3_errmsg(db))) }
                        sqlite3_reset(statement)
                    }
                }
                try exec("COMMIT")
                index = min(index + batch, rows.endIndex)
            }
            transfers += rows.count
            batchWeighted += batch * rows.count
        }

        /// Everything inserted so far; `batchSize` is the batch size asked for, weighted by transfers.
        public var result: Result {
            let seconds = Measure.seconds(elapsed)
            return Result(
                transfers: transfers, batchSize: transfers == 0 ? 0 : Int((Double(batchWeighted) / Double(transfers)).rounded()), seconds: seconds,
                transfersPerSecond: Double(transfers) / max(seconds, 1e-9))
        }
    }

    /// The journal's transfers (id, accounts, amount) in commit order, read from a FeeGate database
    /// with the C API: the rows an HTTP run wrote, for its baseline.
    public static func journalRows(path: String) throws -> [Row] {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let db = handle else {
            throw Failure.sqlite("cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT id, debit_account_id, credit_account_id, amount FROM transfer ORDER BY seq", -1, &statement, nil) == SQLITE_OK
        else { throw Failure.sqlite(String(cString: sqlite3_errmsg(db))) }
        defer { sqlite3_finalize(statement) }
        func uuid(_ column: Int32) -> UUID {
            guard sqlite3_column_bytes(statement, column) == 16, let p = sqlite3_column_blob(statement, column) else { return UUID() }
            var raw = UUID().uuid
            withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: 16)) }
            return UUID(uuid: raw)
        }
        var rows: [Row] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append(Row(id: uuid(0), debit: uuid(1), credit: uuid(2), amount: sqlite3_column_int64(statement, 3)))
        }
        return rows
    }

    static func withBlob(_ id: UUID, _ body: (UnsafeRawPointer?) -> Int32) throws {
        var uuid = id.uuid
        let rc = withUnsafeBytes(of: &uuid) { body($0.baseAddress) }
        guard rc == SQLITE_OK else { throw Failure.sqlite("bind failed: \(rc)") }
    }
}

/// SQLite's "copy the value now" destructor, which the C macro SQLITE_TRANSIENT spells as -1.
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
