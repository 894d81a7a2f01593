import FeeGateCore
import FeeGateStore
import Foundation

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ start: Int64) { value = start }
    var now: Int64 { lock.withLock { value } }
    func advance(seconds: Int64) { lock.withLock { value += seconds * 1_000_000_000 } }
}
