import Foundation
import GRDB

/// Group commit for the operator flows' small record writes (taps, parking sessions and stops, fee payments).
///
/// Each write ran in a transaction of its own, so every operator request paid one `fdatasync` on the single writer
/// connection outside the ledger's group commit. Here concurrent writes queue and run in one transaction, each in a
/// savepoint of its own: a write that throws rolls back only its own changes and gets its error; the others commit
/// together, and every caller resumes only after that commit (acknowledged = durable, as before). Run in queue
/// order, so the outcome is the one a serial execution would give (a second request with the same id sees the
/// first's row and replays or conflicts), up to 1,000 writes per transaction, drained by a ``DrainQueue``.
final class GroupedWriter: @unchecked Sendable {
    private struct Job {
        let run: (Database) -> Void
        let finish: ((any Error)?) -> Void
    }

    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    private let queue: DrainQueue<Job>

    init(writer: any DatabaseWriter) {
        queue = DrainQueue(threadName: "fg-record-write", maxWeight: 1_000, weight: { _ in 1 }) { jobs in
            do {
                try writer.write { db in for job in jobs { job.run(db) } }
                for job in jobs { job.finish(nil) }
            } catch {
                for job in jobs { job.finish(error) }
            }
        }
    }

    /// Runs `body` inside a savepoint of the next shared write transaction; returns once that transaction committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Outcome<T>()
            let job = Job(
                run: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        outcome.result = value.map { .success($0) }
                    } catch {
                        outcome.result = .failure(error)
                    }
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else if let result = outcome.result {
                        continuation.resume(with: result)
                    } else {
                        continuation.resume(throwing: StoreError.database("a grouped write produced no result"))
                    }
                })
            queue.enqueue(job)
        }
    }
}
