import FeeGateCore
import Foundation
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
        let continuation: CheckedContinuation<[TransferOutcome], any Error>
    }

    private let queue: DrainQueue<Job>

    init(maxTransfers: Int, linger: Duration, commit: @escaping Commit) {
        let commitSize = Recorder(label: "feegate_ledger_commit_transfers")
        let commitRequests = Recorder(label: "feegate_ledger_commit_requests")
        let commitTimer = Timer(label: "feegate_ledger_commit_duration")
        // A request is never split across transactions: a group holds whole requests, up to `maxTransfers`.
        queue = DrainQueue(threadName: "fg-ledger-write", maxWeight: maxTransfers, linger: linger, weight: { $0.batch.count }) { jobs in
            let count = jobs.reduce(0) { $0 + $1.batch.count }
            let start = ContinuousClock.now
            do {
                let results = try commit(jobs.map { Submission(transfers: $0.batch, businessDay: $0.businessDay) })
                for (job, result) in zip(jobs, results) { job.continuation.resume(returning: result) }
            } catch {
                for job in jobs { job.continuation.resume(throwing: error) }
            }
            commitTimer.recordInterval(since: start)
            commitSize.record(count)
            commitRequests.record(jobs.count)
        }
    }

    /// Commits `batch` (one request) and returns its per-transfer outcomes once durable.
    func submit(_ batch: [TransferRequest], businessDay: BusinessDay? = nil) async throws -> [TransferOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            queue.enqueue(Job(batch: batch, businessDay: businessDay, continuation: continuation))
        }
    }
}

/// One request's transfers and, for events of another day (offline uploads), the business day they belong to.
struct Submission: Sendable {
    let transfers: [TransferRequest]
    let businessDay: BusinessDay?
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
