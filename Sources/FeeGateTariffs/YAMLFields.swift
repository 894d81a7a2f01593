import Foundation
import FeeGateCore
import Yams

/// Collects diagnostics for one file while it is being read.
struct DiagnosticSink {
    let file: String
    private(set) var items: [TariffDiagnostic] = []

    init(file: String) { self.file = file }

    mutating func error(_ line: Int, _ message: String) {
        items.append(TariffDiagnostic(file: file, line: line, message: message))
    }
}

extension Node {
    /// 1-based line of this node (composed nodes always carry a mark; 1 is a safe fallback).
    var line: Int { mark?.line ?? 1 }

    /// The raw text of a plain or quoted scalar. We read raw text rather than YAML's typed values so
    /// that `01` stays a route id, `14.9` never becomes a `Double`, and dates stay dates.
    var scalarText: String? { scalar?.string }

    /// `~`, `null`, `Null`, `NULL` or an empty plain scalar.
    var isNull: Bool {
        guard let scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    var kindName: String {
        switch self {
        case .scalar: return "a single value"
        case .mapping: return "a mapping (key: value lines)"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// A YAML mapping being read field by field; remembers which keys were read so that unknown
/// (usually misspelt) keys can be reported.
struct Fields {
    let line: Int
    let what: String
    private let pairs: [(key: String, keyLine: Int, value: Node)]
    private var used: Set<String> = []

    /// Reads `node` as a mapping with string keys, reporting anything else.
    init?(_ node: Node, what: String, sink: inout DiagnosticSink) {
        guard case .mapping(let mapping) = node else {
            sink.error(node.line, "\(what) must be a mapping (key: value lines), found \(node.kindName)")
            return nil
        }
        var pairs: [(String, Int, Node)] = []
        for (key, value) in mapping {
            guard let text = key.scalarText else {
                sink.error(key.line, "keys in \(what) must be plain names")
                continue
            }
            pairs.append((text, key.line, value))
        }
        self.pairs = pairs.map { (key: $0.0, keyLine: $0.1, value: $0.2) }
        self.line = node.line
        self.what = what
    }

    var keys: [String] { pairs.map(\.key) }

    /// The value under `key`, or `nil` (reported) when missing.
    mutating func required(_ key: String, sink: inout DiagnosticSink) -> Node? {
        guard let value = optional(key) else {
            sink.error(line, "missing required field '\(key)' in \(what)")
            return nil
        }
        return value
    }

    /// The value under `key`, or `nil` when absent.
    mutating func optional(_ key: String) -> Node? {
        used.insert(key)
        return pairs.first { $0.key == key }?.value
    }

    /// Line of `key`, or the mapping's line when absent.
    func keyLine(_ key: String) -> Int { pairs.first { $0.key == key }?.keyLine ?? line }

    /// All key/value pairs, for mappings keyed by data (e.g. price tables).
    var entries: [(key: String, keyLine: Int, value: Node)] { pairs }

    /// Reports every key that was never asked for.
    func reportUnknown(sink: inout DiagnosticSink) {
        let expected = used.sorted().joined(separator: ", ")
        for pair in pairs where !used.contains(pair.key) {
            sink.error(pair.keyLine, "unknown field '\(pair.key)' in \(what) (expected one of: \(expected))")
        }
    }
}

/// Scalar readers. Each reports its own problem and returns `nil` on failure.
enum Scalars {
    static func text(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> String? {
        guard let text = node.scalarText, !node.isNull else {
            sink.error(node.line, "'\(name)' must be a text value, found \(node.isNull ? "null" : node.kindName)")
            return nil
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            sink.error(node.line, "'\(name)' must not be empty")
            return nil
        }
        return trimmed
    }

    /// An identifier: letters, digits, `-`, `_`, `.` only (ids appear in URLs, CLI flags and logs).
    static func identifier(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> String? {
        guard let text = text(node, name, sink: &sink) else { return nil }
        let allowed = text.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" || $0 == "."
        }
        guard allowed else {
            sink.error(node.line, "'\(name)' must use only ASCII letters, digits, '-', '_' or '.', found '\(text)'")
            return nil
        }
        return text
    }

    /// A non-negative whole amount of đồng; `_` and `,` are not allowed (write `25000`).
    static func money(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> Money? {
        guard let raw = node.scalarText, !node.isNull else {
            sink.error(node.line, "'\(name)' must be a whole number of đồng, found \(node.isNull ? "null" : node.kindName)")
            return nil
        }
        let text = raw.trimmingCharacters(in: .whitespaces)
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), digits.count <= 18,
              let value = Int64(digits)
        else {
            sink.error(node.line, "'\(name)' must be a whole number of đồng (e.g. 25000), found '\(raw)'")
            return nil
        }
        if negative && value != 0 {
            sink.error(node.line, "negative amount -\(value) in '\(name)': amounts must be 0 or more")
            return nil
        }
        let money = Money(value)
        guard money.isValidAmount else {
            sink.error(node.line, "'\(name)' is larger than the maximum amount \(Money.maximum.vnd)")
            return nil
        }
        return money
    }

    static func integer(_ node: Node, _ name: String, range: ClosedRange<Int>, sink: inout DiagnosticSink) -> Int? {
        guard let raw = node.scalarText, let value = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            sink.error(node.line, "'\(name)' must be a whole number, found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
        guard range.contains(value) else {
            sink.error(node.line, "'\(name)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    static func bool(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> Bool? {
        switch node.scalarText {
        case "true": return true
        case "false": return false
        default:
            sink.error(node.line, "'\(name)' must be true or false, found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
    }

    static func date(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> LocalDate? {
        guard let raw = node.scalarText, let date = LocalDate(iso: raw.trimmingCharacters(in: .whitespaces)) else {
            sink.error(node.line, "'\(name)' must be a date YYYY-MM-DD, found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
        return date
    }

    static func clock(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> ClockTime? {
        // Unquoted 06:00 is sexagesimal in YAML 1.1; we read the raw text so both forms work.
        guard let raw = node.scalarText, let time = ClockTime(raw.trimmingCharacters(in: .whitespaces)) else {
            sink.error(node.line, "'\(name)' must be a time HH:MM, found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
        return time
    }

    /// Kilometres with up to three decimals (`14.9`, `40`), returned as whole metres without
    /// touching floating point.
    static func kilometres(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> Int? {
        let raw = node.scalarText?.trimmingCharacters(in: .whitespaces) ?? ""
        if raw.hasPrefix("-") {
            sink.error(node.line, "negative length '\(raw)' in '\(name)': lengths must be 0 or more")
            return nil
        }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard !raw.isEmpty, parts.count <= 2, let whole = Int(parts[0]), parts[0].allSatisfy(\.isNumber),
              whole <= 100_000
        else {
            sink.error(node.line, "'\(name)' must be a length in km such as 14.9, found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
        var meters = whole * 1000
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...3).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let f = Int(fraction)
            else {
                sink.error(node.line, "'\(name)' must have at most three decimals (metres), found '\(raw)'")
                return nil
            }
            meters += f * [100, 10, 1][fraction.count - 1]
        }
        return meters
    }

    static func list(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            sink.error(node.line, "'\(name)' must be a list (lines starting with '- '), found \(node.kindName)")
            return nil
        }
        return Array(sequence)
    }

    /// A list of identifiers, or a single identifier (written without brackets).
    static func identifiers(_ node: Node, _ name: String, sink: inout DiagnosticSink) -> [(String, Int)]? {
        if node.scalar != nil {
            return identifier(node, name, sink: &sink).map { [($0, node.line)] }
        }
        guard let items = list(node, name, sink: &sink) else { return nil }
        var out: [(String, Int)] = []
        for item in items {
            if let id = identifier(item, name, sink: &sink) { out.append((id, item.line)) }
        }
        if items.isEmpty { sink.error(node.line, "'\(name)' must not be empty") }
        return out
    }

    static func choice<T: RawRepresentable & CaseIterable>(
        _ node: Node, _ name: String, as type: T.Type, sink: inout DiagnosticSink
    ) -> T? where T.RawValue == String {
        let options = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard let raw = node.scalarText, let value = T(rawValue: raw.trimmingCharacters(in: .whitespaces)) else {
            sink.error(node.line, "'\(name)' must be one of \(options), found '\(node.scalarText ?? node.kindName)'")
            return nil
        }
        return value
    }
}

/// Reports duplicate ids within one list.
struct DuplicateCheck {
    private var seen: [String: Int] = [:]
    let what: String

    init(_ what: String) { self.what = what }

    /// `true` if new; reports and returns `false` when `id` was seen before.
    mutating func insert(_ id: String, line: Int, sink: inout DiagnosticSink) -> Bool {
        if let first = seen[id] {
            sink.error(line, "duplicate \(what) '\(id)' (first defined on line \(first))")
            return false
        }
        seen[id] = line
        return true
    }
}
