import FeeGateCore
import FeeGateCrypto
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A bank's Excel export (Office Open XML `.xlsx`, ECMA-376) read with the same ``CSVMapping`` as its CSV export.
///
/// The worksheet (the first, or the one named) is found through `xl/workbook.xml` and its relationships; its
/// rows become the same rows a CSV file gives, so title rows, headings, `stop_at`, dates and amounts follow the
/// mapping exactly as for CSV. Cells may hold shared strings (rich-text runs joined), inline strings, numbers
/// (read from their exact decimal text: `25000`, `2.5E4`; a fraction of a đồng is an error) or dates: a serial
/// number in a cell styled as a date (built-in formats 14–22 or a custom format with d or y), in the 1900 or 1904
/// date system, or date text in the mapping's format. Empty cells may be left out of a row: the column letters
/// of `r="C5"` place each cell. Errors name the sheet and cell: `sao-ke.xlsx Sheet1!A14: …`.
public enum XLSXStatementParser {
    /// `true` for a ZIP archive holding `xl/workbook.xml`.
    public static func isWorkbook(_ data: Data) -> Bool {
        guard ZIPReader.isZIP(data), let zip = try? ZIPReader(data) else { return false }
        return zip.contains("xl/workbook.xml")
    }

    /// `true` for an OLE2 compound file: an Excel 97–2003 `.xls`, or an `.xlsx` encrypted with a password.
    public static func isCompoundFile(_ data: Data) -> Bool { data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) }

    /// Parses the worksheet `sheet` (default: the first) of the workbook `data` (from the file named `source`).
    ///
    /// The statement id is `xlsx:` and a hash of the sheet's cell values, so the same statement saved again
    /// (which changes the file's timestamps) is recognised as already imported.
    public static func parse(
        _ data: Data, source: String, mapping: CSVMapping, account: String?, sheet: String? = nil, inflateLimit: Int = 512 << 20
    ) throws(ReconciliationError) -> BankStatement {
        if isCompoundFile(data) {
            throw .malformed(
                location: source,
                reason: "this is an Excel 97–2003 workbook (.xls) or a password-protected .xlsx, which cannot be read: open it in Excel, "
                    + "remove any password and save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8\"")
        }
        var zip: ZIPReader
        do { zip = try ZIPReader(data, limit: inflateLimit) } catch {
            throw .malformed(location: source, reason: error == .notAZip ? "not an .xlsx workbook (not a ZIP archive)" : "not a readable .xlsx workbook: \(error)")
        }
        guard zip.contains("xl/workbook.xml") else {
            throw .malformed(location: source, reason: "a ZIP archive without xl/workbook.xml: not an Excel .xlsx workbook")
        }
        func part(_ name: String) throws(ReconciliationError) -> [UInt8] {
            do { return try zip.read(name) } catch { throw .malformed(location: source, reason: "not a readable .xlsx workbook: \(error)") }
        }
        let workbook = try WorkbookHandler.parse(try part("xl/workbook.xml"), source: source, part: "xl/workbook.xml")
        guard !workbook.sheets.isEmpty else { throw .malformed(location: source, reason: "the workbook has no worksheet") }
        guard let chosen = sheet.map({ name in workbook.sheets.first { $0.name == name } }) ?? workbook.sheets.first else {
            throw .invalid("\(source): no sheet named '\(sheet ?? "")'; the workbook has \(workbook.sheets.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        let relations = try RelationshipsHandler.parse(try part("xl/_rels/workbook.xml.rels"), source: source, part: "xl/_rels/workbook.xml.rels")
        guard let target = relations[chosen.relationship] else {
            throw .malformed(location: source, reason: "sheet '\(chosen.name)' points to relationship \(chosen.relationship), which xl/_rels/workbook.xml.rels does not define")
        }
        let sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard zip.contains(sheetPath) else { throw .malformed(location: source, reason: "sheet '\(chosen.name)' is missing from the archive (\(sheetPath))") }
        let strings = zip.contains("xl/sharedStrings.xml") ? try StringsHandler.parse(try part("xl/sharedStrings.xml"), source: source) : []
        let dateStyles = zip.contains("xl/styles.xml") ? try StylesHandler.parse(try part("xl/styles.xml"), source: source) : []

        let quoted = chosen.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? chosen.name : "'\(chosen.name.replacingOccurrences(of: "'", with: "''"))'"
        let location: (Int, Int?) -> String = { row, column in
            column.map { "\(source) \(quoted)!\(Self.columnName($0))\(row)" } ?? "\(source) \(quoted) row \(row)"
        }
        let rows = try SheetHandler.parse(
            try part(sheetPath), source: source, sheet: quoted, strings: strings, dateStyles: dateStyles, date1904: workbook.date1904,
            dateFormat: mapping.dateFormat)
        let lines = try TabularStatement.lines(rows, mapping: mapping, source: "\(source) \(quoted)", location: location)
        return try TabularStatement.statement(id: "xlsx:" + contentID(rows), lines: lines, source: source, mapping: mapping, account: account)
    }

    /// Built-in formats 14–22 are dates (and date-times); a custom format is one when it shows a day or a year.
    static func isDateFormat(_ id: Int, custom: String?) -> Bool {
        if (14...22).contains(id) { return true }
        guard let custom else { return false }
        // Quoted literals, escaped characters and bracketed sections ([$-42A], [Red], [h]) show no date parts.
        var visible = "", quoted = false, bracket = false, escaped = false
        for c in custom {
            if escaped { escaped = false; continue }
            switch c {
            case "\"": quoted.toggle()
            case "\\" where !quoted: escaped = true
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { visible.append(c) }
            }
        }
        let lower = visible.lowercased()
        return lower.contains("d") || lower.contains("y")
    }

    /// Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var n = index + 1, name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    /// 12 bytes of SHA-256 over the rows' cells, hex.
    static func contentID(_ rows: [TabularRow]) -> String {
        var buffer: [UInt8] = []
        for row in rows {
            buffer.append(contentsOf: String(row.number).utf8)
            for cell in row.cells {
                switch cell {
                case .text(let t): buffer.append(UInt8(ascii: "t")); buffer.append(contentsOf: t.utf8)
                case .number(let n): buffer.append(UInt8(ascii: "n")); buffer.append(contentsOf: n.utf8)
                case .date(let d): buffer.append(UInt8(ascii: "d")); buffer.append(contentsOf: String(d.number).utf8)
                }
                buffer.append(1)
            }
            buffer.append(10)
        }
        return Digest.sha256(buffer).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// Runs `handler` over one XML part; a parse error names the part and line.
    static func run(_ bytes: [UInt8], handler: some XMLParserDelegate & FailureReporting, source: String, part: String) throws(ReconciliationError) {
        _ = try SAXParsing.run(Data(bytes), handler: handler, processNamespaces: false) { "\(source) \(part):\($0)" }
    }

    /// Decodes OOXML's `_xHHHH_` escapes of characters XML cannot carry (e.g. `_x000D_` for a carriage return).
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var out = "", rest = Substring(text)
        while let range = rest.range(of: "_x") {
            out += rest[..<range.lowerBound]
            let after = rest[range.upperBound...]
            let hex = after.prefix(4)
            if hex.count == 4, after.dropFirst(4).first == "_", let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                out.unicodeScalars.append(scalar)
                rest = after.dropFirst(5)
            } else {
                out += "_x"
                rest = after
            }
        }
        return out + rest
    }
}

/// A SAX handler that can stop with a statement error.
protocol FailureReporting: AnyObject {
    var failure: ReconciliationError? { get }
}

/// FoundationXML's event parser with the statement errors of this module.
enum SAXParsing {
    /// Parses `data` with `handler`: the handler's own error first, else an XML error at `location(line)`.
    /// Returns the finished parser (its line number, for checks the caller makes at the end).
    static func run(
        _ data: Data, handler: some XMLParserDelegate & FailureReporting, processNamespaces: Bool, location: (Int) -> String
    ) throws(ReconciliationError) -> XMLParser {
        // From a stream, FoundationXML feeds libxml2 in small chunks; given the whole document as one chunk, it
        // fails on a few megabytes without line breaks (a worksheet of about 100,000 rows, written on one line).
        let parser = XMLParser(stream: InputStream(data: data))
        parser.shouldProcessNamespaces = processNamespaces
        parser.delegate = handler
        let ok = parser.parse()
        if let failure = handler.failure { throw failure }
        guard ok else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "not well-formed XML"
            throw .malformed(location: location(parser.lineNumber), reason: "XML error: \(reason)")
        }
        return parser
    }
}

/// The attribute of `name` in any namespace prefix (`r:id` is usually, but not necessarily, prefixed `r`).
private func attribute(_ attributes: [String: String], localName: String) -> String? {
    attributes[localName] ?? attributes.first { $0.key.hasSuffix(":" + localName) }?.value
}

private func localName(_ name: String) -> Substring { name.split(separator: ":").last ?? Substring(name) }

/// `xl/workbook.xml`: the sheets in order, and the date system.
private final class WorkbookHandler: NSObject, XMLParserDelegate, FailureReporting {
    var sheets: [(name: String, relationship: String)] = []
    var date1904 = false
    var failure: ReconciliationError?

    static func parse(_ bytes: [UInt8], source: String, part: String) throws(ReconciliationError) -> WorkbookHandler {
        let handler = WorkbookHandler()
        try XLSXStatementParser.run(bytes, handler: handler, source: source, part: part)
        return handler
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch localName(name) {
        case "sheet":
            if let sheetName = attributes["name"], let id = attribute(attributes, localName: "id") { sheets.append((sheetName, id)) }
        case "workbookPr":
            date1904 = ["1", "true"].contains(attributes["date1904"] ?? "")
        default: break
        }
    }
}

/// `xl/_rels/workbook.xml.rels`: relationship id → target part.
private final class RelationshipsHandler: NSObject, XMLParserDelegate, FailureReporting {
    var targets: [String: String] = [:]
    var failure: ReconciliationError?

    static func parse(_ bytes: [UInt8], source: String, part: String) throws(ReconciliationError) -> [String: String] {
        let handler = RelationshipsHandler()
        try XLSXStatementParser.run(bytes, handler: handler, source: source, part: part)
        return handler.targets
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if localName(name) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
    }
}

/// Collects the text of `<t>` elements (plain or in rich-text runs `<r>`), leaving out phonetic runs `<rPh>`.
private class TextCollector: NSObject {
    var text = ""
    var inText = false
    var phonetic = 0

    func startText(_ element: Substring) {
        if element == "rPh" { phonetic += 1 } else if element == "t" && phonetic == 0 { inText = true }
    }

    func endText(_ element: Substring) {
        if element == "rPh" { phonetic -= 1 } else if element == "t" { inText = false }
    }
}

/// `xl/sharedStrings.xml`: the shared string table.
private final class StringsHandler: TextCollector, XMLParserDelegate, FailureReporting {
    var strings: [String] = []
    var failure: ReconciliationError?

    static func parse(_ bytes: [UInt8], source: String) throws(ReconciliationError) -> [String] {
        let handler = StringsHandler()
        try XLSXStatementParser.run(bytes, handler: handler, source: source, part: "xl/sharedStrings.xml")
        return handler.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let element = localName(name)
        if element == "si" { text = "" } else { startText(element) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { text += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let element = localName(name)
        if element == "si" { strings.append(XLSXStatementParser.unescape(text)) } else { endText(element) }
    }
}

/// `xl/styles.xml`: which cell formats (`cellXfs` indexes, the cells' `s`) show a date.
private final class StylesHandler: NSObject, XMLParserDelegate, FailureReporting {
    var customFormats: [Int: String] = [:]
    var cellFormats: [Int] = []
    var inCellXfs = false
    var failure: ReconciliationError?

    static func parse(_ bytes: [UInt8], source: String) throws(ReconciliationError) -> Set<Int> {
        let handler = StylesHandler()
        try XLSXStatementParser.run(bytes, handler: handler, source: source, part: "xl/styles.xml")
        var dates: Set<Int> = []
        for (index, format) in handler.cellFormats.enumerated() where XLSXStatementParser.isDateFormat(format, custom: handler.customFormats[format]) { dates.insert(index) }
        return dates
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch localName(name) {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] { customFormats[id] = code }
        case "cellXfs": inCellXfs = true
        case "xf" where inCellXfs: cellFormats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if localName(name) == "cellXfs" { inCellXfs = false }
    }
}

/// A worksheet's `<sheetData>`: rows of cells placed by their references.
private final class SheetHandler: TextCollector, XMLParserDelegate, FailureReporting {
    let source: String, sheet: String
    let strings: [String]
    let dateStyles: Set<Int>
    let date1904: Bool
    var rows: [TabularRow] = []
    /// Cells kept so far, against ``maxCells``.
    var cellCount = 0
    var failure: ReconciliationError?

    var rowNumber = 0
    var cells: [TabularCell] = []
    var column = -1
    var type = "n", style = 0
    var value = ""
    var inValue = false, inInline = false

    init(source: String, sheet: String, strings: [String], dateStyles: Set<Int>, date1904: Bool, dateFormat: String) {
        self.source = source
        self.sheet = sheet
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
    }

    static func parse(
        _ bytes: [UInt8], source: String, sheet: String, strings: [String], dateStyles: Set<Int>, date1904: Bool, dateFormat: String
    ) throws(ReconciliationError) -> [TabularRow] {
        let handler = SheetHandler(source: source, sheet: sheet, strings: strings, dateStyles: dateStyles, date1904: date1904, dateFormat: dateFormat)
        try XLSXStatementParser.run(bytes, handler: handler, source: source, part: "sheet \(sheet)")
        return handler.rows
    }

    func fail(_ parser: XMLParser, _ reason: String) {
        guard failure == nil else { return }
        failure = .malformed(location: "\(source) \(sheet)!\(XLSXStatementParser.columnName(max(column, 0)))\(rowNumber)", reason: reason)
        parser.abortParsing()
    }

    /// The widest row a statement may have (Excel 2003's limit, column IV): bank statements use a dozen or two.
    static let maxColumns = 256
    /// The most cells (with the empty ones between) a sheet may hold: 1 M statement lines of 20 columns.
    static let maxCells = 20_000_000

    /// The cell reference `C5` → (column 2, row 5).
    static func reference(_ text: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0
        for b in text.utf8 {
            if b >= 65 && b <= 90, row == 0 {
                column = column * 26 + Int(b - 64)
                letters += 1
            } else if b >= 48 && b <= 57, letters > 0 {
                row = row * 10 + Int(b - 48)
                guard row <= 10_000_000 else { return nil }
            } else {
                return nil
            }
            guard letters <= 3 else { return nil }
        }
        return letters > 0 && row > 0 ? (column - 1, row) : nil
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let element = localName(name)
        switch element {
        case "row":
            let number = attributes["r"].flatMap { Int($0) } ?? rowNumber + 1
            guard number > rowNumber else { return fail(parser, "row \(number) comes after row \(rowNumber): rows must be in order") }
            rowNumber = number
            cells = []
            column = -1
        case "c":
            if let ref = attributes["r"] {
                guard let (c, r) = Self.reference(ref), r == rowNumber else { return fail(parser, "cell reference '\(ref)' is not a cell of row \(rowNumber)") }
                guard c > column else { return fail(parser, "cell \(ref) comes after column \(XLSXStatementParser.columnName(column)): cells must be in order") }
                column = c
            } else {
                column += 1
            }
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap { Int($0) } ?? 0
            value = ""
            text = ""
        case "v": inValue = true
        case "is": inInline = true
        default: if inInline { startText(element) }
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string } else if inInline && inText { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let element = localName(name)
        switch element {
        case "v": inValue = false
        case "is": inInline = false
        case "c":
            guard let cell = cell(parser) else { return }
            // Empty cells left out of the row are filled in up to this one: bound the width (and the whole sheet) so a
            // small file naming far-right cells cannot make millions of empty ones.
            guard column < Self.maxColumns else {
                return fail(parser, "column \(XLSXStatementParser.columnName(column)) is beyond the \(Self.maxColumns) columns a statement may use")
            }
            while cells.count < column { cells.append(.text("")) }
            cells.append(cell)
        case "row":
            cellCount += cells.count
            guard cellCount <= Self.maxCells else {
                return fail(parser, "the sheet has more than \(Self.maxCells) cells; export the statement as CSV UTF-8 and import that")
            }
            rows.append(TabularRow(number: rowNumber, cells: cells))
        default: if inInline { endText(element) }
        }
    }

    /// The finished cell `<c>`, by its type `t`.
    func cell(_ parser: XMLParser) -> TabularCell? {
        switch type {
        case "s":
            guard value.isEmpty || Int(value).map({ $0 >= 0 && $0 < strings.count }) == true else {
                fail(parser, "shared string \(value) does not exist (the workbook has \(strings.count))")
                return nil
            }
            return .text(Int(value).map { strings[$0] } ?? "")
        case "inlineStr": return .text(XLSXStatementParser.unescape(text))
        case "str", "e": return .text(XLSXStatementParser.unescape(value))
        case "b": return .text(value == "1" ? "TRUE" : value == "0" ? "FALSE" : value)
        case "d":
            // An ISO 8601 date cell (strict OOXML): the day part.
            return CSVDates.parse(String(value.prefix(10)), pattern: (8, 5, 0)).map(TabularCell.date) ?? .text(value)
        default:
            let raw = value.trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return .text("") }
            if dateStyles.contains(style) { return date(serial: raw).map(TabularCell.date) ?? .text(raw) }
            return .number(raw)
        }
    }

    /// A serial date: days since 1899-12-30 (the 1900 system, whose fictitious 1900-02-29 is before any
    /// statement date) or since 1904-01-01; a time of day (the fraction) is ignored.
    func date(serial raw: String) -> BusinessDay? {
        guard let decimal = ExactDecimal(raw), !decimal.negative, let serial = decimal.integerValue, serial > 60 else { return nil }
        // Day numbers count from 1970-01-01: serial 25,569 in the 1900 system, 24,107 in the 1904 system.
        let days = serial - (date1904 ? 24_107 : 25_569)
        let civil = VietnamCalendar.civil(fromDays: days)
        return BusinessDay.from(year: Int(civil.year), month: Int(civil.month), day: Int(civil.day))
    }
}
