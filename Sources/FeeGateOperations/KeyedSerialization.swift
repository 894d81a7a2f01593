import Synchronization

/// Runs work one task at a time per key, in arrival order, within this process; different keys do not wait for
/// each other. Used where a decision reads what earlier requests of the same key committed (a card's spend
/// today under a daily cap): without it, two requests could both read before either commits.
final class KeyedSerialization<Key: Hashable & Sendable>: Sendable {
    /// Keys in use, each with the tasks waiting their turn (the running one is not in the list).
    private let waiting = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    /// Runs `body` once every earlier `run` for `key` has finished.
    func run<T>(_ key: Key, _ body: () async throws -> T) async rethrows -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: Key) async {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let free = waiting.withLock { waiting -> Bool in
                guard waiting[key] != nil else {
                    waiting[key] = []
                    return true
                }
                waiting[key]!.append(turn)
                return false
            }
            if free { turn.resume() }
        }
    }

    private func release(_ key: Key) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard var queue = waiting[key], !queue.isEmpty else {
                waiting[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            waiting[key] = queue
            return first
        }
        next?.resume()
    }
}
