import FeeGateCore
import Foundation
import Yams

/// Errors of settlement: configuration and closing. The gateway maps them to problem+json.
public enum SettlementError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The settlement configuration file is missing or wrong (the message names the file and the field).
    case invalidConfiguration(String)
    /// A date parameter is not `YYYY-MM-DD`.
    case invalidDate(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return message
        case .invalidDate(let text): return "'\(text)' is not a business date; expected YYYY-MM-DD (Hanoi time)"
        }
    }
}

/// How a channel charges for collecting money (its merchant discount rate), in force for a date range.
public struct ChannelFeeRule: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `round_half_up(gross × ppm / 10^6)`, then at least `min` and at most `max`, per settlement
        /// (one business day × operator × channel); never more than the gross.
        case percent(ppm: UInt64, min: Int64, max: Int64?)
        /// A fixed fee per sale (`count × amount`), never more than the gross.
        case fixed(perTransaction: Int64)
    }

    public let channel: String
    public let from: BusinessDay
    /// Inclusive; `nil` = open-ended.
    public let to: BusinessDay?
    public let kind: Kind

    public init(channel: String, from: BusinessDay, to: BusinessDay?, kind: Kind) {
        self.channel = channel
        self.from = from
        self.to = to
        self.kind = kind
    }

    public func covers(_ day: BusinessDay) -> Bool { day >= from && (to.map { day <= $0 } ?? true) }

    /// The fee on one settlement group: `gross` collected in `count` sales.
    public func fee(gross: Int64, count: Int64) -> Int64 {
        guard gross > 0 else { return 0 }
        switch kind {
        case .percent(let ppm, let min, let max):
            var fee = Int64(Rounding.divideHalfUp(UInt64(gross), multipliedBy: ppm, dividedBy: 1_000_000))
            fee = Swift.max(fee, min)
            if let max { fee = Swift.min(fee, max) }
            return Swift.min(fee, gross)
        case .fixed(let each):
            let (total, overflow) = each.multipliedReportingOverflow(by: count)
            return overflow ? gross : Swift.min(total, gross)
        }
    }

    /// A short description for reports: `0.6% min 2000 max 2000000`, `fixed 1100/sale`.
    public var label: String {
        switch kind {
        case .percent(let ppm, let min, let max):
            var text = "\(Self.percentText(ppm))%"
            if min > 0 { text += " min \(min)" }
            if let max { text += " max \(max)" }
            return text
        case .fixed(let each): return "fixed \(each)/sale"
        }
    }

    static func percentText(_ ppm: UInt64) -> String {
        let whole = ppm / 10_000
        var fraction = String(format: "%04llu", ppm % 10_000)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}

/// A zero-fee program: while it runs, the channel fees of the matching groups are carried by a sponsor
/// (a bank, a card scheme, the city under a policy), not by the operator.
public struct ZeroFeeProgram: Sendable, Hashable {
    public let id: String
    /// The funder carrying the fees; its account is `sponsor <id>` (gateway level).
    public let sponsor: String
    /// `nil` = every channel.
    public let channels: Set<String>?
    /// `nil` = every operator.
    public let operators: Set<String>?
    public let from: BusinessDay
    public let to: BusinessDay?

    public func applies(day: BusinessDay, operatorCode: String, channel: String) -> Bool {
        day >= from && (to.map { day <= $0 } ?? true) && (channels?.contains(channel) ?? true) && (operators?.contains(operatorCode) ?? true)
    }
}

/// An operator's bank account for payouts.
public struct PayoutAccount: Sendable, Hashable, Codable {
    /// The bank's NAPAS BIN (6 digits).
    public let bankBIN: String
    public let accountNumber: String
    public let accountName: String
}

/// The settlement configuration: channel fee schedules (dated), zero-fee programs (dated) and payout
/// accounts. Read from `Config/settlement.yaml` (format in README "Settlement").
public struct SettlementConfig: Sendable {
    public var feeRules: [ChannelFeeRule]
    public var programs: [ZeroFeeProgram]
    public var payoutAccounts: [String: PayoutAccount]

    public init(feeRules: [ChannelFeeRule] = [], programs: [ZeroFeeProgram] = [], payoutAccounts: [String: PayoutAccount] = [:]) {
        self.feeRules = feeRules
        self.programs = programs
        self.payoutAccounts = payoutAccounts
    }

    /// The rule for `channel` on `day`: the channel's own rule, else the `*` rule, else none (fee 0, reported).
    public func rule(channel: String, on day: BusinessDay) -> ChannelFeeRule? {
        feeRules.first { $0.channel == channel && $0.covers(day) } ?? feeRules.first { $0.channel == "*" && $0.covers(day) }
    }

    /// The zero-fee program covering a group, if any (the first by id).
    public func program(day: BusinessDay, operatorCode: String, channel: String) -> ZeroFeeProgram? {
        programs.sorted { $0.id < $1.id }.first { $0.applies(day: day, operatorCode: operatorCode, channel: channel) }
    }

    // MARK: - Loading

    /// Loads the configuration file (`FEEGATE_SETTLEMENT_CONFIG`, `--settlement-config`, default `Config/settlement.yaml`).
    public static func load(path: String) throws(SettlementError) -> SettlementConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfiguration("cannot read the settlement configuration \(path); pass --settlement-config FILE or set FEEGATE_SETTLEMENT_CONFIG")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "settlement.yaml") throws(SettlementError) -> SettlementConfig {
        let raw: FileForm
        do {
            raw = try YAMLDecoder().decode(FileForm.self, from: text)
        } catch {
            throw .invalidConfiguration("\(file): \(error)")
        }
        var config = SettlementConfig()
        for (i, r) in (raw.channel_fees ?? []).enumerated() {
            let at = "\(file): channel_fees[\(i)] (\(r.channel))"
            guard let from = BusinessDay(r.effective_from) else { throw .invalidConfiguration("\(at): effective_from must be YYYY-MM-DD") }
            let to = try r.effective_to.map { (t) throws(SettlementError) -> BusinessDay in
                guard let d = BusinessDay(t), d >= from else { throw .invalidConfiguration("\(at): effective_to must be a date on or after effective_from") }
                return d
            }
            let kind: ChannelFeeRule.Kind
            switch (r.percent, r.fixed) {
            case (let p?, nil):
                guard let ppm = parsePercent(p) else { throw .invalidConfiguration("\(at): percent must look like \"0.6%\" (at most 4 decimals, ≤ 100%)") }
                guard (r.min ?? 0) >= 0, (r.max ?? 0) >= 0, (r.max.map { $0 >= (r.min ?? 0) } ?? true) else {
                    throw .invalidConfiguration("\(at): min and max must be whole đồng ≥ 0 with min ≤ max")
                }
                kind = .percent(ppm: ppm, min: r.min ?? 0, max: r.max)
            case (nil, let f?):
                guard f >= 0, r.min == nil, r.max == nil else { throw .invalidConfiguration("\(at): fixed must be whole đồng ≥ 0, without min/max") }
                kind = .fixed(perTransaction: f)
            default:
                throw .invalidConfiguration("\(at): give exactly one of percent (with optional min, max) or fixed")
            }
            let rule = ChannelFeeRule(channel: r.channel, from: from, to: to, kind: kind)
            if let clash = config.feeRules.first(where: { $0.channel == rule.channel && Self.overlap($0.from, $0.to, rule.from, rule.to) }) {
                throw .invalidConfiguration("\(at): overlaps the rule from \(clash.from) for the same channel")
            }
            config.feeRules.append(rule)
        }
        for (i, p) in (raw.zero_fee_programs ?? []).enumerated() {
            let at = "\(file): zero_fee_programs[\(i)] (\(p.id))"
            guard let from = BusinessDay(p.effective_from) else { throw .invalidConfiguration("\(at): effective_from must be YYYY-MM-DD") }
            var to: BusinessDay?
            if let text = p.effective_to {
                guard let d = BusinessDay(text), d >= from else { throw .invalidConfiguration("\(at): effective_to must be a date on or after effective_from") }
                to = d
            }
            guard !p.sponsor.isEmpty else { throw .invalidConfiguration("\(at): sponsor is required") }
            config.programs.append(
                ZeroFeeProgram(
                    id: p.id, sponsor: p.sponsor, channels: p.channels.map(Set.init), operators: p.operators.map(Set.init), from: from, to: to))
        }
        for (code, a) in raw.payout_accounts ?? [:] {
            guard a.bank_bin.count == 6, a.bank_bin.allSatisfy(\.isNumber), !a.account.isEmpty, a.account.allSatisfy(\.isNumber) else {
                throw .invalidConfiguration("\(file): payout_accounts.\(code): bank_bin must be 6 digits and account digits only")
            }
            config.payoutAccounts[code] = PayoutAccount(bankBIN: a.bank_bin, accountNumber: a.account, accountName: a.name)
        }
        return config
    }

    static func overlap(_ a0: BusinessDay, _ a1: BusinessDay?, _ b0: BusinessDay, _ b1: BusinessDay?) -> Bool {
        a0 <= (b1 ?? BusinessDay(number: .max)) && b0 <= (a1 ?? BusinessDay(number: .max))
    }

    /// `"0.6%"` → 6,000 parts per million. Integer parsing only (no floating point near money).
    public static func parsePercent(_ text: String) -> UInt64? {
        guard text.hasSuffix("%") else { return nil }
        let number = text.dropLast()
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = UInt64(parts[0]), parts[0].allSatisfy(\.isNumber) else { return nil }
        var fraction: UInt64 = 0
        if parts.count == 2 {
            guard (1...4).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let f = UInt64(parts[1]) else { return nil }
            fraction = f * [1, 1_000, 100, 10, 1][parts[1].count]
        }
        let ppm = whole * 10_000 + fraction
        return ppm <= 1_000_000 ? ppm : nil
    }

    struct FileForm: Decodable {
        struct Fee: Decodable {
            let channel: String
            let effective_from: String
            let effective_to: String?
            let percent: String?
            let min: Int64?
            let max: Int64?
            let fixed: Int64?
        }
        struct Program: Decodable {
            let id: String
            let sponsor: String
            let channels: [String]?
            let operators: [String]?
            let effective_from: String
            let effective_to: String?
        }
        struct Account: Decodable {
            let bank_bin: String
            let account: String
            let name: String
        }
        let channel_fees: [Fee]?
        let zero_fee_programs: [Program]?
        let payout_accounts: [String: Account]?
    }
}
