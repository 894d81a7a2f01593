import FeeGateCore
import Metrics

/// The single writer that group-commits concurrent transfer requests.
///
/// Requests queue here; while one transaction is committing (and waiting for `fsync`), new requests
/// accumulate and are committed together in the next transaction, up to `maxTransfers`. Each caller
/// resumes only after the transaction holding its transfers has committed, so an acknowledgement
/// always means "durable". A request is never split across transactions.
actor TransferCommitter {
    typealias Commit = @Sendable ([Submission]) async throws -> [[TransferResult]]

    private struct Job {
        let batch: [TransferRequest]
        let businessDay: BusinessDay?
        let continuation: CheckedContinuation<[TransferResult], any Error>
    }

    private let maxTransfers: Int
    private let linger: Duration
    private let commit: Commit
    private var queue: [Job] = []
    private var draining = false

    private let commitSize = Recorder(label: "feegate_ledger_commit_transfers")
    private let commitRequests = Recorder(label: "feegate_ledger_commit_requests")
    private let commitTimer = Timer(label: "feegate_ledger_commit_duration")

    init(maxTransfers: Int, linger: Duration, commit: @escaping Commit) {
        self.maxTransfers = max(1, maxTransfers)
        self.linger = linger
        self.commit = commit
    }

    /// Commits `batch` (one request) and returns its per-transfer results once durable.
    func submit(_ batch: [TransferRequest], businessDay: BusinessDay? = nil) async throws -> [TransferResult] {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Job(batch: batch, businessDay: businessDay, continuation: continuation))
            if !draining {
                draining = true
                // The drain loop outlives any one caller: a caller's cancellation must not abort a
                // transaction that also carries other callers' transfers.
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            if linger > .zero && queuedTransfers < maxTransfers {
                try? await Task.sleep(for: linger)
            }
            var jobs: [Job] = []
            var count = 0
            while let next = queue.first, jobs.isEmpty || count + next.batch.count <= maxTransfers {
                jobs.append(queue.removeFirst())
                count += next.batch.count
            }
            let start = ContinuousClock.now
            do {
                let results = try await commit(jobs.map { Submission(transfers: $0.batch, businessDay: $0.businessDay) })
                for (job, result) in zip(jobs, results) { job.continuation.resume(returning: result) }
            } catch {
                for job in jobs { job.continuation.resume(throwing: error) }
            }
            commitTimer.recordInterval(since: start)
            commitSize.record(count)
            commitRequests.record(jobs.count)
        }
        draining = false
    }

    private var queuedTransfers: Int { queue.reduce(0) { $0 + $1.batch.count } }
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
