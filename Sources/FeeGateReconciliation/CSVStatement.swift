import FeeGateCore
import FeeGateCrypto
import Foundation
import Yams

/// How to read one bank's CSV export: which heading holds which field, the date format, the separator.
///
/// Headings are compared after trimming, Unicode NFC normalisation and case folding, so
/// `"Ngày giao dịch"` matches however the bank's file encodes the diacritics.
public struct CSVMapping: Sendable, Hashable {
    public var name: String
    public var delimiter: UInt8
    /// `dd/MM/yyyy`, `dd-MM-yyyy`, `yyyy-MM-dd`, `MM/dd/yyyy`, `dd.MM.yyyy`; a time after the date is ignored.
    public var dateFormat: String
    public var bookingDate: String
    public var valueDate: String?
    public var reference: String?
    /// A signed amount column (negative = debit) …
    public var amount: String?
    /// … or separate debit and credit columns (both unsigned).
    public var debit: String?
    public var credit: String?
    public var text: String
    public var counterparty: String?
    public var account: String?
    /// Rows whose first non-empty cell starts with one of these end the data (totals, signatures).
    public var stopAt: [String]

    /// Reads a mapping file (YAML). Unknown keys are errors, so a typo cannot silently drop a column.
    public static func load(path: String) throws(ReconciliationError) -> CSVMapping {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfiguration(file: path, reason: "cannot read the mapping file")
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String) throws(ReconciliationError) -> CSVMapping {
        let node: Any?
        do { node = try Yams.load(yaml: yaml) } catch { throw .invalidConfiguration(file: file, reason: "not YAML: \(error)") }
        guard let root = node as? [String: Any] else { throw .invalidConfiguration(file: file, reason: "expected a mapping at the top level") }
        let known: Set<String> = ["name", "delimiter", "date_format", "columns", "account", "stop_at", "description"]
        if let unknown = root.keys.first(where: { !known.contains($0) }) {
            throw .invalidConfiguration(file: file, reason: "unknown key '\(unknown)'; expected one of \(known.sorted().joined(separator: ", "))")
        }
        guard let columns = root["columns"] as? [String: Any] else { throw .invalidConfiguration(file: file, reason: "missing 'columns'") }
        let knownColumns: Set<String> = ["booking_date", "value_date", "reference", "amount", "debit", "credit", "text", "counterparty"]
        if let unknown = columns.keys.first(where: { !knownColumns.contains($0) }) {
            throw .invalidConfiguration(file: file, reason: "unknown column key '\(unknown)'; expected one of \(knownColumns.sorted().joined(separator: ", "))")
        }
        func column(_ key: String) -> String? { (columns[key] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        guard let booking = column("booking_date") else { throw .invalidConfiguration(file: file, reason: "columns.booking_date is required") }
        guard let text = column("text") else { throw .invalidConfiguration(file: file, reason: "columns.text is required") }
        let amount = column("amount"), debit = column("debit"), credit = column("credit")
        guard (amount != nil) != (debit != nil && credit != nil), (debit == nil) == (credit == nil) else {
            throw .invalidConfiguration(file: file, reason: "give either columns.amount (signed) or both columns.debit and columns.credit")
        }
        let delimiterText = (root["delimiter"] as? String) ?? ","
        let delimiter: UInt8
        switch delimiterText {
        case ",": delimiter = UInt8(ascii: ",")
        case ";": delimiter = UInt8(ascii: ";")
        case "\\t", "\t", "tab": delimiter = 9
        case "|": delimiter = UInt8(ascii: "|")
        default: throw .invalidConfiguration(file: file, reason: "delimiter must be ',', ';', '|' or tab; got '\(delimiterText)'")
        }
        let dateFormat = (root["date_format"] as? String) ?? "dd/MM/yyyy"
        guard CSVDates.pattern(dateFormat) != nil else {
            throw .invalidConfiguration(file: file, reason: "date_format '\(dateFormat)' is not one of dd/MM/yyyy, dd-MM-yyyy, dd.MM.yyyy, MM/dd/yyyy, yyyy-MM-dd")
        }
        return CSVMapping(
            name: (root["name"] as? String) ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent, delimiter: delimiter,
            dateFormat: dateFormat, bookingDate: booking, valueDate: column("value_date"), reference: column("reference"), amount: amount, debit: debit,
            credit: credit, text: text, counterparty: column("counterparty"), account: root["account"] as? String,
            stopAt: (root["stop_at"] as? [String]) ?? [])
    }

    public init(
        name: String, delimiter: UInt8 = UInt8(ascii: ","), dateFormat: String = "dd/MM/yyyy", bookingDate: String, valueDate: String? = nil,
        reference: String? = nil, amount: String? = nil, debit: String? = nil, credit: String? = nil, text: String, counterparty: String? = nil,
        account: String? = nil, stopAt: [String] = []
    ) {
        self.name = name
        self.delimiter = delimiter
        self.dateFormat = dateFormat
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.reference = reference
        self.amount = amount
        self.debit = debit
        self.credit = credit
        self.text = text
        self.counterparty = counterparty
        self.account = account
        self.stopAt = stopAt
    }
}

enum CSVDates {
    /// (day, month, year) offsets in the 10 characters of the date.
    static func pattern(_ format: String) -> (d: Int, m: Int, y: Int)? {
        switch format {
        case "dd/MM/yyyy", "dd-MM-yyyy", "dd.MM.yyyy": return (0, 3, 6)
        case "MM/dd/yyyy": return (3, 0, 6)
        case "yyyy-MM-dd", "yyyy/MM/dd": return (8, 5, 0)
        default: return nil
        }
    }

    static func parse(_ text: String, pattern: (d: Int, m: Int, y: Int)) -> BusinessDay? {
        var bytes = Array(text.utf8.prefix(10))
        // Tolerate a single-digit day or month ("1/2/2026") by re-padding.
        if bytes.count < 10 || (bytes.count == 10 && !bytes.allSatisfy({ $0 >= 48 && $0 <= 57 || $0 == 47 || $0 == 45 || $0 == 46 })) {
            let parts = text.prefix(while: { $0 != " " && $0 != "T" }).split(whereSeparator: { $0 == "/" || $0 == "-" || $0 == "." })
            guard parts.count == 3 else { return nil }
            let padded = parts.map { $0.count == 1 ? "0" + $0 : String($0) }
            bytes = Array(padded.joined(separator: "/").utf8)
            guard bytes.count == 10 else { return nil }
        }
        func n(_ at: Int, _ length: Int) -> Int? {
            var v = 0
            for i in at..<(at + length) {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard let d = n(pattern.d, 2), let m = n(pattern.m, 2), let y = n(pattern.y, 4) else { return nil }
        return BusinessDay.from(year: y, month: m, day: d)
    }
}

/// RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, a UTF-8 byte-order mark) read with a ``CSVMapping``.
public enum CSVStatementParser {
    public static func parse(_ data: Data, source: String, mapping: CSVMapping, account: String?) throws(ReconciliationError) -> BankStatement {
        let bytes = [UInt8](data)
        let records = try split(bytes, delimiter: mapping.delimiter, source: source)
        let rows = records.map { TabularRow(number: $0.line, cells: $0.fields.map(TabularCell.text)) }
        // A CSV error names the file's physical line; the column is named in the reason.
        let lines = try TabularStatement.lines(rows, mapping: mapping, source: source) { row, _ in "\(source):\(row)" }
        // A CSV export has no statement id: the file's content identifies it.
        let id = "csv:" + Digest.sha256(bytes).prefix(12).map { String(format: "%02x", $0) }.joined()
        return try TabularStatement.statement(id: id, lines: lines, source: source, mapping: mapping, account: account)
    }

    /// Records with the physical line each starts on. A quote left open is an error naming where it opened.
    static func split(_ input: [UInt8], delimiter: UInt8, source: String) throws(ReconciliationError) -> [(line: Int, fields: [String])] {
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformed(location: source, reason: "the file is not UTF-8 (save the export as CSV UTF-8)")
        }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var inQuotes = false, quoteLine = 0, wasQuoted = false
        var i = bytes.startIndex
        let quote = UInt8(ascii: "\""), cr = UInt8(13), lf = UInt8(10)
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
        }
        while i < bytes.endIndex {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.endIndex && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == lf { line += 1 }
                    field.append(b)
                }
            } else if b == quote && field.isEmpty && !wasQuoted {
                inQuotes = true
                wasQuoted = true
                quoteLine = line
            } else if b == delimiter {
                endField()
            } else if b == cr || b == lf {
                if b == cr && i + 1 < bytes.endIndex && bytes[i + 1] == lf { i += 1 }
                endField()
                records.append((recordLine, fields))
                fields.removeAll(keepingCapacity: true)
                line += 1
                recordLine = line
            } else if wasQuoted {
                throw .malformed(location: "\(source):\(line)", reason: "text after a closing quote; a quote inside a field must be doubled (\"\")")
            } else {
                field.append(b)
            }
            i += 1
        }
        if inQuotes { throw .malformed(location: "\(source):\(quoteLine)", reason: "a quoted field opened here is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted {
            endField()
            records.append((recordLine, fields))
        }
        return records
    }
}
