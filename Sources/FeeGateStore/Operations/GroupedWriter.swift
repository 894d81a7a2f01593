import Foundation
import GRDB

/// Group commit for the operator flows' small record writes (taps, parking sessions and stops, fee payments).
///
/// Each write ran in a transaction of its own, so every operator request paid one `fdatasync` on the single writer
/// connection outside the ledger's group commit. Here concurrent writes queue and run in one transaction, each in a
/// savepoint of its own: a write that throws rolls back only its own changes and gets its error; the others commit
/// together, and every caller resumes only after that commit (acknowledged = durable, as before). Run in queue
/// order, so the outcome is the one a serial execution would give (a second request with the same id sees the
/// first's row and replays or conflicts). The drain loop runs on its own thread while the queue is not empty.
final class GroupedWriter: @unchecked Sendable {
    private struct Job {
        let run: (Database) -> Void
        let finish: ((any Error)?) -> Void
    }

    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    private let writer: any DatabaseWriter
    private let lock = NSLock()
    private var queue: [Job] = []
    private var draining = false

    init(writer: any DatabaseWriter) {
        self.writer = writer
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
            let start = lock.withLock {
                queue.append(job)
                if draining { return false }
                draining = true
                return true
            }
            if start {
                let thread = Thread { [self] in drain() }
                thread.name = "feegate-record-writer"
                thread.start()
            }
        }
    }

    private func take() -> [Job]? {
        lock.withLock {
            guard !queue.isEmpty else {
                draining = false
                return nil
            }
            let jobs = Array(queue.prefix(1_000))
            queue.removeFirst(jobs.count)
            return jobs
        }
    }

    private func drain() {
        while let jobs = take() {
            do {
                try writer.write { db in for job in jobs { job.run(db) } }
                for job in jobs { job.finish(nil) }
            } catch {
                for job in jobs { job.finish(error) }
            }
        }
    }
}
