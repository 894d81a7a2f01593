import FeeGateCore
import Foundation

/// A day of Hanoi traffic to simulate. Counts scale together with `--scale`.
public struct SimProfile: Sendable, Codable {
    public var name: String
    public var routes: Int
    public var vehiclesPerRoute: Int
    public var validatorsPerVehicle: Int
    public var riders: Int
    /// Share of riders aged 60+ tapping a chip ID card (CCCD): free, the city budget pays the fare.
    public var elderlyShare: Double
    /// Share of riders with a monthly pass: 0-VND taps funded by the pass.
    public var passHolderShare: Double
    public var taps: Int
    public var parkingZones: Int
    public var parkingSessions: Int
    /// Bank-QR and account payments (public fees and QR-paid parking).
    public var payments: Int
    /// Share of taps uploaded later by offline validators in batches (same day, before the close).
    public var offlineShare: Double
    /// Share of requests a client sends twice (lost acknowledgement): must be counted once.
    public var retryShare: Double
    /// Share of card parking payments refunded.
    public var refundShare: Double
    /// Share of taps that arrive after the day was closed (late: counted in the next open day).
    public var lateShare: Double

    public static let smoke = SimProfile(
        name: "smoke", routes: 12, vehiclesPerRoute: 4, validatorsPerVehicle: 2, riders: 800, elderlyShare: 0.12, passHolderShare: 0.2,
        taps: 3_000, parkingZones: 8, parkingSessions: 600, payments: 400, offlineShare: 0.05, retryShare: 0.03, refundShare: 0.02,
        lateShare: 0.01)

    /// ≈ 1.5 M taps, 300 k parking sessions, 200 k payments (issue #7).
    public static let hanoiDay = SimProfile(
        name: "hanoi-day", routes: 128, vehiclesPerRoute: 18, validatorsPerVehicle: 2, riders: 600_000, elderlyShare: 0.12,
        passHolderShare: 0.25, taps: 1_500_000, parkingZones: 420, parkingSessions: 300_000, payments: 200_000, offlineShare: 0.05,
        retryShare: 0.01, refundShare: 0.002, lateShare: 0.0005)

    public static func named(_ name: String) -> SimProfile? {
        switch name {
        case "smoke": return .smoke
        case "hanoi-day": return .hanoiDay
        default: return nil
        }
    }

    /// The same day with every count multiplied by `factor` (at least 1 of each).
    public func scaled(_ factor: Double) -> SimProfile {
        guard factor != 1 else { return self }
        var p = self
        func s(_ n: Int) -> Int { max(1, Int((Double(n) * factor).rounded())) }
        p.name = "\(name)×\(factor)"
        p.riders = s(riders)
        p.taps = s(taps)
        p.parkingSessions = s(parkingSessions)
        p.payments = s(payments)
        return p
    }
}

/// SimRandom: a tiny, fast, deterministic generator; one stream per event index, so any event can be
/// regenerated on its own and the whole day is the same for the same seed.
public struct SimRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1) from 53 bits (for choosing shares only; never for money).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}
