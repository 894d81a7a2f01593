import FeeGateCore
import Foundation

/// One line of a reconciliation report: a bank line, a ledger item, or a matched pair (group member).
/// Self-contained, so a stored report reads the same later whatever the ledger does since.
public struct ReportLine: Sendable, Hashable, Codable {
    public var status: ReconciliationStatus
    public var bankLineID: Int64?
    public var account: String?
    public var bookingDate: BusinessDay?
    public var bankAmount: Int64?
    public var bankReference: String?
    public var text: String?
    public var ledgerKey: String?
    public var ledgerKind: LedgerItem.Kind?
    public var ledgerDate: BusinessDay?
    public var ledgerAmount: Int64?
    public var reference: String?
    public var group: Int
    public var rule: String?
    /// bank − ledger of the group (unmatched_bank: the bank amount; unmatched_ledger: minus the ledger amount).
    public var difference: Int64
    public var detail: String
    /// How finance staff resolved the difference (`write-off by …: note`), if they did.
    public var resolution: String?

    enum CodingKeys: String, CodingKey {
        case status, bankLineID = "bank_line_id", account, bookingDate = "booking_date", bankAmount = "bank_amount", bankReference = "bank_reference"
        case text, ledgerKey = "ledger_key", ledgerKind = "ledger_kind", ledgerDate = "ledger_date", ledgerAmount = "ledger_amount", reference
        case group, rule, difference, detail, resolution
    }

    public init(
        status: ReconciliationStatus, bankLineID: Int64?, account: String?, bookingDate: BusinessDay?, bankAmount: Int64?, bankReference: String?,
        text: String?, ledgerKey: String?, ledgerKind: LedgerItem.Kind?, ledgerDate: BusinessDay?, ledgerAmount: Int64?, reference: String?, group: Int,
        rule: String?, difference: Int64, detail: String, resolution: String? = nil
    ) {
        self.status = status
        self.bankLineID = bankLineID
        self.account = account
        self.bookingDate = bookingDate
        self.bankAmount = bankAmount
        self.bankReference = bankReference
        self.text = text
        self.ledgerKey = ledgerKey
        self.ledgerKind = ledgerKind
        self.ledgerDate = ledgerDate
        self.ledgerAmount = ledgerAmount
        self.reference = reference
        self.group = group
        self.rule = rule
        self.difference = difference
        self.detail = detail
        self.resolution = resolution
    }

    /// The resolution item of this line: `line:<id>` for a bank line, else the ledger key.
    public var item: String? { bankLineID.map { "line:\($0)" } ?? ledgerKey }
}

/// Counts and amounts of one status.
public struct StatusSummary: Sendable, Hashable, Codable {
    public var status: ReconciliationStatus
    public var bankLines: Int
    public var bankAmount: Int64
    public var ledgerItems: Int
    public var ledgerAmount: Int64
    /// Σ bank − ledger over the status's groups and single-sided rows.
    public var difference: Int64

    enum CodingKeys: String, CodingKey {
        case status, bankLines = "bank_lines", bankAmount = "bank_amount", ledgerItems = "ledger_items", ledgerAmount = "ledger_amount", difference
    }
}

/// A run's result: the range, the summary per status and every line.
public struct ReconciliationReport: Sendable, Hashable, Codable {
    public var run: Int64?
    public var from: BusinessDay
    public var to: BusinessDay
    public var dryRun: Bool
    public var rules: String
    public var summary: [StatusSummary]
    public var lines: [ReportLine]

    enum CodingKeys: String, CodingKey { case run, from, to, dryRun = "dry_run", rules, summary, lines }

    public init(run: Int64?, from: BusinessDay, to: BusinessDay, dryRun: Bool, rules: String, lines: [ReportLine]) {
        self.run = run
        self.from = from
        self.to = to
        self.dryRun = dryRun
        self.rules = rules
        self.lines = lines
        self.summary = Self.summarize(lines)
    }

    /// A report whose summary is computed from the matcher's rows (by index, no hashing of keys): the same
    /// figures as ``summarize(_:)`` gives for `lines`, faster for a million lines.
    public init(run: Int64?, from: BusinessDay, to: BusinessDay, dryRun: Bool, rules: String, rows: [MatchRow], bank: [BankLine], ledger: [LedgerItem]) {
        self.run = run
        self.from = from
        self.to = to
        self.dryRun = dryRun
        self.rules = rules
        self.lines = Self.lines(rows: rows, bank: bank, ledger: ledger)
        var byStatus: [StatusSummary] = ReconciliationStatus.allCases.map {
            StatusSummary(status: $0, bankLines: 0, bankAmount: 0, ledgerItems: 0, ledgerAmount: 0, difference: 0)
        }
        let position = Dictionary(uniqueKeysWithValues: ReconciliationStatus.allCases.enumerated().map { ($1, $0) })
        var bankSeen = [Bool](repeating: false, count: bank.count), ledgerSeen = [Bool](repeating: false, count: ledger.count)
        var groupSeen: Set<Int> = []
        for row in rows {
            let p = position[row.status] ?? 0
            if let b = row.bank, !bankSeen[b] {
                bankSeen[b] = true
                byStatus[p].bankLines += 1
                byStatus[p].bankAmount += bank[b].line.amount
            }
            if let l = row.ledger, !ledgerSeen[l] {
                ledgerSeen[l] = true
                byStatus[p].ledgerItems += 1
                byStatus[p].ledgerAmount += ledger[l].amount
            }
            if row.group == 0 || groupSeen.insert(row.group).inserted { byStatus[p].difference += row.difference }
        }
        self.summary = byStatus
    }

    /// `true` when no money difference remains: every line is `matched`, `late` (matched, booked late),
    /// `duplicate` (the same bank entry reported twice, counted once) or resolved. Exit code 0 of `feegate reconcile run`.
    public var allMatched: Bool { lines.allSatisfy { !$0.status.isDifference || $0.resolution != nil } }

    /// The report lines of matcher rows.
    public static func lines(rows: [MatchRow], bank: [BankLine], ledger: [LedgerItem]) -> [ReportLine] {
        rows.map { row in
            let b = row.bank.map { bank[$0] }
            let l = row.ledger.map { ledger[$0] }
            return ReportLine(
                status: row.status, bankLineID: b?.id, account: b?.account, bookingDate: b?.line.bookingDate, bankAmount: b?.line.amount,
                bankReference: b?.line.bankReference, text: b?.line.text, ledgerKey: l?.key, ledgerKind: l?.kind, ledgerDate: l?.date, ledgerAmount: l?.amount,
                reference: l?.reference, group: row.group, rule: row.rule, difference: row.difference, detail: row.detail)
        }
    }

    static func summarize(_ lines: [ReportLine]) -> [StatusSummary] {
        // One pass: a bank line, a ledger item and a group each have one status, so one set of each suffices.
        var byStatus: [ReconciliationStatus: StatusSummary] = [:]
        for status in ReconciliationStatus.allCases {
            byStatus[status] = StatusSummary(status: status, bankLines: 0, bankAmount: 0, ledgerItems: 0, ledgerAmount: 0, difference: 0)
        }
        var banks = Set<Int64>(minimumCapacity: lines.count), items = Set<String>(minimumCapacity: lines.count), groups = Set<Int>()
        for line in lines {
            var s = byStatus[line.status] ?? StatusSummary(status: line.status, bankLines: 0, bankAmount: 0, ledgerItems: 0, ledgerAmount: 0, difference: 0)
            if let id = line.bankLineID, banks.insert(id).inserted {
                s.bankLines += 1
                s.bankAmount += line.bankAmount ?? 0
            }
            if let key = line.ledgerKey, items.insert(key).inserted {
                s.ledgerItems += 1
                s.ledgerAmount += line.ledgerAmount ?? 0
            }
            if line.group == 0 || groups.insert(line.group).inserted { s.difference += line.difference }
            byStatus[line.status] = s
        }
        return ReconciliationStatus.allCases.compactMap { byStatus[$0] }
    }

    /// The full line-by-line report as CSV (RFC 4180, CRLF), one row per report line.
    public func csv() -> String {
        var out = "status,bank_line_id,account,booking_date,bank_amount,bank_reference,text,ledger_key,ledger_kind,ledger_date,ledger_amount,reference,group,rule,difference,detail\r\n"
        for l in lines {
            let fields: [String] = [
                l.status.rawValue, l.bankLineID.map(String.init) ?? "", l.account ?? "", l.bookingDate?.description ?? "", l.bankAmount.map(String.init) ?? "",
                l.bankReference ?? "", l.text ?? "", l.ledgerKey ?? "", l.ledgerKind?.rawValue ?? "", l.ledgerDate?.description ?? "",
                l.ledgerAmount.map(String.init) ?? "", l.reference ?? "", String(l.group), l.rule ?? "", String(l.difference), l.detail,
            ]
            out += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// Parsing of a statement file in any supported format.
public enum StatementReader {
    /// Guesses the format from the content: `<?xml`/`<Document` with camt.053 or camt.054, `:20:` for MT940, an
    /// Excel workbook (a ZIP archive with `xl/workbook.xml`, or an old `.xls` so that its import explains itself),
    /// else `nil` (a CSV export cannot be told from other text).
    public static func detectFormat(_ data: Data) -> StatementFormat? {
        if XLSXStatementParser.isCompoundFile(data) || XLSXStatementParser.isWorkbook(data) { return .xlsx }
        let head = String(decoding: data.prefix(4_096), as: UTF8.self)
        if head.contains("camt.053") || head.contains("BkToCstmrStmt") { return .camt053 }
        if head.contains("camt.054") || head.contains("BkToCstmrDbtCdtNtfctn") { return .camt054 }
        if head.contains(":20:") && head.contains(":25:") { return .mt940 }
        return nil
    }

    /// The format to read `data` as: the one requested; with a mapping, XLSX for a workbook and CSV otherwise
    /// (a CSV's text is never taken for MT940 or camt); without one, the detected format.
    public static func format(of data: Data, requested: StatementFormat?, hasMapping: Bool) -> StatementFormat? {
        if let requested { return requested }
        guard hasMapping else { return detectFormat(data) }
        return XLSXStatementParser.isCompoundFile(data) || XLSXStatementParser.isWorkbook(data) ? .xlsx : .csv
    }

    /// Parses `data` (from the file named `source`) into statements; `account` overrides the file's account.
    ///
    /// - Parameter sheet: for XLSX, the worksheet to read (default: the first).
    public static func read(
        _ data: Data, source: String, format: StatementFormat, mapping: CSVMapping?, account: String?, sheet: String? = nil
    ) throws(ReconciliationError) -> [BankStatement] {
        var statements: [BankStatement]
        switch format {
        case .camt053, .camt054: statements = try CAMTParser.parse(data, source: source, format: format)
        case .mt940: statements = try MT940Parser.parse(data, source: source)
        case .csv, .xlsx:
            guard let mapping else {
                throw .invalid("a \(format == .csv ? "CSV" : "spreadsheet") statement needs a column mapping (--mapping; see Config/reconciliation/mappings/)")
            }
            statements = [
                format == .csv
                    ? try CSVStatementParser.parse(data, source: source, mapping: mapping, account: account)
                    : try XLSXStatementParser.parse(data, source: source, mapping: mapping, account: account, sheet: sheet)
            ]
        }
        if let account { for i in statements.indices { statements[i].account = account } }
        return statements
    }
}

/// The directory of named column mappings: `Config/reconciliation/mappings`, or `$FEEGATE_RECONCILIATION_MAPPINGS`.
public struct MappingDirectory: Sendable, Hashable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$FEEGATE_RECONCILIATION_MAPPINGS`, else `./Config/reconciliation/mappings`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> MappingDirectory {
        MappingDirectory(path: environment["FEEGATE_RECONCILIATION_MAPPINGS"].flatMap { $0.isEmpty ? nil : $0 } ?? "./Config/reconciliation/mappings")
    }

    /// The mapping `<name>.yaml` of this directory. Only a plain name is accepted (letters, digits, `-`, `_`),
    /// so a name from a request can never reach a file outside the directory.
    public func mapping(named name: String) throws(ReconciliationError) -> CSVMapping {
        guard !name.isEmpty, name.count <= 64, name.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || $0 == 45 || $0 == 95 }),
            name.first != "-"
        else {
            throw .invalid("'\(name)' is not a mapping name: use the name of a shipped mapping (letters, digits, '-', '_'), such as debit-credit or signed-amount")
        }
        let file = "\(path)/\(name).yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
            throw .invalid("no mapping named '\(name)' (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return try CSVMapping.load(path: file)
    }
}
