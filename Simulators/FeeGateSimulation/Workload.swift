import FeeGateCore
import Foundation

/// One business event of the simulated day, with its ledger postings.
public struct SimEvent: Sendable {
    public enum Kind: String, Sendable { case tap, parking, payment, refund }
    /// When the event reaches the gateway: during the day, in an offline batch upload before the
    /// close, or after the day was closed (late).
    public enum Phase: Sendable { case online, offline, late }

    public let index: Int
    public let id: UUID
    public let kind: Kind
    public let phase: Phase
    public let retry: Bool
    public let operatorCode: String
    /// The channel that collected the money, or `nil` when a funder pays.
    public let channel: String?
    public let funder: String?
    /// VAT-inclusive price (channel) or reference amount (funder); for refunds, the amount returned.
    public let amount: Int64
    public let rate: VATRate
    public let code: TransferCode
    /// Unix seconds.
    public let eventTime: Int64
    // What a device would send over HTTP.
    public let route: String
    public let tokenType: String
    public let tokenValue: String
    public let vehicle: String
    public let validator: String
    public let zone: String
    public let plate: String
    public let startTime: Int64

    /// The postings the gateway makes for this event.
    public var plan: Postings.Plan {
        let reference = "sim:\(kind.rawValue):\(index)"
        switch kind {
        case .refund:
            return Postings.refund(event: id, operatorCode: operatorCode, channel: channel ?? "card", price: Money(amount), rate: rate, reference: reference)
        default:
            if let channel {
                return Postings.customerSale(event: id, operatorCode: operatorCode, channel: channel, price: Money(amount), rate: rate, code: code,
                                             reference: reference)
            }
            return Postings.fundedSale(event: id, operatorCode: operatorCode, funder: funder ?? "city-budget", referenceAmount: Money(amount),
                                       rate: rate, code: code, reference: reference)
        }
    }
}

/// The simulated day: every event derives from (seed, index), so the day is the same for the same
/// seed and any event can be regenerated alone.
public struct SimWorkload: Sendable {
    public let profile: SimProfile
    public let seed: UInt64
    public let day: BusinessDay

    public static let busOperator = "HN-BUS-01"
    public static let parkingOperator = "HN-PARK-01"
    public static let feesOperator = "HN-FEES-01"
    /// Real route ids of the tariff data (Tariffs/bus/routes.yaml), for the HTTP operator workload.
    public static let tariffRoutes = ["BRT01", "03A", "02", "01", "86", "90", "74", "107"]
    public static let tariffZones = [
        "HK-12-LY-THAI-TO", "HK-12-NGUYEN-XI", "HK-12-DINH-LE", "HK-12-TRAN-HUNG-DAO", "HK-12-LY-THUONG-KIET", "R3-IN-NGUYEN-THUONG-HIEN",
        "R3-IN-KIM-MA", "R3-IN-TAY-SON",
    ]

    public init(profile: SimProfile, seed: UInt64, day: BusinessDay) {
        self.profile = profile
        self.seed = seed
        self.day = day
    }

    /// Sales events (taps, parking, payments); refunds are derived from parking sales.
    public var count: Int { profile.taps + profile.parkingSessions + profile.payments }

    func rng(_ index: Int, _ stream: UInt64 = 0) -> SimRandom {
        SimRandom(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93) ^ (stream &* 0x9E37_79B9_7F4A_7C15))
    }

    func id(_ index: Int, _ stream: UInt64) -> UUID {
        var g = rng(index, stream &+ 101)
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = g.next(), b = g.next()
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(bytes: bytes) ?? UUID()
    }

    /// A time of day with morning and evening peaks (05:00–23:00 Hanoi).
    func time(_ g: inout SimRandom) -> Int64 {
        let peak = g.below(10)
        let seconds: Int
        switch peak {
        case 0...2: seconds = 6 * 3_600 + 30 * 60 + g.below(2 * 3_600)  // 06:30–08:30
        case 3...5: seconds = 16 * 3_600 + 30 * 60 + g.below(2 * 3_600)  // 16:30–18:30
        default: seconds = 5 * 3_600 + g.below(18 * 3_600)
        }
        return day.startEpochSeconds + Int64(seconds)
    }

    /// Single fares by route length band (illustrative: 8,000 / 10,000 / 12,000 / 15,000 VND).
    static func fare(route: Int) -> Int64 { [8_000, 10_000, 12_000, 15_000, 8_000, 10_000, 8_000][route % 7] }

    /// `n` (≥ 0) in decimal, zero-padded to `width` digits (what `%0*d` gives, without Foundation's formatter).
    func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The sales event `index` (0 ..< count).
    public func event(_ index: Int) -> SimEvent {
        var g = rng(index)
        let retry = g.unit() < profile.retryShare
        let at = time(&g)
        if index < profile.taps {
            let route = g.below(profile.routes)
            let rider = g.below(profile.riders)
            var rg = SimRandom(seed: seed ^ 0xA11CE ^ UInt64(rider) &* 0x9E37_79B9_7F4A_7C15)
            let category = rg.unit()
            let paying = rg.below(10)
            let phaseDraw = g.unit()
            let phase: SimEvent.Phase = phaseDraw < profile.lateShare ? .late : phaseDraw < profile.lateShare + profile.offlineShare ? .offline : .online
            let fare = Self.fare(route: route)
            var channel: String?, funder: String?, amount = fare, tokenType = "transit_card"
            if category < profile.elderlyShare {
                funder = "city-budget"
                tokenType = "cccd"
            } else if category < profile.elderlyShare + profile.passHolderShare {
                funder = "pass"
                amount = 0
            } else {
                tokenType = paying < 5 ? "transit_card" : paying < 8 ? "bank_card" : "app_qr"
                channel = tokenType
            }
            let vehicleNo = route * profile.vehiclesPerRoute + g.below(profile.vehiclesPerRoute)
            let tokenValue = tokenType == "cccd" ? "0010" + pad(40 + rider % 26, 2) + pad(rider % 1_000_000, 6) : "9704-" + pad(rider, 8)
            return SimEvent(
                index: index, id: id(index, 0), kind: .tap, phase: phase, retry: retry, operatorCode: Self.busOperator, channel: channel,
                funder: funder, amount: amount, rate: .notSubject, code: .busFare, eventTime: at,
                route: Self.tariffRoutes[route % Self.tariffRoutes.count], tokenType: tokenType, tokenValue: tokenValue,
                vehicle: "29B-" + pad(vehicleNo / 100 % 1000, 3) + "." + pad(vehicleNo % 100, 2),
                validator: "V-\(vehicleNo)-\(g.below(profile.validatorsPerVehicle))", zone: "", plate: "", startTime: at)
        }
        if index < profile.taps + profile.parkingSessions {
            let zone = g.below(profile.parkingZones)
            let car = g.below(10) < 3
            let hours = Int64(1 + g.below(4))
            let price: Int64 = car ? 30_000 * hours : 5_000
            let method = g.below(20)
            let channel: String? = method < 8 ? "card" : method < 13 ? "account" : method < 18 ? "qr" : nil
            let plate = pad(29 + index % 2, 2) + "A-" + pad(index / 100 % 1000, 3) + "." + pad(index % 100, 2)
            return SimEvent(
                index: index, id: id(index, 0), kind: .parking, phase: .online, retry: retry, operatorCode: Self.parkingOperator, channel: channel,
                funder: channel == nil ? "city-budget" : nil, amount: price, rate: .eight, code: .parkingFee, eventTime: at + hours * 3_600,
                route: "", tokenType: car ? "car" : "motorbike", tokenValue: "", vehicle: car ? "car" : "motorbike", validator: "M-\(zone)",
                zone: Self.tariffZones[zone % Self.tariffZones.count], plate: plate, startTime: at)
        }
        let fee: Int64 = [50_000, 70_000, 30_000, 20_000][g.below(4)]
        let channel = g.below(10) < 6 ? "qr" : "account"
        return SimEvent(
            index: index, id: id(index, 0), kind: .payment, phase: .online, retry: retry, operatorCode: Self.feesOperator, channel: channel,
            funder: nil, amount: fee, rate: .notSubject, code: .publicFee, eventTime: at, route: "", tokenType: "", tokenValue: "", vehicle: "",
            validator: "", zone: "", plate: "", startTime: at)
    }

    /// The refund of parking sale `sale`, if this day refunds it (card payments only).
    public func refund(of sale: SimEvent) -> SimEvent? {
        guard sale.kind == .parking, sale.channel == "card" else { return nil }
        var g = rng(sale.index, 7)
        guard g.unit() < profile.refundShare else { return nil }
        return SimEvent(
            index: sale.index, id: id(sale.index, 7), kind: .refund, phase: .offline, retry: false, operatorCode: sale.operatorCode,
            channel: sale.channel, funder: nil, amount: sale.amount, rate: sale.rate, code: .refund, eventTime: sale.eventTime, route: "",
            tokenType: "", tokenValue: "", vehicle: "", validator: "", zone: sale.zone, plate: sale.plate, startTime: sale.startTime)
    }
}

/// What the simulator expects the settlement to show, from the events it saw acknowledged.
public struct SimModel: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public let day: BusinessDay
        public let operatorCode: String
        public let kind: String
        public let qualifier: String
        public static func < (a: Key, b: Key) -> Bool {
            (a.day, a.operatorCode, a.kind, a.qualifier) < (b.day, b.operatorCode, b.kind, b.qualifier)
        }
    }
    public struct Totals: Equatable, Sendable {
        public var gross: Int64 = 0
        public var count: Int64 = 0
        public var refunds: Int64 = 0
        public var refundCount: Int64 = 0
    }

    public var totals: [Key: Totals] = [:]
    public var acknowledgedEvents = 0
    public var acknowledgedTransfers = 0
    public var lateTransfers = 0

    /// Counts an acknowledged event once, in `day`.
    public mutating func add(_ event: SimEvent, day: BusinessDay, transfers: Int) {
        acknowledgedEvents += 1
        acknowledgedTransfers += transfers
        if event.phase == .late { lateTransfers += transfers }
        switch event.kind {
        case .refund:
            totals[Key(day: day, operatorCode: event.operatorCode, kind: "channel", qualifier: event.channel ?? ""), default: Totals()].refunds += event.amount
            totals[Key(day: day, operatorCode: event.operatorCode, kind: "channel", qualifier: event.channel ?? ""), default: Totals()].refundCount += 1
        default:
            let key = event.channel.map { Key(day: day, operatorCode: event.operatorCode, kind: "channel", qualifier: $0) }
                ?? Key(day: day, operatorCode: event.operatorCode, kind: "funder", qualifier: event.funder ?? "")
            totals[key, default: Totals()].gross += event.amount
            totals[key, default: Totals()].count += 1
        }
    }
}
