import FeeGateCore
import Foundation

/// SWIFT MT940 customer statements: fields `:20:` `:25:` `:28C:` `:60F:`/`:60M:` `:61:` `:86:` `:62F:`/`:62M:`.
///
/// A file may hold several statements (each starting at `:20:`), with or without the SWIFT envelope
/// (`{1:…}{2:…}{4:` … `-}`). Amounts use a decimal comma (`1250000,` or `1250000,00`): a non-zero
/// fraction of a đồng is an error, like any field that does not parse; the error names the line.
public enum MT940Parser {
    public static func parse(_ data: Data, source: String) throws(ReconciliationError) -> [BankStatement] {
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw .malformed(location: source, reason: "the file is not text")
        }
        // Fields with their first line number; continuation lines are appended to the field.
        var fields: [(tag: String, value: String, line: Int)] = []
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasPrefix("{1:") || line.hasPrefix("{2:") || line.hasPrefix("{4:") {
                // Envelope: keep what follows "{4:" on the same line, if anything.
                if let range = line.range(of: "{4:") { line = String(line[range.upperBound...]) } else { continue }
                if line.isEmpty { continue }
            }
            if line == "-}" || line == "-" || line.hasPrefix("-}") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix(":"), let end = line.dropFirst().firstIndex(of: ":") {
                let tag = String(line[line.index(after: line.startIndex)..<end])
                fields.append((tag, String(line[line.index(after: end)...]), lineNumber))
            } else if !fields.isEmpty {
                fields[fields.count - 1].value += "\n" + line
            } else {
                throw .malformed(location: "\(source):\(lineNumber)", reason: "expected a field such as :20: at the start of the statement, found '\(line.prefix(40))'")
            }
        }
        guard !fields.isEmpty else { throw .malformed(location: source, reason: "no MT940 fields (:20:, :25:, :61: …) found") }

        var statements: [BankStatement] = []
        var current: Builder?
        for field in fields {
            let location = "\(source):\(field.line)"
            switch field.tag {
            case "20":
                if let done = current { statements.append(try done.finish(source: source)) }
                current = Builder(reference: field.value.trimmingCharacters(in: .whitespacesAndNewlines), line: field.line)
            default:
                guard current != nil else { throw .malformed(location: location, reason: "field :\(field.tag): before the statement's :20:") }
                try current?.add(tag: field.tag, value: field.value, location: location, line: field.line)
            }
        }
        if let done = current { statements.append(try done.finish(source: source)) }
        return statements
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

        mutating func add(tag: String, value: String, location: String, line: Int) throws(ReconciliationError) {
            switch tag {
            case "25": account = value.trimmingCharacters(in: .whitespacesAndNewlines)
            case "28C", "28": number = value.trimmingCharacters(in: .whitespacesAndNewlines)
            case "60F", "60M":
                let (amount, ccy) = try MT940Parser.balance(value, location: location)
                opening = amount
                currency = ccy
            case "62F", "62M":
                closing = try MT940Parser.balance(value, location: location).amount
            case "61":
                lines.append(try MT940Parser.entry(value, line: line, location: location, currency: currency ?? "VND"))
            case "86":
                guard !lines.isEmpty else { throw .malformed(location: location, reason: ":86: must follow a :61: line") }
                let info = value.split(separator: "\n").joined()
                let old = lines[lines.count - 1].text
                lines[lines.count - 1].text = old.isEmpty ? info : old + " " + info
            default:
                // Other fields (:64: available balance, :65: forward balance, :13D:, :34F:, :90D:, :NS: …) carry nothing
                // reconciliation uses; a tag that is not a SWIFT tag at all means the file is not MT940.
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
    static func balance(_ value: String, location: String) throws(ReconciliationError) -> (amount: Int64, currency: String) {
        let chars = Array(value.trimmingCharacters(in: .whitespacesAndNewlines))
        guard chars.count >= 11, chars[0] == "C" || chars[0] == "D" else {
            throw .malformed(location: location, reason: "balance '\(value)' is not D/C, YYMMDD, currency, amount")
        }
        guard date(String(chars[1..<7])) != nil else { throw .malformed(location: location, reason: "balance date '\(String(chars[1..<7]))' is not YYMMDD") }
        let currency = String(chars[7..<10])
        let amount: Int64
        switch BankAmount.parse(String(chars[10...]), decimalSeparator: ",") {
        case .success(let v): amount = v
        case .failure(let problem): throw .malformed(location: location, reason: problem.description)
        }
        return (chars[0] == "C" ? amount : -amount, currency)
    }

    static func date(_ yymmdd: String) -> BusinessDay? {
        let digits = Array(yymmdd.utf8)
        guard digits.count == 6, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func n(_ i: Int) -> Int { Int(digits[i] - 48) * 10 + Int(digits[i + 1] - 48) }
        return BusinessDay.from(year: 2000 + n(0), month: n(2), day: n(4))
    }

    /// `:61:` — value date, optional entry date, mark, amount, type, customer reference, `//` bank reference, supplementary details.
    static func entry(_ value: String, line: Int, location: String, currency: String) throws(ReconciliationError) -> StatementLine {
        let parts = value.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let chars = Array(parts[0])
        let supplementary = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "\n", with: "") : ""
        func fail(_ reason: String) -> ReconciliationError { .malformed(location: location, reason: ":61: \(reason) in '\(String(chars))'") }
        guard chars.count >= 6, let valueDate = date(String(chars[0..<6])) else { throw fail("value date is not YYMMDD") }
        var i = 6
        var bookingDate = valueDate
        if chars.count >= i + 4, chars[i..<(i + 4)].allSatisfy(\.isASCIIDigit) {
            let mmdd = String(chars[i..<(i + 4)])
            let month = Int(mmdd.prefix(2)) ?? 0, day = Int(mmdd.suffix(2)) ?? 0
            let valueParts = valueDate.description.split(separator: "-").compactMap { Int($0) }
            var year = valueParts[0]
            if month == 12 && valueParts[1] == 1 { year -= 1 }
            if month == 1 && valueParts[1] == 12 { year += 1 }
            guard let entryDate = BusinessDay.from(year: year, month: month, day: day) else { throw fail("entry date '\(mmdd)' is not MMDD") }
            bookingDate = entryDate
            i += 4
        }
        var sign: Int64
        if chars.count >= i + 2, chars[i] == "R", chars[i + 1] == "C" || chars[i + 1] == "D" {
            sign = chars[i + 1] == "C" ? -1 : 1  // a reversal of a credit takes money out
            i += 2
        } else if chars.count > i, chars[i] == "C" || chars[i] == "D" {
            sign = chars[i] == "C" ? 1 : -1
            i += 1
        } else {
            throw fail("debit/credit mark (C, D, RC, RD) missing")
        }
        if chars.count > i, chars[i].isLetter { i += 1 }  // funds code (third character of the currency)
        let amountStart = i
        while i < chars.count, chars[i].isASCIIDigit || chars[i] == "," { i += 1 }
        let rawAmount = String(chars[amountStart..<i])
        let amount: Int64
        switch BankAmount.parse(rawAmount, decimalSeparator: ",") {
        case .success(let v): amount = v
        case .failure(let problem): throw fail(problem.description)
        }
        guard chars.count >= i + 4, "NFS".contains(chars[i]) else { throw fail("transaction type (N/F/S + 3 characters) missing after the amount") }
        i += 4
        let rest = String(chars[i...])
        var customerReference = rest
        var bankReference: String?
        if let range = rest.range(of: "//") {
            customerReference = String(rest[..<range.lowerBound])
            bankReference = String(rest[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        customerReference = customerReference.trimmingCharacters(in: .whitespaces)
        var text = customerReference == "NONREF" ? "" : customerReference
        if !supplementary.isEmpty { text = text.isEmpty ? supplementary : text + " " + supplementary }
        return StatementLine(
            position: line, bankReference: bankReference, bookingDate: bookingDate, valueDate: valueDate, amount: sign * amount, currency: currency,
            text: text)
    }
}
