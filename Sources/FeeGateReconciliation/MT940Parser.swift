import FeeGateCore
import Foundation

/// SWIFT MT940 customer statements: fields `:20:` `:25:` `:28C:` `:60F:`/`:60M:` `:61:` `:86:` `:62F:`/`:62M:`.
///
/// A file may hold several statements (each starting at `:20:`), with or without the SWIFT envelope
/// (`{1:…}{2:…}{4:` … `-}`). Amounts use a decimal comma (`1250000,` or `1250000,00`): a non-zero
/// fraction of a đồng is an error, like any field that does not parse; the error names the line.
/// The parser works on UTF-8 bytes (a 1,000,000-entry statement is about 2 million lines).
public enum MT940Parser {
    struct Field {
        var tag: String
        var value: [UInt8]
        var line: Int
    }

    public static func parse(_ data: Data, source: String) throws(ReconciliationError) -> [BankStatement] {
        var bytes = [UInt8](data)
        if String(validating: bytes, as: UTF8.self) == nil {
            // Older bank systems write Latin-1: every byte is its own code point.
            bytes = Array((String(data: data, encoding: .isoLatin1) ?? "").utf8)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var fields: [Field] = []
        var lineNumber = 0
        var start = 0
        let colon = UInt8(ascii: ":")
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 10 { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
            defer { start = end + 1 }
            var lineStart = start
            // SWIFT envelope: keep what follows "{4:" on the same line, skip the other blocks and the trailer.
            if lineEnd - lineStart >= 3 && bytes[lineStart] == UInt8(ascii: "{") {
                var found = -1
                var i = lineStart
                while i + 2 < lineEnd {
                    if bytes[i] == UInt8(ascii: "{") && bytes[i + 1] == UInt8(ascii: "4") && bytes[i + 2] == colon { found = i + 3; break }
                    i += 1
                }
                if found < 0 { continue }
                lineStart = found
            }
            let line = bytes[lineStart..<lineEnd]
            if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            if line.first == UInt8(ascii: "-") && (line.count == 1 || line.dropFirst().first == UInt8(ascii: "}")) { continue }
            if line.first == colon, let close = line.dropFirst().firstIndex(of: colon), close - lineStart <= 4 {
                fields.append(Field(tag: String(decoding: bytes[(lineStart + 1)..<close], as: UTF8.self), value: Array(bytes[(close + 1)..<lineEnd]), line: lineNumber))
            } else if !fields.isEmpty {
                fields[fields.count - 1].value.append(10)
                fields[fields.count - 1].value.append(contentsOf: line)
            } else {
                throw .malformed(
                    location: "\(source):\(lineNumber)",
                    reason: "expected a field such as :20: at the start of the statement, found '\(String(decoding: line.prefix(40), as: UTF8.self))'")
            }
        }
        guard !fields.isEmpty else { throw .malformed(location: source, reason: "no MT940 fields (:20:, :25:, :61: …) found") }

        var statements: [BankStatement] = []
        var current: Builder?
        for field in fields {
            let location = "\(source):\(field.line)"
            if field.tag == "20" {
                if let done = current { statements.append(try done.finish(source: source)) }
                current = Builder(reference: text(field.value), line: field.line)
                continue
            }
            guard current != nil else { throw .malformed(location: location, reason: "field :\(field.tag): before the statement's :20:") }
            try current?.add(field, location: location)
        }
        if let done = current { statements.append(try done.finish(source: source)) }
        return statements
    }

    /// Field text with continuation line breaks removed (banks wrap at 65 characters, inside words and references).
    static func text(_ value: [UInt8]) -> String {
        String(decoding: value.filter { $0 != 10 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    struct Builder {
        var reference: String
        var line: Int
        var account: String?
        var number: String?
        var opening: Int64?
        var closing: Int64?
        var lines: [StatementLine] = []
        var currency: String?

        init(reference: String, line: Int) {
            self.reference = reference
            self.line = line
        }

        mutating func add(_ field: Field, location: String) throws(ReconciliationError) {
            switch field.tag {
            case "25": account = MT940Parser.text(field.value)
            case "28C", "28": number = MT940Parser.text(field.value)
            case "60F", "60M":
                let (amount, ccy) = try MT940Parser.balance(field.value, location: location)
                opening = amount
                currency = ccy
            case "62F", "62M":
                closing = try MT940Parser.balance(field.value, location: location).amount
            case "61":
                lines.append(try MT940Parser.entry(field.value, line: field.line, location: location, currency: currency ?? "VND"))
            case "86":
                // An :86: before any :61: is information about the whole statement: not a line's text.
                guard !lines.isEmpty else { return }
                let info = MT940Parser.text(field.value)
                let old = lines[lines.count - 1].text
                lines[lines.count - 1].text = old.isEmpty ? info : old + " " + info
            default:
                // Other fields (:64: available balance, :65: forward balance, :13D:, :34F:, :90D:, :NS: …) carry nothing
                // reconciliation uses; a tag that is not a SWIFT tag at all means the file is not MT940.
                let tag = field.tag
                let valid = (tag.count == 2 || tag.count == 3) && tag.prefix(2).allSatisfy(\.isASCIIDigit) && (tag.count == 2 || tag.last?.isUppercase == true)
                if !valid && tag != "NS" { throw .malformed(location: location, reason: "':\(tag):' is not an MT940 field tag") }
            }
        }

        func finish(source: String) throws(ReconciliationError) -> BankStatement {
            let location = "\(source):\(line)"
            guard let account, !account.isEmpty else { throw .malformed(location: location, reason: "statement \(reference) has no :25: account") }
            guard opening != nil else { throw .malformed(location: location, reason: "statement \(reference) has no :60F: opening balance") }
            guard closing != nil else { throw .malformed(location: location, reason: "statement \(reference) has no :62F: closing balance (truncated file?)") }
            let id = number.map { "\(reference)/\($0)" } ?? reference
            let statement = BankStatement(statementID: id, account: account, format: .mt940, openingBalance: opening, closingBalance: closing, lines: lines)
            try statement.validate(location: location)
            return statement
        }
    }

    /// `C261121VND1000000,00` → (+1000000, VND).
    static func balance(_ value: [UInt8], location: String) throws(ReconciliationError) -> (amount: Int64, currency: String) {
        let chars = Array(text(value).utf8)
        let shown = String(decoding: chars, as: UTF8.self)
        guard chars.count >= 11, chars[0] == UInt8(ascii: "C") || chars[0] == UInt8(ascii: "D") else {
            throw .malformed(location: location, reason: "balance '\(shown)' is not D/C, YYMMDD, currency, amount")
        }
        guard date(chars[1..<7]) != nil else { throw .malformed(location: location, reason: "balance date '\(String(decoding: chars[1..<7], as: UTF8.self))' is not YYMMDD") }
        let currency = String(decoding: chars[7..<10], as: UTF8.self)
        let amount: Int64
        switch amountValue(chars[10...]) {
        case .success(let v): amount = v
        case .failure(let problem): throw .malformed(location: location, reason: problem.description)
        }
        return (chars[0] == UInt8(ascii: "C") ? amount : -amount, currency)
    }

    static func digit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    static func date(_ yymmdd: ArraySlice<UInt8>) -> BusinessDay? {
        guard yymmdd.count == 6, yymmdd.allSatisfy(digit) else { return nil }
        let d = Array(yymmdd)
        func n(_ i: Int) -> Int { Int(d[i] - 48) * 10 + Int(d[i + 1] - 48) }
        return BusinessDay.from(year: 2000 + n(0), month: n(2), day: n(4))
    }

    /// `1250000,` / `1250000,00` → 1250000; a non-zero fraction is an error (VND has no minor unit).
    static func amountValue(_ raw: ArraySlice<UInt8>) -> Result<Int64, BankAmount.AmountProblem> {
        var value: Int64 = 0
        var digits = 0
        var i = raw.startIndex
        while i < raw.endIndex && digit(raw[i]) {
            if digits >= 16 { return .failure(.tooLarge(String(decoding: raw, as: UTF8.self))) }
            value = value * 10 + Int64(raw[i] - 48)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return .failure(raw.isEmpty ? .empty : .notANumber(String(decoding: raw, as: UTF8.self))) }
        if i < raw.endIndex {
            guard raw[i] == UInt8(ascii: ",") else { return .failure(.notANumber(String(decoding: raw, as: UTF8.self))) }
            let fraction = raw[(i + 1)...]
            guard fraction.allSatisfy(digit) else { return .failure(.notANumber(String(decoding: raw, as: UTF8.self))) }
            if fraction.contains(where: { $0 != 48 }) { return .failure(.fractional(String(decoding: raw, as: UTF8.self))) }
        }
        guard value <= Money.maximum.vnd else { return .failure(.tooLarge(String(decoding: raw, as: UTF8.self))) }
        return .success(value)
    }

    /// `:61:` — value date, optional entry date, mark, amount, type, customer reference, `//` bank reference, supplementary details.
    static func entry(_ value: [UInt8], line: Int, location: String, currency: String) throws(ReconciliationError) -> StatementLine {
        let newline = value.firstIndex(of: 10) ?? value.count
        let chars = value[0..<newline]
        let supplementary = newline < value.count ? MT940Parser.text(Array(value[(newline + 1)...])) : ""
        func fail(_ reason: String) -> ReconciliationError {
            .malformed(location: location, reason: ":61: \(reason) in '\(String(decoding: chars, as: UTF8.self))'")
        }
        guard chars.count >= 6, let valueDate = date(chars[0..<6]) else { throw fail("value date is not YYMMDD") }
        var i = 6
        var bookingDate = valueDate
        if chars.count >= i + 4, chars[i..<(i + 4)].allSatisfy(digit) {
            let month = Int(chars[i] - 48) * 10 + Int(chars[i + 1] - 48), day = Int(chars[i + 2] - 48) * 10 + Int(chars[i + 3] - 48)
            let valueYear = 2000 + Int(chars[0] - 48) * 10 + Int(chars[1] - 48), valueMonth = Int(chars[2] - 48) * 10 + Int(chars[3] - 48)
            var year = valueYear
            if month == 12 && valueMonth == 1 { year -= 1 }
            if month == 1 && valueMonth == 12 { year += 1 }
            guard let entryDate = BusinessDay.from(year: year, month: month, day: day) else {
                throw fail("entry date '\(String(decoding: chars[i..<(i + 4)], as: UTF8.self))' is not MMDD")
            }
            bookingDate = entryDate
            i += 4
        }
        let C = UInt8(ascii: "C"), D = UInt8(ascii: "D"), R = UInt8(ascii: "R")
        var sign: Int64
        if chars.count >= i + 2, chars[i] == R, chars[i + 1] == C || chars[i + 1] == D {
            sign = chars[i + 1] == C ? -1 : 1  // a reversal of a credit takes money out
            i += 2
        } else if chars.count > i, chars[i] == C || chars[i] == D {
            sign = chars[i] == C ? 1 : -1
            i += 1
        } else {
            throw fail("debit/credit mark (C, D, RC, RD) missing")
        }
        if chars.count > i, (chars[i] >= 65 && chars[i] <= 90) { i += 1 }  // funds code (third character of the currency)
        let amountStart = i
        while i < chars.count, digit(chars[i]) || chars[i] == UInt8(ascii: ",") { i += 1 }
        let amount: Int64
        switch amountValue(chars[amountStart..<i]) {
        case .success(let v): amount = v
        case .failure(let problem): throw fail(problem.description)
        }
        guard amount > 0 else { throw fail("the amount is 0") }
        guard chars.count >= i + 4, [UInt8(ascii: "N"), UInt8(ascii: "F"), UInt8(ascii: "S")].contains(chars[i]) else {
            throw fail("transaction type (N/F/S + 3 characters) missing after the amount")
        }
        i += 4
        let rest = chars[i...]
        var customerReference = rest
        var bankReference: String?
        var j = rest.startIndex
        while j + 1 < rest.endIndex {
            if rest[j] == UInt8(ascii: "/") && rest[j + 1] == UInt8(ascii: "/") {
                customerReference = rest[rest.startIndex..<j]
                bankReference = String(decoding: rest[(j + 2)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                break
            }
            j += 1
        }
        let customer = String(decoding: customerReference, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        var text = customer == "NONREF" ? "" : customer
        if !supplementary.isEmpty { text = text.isEmpty ? supplementary : text + " " + supplementary }
        return StatementLine(
            position: line, bankReference: bankReference, bookingDate: bookingDate, valueDate: valueDate, amount: sign * amount, currency: currency,
            text: text)
    }
}
