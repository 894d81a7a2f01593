import FeeGateCore
import Foundation
import GRDB
import Metrics

/// The single writer that group-commits concurrent transfer requests.
///
/// Requests queue here; while one transaction is committing (and waiting for `fsync`), new requests
/// accumulate and are committed together in the next transaction, up to `maxTransfers`. Each caller
/// resumes only after the transaction holding its transfers has committed, so an acknowledgement
/// always means "durable". A request is never split across transactions.
///
/// The queue is a ``DrainQueue``: its own thread calls the synchronous commit directly, starting the
/// next transaction as soon as the previous one has committed.
final class TransferCommitter: @unchecked Sendable {
    typealias Commit = @Sendable ([Submission]) throws -> [[TransferOutcome]]

    private struct Job {
        let batch: [TransferRequest]
        let businessDay: BusinessDay?
        let record: RecordStep?
        let continuation: CheckedContinuation<[TransferOutcome], any Error>
    }

    private let queue: DrainQueue<Job>

    init(maxTransfers: Int, linger: Duration, commit: @escaping Commit) {
        let commitSize = Recorder(label: "feegate_ledger_commit_transfers")
        let commitRequests = Recorder(label: "feegate_ledger_commit_requests")
        let commitTimer = Timer(label: "feegate_ledger_commit_duration")
        // A request is never split across transactions: a group holds whole requests, up to `maxTransfers`.
        queue = DrainQueue(threadName: "fg-ledger-write", maxWeight: maxTransfers, linger: linger, weight: { $0.batch.count + ($0.record?.weight ?? 0) }) { jobs in
            let count = jobs.reduce(0) { $0 + $1.batch.count }
            let start = ContinuousClock.now
            do {
                let results = try commit(jobs.map { Submission(transfers: $0.batch, businessDay: $0.businessDay, record: $0.record) })
                for (job, result) in zip(jobs, results) { job.continuation.resume(returning: result) }
            } catch {
                for job in jobs { job.continuation.resume(throwing: error) }
            }
            commitTimer.recordInterval(since: start)
            commitSize.record(count)
            commitRequests.record(jobs.count)
        }
    }

    /// Commits `batch` (one request) and returns its per-transfer outcomes once durable. With `record`, the
    /// request's own rows commit in the same transaction as its transfers (see ``RecordStep``); its outcomes are
    /// empty if the step did not post the transfers.
    func submit(_ batch: [TransferRequest], businessDay: BusinessDay? = nil, record: RecordStep? = nil) async throws -> [TransferOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            queue.enqueue(Job(batch: batch, businessDay: businessDay, record: record, continuation: continuation))
        }
    }
}

/// One request's transfers, for events of another day (offline uploads) the business day they belong to, and the
/// request's own record to write with them.
struct Submission: Sendable {
    let transfers: [TransferRequest]
    let businessDay: BusinessDay?
    var record: RecordStep? = nil
}

/// The rows an operator request writes beside its transfers (a tap and its ticket, the request's stored answer),
/// committed in the same transaction, so a crash can never leave the money posted without the record or the
/// other way round.
///
/// `run` gets the group's open transaction and `post`, which executes the request's transfers in the ledger
/// engine and returns their results. The step decides: an id seen before ends the request without calling
/// `post` (replay or conflict); otherwise it writes its rows in a savepoint, posts, and keeps the rows only if
/// every transfer succeeded. The steps of a group run in queue order, so a duplicate later in the same group
/// sees the first's rows. A throw rolls back the whole transaction (every request of the group fails): only a
/// failure of `post` itself may do that; a step's own failures are outcomes of its request.
struct RecordStep: Sendable {
    /// What the step costs the group beside its transfers, in transfers: signing a document holds the single writer
    /// for about as long as posting dozens of transfers, so a group of signed sales stays short.
    var weight = 0
    let run: @Sendable (_ db: Database, _ post: () throws -> [TransferResult]) throws -> Void
}

extension Timer {
    fileprivate func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// The outcome of one transfer of a request: its result and, when this request wrote it (`ok`), the
/// journal row exactly as committed. `committed` is `nil` for `exists` (written by an earlier request)
/// and for every failure.
public struct TransferOutcome: Sendable {
    public let result: TransferResult
    public let committed: (seq: Int64, transfer: Transfer)?

    init(result: TransferResult, committed: (seq: Int64, transfer: Transfer)?) {
        self.result = result
        self.committed = committed
    }
}
