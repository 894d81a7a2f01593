import FeeGateCore
@testable import FeeGateReconciliation
import FeeGateTestSupport
import Foundation
import Testing

/// Excel statements written by openpyxl (`Fixtures/generate_xlsx.py`, committed with its output), read with the
/// same shipped mapping as the bank's CSV export.
@Suite("XLSX statements")
struct XLSXTests {
    static let account = "0011001234567"

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: Generator.fixtures.appendingPathComponent(name)) }

    static func mapping() throws -> CSVMapping {
        try MappingDirectory(path: packageRoot.appendingPathComponent("Config/reconciliation/mappings").path).mapping(named: "debit-credit")
    }

    static func error(_ data: Data, source: String, sheet: String? = nil, inflateLimit: Int = 512 << 20) throws -> String {
        do {
            _ = try XLSXStatementParser.parse(data, source: source, mapping: try mapping(), account: account, sheet: sheet, inflateLimit: inflateLimit)
            return "no error"
        } catch { return "\(error)" }
    }

    /// Shared strings (one a rich-text run), an inline string, numbers as `25000`, `4E4`, `99000.0` and `1.25E6`,
    /// serial dates in a custom and a built-in date format, a date-time, a text date, omitted empty cells, title
    /// rows and a totals row: the same lines as the CSV export of the same statement, in both date systems.
    @Test func sameStatementAsCSVAndAsXLSX() throws {
        let mapping = try Self.mapping()
        let csvData = try Self.fixture("sao-ke.csv")
        #expect(StatementReader.format(of: csvData, requested: nil, hasMapping: true) == .csv && StatementReader.format(of: csvData, requested: nil, hasMapping: false) == nil)
        let csv = try StatementReader.read(csvData, source: "sao-ke.csv", format: .csv, mapping: mapping, account: Self.account)
        let xlsxData = try Self.fixture("sao-ke.xlsx")
        #expect(StatementReader.detectFormat(xlsxData) == .xlsx)
        #expect(StatementReader.format(of: xlsxData, requested: nil, hasMapping: true) == .xlsx, "a workbook is not read as CSV because a mapping is given")
        let xlsx = try StatementReader.read(xlsxData, source: "sao-ke.xlsx", format: .xlsx, mapping: mapping, account: Self.account)
        let mac = try StatementReader.read(try Self.fixture("sao-ke-1904.xlsx"), source: "sao-ke-1904.xlsx", format: .xlsx, mapping: mapping, account: Self.account)
        #expect(csv.count == 1 && xlsx.count == 1 && mac.count == 1)
        let lines = xlsx[0].lines
        #expect(lines == csv[0].lines)
        #expect(lines == mac[0].lines)
        // Computed by hand from generate_xlsx.py's LINES.
        #expect(lines.map(\.position) == [5, 6, 7, 8])
        #expect(lines.map(\.amount) == [25_000, 40_000, 99_000, -1_250_000])
        #expect(lines.map(\.bookingDate) == [day("2026-11-21"), day("2026-11-21"), day("2026-11-21"), day("2026-11-22")])
        #expect(lines.map(\.bankReference) == ["VCB-1", "VCB-2", "VCB-7", "VCB-8"])
        #expect(lines.map(\.text) == ["MBVCB.8812.fg7k3m9x5.CT tu NGUYEN VAN A", "thanh toan FG2345672", "khong ro noi dung", "FGS 20261121 HN-PARK-01"])
        #expect(lines.map(\.counterparty) == ["NGUYEN VAN A", nil, nil, "Công ty \"Trông giữ xe\" HN"])
        #expect(xlsx[0].account == Self.account && xlsx[0].statementID.hasPrefix("xlsx:") && csv[0].statementID.hasPrefix("csv:"))
        #expect(xlsx[0].statementID == mac[0].statementID, "the same cells in either date system are the same statement")
    }

    @Test func aNamedSheet() throws {
        let data = try Self.fixture("sao-ke.xlsx")
        let summary = try XLSXStatementParser.parse(data, source: "s.xlsx", mapping: try Self.mapping(), account: Self.account, sheet: "Tổng hợp")
        #expect(summary.lines.map(\.amount) == [15_000] && summary.lines[0].bookingDate == day("2026-11-23") && summary.lines[0].position == 2)
        #expect(try Self.error(data, source: "s.xlsx", sheet: "Sheet9") == "s.xlsx: no sheet named 'Sheet9'; the workbook has 'Sao kê', 'Tổng hợp'")
    }

    @Test func badCellsAreNamedBySheetAndCell() throws {
        #expect(
            try Self.error(try Self.fixture("bad-date.xlsx"), source: "sao-ke.xlsx")
                == "sao-ke.xlsx Sheet1!A14: '31/11/2026' in column \"Ngày giao dịch\" is not a dd/MM/yyyy date; nothing was imported")
        #expect(
            try Self.error(try Self.fixture("bad-amount.xlsx"), source: "b.xlsx")
                == "b.xlsx Sheet1!D6: column \"Số tiền ghi có\": amount '25000.5' has a fraction of a đồng: VND has no minor unit; nothing was imported")
    }

    @Test func oldExcelTruncatedAndBombsAreRefusedClearly() throws {
        let xls = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))
        #expect(StatementReader.detectFormat(xls) == .xlsx, "an old workbook is routed to the reader that explains it")
        let old = try Self.error(xls, source: "sao-ke.xls")
        #expect(old.hasPrefix("sao-ke.xls: this is an Excel 97–2003 workbook (.xls) or a password-protected .xlsx") && old.contains("save it as"), "\(old)")
        let data = try Self.fixture("sao-ke.xlsx")
        let truncated = try Self.error(data.prefix(data.count / 2), source: "t.xlsx")
        #expect(truncated == "t.xlsx: not a readable .xlsx workbook: the ZIP archive is truncated or damaged (no end-of-central-directory record); nothing was imported")
        // One byte changed inside the compressed sheet: its CRC-32 (or the DEFLATE stream) no longer checks.
        var damaged = [UInt8](data)
        let sheet = try #require(Self.localData(of: "xl/worksheets/sheet1.xml", in: damaged))
        damaged[sheet + 40] ^= 0x55
        let corrupt = try Self.error(Data(damaged), source: "c.xlsx")
        #expect(corrupt.hasPrefix("c.xlsx: not a readable .xlsx workbook: the ZIP archive is") && corrupt.contains("sheet1.xml"), "\(corrupt)")
        let bomb = try Self.error(data, source: "z.xlsx", inflateLimit: 4_096)
        #expect(bomb == "z.xlsx: not a readable .xlsx workbook: the archive inflates to more than 4096 bytes; refused as a possible zip bomb; nothing was imported")
        #expect(try Self.error(Data("Ngày giao dịch,Nội dung\n".utf8), source: "x.xlsx") == "x.xlsx: not an .xlsx workbook (not a ZIP archive); nothing was imported")
    }

    /// A worksheet of more than 10 MB on one line, as Excel writes it (libxml2 refuses that as a single chunk), in a
    /// ZIP whose entries are stored, not deflated: the fixture's parts with a long sheet 1.
    @Test func aLargeSheetOnOneLineInAStoredArchive() throws {
        var zip = try ZIPReader(try Self.fixture("sao-ke.xlsx"))
        var parts: [(String, [UInt8])] = []
        for name in zip.entries.keys.sorted() where name != "xl/worksheets/sheet1.xml" { parts.append((name, try zip.read(name))) }
        let rows = 20_000
        let filler = String(repeating: "nội dung chuyển khoản ", count: 25)
        var sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        // Shared strings 2–8 are the headings; style 1 is the dd/mm/yyyy date style (46347 = 2026-11-21).
        sheet += #"<row r="1">"# + (0..<7).map { #"<c r="\#(XLSXStatementParser.columnName($0))1" t="s"><v>\#($0 + 2)</v></c>"# }.joined() + "</row>"
        for r in 2...(rows + 1) {
            sheet += #"<row r="\#(r)"><c r="A\#(r)" s="1"><v>46347</v></c><c r="B\#(r)" t="inlineStr"><is><t>R\#(r)</t></is></c>"#
            sheet += #"<c r="D\#(r)"><v>\#(r)</v></c><c r="F\#(r)" t="inlineStr"><is><t>\#(filler)\#(r)</t></is></c></row>"#
        }
        sheet += "</sheetData></worksheet>"
        parts.append(("xl/worksheets/sheet1.xml", Array(sheet.utf8)))
        #expect(sheet.utf8.count > 10_000_000 && !sheet.contains("\n"))
        let statement = try XLSXStatementParser.parse(Data(Self.storedZIP(parts)), source: "big.xlsx", mapping: try Self.mapping(), account: Self.account)
        #expect(statement.lines.count == rows)
        #expect(statement.lines.reduce(0) { $0 + $1.amount } == Int64((2...(rows + 1)).reduce(0, +)))
        #expect(statement.lines.last?.position == rows + 1 && statement.lines.last?.bankReference == "R\(rows + 1)")
        #expect(statement.lines.allSatisfy { $0.bookingDate == day("2026-11-21") })
    }

    /// A small sheet naming a far-right cell (column ZZZ, 18,278) in each row would make millions of empty cells: refused
    /// with the cell named, before it costs memory.
    @Test func farRightCellsAreRefusedNotPadded() throws {
        var zip = try ZIPReader(try Self.fixture("sao-ke.xlsx"))
        var parts: [(String, [UInt8])] = []
        for name in zip.entries.keys.sorted() where name != "xl/worksheets/sheet1.xml" { parts.append((name, try zip.read(name))) }
        var sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for r in 1...1_000 { sheet += #"<row r="\#(r)"><c r="ZZZ\#(r)"><v>1</v></c></row>"# }
        sheet += "</sheetData></worksheet>"
        parts.append(("xl/worksheets/sheet1.xml", Array(sheet.utf8)))
        let message = try Self.error(Data(Self.storedZIP(parts)), source: "wide.xlsx")
        #expect(message == "wide.xlsx 'Sao kê'!ZZZ1: column ZZZ is beyond the 256 columns a statement may use; nothing was imported", "\(message)")
    }

    /// A ZIP archive of stored (uncompressed) entries.
    static func storedZIP(_ parts: [(String, [UInt8])]) -> [UInt8] {
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var out: [UInt8] = [], directory: [UInt8] = []
        for (name, data) in parts {
            let crc = Int(ZIPReader.checksum(data)), nameBytes = Array(name.utf8), offset = out.count
            let common = le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(crc, 4) + le(data.count, 4) + le(data.count, 4) + le(nameBytes.count, 2) + le(0, 2)
            out += [0x50, 0x4B, 3, 4] + le(20, 2) + common + nameBytes + data
            directory += [0x50, 0x4B, 1, 2] + le(20, 2) + le(20, 2) + common + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(offset, 4) + nameBytes
        }
        return out + directory + [0x50, 0x4B, 5, 6] + le(0, 2) + le(0, 2) + le(parts.count, 2) + le(parts.count, 2) + le(directory.count, 4) + le(out.count, 4) + le(0, 2)
    }

    /// Offset of an entry's compressed data, found through its local header (independently of ZIPReader).
    static func localData(of name: String, in bytes: [UInt8]) -> Int? {
        let nameBytes = Array(name.utf8)
        var i = 0
        while i + 30 < bytes.count {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 3, bytes[i + 3] == 4 {
                let n = Int(bytes[i + 26]) | Int(bytes[i + 27]) << 8, extra = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
                if Array(bytes[(i + 30)..<(i + 30 + n)]) == nameBytes { return i + 30 + n + extra }
            }
            i += 1
        }
        return nil
    }

    @Test func numbersAreReadExactly() {
        #expect((try? BankAmount.parseNumber("25000").get()) == 25_000)
        #expect((try? BankAmount.parseNumber("2.5E4").get()) == 25_000)
        #expect((try? BankAmount.parseNumber("25000.0").get()) == 25_000)
        #expect((try? BankAmount.parseNumber("-1.25e+6").get()) == -1_250_000)
        #expect((try? BankAmount.parseNumber("3000000000").get()) == 3_000_000_000)
        for fractional in ["25000.5", "2.50001E4", "1E-1"] {
            guard case .failure(.fractional) = BankAmount.parseNumber(fractional) else { Issue.record("\(fractional) must be a fraction"); continue }
        }
        if case .failure(.tooLarge) = BankAmount.parseNumber("1E16") {} else { Issue.record("1E16 VND exceeds the maximum") }
        if case .failure(.notANumber) = BankAmount.parseNumber("25,000") {} else { Issue.record("a numeric cell has no separators") }
        #expect(TabularCell.number("1.23456E5").text == "123456", "a reference stored as a number reads as printed")
    }

    @Test func dateFormatsAreRecognised() {
        #expect(XLSXStatementParser.isDateFormat(14, custom: nil) && XLSXStatementParser.isDateFormat(22, custom: nil))
        #expect(!XLSXStatementParser.isDateFormat(3, custom: nil) && !XLSXStatementParser.isDateFormat(164, custom: "#,##0"))
        #expect(XLSXStatementParser.isDateFormat(164, custom: "[$-42A]dd/mm/yyyy"))
        #expect(XLSXStatementParser.isDateFormat(165, custom: "d/m/yyyy h:mm"))
        #expect(!XLSXStatementParser.isDateFormat(166, custom: "h:mm:ss"))
        #expect(!XLSXStatementParser.isDateFormat(167, custom: "#,##0 \"đ\"") && !XLSXStatementParser.isDateFormat(168, custom: "0\\d"))
        #expect(XLSXStatementParser.columnName(0) == "A" && XLSXStatementParser.columnName(25) == "Z" && XLSXStatementParser.columnName(27) == "AB")
    }
}
