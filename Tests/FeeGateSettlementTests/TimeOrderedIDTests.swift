import FeeGateSimulation
import Foundation
import Synchronization
import Testing

/// The simulator's version-7 ids (`feegate-sim --id-order time`): RFC 9562 layout and strict order.
struct TimeOrderedIDTests {
    /// A clock the test moves by hand.
    final class ManualClock: Sendable {
        let now = Mutex<UInt64>(0)
        func read() -> UInt64 { now.withLock { $0 } }
        func set(_ value: UInt64) { now.withLock { $0 = value } }
    }

    @Test func layoutFollowsRFC9562() {
        let clock = ManualClock()
        clock.set(0x0190_1234_5678)
        var ids = TimeOrderedIDs(seed: 7, clock: clock.read)
        for _ in 0..<1_000 {
            let text = ids.next().uuidString.lowercased()
            #expect(text.hasPrefix("01901234-5678-7"), "48-bit milliseconds, then version 7: \(text)")
            let variant = text[text.index(text.startIndex, offsetBy: 19)]
            #expect("89ab".contains(variant), "variant 10xx: \(text)")
        }
    }

    @Test func idsIncreaseWhateverTheClockDoes() {
        let clock = ManualClock()
        var ids = TimeOrderedIDs(seed: 42, clock: clock.read)
        var previous: [UInt8]?
        var steps = SimRandom(seed: 3)
        var ms: UInt64 = 1_763_800_000_000
        for i in 0..<50_000 {
            // Mostly the same millisecond, sometimes forward, sometimes backwards (a clock step).
            switch steps.below(10) {
            case 0: ms += UInt64(1 + steps.below(5))
            case 1: ms -= UInt64(steps.below(3))
            default: break
            }
            clock.set(ms)
            let id = ids.next()
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            if let previous { #expect(previous.lexicographicallyPrecedes(bytes), "id \(i) not above the one before") }
            previous = bytes
        }
    }

    @Test func sameSeedAndClockGiveTheSameIDs() {
        let a = (0..<100).reduce(into: (TimeOrderedIDs(seed: 9, clock: { 1_000 }), [UUID]())) { state, _ in state.1.append(state.0.next()) }.1
        let b = (0..<100).reduce(into: (TimeOrderedIDs(seed: 9, clock: { 1_000 }), [UUID]())) { state, _ in state.1.append(state.0.next()) }.1
        let c = (0..<100).reduce(into: (TimeOrderedIDs(seed: 10, clock: { 1_000 }), [UUID]())) { state, _ in state.1.append(state.0.next()) }.1
        #expect(a == b)
        #expect(a != c)
    }
}
