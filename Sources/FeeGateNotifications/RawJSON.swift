/// A JSON value parsed without loss: object members keep their order, numbers keep their literal
/// text (so `20000` is never re-rendered as `20000.0`), strings are unescaped.
///
/// Signature schemes that sign a re-serialisation of the body (Casso V2, payOS) are verified by
/// rebuilding exactly that serialisation from this lossless parse of the raw body, never from a
/// decoded struct that would drop unknown fields or change number formatting.
enum RawJSON: Sendable, Hashable {
    case object([Member])
    case array([RawJSON])
    case string(String)
    /// The number's literal text as received, e.g. `599000`, `-1.50`, `1e3`.
    case number(String)
    case bool(Bool)
    case null

    struct Member: Sendable, Hashable {
        let key: String
        let value: RawJSON
    }

    /// How object keys are ordered when serialising.
    enum KeyOrder {
        /// Keys as received.
        case asReceived
        /// Keys sorted at this level only.
        case sortedTopLevel
        /// Keys sorted in this object and every nested object (arrays keep their element order and
        /// the objects inside arrays keep theirs, as the providers' reference samples do).
        case sortedThroughObjects
    }

    /// How strings are escaped when serialising.
    enum Escaping {
        /// JavaScript `JSON.stringify`: only `"`, `\` and control characters are escaped.
        case javaScript
        /// Python `json.dumps` default (`ensure_ascii=True`): also every non-ASCII character as `\uXXXX`.
        case asciiOnly
    }

    subscript(key: String) -> RawJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    // MARK: - Serialising

    /// Compact serialisation (no whitespace), as `JSON.stringify(value)` / `json.dumps(value, separators=(',', ':'))`.
    func serialized(keys: KeyOrder, escaping: Escaping) -> String {
        var out = ""
        write(into: &out, keys: keys, escaping: escaping)
        return out
    }

    private func write(into out: inout String, keys: KeyOrder, escaping: Escaping) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let literal): out += literal
        case .string(let value): Self.writeString(value, into: &out, escaping: escaping)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(into: &out, keys: .asReceived, escaping: escaping)
            }
            out += "]"
        case .object(let members):
            let ordered: [Member]
            switch keys {
            case .asReceived: ordered = members
            case .sortedTopLevel, .sortedThroughObjects:
                // JavaScript's default sort compares UTF-16 code units.
                ordered = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            }
            let nested: KeyOrder = keys == .sortedThroughObjects ? .sortedThroughObjects : .asReceived
            out += "{"
            for (index, member) in ordered.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(member.key, into: &out, escaping: escaping)
                out += ":"
                member.value.write(into: &out, keys: nested, escaping: escaping)
            }
            out += "}"
        }
    }

    private static func writeString(_ value: String, into out: inout String, escaping: Escaping) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (escaping == .asciiOnly && scalar.value >= 0x7F) {
                    for unit in String(scalar).utf16 { out += "\\u" + hex4(unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(unit >> 12)], digits[Int(unit >> 8 & 0xF)], digits[Int(unit >> 4 & 0xF)], digits[Int(unit & 0xF)]])
    }

    // MARK: - Parsing

    /// Parses a complete JSON text (RFC 8259) strictly: no trailing content, no duplicate keys,
    /// no control characters in strings, nesting at most 64 deep.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> RawJSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected content after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> RawJSON {
            guard depth < 64 else { throw error("nesting deeper than 64 levels") }
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            default: return .number(try parseNumber())
            }
        }

        mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
            let expected = Array(literal.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw error("invalid literal")
            }
            index += expected.count
        }

        mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> RawJSON {
            index += 1
            var members: [Member] = []
            var keys: Set<String> = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                // A repeated key is ambiguous (which one was signed?), so it is refused.
                guard keys.insert(key).inserted else { throw error("duplicate key \"\(key)\"") }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                members.append(Member(key: key, value: try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> RawJSON {
            index += 1
            var elements: [RawJSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unterminated array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseNumber() throws(JSONSyntaxError) -> String {
            let start = index
            func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw error("invalid value") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(index) else { throw error("invalid number") }
                while isDigit(index) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard isDigit(index) else { throw error("invalid number") }
                while isDigit(index) { index += 1 }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func parseString() throws(JSONSyntaxError) -> String {
            index += 1  // opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flushRun(_ end: Int) throws(JSONSyntaxError) {
                guard runStart < end else { return }
                guard let text = String(validating: bytes[runStart..<end], as: UTF8.self) else {
                    throw JSONSyntaxError(offset: runStart, reason: "invalid UTF-8 in string")
                }
                scalars.append(contentsOf: text.unicodeScalars)
            }
            while true {
                guard index < bytes.count else { throw error("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    try flushRun(index)
                    index += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw error("control character in string") }
                if byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                try flushRun(index)
                index += 1
                guard index < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let high = try hex4()
                    if (0xD800...0xDBFF).contains(high) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low),
                              let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                        else { throw error("unpaired surrogate") }
                        scalars.append(scalar)
                    } else {
                        guard let scalar = Unicode.Scalar(high) else { throw error("unpaired surrogate") }
                        scalars.append(scalar)
                    }
                default:
                    throw error("invalid escape")
                }
                runStart = index
            }
        }

        mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<(index + 4)] {
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
            }
            index += 4
            return value
        }
    }
}

/// A JSON syntax error at a byte offset.
struct JSONSyntaxError: Error, Sendable, Equatable {
    let offset: Int
    let reason: String
}
