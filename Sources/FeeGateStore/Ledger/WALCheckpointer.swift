import Foundation
import GRDBSQLite

/// Copies committed WAL pages into the database file from a thread and connection of its own, so the
/// single writer does not pay for checkpoints on its commit path.
///
/// SQLite's default checkpoints run inside the commit that pushes the WAL past 1,000 pages: that
/// commit copies every page written since the last checkpoint and syncs the database file while
/// every request waiting for the writer waits too (the tail latency of a group commit). Here the
/// writer's own automatic checkpoint stays as a safety net at ``writerCheckpointPages`` (it also lets
/// the WAL file restart from the beginning), and this thread runs `PASSIVE` checkpoints, which never
/// wait for or block readers and writers. Checkpoints do not change what is durable: a committed
/// transaction is durable once its WAL frames are synced (`synchronous=FULL`), before any checkpoint.
public final class WALCheckpointer: @unchecked Sendable {
    /// The writer's `wal_autocheckpoint` when a checkpointer runs (pages; SQLite's default is 1,000).
    public static let writerCheckpointPages = 10_000

    /// Shared with the thread; the checkpointer's `deinit` (the last store copy gone) stops it.
    private final class State: @unchecked Sendable {
        /// The checkpointer's own connection, used only by its thread.
        var connection: OpaquePointer?
        let lock = NSLock()
        var stopped = false
        var isStopped: Bool { lock.withLock { stopped } }
    }

    private let state = State()

    /// Starts checkpointing `path` every `interval`; `nil` if the file cannot be opened (the writer's
    /// own checkpoints then do the work, as in plain SQLite). The writer should raise its own
    /// `wal_autocheckpoint` to ``writerCheckpointPages``. Public so the simulator's plain-SQLite
    /// baseline can run with the same arrangement.
    public init?(path: String, interval: Duration = .milliseconds(20)) {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db = handle else {
            sqlite3_close_v2(handle)
            return nil
        }
        // A checkpoint syncs the WAL before copying and the database file after, as the writer's would.
        sqlite3_exec(db, "PRAGMA synchronous = FULL", nil, nil, nil)
        sqlite3_busy_timeout(db, 0)
        let state = self.state
        state.connection = db
        let pause = interval.timeInterval
        let thread = Thread {
            nameCurrentThread("fg-wal-checkpt")
            let db = state.connection
            defer { sqlite3_close_v2(db) }
            while !state.isStopped {
                var walFrames: Int32 = 0
                var copied: Int32 = 0
                // BUSY (another checkpoint running, e.g. the writer's safety net) is fine: try again later.
                _ = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied)
                Thread.sleep(forTimeInterval: pause)
            }
        }
        thread.start()
    }

    deinit { state.lock.withLock { state.stopped = true } }
}
