import FeeGateCore
import Foundation
import Yams

/// What the ledger expected the bank to move: built by the store from payment intents and
/// notifications (credits), settlement payouts and refunds (debits).
///
/// `amount` is signed like a statement line: an expected credit is positive, an expected debit negative.
public struct LedgerItem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Money a payment intent recorded as received (Σ of its notifications).
        case intent
        /// A bank notification no intent explained (money in suspense).
        case notification
        /// A settlement payout to an operator's bank account.
        case payout
        /// Money owed back on a refunded payment intent, paid out by the bank.
        case refund
        /// The lump an acquirer settles for one channel of a closed settlement day (card, app, e-wallet…):
        /// Σ gross − refunds − the channel's fee over the operators. Bank QR is not one: it arrives per intent.
        case inflow
    }

    /// Stable identity, e.g. `intent:FG7K3M9X5`, `payout:2026-11-21:HN-PARK-01`, `notification:<uuid>`.
    public var key: String
    public var kind: Kind
    public var amount: Int64
    public var date: BusinessDay
    public var reference: String?
    public var text: String
    public var operatorCode: String?

    public init(key: String, kind: Kind, amount: Int64, date: BusinessDay, reference: String?, text: String = "", operatorCode: String? = nil) {
        self.key = key
        self.kind = kind
        self.amount = amount
        self.date = date
        self.reference = reference
        self.text = text
        self.operatorCode = operatorCode
    }
}

/// One matching rule. Rules run in priority order (lower first); each bank line and each ledger item
/// is claimed by at most one rule.
public struct MatchRule: Sendable, Hashable {
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        /// One bank line ↔ one ledger item.
        case oneToOne = "one_to_one"
        /// One bank line ↔ several ledger items (one transfer paying several intents; its text carries their references).
        case oneToMany = "one_to_many"
        /// Several bank lines ↔ one ledger item (a payout the bank split, an intent paid in parts).
        case manyToOne = "many_to_one"
    }

    public enum ReferenceMode: String, Sendable, Hashable, CaseIterable {
        /// The bank line's reference (or its whole text) equals the ledger reference, ignoring case and surrounding spaces.
        case exact
        /// The ledger reference occurs in the bank text, ignoring case and runs of spaces.
        case contains
        /// The ledger reference occurs in the bank text after both are upper-cased, stripped of diacritics and of
        /// everything but letters and digits: survives `FG-7K3M-9X5`, `fg7k3m9x5`, `MBVCB.123.FG7K3M9X5.CT`.
        case extract
        /// No reference criterion: amount and date only.
        case none
    }

    public enum Direction: String, Sendable, Hashable, CaseIterable { case credit, debit, any }

    public var name: String
    public var priority: Int
    public var strategy: Strategy
    public var direction: Direction
    /// Ledger kinds this rule may match; empty = all.
    public var kinds: Set<LedgerItem.Kind>
    public var reference: ReferenceMode
    /// Largest |bank − ledger| accepted as a match, in VND (0 = exact).
    public var amountTolerance: Int64
    /// Largest |bank date − ledger date| in days for `matched`.
    public var dateWindowDays: Int64
    /// Further days after the window in which a match is reported `late`.
    public var lateDays: Int64
    /// When the reference matches but the amount is beyond the tolerance: report `amount_mismatch` (both claimed).
    public var reportAmountMismatch: Bool

    public init(
        name: String, priority: Int, strategy: Strategy = .oneToOne, direction: Direction = .any, kinds: Set<LedgerItem.Kind> = [],
        reference: ReferenceMode, amountTolerance: Int64 = 0, dateWindowDays: Int64 = 1, lateDays: Int64 = 0, reportAmountMismatch: Bool = false
    ) {
        self.name = name
        self.priority = priority
        self.strategy = strategy
        self.direction = direction
        self.kinds = kinds
        self.reference = reference
        self.amountTolerance = amountTolerance
        self.dateWindowDays = dateWindowDays
        self.lateDays = lateDays
        self.reportAmountMismatch = reportAmountMismatch
    }
}

/// A rules file: the rules in priority order, and how far before a run's first day ledger items are looked at.
public struct RuleSet: Sendable, Hashable {
    public var rules: [MatchRule]
    /// Days before the run's first day whose ledger items may still match (late bank lines); they are never
    /// reported `unmatched_ledger` by this run (their own day's run does that).
    public var lookbackDays: Int64

    public init(rules: [MatchRule], lookbackDays: Int64 = 3) {
        self.rules = rules.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
        self.lookbackDays = lookbackDays
    }

    /// Reads a rules file (YAML). Every key is checked: a typo is an error, not a silently ignored criterion.
    public static func load(path: String) throws(ReconciliationError) -> RuleSet {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfiguration(file: path, reason: "cannot read the rules file")
        }
        return try parse(yaml: text, file: path)
    }

    /// The rules a run uses, with their text as stored with the run: `path`, else `$FEEGATE_RECONCILIATION_RULES`,
    /// else `./Config/reconciliation/rules.yaml` when present, else ``standard`` ("built-in rules").
    public static func resolve(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ReconciliationError) -> (rules: RuleSet, text: String) {
        let fromEnvironment = environment["FEEGATE_RECONCILIATION_RULES"].flatMap { $0.isEmpty ? nil : $0 }
        let shipped = "./Config/reconciliation/rules.yaml"
        guard let chosen = path ?? fromEnvironment ?? (FileManager.default.fileExists(atPath: shipped) ? shipped : nil) else {
            return (standard, "built-in rules")
        }
        guard let data = FileManager.default.contents(atPath: chosen), let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfiguration(file: chosen, reason: "cannot read the rules file")
        }
        return (try parse(yaml: text, file: chosen), text)
    }

    public static func parse(yaml: String, file: String) throws(ReconciliationError) -> RuleSet {
        let node: Any?
        do { node = try Yams.load(yaml: yaml) } catch { throw .invalidConfiguration(file: file, reason: "not YAML: \(error)") }
        guard let root = node as? [String: Any] else { throw .invalidConfiguration(file: file, reason: "expected a mapping at the top level") }
        if let unknown = root.keys.first(where: { !["lookback_days", "rules"].contains($0) }) {
            throw .invalidConfiguration(file: file, reason: "unknown key '\(unknown)'; expected lookback_days, rules")
        }
        guard let list = root["rules"] as? [[String: Any]], !list.isEmpty else { throw .invalidConfiguration(file: file, reason: "'rules' must be a non-empty list") }
        let known: Set<String> = [
            "name", "priority", "strategy", "direction", "kinds", "reference", "amount_tolerance", "date_window_days", "late_days", "amount_mismatch",
        ]
        var rules: [MatchRule] = []
        var names: Set<String> = []
        for (index, item) in list.enumerated() {
            let at = "rules[\(index)]"
            if let unknown = item.keys.first(where: { !known.contains($0) }) {
                throw .invalidConfiguration(file: file, reason: "\(at): unknown key '\(unknown)'; expected one of \(known.sorted().joined(separator: ", "))")
            }
            guard let name = item["name"] as? String, !name.isEmpty else { throw .invalidConfiguration(file: file, reason: "\(at): 'name' is required") }
            guard names.insert(name).inserted else { throw .invalidConfiguration(file: file, reason: "\(at): rule name '\(name)' is used twice") }
            func int(_ key: String, _ fallback: Int64) throws(ReconciliationError) -> Int64 {
                guard let raw = item[key] else { return fallback }
                guard let value = raw as? Int, value >= 0 else {
                    throw .invalidConfiguration(file: file, reason: "\(at) (\(name)): '\(key)' must be a whole number ≥ 0 (VND and days are integers); got \(raw)")
                }
                return Int64(value)
            }
            func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws(ReconciliationError) -> T where T.RawValue == String {
                guard let raw = item[key] else { return fallback }
                guard let text = raw as? String, let value = T(rawValue: text) else {
                    throw .invalidConfiguration(
                        file: file, reason: "\(at) (\(name)): '\(key)' must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); got \(raw)")
                }
                return value
            }
            var kinds: Set<LedgerItem.Kind> = []
            if let raw = item["kinds"] {
                guard let texts = raw as? [String] else { throw .invalidConfiguration(file: file, reason: "\(at) (\(name)): 'kinds' must be a list") }
                for text in texts {
                    guard let kind = LedgerItem.Kind(rawValue: text) else {
                        throw .invalidConfiguration(
                            file: file, reason: "\(at) (\(name)): unknown kind '\(text)'; expected \(LedgerItem.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    kinds.insert(kind)
                }
            }
            guard let priority = item["priority"] as? Int else { throw .invalidConfiguration(file: file, reason: "\(at) (\(name)): 'priority' (an integer) is required") }
            let rule = MatchRule(
                name: name, priority: priority, strategy: try choice("strategy", MatchRule.Strategy.oneToOne),
                direction: try choice("direction", MatchRule.Direction.any), kinds: kinds, reference: try choice("reference", MatchRule.ReferenceMode.extract),
                amountTolerance: try int("amount_tolerance", 0), dateWindowDays: try int("date_window_days", 1), lateDays: try int("late_days", 0),
                reportAmountMismatch: (item["amount_mismatch"] as? Bool) ?? false)
            if rule.strategy != .oneToOne && (rule.reference == .none || rule.reference == .exact) {
                throw .invalidConfiguration(file: file, reason: "\(at) (\(name)): \(rule.strategy.rawValue) needs reference 'contains' or 'extract' to form its groups")
            }
            rules.append(rule)
        }
        return RuleSet(rules: rules, lookbackDays: try lookback(root["lookback_days"], file: file))
    }

    private static func lookback(_ raw: Any?, file: String) throws(ReconciliationError) -> Int64 {
        guard let raw else { return 3 }
        guard let value = raw as? Int, value >= 0, value <= 62 else { throw .invalidConfiguration(file: file, reason: "lookback_days must be 0…62") }
        return Int64(value)
    }

    /// The rules FeeGate uses without a rules file (the same as `Config/reconciliation/rules.yaml`).
    public static let standard = RuleSet(rules: [
        MatchRule(name: "intent-reference", priority: 10, direction: .credit, kinds: [.intent], reference: .extract, dateWindowDays: 1, lateDays: 3),
        MatchRule(name: "intent-split-payment", priority: 20, strategy: .manyToOne, direction: .credit, kinds: [.intent], reference: .extract, dateWindowDays: 1, lateDays: 3),
        MatchRule(name: "intents-one-transfer", priority: 30, strategy: .oneToMany, direction: .credit, kinds: [.intent], reference: .extract, dateWindowDays: 1),
        MatchRule(name: "payout-reference", priority: 40, direction: .debit, kinds: [.payout, .refund], reference: .extract, dateWindowDays: 2, lateDays: 3),
        MatchRule(name: "payout-split", priority: 50, strategy: .manyToOne, direction: .debit, kinds: [.payout], reference: .extract, dateWindowDays: 2, lateDays: 3),
        MatchRule(name: "suspense-amount-date", priority: 60, direction: .credit, kinds: [.notification], reference: .none, dateWindowDays: 0),
        MatchRule(name: "acquirer-inflow", priority: 70, direction: .credit, kinds: [.inflow], reference: .none, dateWindowDays: 2, lateDays: 3),
        MatchRule(
            name: "reference-amount-differs", priority: 90, direction: .any, kinds: [.intent, .payout, .refund], reference: .extract, dateWindowDays: 2, lateDays: 3,
            reportAmountMismatch: true),
    ])
}
