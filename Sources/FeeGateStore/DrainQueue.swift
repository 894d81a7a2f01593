import Foundation

/// A queue that one thread of its own drains in groups while it is not empty: the shared loop of the two group
/// commits (``TransferCommitter`` for transfers, ``GroupedWriter`` for operator records).
///
/// The thread starts when a job arrives at an empty queue and ends when it finds the queue empty, so an idle
/// store holds no thread. Each turn takes the longest prefix of the queue whose total `weight` fits in
/// `maxWeight` (at least one job, so a job heavier than the bound still runs, alone) and hands it to `process`,
/// which must finish every job it is given. The loop runs outside the cooperative pool: the next group starts as
/// soon as the previous one is done, without waiting for a turn on threads that are busy with the very requests
/// waiting for it, and a caller's cancellation cannot abort a group that also carries other callers' jobs.
final class DrainQueue<Job>: @unchecked Sendable {
    private let threadName: String
    private let maxWeight: Int
    private let linger: Duration
    private let weight: (Job) -> Int
    private let process: ([Job]) -> Void
    private let lock = NSLock()
    private var queue: [Job] = []
    private var queuedWeight = 0
    private var draining = false

    /// - Parameters:
    ///   - threadName: at most 15 bytes (Linux's limit), shown by `top -H` and `ps -L`.
    ///   - linger: how long a turn waits for more jobs when less than `maxWeight` is queued (0: never).
    init(threadName: String, maxWeight: Int, linger: Duration = .zero, weight: @escaping (Job) -> Int, process: @escaping ([Job]) -> Void) {
        precondition(threadName.utf8.count <= 15, "Linux thread names are at most 15 bytes")
        self.threadName = threadName
        self.maxWeight = max(1, maxWeight)
        self.linger = linger
        self.weight = weight
        self.process = process
    }

    func enqueue(_ job: Job) {
        let start = lock.withLock {
            queue.append(job)
            queuedWeight += weight(job)
            if draining { return false }
            draining = true
            return true
        }
        if start {
            let thread = Thread { [self] in
                nameCurrentThread(threadName)
                drain()
            }
            thread.start()
        }
    }

    /// The longest prefix that fits (at least one job), or `nil` (and the loop ends) when the queue is empty.
    private func take() -> [Job]? {
        lock.withLock {
            guard !queue.isEmpty else {
                draining = false
                return nil
            }
            var taken = 0
            var total = 0
            while taken < queue.count, taken == 0 || total + weight(queue[taken]) <= maxWeight {
                total += weight(queue[taken])
                taken += 1
            }
            let jobs = Array(queue[..<taken])
            queue.removeFirst(taken)
            queuedWeight -= total
            return jobs
        }
    }

    private func drain() {
        while true {
            if linger > .zero && lock.withLock({ queuedWeight }) < maxWeight {
                Thread.sleep(forTimeInterval: linger.timeInterval)
            }
            guard let jobs = take() else { return }
            process(jobs)
        }
    }
}

/// Names the calling thread for `top -H`, `ps -L` and profilers (Foundation's `Thread.name` does not reach the
/// kernel on Linux; threads otherwise inherit their creator's name, e.g. the concurrency pool's).
func nameCurrentThread(_ name: String) {
    #if os(Linux)
    // pthread_setname_np is not visible from Swift here; the kernel takes the same name through procfs.
    try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
    #endif
}

extension Duration {
    /// The duration in seconds, for Foundation's time-interval APIs.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
