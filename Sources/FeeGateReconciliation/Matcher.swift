import FeeGateCore
import Foundation

/// A statement line with the identity the store gave it and the account it was booked on.
public struct BankLine: Sendable, Hashable, Codable {
    /// The store's line id (what `feegate reconcile resolve` takes).
    public var id: Int64
    public var account: String
    public var line: StatementLine
    /// The imported statement the line came from (0 when unknown).
    public var statement: Int64

    public init(id: Int64, account: String, line: StatementLine, statement: Int64 = 0) {
        self.id = id
        self.account = account
        self.line = line
        self.statement = statement
    }
}

/// The status of a bank line or ledger item after a run.
public enum ReconciliationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case matched
    /// Matched by reference, but the amounts differ by more than the rule's tolerance (see `difference`).
    case amountMismatch = "amount_mismatch"
    /// The same bank entry (account + bank reference) seen before, in this or an overlapping statement.
    case duplicate
    /// Money the bank moved that the ledger does not know.
    case unmatchedBank = "unmatched_bank"
    /// What the ledger expected and the bank never moved.
    case unmatchedLedger = "unmatched_ledger"
    /// Matched, but booked after the rule's date window (within its late days).
    case late

    /// Statuses where the bank and the ledger disagree on money: they need a resolution.
    public var isDifference: Bool { self == .amountMismatch || self == .unmatchedBank || self == .unmatchedLedger }
}

/// One row of a run's result: a bank line, a ledger item, or a pair/group member, with its status.
public struct MatchRow: Sendable, Hashable, Codable {
    public var status: ReconciliationStatus
    /// Index into the run's bank lines, if a bank line is part of the row.
    public var bank: Int?
    /// Index into the run's ledger items, if a ledger item is part of the row.
    public var ledger: Int?
    /// Rows claimed together (1:1, 1:n, n:1) share a group number; 0 for single-sided rows.
    public var group: Int
    public var rule: String?
    /// bank − ledger of the whole group (0 when matched exactly).
    public var difference: Int64
    public var detail: String

    public init(status: ReconciliationStatus, bank: Int?, ledger: Int?, group: Int, rule: String?, difference: Int64, detail: String) {
        self.status = status
        self.bank = bank
        self.ledger = ledger
        self.group = group
        self.rule = rule
        self.difference = difference
        self.detail = detail
    }
}

/// The deterministic matching engine: pure, no I/O; indexes candidates by reference and amount, so a
/// run costs O((bank lines + ledger items) × text length), never bank lines × ledger items.
public struct Matcher: Sendable {
    public let rules: RuleSet

    public init(rules: RuleSet) { self.rules = rules }

    /// Matches `bank` lines against `ledger` items.
    ///
    /// - Parameters:
    ///   - reportLedgerFrom: ledger items dated before this day only serve as candidates (late bank lines) and are
    ///     never reported `unmatched_ledger` (nil = report all).
    ///   - progress: called with (bank lines processed, total) now and then, for a progress bar.
    /// - Returns: rows ordered by bank line, then the `unmatched_ledger` rows in ledger order.
    public func run(
        bank: [BankLine], ledger: [LedgerItem], reportLedgerFrom: BusinessDay? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> [MatchRow] {
        var state = State(bank: bank, ledger: ledger)
        state.markDuplicates()
        for rule in rules.rules {
            switch rule.strategy {
            case .oneToOne: state.oneToOne(rule, progress: progress)
            case .oneToMany: state.oneToMany(rule)
            case .manyToOne: state.manyToOne(rule)
            }
        }
        return state.finish(reportLedgerFrom: reportLedgerFrom)
    }

    struct State {
        let bank: [BankLine]
        let ledger: [LedgerItem]
        var bankClaimed: [Bool]
        var ledgerClaimed: [Bool]
        var rowsByBank: [[MatchRow]]
        var ledgerRows: [MatchRow] = []
        var nextGroup = 1
        var indexes: [MatchRule.ReferenceMode: ReferenceIndex] = [:]
        var normalizedText: [MatchRule.ReferenceMode: [[UInt8]]] = [:]

        init(bank: [BankLine], ledger: [LedgerItem]) {
            self.bank = bank
            self.ledger = ledger
            bankClaimed = Array(repeating: false, count: bank.count)
            ledgerClaimed = Array(repeating: false, count: ledger.count)
            rowsByBank = Array(repeating: [], count: bank.count)
        }

        /// A line is a `duplicate` when an earlier line has the same account and bank reference, or — for lines
        /// without a bank reference — the same account, dates, amount, text and counterparty *in another statement*
        /// (overlapping statements). Identical lines inside one statement without a reference are separate payments.
        mutating func markDuplicates() {
            var byReference: [String: Int] = [:]
            var byContent: [String: Int] = [:]
            byReference.reserveCapacity(bank.count)
            for (i, b) in bank.enumerated() {
                let first: Int?
                let reason: String
                if let ref = b.line.bankReference {
                    let key = b.account + "\u{0}" + ref
                    first = byReference[key]
                    if first == nil { byReference[key] = i }
                    reason = "same bank reference \(ref) as line"
                } else {
                    let l = b.line
                    let key = [b.account, "\(l.bookingDate.number)", "\(l.valueDate?.number ?? 0)", "\(l.amount)", l.text, l.counterparty ?? ""].joined(separator: "\u{0}")
                    if let earlier = byContent[key], bank[earlier].statement != b.statement {
                        first = earlier
                    } else {
                        first = nil
                        if byContent[key] == nil { byContent[key] = i }
                    }
                    reason = "same date, amount and text (no bank reference) as line"
                }
                if let first {
                    bankClaimed[i] = true
                    rowsByBank[i] = [MatchRow(status: .duplicate, bank: i, ledger: nil, group: 0, rule: nil, difference: 0, detail: "\(reason) \(bank[first].id)")]
                }
            }
        }

        func directionOK(_ rule: MatchRule, _ amount: Int64) -> Bool {
            switch rule.direction {
            case .credit: return amount > 0
            case .debit: return amount < 0
            case .any: return true
            }
        }

        /// Days from the ledger date to the bank booking date, if within window + late days; with whether it is late.
        func dateFit(_ rule: MatchRule, bank b: Int, ledger l: Int) -> (distance: Int64, late: Bool)? {
            let d = bank[b].line.bookingDate.number - ledger[l].date.number
            if abs(d) <= rule.dateWindowDays { return (abs(d), false) }
            if d > rule.dateWindowDays && d <= rule.dateWindowDays + rule.lateDays { return (d, true) }
            return nil
        }

        func eligible(_ rule: MatchRule, ledger l: Int, bankAmount: Int64) -> Bool {
            !ledgerClaimed[l] && (rule.kinds.isEmpty || rule.kinds.contains(ledger[l].kind)) && (ledger[l].amount > 0) == (bankAmount > 0)
        }

        mutating func index(_ mode: MatchRule.ReferenceMode) -> ReferenceIndex {
            if let existing = indexes[mode] { return existing }
            let built = ReferenceIndex(mode: mode, references: ledger.map(\.reference))
            indexes[mode] = built
            return built
        }

        mutating func text(_ mode: MatchRule.ReferenceMode, _ b: Int) -> [UInt8] {
            if normalizedText[mode] == nil {
                normalizedText[mode] = bank.map { ReferenceIndex.normalize(mode == .exact ? ($0.line.bankReference ?? $0.line.text) : $0.line.text, mode: mode) }
            }
            return normalizedText[mode]?[b] ?? []
        }

        /// Ledger candidates of bank line `b` under `rule` (eligible, in ledger order).
        mutating func candidates(_ rule: MatchRule, bank b: Int, amountIndex: AmountIndex?) -> [Int] {
            let amount = bank[b].line.amount
            var found: [Int]
            switch rule.reference {
            case .none:
                found = amountIndex?.lookup(amount, tolerance: rule.amountTolerance) ?? []
            case .exact:
                let idx = index(.exact)
                found = idx.exact(text(.exact, b))
                if found.isEmpty, bank[b].line.bankReference != nil {
                    found = idx.exact(ReferenceIndex.normalize(bank[b].line.text, mode: .exact))
                }
            case .contains, .extract:
                let idx = index(rule.reference)
                found = idx.occurrences(in: text(rule.reference, b))
            }
            return found.filter { eligible(rule, ledger: $0, bankAmount: amount) }
        }

        mutating func oneToOne(_ rule: MatchRule, progress: (@Sendable (Int, Int) -> Void)?) {
            let amountIndex = rule.reference == .none ? AmountIndex(ledger: ledger, kinds: rule.kinds) : nil
            for b in bank.indices where !bankClaimed[b] && directionOK(rule, bank[b].line.amount) {
                if let progress, b % 100_000 == 0 { progress(b, bank.count) }
                let amount = bank[b].line.amount
                var best: (l: Int, diff: Int64, distance: Int64, late: Bool)?
                var mismatch: (l: Int, diff: Int64, distance: Int64, late: Bool)?
                for l in candidates(rule, bank: b, amountIndex: amountIndex) {
                    guard let fit = dateFit(rule, bank: b, ledger: l) else { continue }
                    let diff = amount - ledger[l].amount
                    let candidate = (l: l, diff: diff, distance: fit.distance, late: fit.late)
                    if abs(diff) <= rule.amountTolerance {
                        if let current = best, (abs(current.diff), current.distance, current.l) <= (abs(diff), fit.distance, l) { continue }
                        best = candidate
                    } else if rule.reportAmountMismatch {
                        if let current = mismatch, (abs(current.diff), current.distance, current.l) <= (abs(diff), fit.distance, l) { continue }
                        mismatch = candidate
                    }
                }
                if let best {
                    claim(rule, bank: [b], ledger: [best.l], status: best.late ? .late : .matched, difference: best.diff,
                          detail: best.late ? "booked \(best.distance) day(s) after the ledger date" : "")
                } else if let mismatch {
                    claim(rule, bank: [b], ledger: [mismatch.l], status: .amountMismatch, difference: mismatch.diff,
                          detail: "bank \(amount), ledger \(ledger[mismatch.l].amount): difference \(mismatch.diff) VND")
                }
            }
            progress?(bank.count, bank.count)
        }

        mutating func oneToMany(_ rule: MatchRule) {
            for b in bank.indices where !bankClaimed[b] && directionOK(rule, bank[b].line.amount) {
                let fits = candidates(rule, bank: b, amountIndex: nil).filter { dateFit(rule, bank: b, ledger: $0) != nil }
                guard fits.count >= 2 else { continue }
                var sum: Int64 = 0
                for l in fits { sum += ledger[l].amount }
                let diff = bank[b].line.amount - sum
                let late = fits.contains { dateFit(rule, bank: b, ledger: $0)?.late == true }
                if abs(diff) <= rule.amountTolerance {
                    claim(rule, bank: [b], ledger: fits, status: late ? .late : .matched, difference: diff, detail: "one bank line for \(fits.count) ledger items")
                } else if rule.reportAmountMismatch {
                    claim(rule, bank: [b], ledger: fits, status: .amountMismatch, difference: diff,
                          detail: "one bank line for \(fits.count) ledger items summing to \(sum): difference \(diff) VND")
                }
            }
        }

        mutating func manyToOne(_ rule: MatchRule) {
            var linesFor: [Int: [Int]] = [:]
            for b in bank.indices where !bankClaimed[b] && directionOK(rule, bank[b].line.amount) {
                for l in candidates(rule, bank: b, amountIndex: nil) where dateFit(rule, bank: b, ledger: l) != nil {
                    linesFor[l, default: []].append(b)
                }
            }
            for l in linesFor.keys.sorted() {
                guard let lines = linesFor[l]?.filter({ !bankClaimed[$0] }), lines.count >= 2, !ledgerClaimed[l] else { continue }
                var sum: Int64 = 0
                for b in lines { sum += bank[b].line.amount }
                let diff = sum - ledger[l].amount
                let late = lines.contains { dateFit(rule, bank: $0, ledger: l)?.late == true }
                if abs(diff) <= rule.amountTolerance {
                    claim(rule, bank: lines, ledger: [l], status: late ? .late : .matched, difference: diff, detail: "\(lines.count) bank lines for one ledger item")
                } else if rule.reportAmountMismatch {
                    claim(rule, bank: lines, ledger: [l], status: .amountMismatch, difference: diff,
                          detail: "\(lines.count) bank lines summing to \(sum), ledger \(ledger[l].amount): difference \(diff) VND")
                }
            }
        }

        mutating func claim(_ rule: MatchRule, bank lines: [Int], ledger items: [Int], status: ReconciliationStatus, difference: Int64, detail: String) {
            let group = nextGroup
            nextGroup += 1
            for b in lines {
                bankClaimed[b] = true
                for l in items {
                    rowsByBank[b].append(MatchRow(status: status, bank: b, ledger: l, group: group, rule: rule.name, difference: difference, detail: detail))
                }
            }
            for l in items { ledgerClaimed[l] = true }
        }

        func finish(reportLedgerFrom: BusinessDay?) -> [MatchRow] {
            var rows: [MatchRow] = []
            rows.reserveCapacity(bank.count + ledger.count / 8)
            for b in bank.indices {
                if rowsByBank[b].isEmpty {
                    rows.append(MatchRow(status: .unmatchedBank, bank: b, ledger: nil, group: 0, rule: nil, difference: bank[b].line.amount, detail: ""))
                } else {
                    rows.append(contentsOf: rowsByBank[b])
                }
            }
            for l in ledger.indices where !ledgerClaimed[l] {
                if let from = reportLedgerFrom, ledger[l].date < from { continue }
                rows.append(MatchRow(status: .unmatchedLedger, bank: nil, ledger: l, group: 0, rule: nil, difference: -ledger[l].amount, detail: ""))
            }
            return rows
        }
    }
}

/// Ledger items by amount, for rules without a reference criterion.
struct AmountIndex {
    let sorted: [(amount: Int64, index: Int)]

    init(ledger: [LedgerItem], kinds: Set<LedgerItem.Kind>) {
        sorted = ledger.indices.filter { kinds.isEmpty || kinds.contains(ledger[$0].kind) }.map { (ledger[$0].amount, $0) }
            .sorted { ($0.amount, $0.index) < ($1.amount, $1.index) }
    }

    func lookup(_ amount: Int64, tolerance: Int64) -> [Int] {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].amount < amount - tolerance { lo = mid + 1 } else { hi = mid }
        }
        var found: [Int] = []
        var i = lo
        while i < sorted.count, sorted[i].amount <= amount + tolerance {
            found.append(sorted[i].index)
            i += 1
        }
        return found.sorted()
    }
}

/// Ledger references normalised per mode and indexed by a 64-bit hash, so finding every reference
/// inside a bank line's text costs O(text length × distinct reference lengths).
struct ReferenceIndex {
    let mode: MatchRule.ReferenceMode
    var normalized: [[UInt8]] = []
    var table: [UInt64: [Int]] = [:]
    var lengths: [Int] = []
    /// First two bytes of any reference (a 64 Ki-bit filter that skips most window starts).
    var firstPairs: [Bool] = Array(repeating: false, count: 65_536)

    init(mode: MatchRule.ReferenceMode, references: [String?]) {
        self.mode = mode
        var lengthSet: Set<Int> = []
        normalized.reserveCapacity(references.count)
        for (i, reference) in references.enumerated() {
            let bytes = reference.map { Self.normalize($0, mode: mode) } ?? []
            normalized.append(bytes)
            guard bytes.count >= 3 else { continue }  // a reference of 1–2 characters would match anything
            table[Self.hash(bytes[...]), default: []].append(i)
            lengthSet.insert(bytes.count)
            firstPairs[Int(bytes[0]) << 8 | Int(bytes[1])] = true
        }
        lengths = lengthSet.sorted()
    }

    func exact(_ text: [UInt8]) -> [Int] {
        guard text.count >= 3 else { return [] }
        return (table[Self.hash(text[...])] ?? []).filter { normalized[$0] == text }
    }

    /// Ledger items whose reference occurs in `text`, each once, in ledger order.
    func occurrences(in text: [UInt8]) -> [Int] {
        guard let shortest = lengths.first, text.count >= shortest else { return [] }
        var found: [Int] = []
        for start in 0..<(text.count - 1) where firstPairs[Int(text[start]) << 8 | Int(text[start + 1])] {
            for length in lengths where start + length <= text.count {
                let window = text[start..<(start + length)]
                guard let hits = table[Self.hash(window)] else { continue }
                for l in hits where normalized[l].elementsEqual(window) && !found.contains(l) { found.append(l) }
            }
        }
        return found.sorted()
    }

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// exact/contains: upper-cased, runs of white space collapsed; extract: letters and digits only, diacritics removed.
    static func normalize(_ text: String, mode: MatchRule.ReferenceMode) -> [UInt8] {
        let utf8 = text.utf8
        let ascii = utf8.allSatisfy { $0 < 0x80 }
        let source: String.UTF8View
        var folded = ""
        if ascii {
            source = utf8
        } else {
            folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).replacingOccurrences(of: "đ", with: "d")
                .replacingOccurrences(of: "Đ", with: "D")
            source = folded.utf8
        }
        var out: [UInt8] = []
        out.reserveCapacity(source.count)
        switch mode {
        case .extract:
            for b in source {
                if b >= 0x61 && b <= 0x7A { out.append(b - 32) } else if (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) { out.append(b) }
            }
        case .exact, .contains, .none:
            var lastSpace = true
            for b in source {
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                    if !lastSpace { out.append(0x20) }
                    lastSpace = true
                } else {
                    out.append(b >= 0x61 && b <= 0x7A ? b - 32 : b)
                    lastSpace = false
                }
            }
            if out.last == 0x20 { out.removeLast() }
        }
        return out
    }
}
