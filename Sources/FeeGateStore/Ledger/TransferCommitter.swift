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
/// The drain loop runs on its own thread (started when requests arrive, ending when the queue is
/// empty) and calls the synchronous commit directly: the next transaction starts as soon as the
/// previous one has committed, without waiting for a turn on the cooperative thread pool, which
/// under load is busy with the very requests that are waiting for the writer.
final class TransferCommitter: @unchecked Sendable {
    typealias Commit = @Sendable ([Submission]) throws -> [[TransferOutcome]]

    private struct Job {
        let batch: [TransferRequest]
        let businessDay: BusinessDay?
        let continuation: CheckedContinuation<[TransferOutcome], any Error>
    }

    private let maxTransfers: Int
    private let linger: Duration
    private let commit: Commit
    private let lock = NSLock()
    private var queue: [Job] = []
    private var queuedTransfers = 0
    private var draining = false

    private let commitSize = Recorder(label: "feegate_ledger_commit_transfers")
    private let commitRequests = Recorder(label: "feegate_ledger_commit_requests")
    private let commitTimer = Timer(label: "feegate_ledger_commit_duration")

    init(maxTransfers: Int, linger: Duration, commit: @escaping Commit) {
        self.maxTransfers = max(1, maxTransfers)
        self.linger = linger
        self.commit = commit
    }

    /// Commits `batch` (one request) and returns its per-transfer outcomes once durable.
    func submit(_ batch: [TransferRequest], businessDay: BusinessDay? = nil) async throws -> [TransferOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            let start = lock.withLock {
                queue.append(Job(batch: batch, businessDay: businessDay, continuation: continuation))
                queuedTransfers += batch.count
                if draining { return false }
                draining = true
                return true
            }
            // The drain loop outlives any one caller: a caller's cancellation must not abort a
            // transaction that also carries other callers' transfers.
            if start {
                let thread = Thread { [self] in drain() }
                thread.name = "feegate-ledger-writer"
                thread.start()
            }
        }
    }

    /// The longest prefix of the queue that fits in one transaction (at least one request), or
    /// `nil` (and the loop ends) when the queue is empty.
    private func take() -> [Job]? {
        lock.withLock {
            guard !queue.isEmpty else {
                draining = false
                return nil
            }
            var taken = 0
            var count = 0
            while taken < queue.count, taken == 0 || count + queue[taken].batch.count <= maxTransfers {
                count += queue[taken].batch.count
                taken += 1
            }
            let jobs = Array(queue[..<taken])
            queue.removeFirst(taken)
            queuedTransfers -= count
            return jobs
        }
    }

    private func drain() {
        while true {
            if linger > .zero && lock.withLock({ queuedTransfers }) < maxTransfers {
                let (seconds, attoseconds) = linger.components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            }
            guard let jobs = take() else { return }
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
