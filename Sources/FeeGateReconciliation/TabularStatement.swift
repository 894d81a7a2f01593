import FeeGateCore
import Foundation

/// One cell of a bank's tabular export (a CSV field or a worksheet cell), as a ``CSVMapping`` reads it.
enum TabularCell: Sendable, Hashable {
    case text(String)
    /// A numeric worksheet cell: its exact decimal text as stored (`25000`, `2.5E4`), never a `Double`.
    case number(String)
    /// A worksheet cell holding a date (a serial number styled as a date, or an ISO date cell).
    case date(BusinessDay)

    /// The cell as text: headings, stop rows, references and remittance text.
    var text: String {
        switch self {
        case .text(let text): return text
        case .number(let raw):
            // A reference typed as a number ("123456") reads as the bank printed it, not as "1.23456E5".
            guard let decimal = ExactDecimal(raw), !decimal.hasFraction, let value = decimal.integerValue else { return raw }
            return String(value)
        case .date(let day): return day.description
        }
    }
}

/// A row of a tabular export: its row number in the file (the CSV line, the worksheet row) and its cells by column.
struct TabularRow: Sendable {
    var number: Int
    var cells: [TabularCell]
}

/// The column-mapping logic shared by CSV and XLSX exports: a header row found below any title rows, data
/// rows until a totals row (`stop_at`), dates in the mapping's format, amounts in whole đồng as one signed
/// column or as debit and credit columns.
enum TabularStatement {
    /// - Parameter location: names a row (column `nil`) or one cell of it, for errors.
    static func lines(
        _ rows: [TabularRow], mapping: CSVMapping, source: String, location: (_ row: Int, _ column: Int?) -> String
    ) throws(ReconciliationError) -> [StatementLine] {
        func key(_ s: String) -> String { s.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        let required = [mapping.bookingDate, mapping.text] + [mapping.amount, mapping.debit, mapping.credit].compactMap { $0 }
        let requiredKeys = Set(required.map(key))
        guard let headerIndex = rows.firstIndex(where: { row in requiredKeys.isSubset(of: Set(row.cells.map { key($0.text) })) }) else {
            throw .malformed(
                location: source, reason: "no header row with the headings \(required.map { "\"\($0)\"" }.joined(separator: ", ")) of mapping '\(mapping.name)'")
        }
        let header = rows[headerIndex].cells.map { key($0.text) }
        func index(_ name: String?) -> Int? { name.flatMap { n in header.firstIndex(of: key(n)) } }
        guard let dateColumn = index(mapping.bookingDate), let textColumn = index(mapping.text) else { throw .invalid("unreachable: header checked") }
        let valueColumn = index(mapping.valueDate), referenceColumn = index(mapping.reference), amountColumn = index(mapping.amount)
        let debitColumn = index(mapping.debit), creditColumn = index(mapping.credit), counterpartyColumn = index(mapping.counterparty)
        guard let pattern = CSVDates.pattern(mapping.dateFormat) else { throw .invalid("date format \(mapping.dateFormat)") }
        let stops = mapping.stopAt.map(key)

        var lines: [StatementLine] = []
        lines.reserveCapacity(rows.count - headerIndex)
        for row in rows[(headerIndex + 1)...] {
            let cells = row.cells
            if cells.allSatisfy({ $0.text.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if let first = cells.lazy.map(\.text).first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(key),
                stops.contains(where: { first.hasPrefix($0) })
            {
                break
            }
            func cell(_ i: Int?) -> TabularCell {
                guard let i, i < cells.count else { return .text("") }
                if case .text(let text) = cells[i] { return .text(text.trimmingCharacters(in: .whitespaces)) }
                return cells[i]
            }
            func text(_ i: Int?) -> String { cell(i).text }
            guard cells.count >= header.count || cells.count > max(dateColumn, textColumn) else {
                throw .malformed(location: location(row.number, nil), reason: "\(cells.count) fields, the header has \(header.count)")
            }
            func date(_ i: Int, column: String) throws(ReconciliationError) -> BusinessDay {
                switch cell(i) {
                case .date(let day): return day
                case .text(let raw):
                    guard let day = CSVDates.parse(raw, pattern: pattern) else {
                        throw .malformed(location: location(row.number, i), reason: "'\(raw)' in column \"\(column)\" is not a \(mapping.dateFormat) date")
                    }
                    return day
                case .number(let raw):
                    throw .malformed(
                        location: location(row.number, i),
                        reason: "'\(raw)' in column \"\(column)\" is a number, not a date (format the column as a date, or as \(mapping.dateFormat) text)")
                }
            }
            let booking = try date(dateColumn, column: mapping.bookingDate)
            var valueDate: BusinessDay?
            if let valueColumn, !text(valueColumn).isEmpty { valueDate = try date(valueColumn, column: mapping.valueDate ?? "") }
            func amount(_ i: Int?, column: String) throws(ReconciliationError) -> Int64 {
                let result: Result<Int64, BankAmount.AmountProblem>
                switch cell(i) {
                case .number(let raw): result = BankAmount.parseNumber(raw)
                case .date(let day):
                    throw .malformed(location: location(row.number, i), reason: "column \"\(column)\": \(day) is a date, not an amount")
                case .text(let raw):
                    if raw.isEmpty || raw == "-" { return 0 }
                    var text = raw
                    var negative = false
                    if text.hasPrefix("-") { negative = true; text.removeFirst() }
                    if text.hasPrefix("(") && text.hasSuffix(")") { negative = true; text = String(text.dropFirst().dropLast()) }
                    if text.hasPrefix("+") { text.removeFirst() }
                    result = BankAmount.parse(text, decimalSeparator: nil).map { negative ? -$0 : $0 }
                }
                switch result {
                case .success(let v): return v
                case .failure(let problem): throw .malformed(location: location(row.number, i), reason: "column \"\(column)\": \(problem.description)")
                }
            }
            let signed: Int64
            if let amountColumn {
                signed = try amount(amountColumn, column: mapping.amount ?? "")
            } else {
                let d = try amount(debitColumn, column: mapping.debit ?? ""), c = try amount(creditColumn, column: mapping.credit ?? "")
                guard d >= 0, c >= 0 else { throw .malformed(location: location(row.number, nil), reason: "debit and credit columns must not be negative") }
                guard d == 0 || c == 0 else {
                    throw .malformed(location: location(row.number, nil), reason: "both the debit (\(d)) and the credit (\(c)) column are filled")
                }
                signed = c - d
            }
            guard signed != 0 else { throw .malformed(location: location(row.number, nil), reason: "the line has no amount") }
            lines.append(
                StatementLine(
                    position: row.number, bankReference: referenceColumn == nil ? nil : text(referenceColumn), bookingDate: booking, valueDate: valueDate,
                    amount: signed, currency: "VND", text: text(textColumn), counterparty: counterpartyColumn == nil ? nil : text(counterpartyColumn)))
        }
        return lines
    }

    /// The statement of a tabular export, which names no account itself: `account`, else the mapping's.
    static func statement(id: String, lines: [StatementLine], source: String, mapping: CSVMapping, account: String?) throws(ReconciliationError) -> BankStatement {
        guard let account = account ?? mapping.account, !account.isEmpty else {
            throw .invalid("\(source): a \(source.lowercased().hasSuffix(".xlsx") ? "spreadsheet" : "CSV") export does not name its account; pass --account ACC (or set 'account' in the mapping)")
        }
        // Stored as `csv` (a tabular export read with a mapping) for XLSX too: the schema's format check lists the
        // stored kinds, and the statement id (`csv:`/`xlsx:`) still tells the file types apart.
        return BankStatement(statementID: id, account: account, format: .csv, openingBalance: nil, closingBalance: nil, lines: lines)
    }
}

/// A decimal number read exactly from its text (`25000`, `25000.0`, `2.5E4`, `-1.25e+3`): digits × 10^exponent,
/// so an amount stored by a spreadsheet never passes through binary floating point.
struct ExactDecimal: Sendable, Hashable {
    var negative: Bool
    /// Significant digits, without leading or trailing zeros.
    var digits: [UInt8]
    var exponent: Int

    init?(_ raw: String) {
        var bytes = Substring(raw.trimmingCharacters(in: .whitespaces)).utf8[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var exponent = 0, sawDigit = false, sawPoint = false
        while let b = bytes.first, b != UInt8(ascii: "e") && b != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
            } else if b >= 48 && b <= 57 {
                sawDigit = true
                digits.append(b - 48)
                if sawPoint { exponent -= 1 }
            } else {
                return nil
            }
        }
        guard sawDigit else { return nil }
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            let text = String(decoding: bytes, as: UTF8.self)
            // An exponent beyond ±9,999 is no amount or date; the bound keeps the arithmetic small.
            guard !text.isEmpty, text.count <= 5, let e = Int(text) else { return nil }
            exponent += e
        }
        while digits.first == 0 { digits.removeFirst() }
        while digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : exponent
    }

    /// `true` when the number is not whole.
    var hasFraction: Bool { exponent < 0 }

    /// The whole part (towards zero), or `nil` when it does not fit in 18 digits.
    var integerValue: Int64? {
        let whole = exponent >= 0 ? digits + [UInt8](repeating: 0, count: exponent) : Array(digits.dropLast(min(digits.count, -exponent)))
        guard whole.count <= 18 else { return nil }
        let magnitude = whole.reduce(Int64(0)) { $0 * 10 + Int64($1) }
        return negative ? -magnitude : magnitude
    }
}

extension BankAmount {
    /// A signed amount from a numeric worksheet cell's exact text (`25000`, `2.5E4`, `25000.0`): whole đồng only.
    static func parseNumber(_ raw: String) -> Result<Int64, AmountProblem> {
        guard let decimal = ExactDecimal(raw) else { return .failure(.notANumber(raw)) }
        if decimal.hasFraction { return .failure(.fractional(raw)) }
        guard let value = decimal.integerValue, value.magnitude <= UInt64(Money.maximum.vnd) else { return .failure(.tooLarge(raw)) }
        return .success(value)
    }
}
