import FeeGateCore
import FeeGateReconciliation
import FeeGateTestSupport
import Foundation
import Testing

@Suite("Statement parsers")
struct ParserTests {
    static let account = "0011001234567"

    /// The same day in three formats, written by independent libraries: each parses to the same lines.
    @Test func camt053Camt054AndMT940FromIndependentGenerators() throws {
        let dir = try TemporaryDirectory()
        let entries = [
            GeneratedEntry(amount: 25_000, booking: "2026-11-21", ref: "VCB0001", text: "MBVCB.123456.fg7k3m9x5.CT tu NGUYEN VAN A", counterparty: "NGUYEN VAN A"),
            GeneratedEntry(amount: -1_250_000, booking: "2026-11-21", value: "2026-11-22", ref: "VCB0002", text: "FGS 20261120 HN-PARK-01"),
            GeneratedEntry(amount: 3_000_000_000, booking: "2026-11-21", ref: "VCB0003", text: "Nộp tiền phí CCCD"),
        ]
        let data = try Generator.write(
            [
                GeneratedStatement(format: "camt053", path: dir.path("s.xml"), id: "STMT-20261121", account: Self.account, opening: 10_000_000, date: "2026-11-21", entries: entries),
                GeneratedStatement(format: "camt054", path: dir.path("n.xml"), id: "NTF-20261121-1", account: Self.account, date: "2026-11-21", entries: entries),
                GeneratedStatement(format: "mt940", path: dir.path("s.sta"), id: "STMT-20261121", account: Self.account, opening: 10_000_000, date: "2026-11-21", entries: entries),
            ], in: dir)
        #expect(StatementReader.detectFormat(data[0]) == .camt053)
        #expect(StatementReader.detectFormat(data[1]) == .camt054)
        #expect(StatementReader.detectFormat(data[2]) == .mt940)
        let camt = try StatementReader.read(data[0], source: "s.xml", format: .camt053, mapping: nil, account: nil)
        let note = try StatementReader.read(data[1], source: "n.xml", format: .camt054, mapping: nil, account: nil)
        let mt = try StatementReader.read(data[2], source: "s.sta", format: .mt940, mapping: nil, account: nil)
        #expect(camt.count == 1 && note.count == 1 && mt.count == 1)
        #expect(camt[0].statementID == "STMT-20261121" && note[0].statementID == "NTF-20261121-1" && mt[0].statementID == "STMT-20261121/1/1")
        #expect(camt[0].account == Self.account && note[0].account == Self.account && mt[0].account == Self.account)
        #expect(camt[0].openingBalance == 10_000_000 && camt[0].closingBalance == 10_000_000 + 25_000 - 1_250_000 + 3_000_000_000)
        #expect(mt[0].openingBalance == 10_000_000 && mt[0].closingBalance == camt[0].closingBalance)
        #expect(note[0].openingBalance == nil)
        for statement in [camt[0], note[0], mt[0]] {
            #expect(statement.lines.map(\.amount) == [25_000, -1_250_000, 3_000_000_000])
            #expect(statement.lines.map(\.bankReference) == ["VCB0001", "VCB0002", "VCB0003"])
            #expect(statement.lines.map(\.bookingDate) == [day("2026-11-21"), day("2026-11-21"), day("2026-11-21")])
            #expect(statement.lines.allSatisfy { $0.currency == "VND" })
        }
        #expect(camt[0].lines[0].text == "MBVCB.123456.fg7k3m9x5.CT tu NGUYEN VAN A")
        #expect(camt[0].lines[0].counterparty == "NGUYEN VAN A")
        #expect(camt[0].lines[1].valueDate == day("2026-11-22"))
        #expect(camt[0].lines[2].text == "Nộp tiền phí CCCD")
        #expect(mt[0].lines[1].text == "FGS 20261120 HN-PARK-01")
        #expect(mt[0].lines[0].position == 5, "the :61: line of the first entry")
    }

    @Test func pendingCamtEntriesAreNotBookedMoney() throws {
        let dir = try TemporaryDirectory()
        let data = try Generator.write(
            [
                GeneratedStatement(
                    format: "camt054", path: dir.path("n.xml"), id: "NTF-2", account: Self.account, date: "2026-11-21",
                    entries: [
                        GeneratedEntry(amount: 50_000, booking: "2026-11-21", ref: "P1", text: "pending", status: "PDNG"),
                        GeneratedEntry(amount: 60_000, booking: "2026-11-21", ref: "B1", text: "booked"),
                    ])
            ], in: dir)
        let parsed = try CAMTParser.parse(data[0], source: "n.xml", format: .camt054)
        #expect(parsed[0].lines.map(\.amount) == [60_000])
    }

    @Test func malformedCamtNamesTheElement() throws {
        let dir = try TemporaryDirectory()
        let data = try Generator.write(
            [
                GeneratedStatement(
                    format: "camt053", path: dir.path("s.xml"), id: "S1", account: Self.account, opening: 0, date: "2026-11-21",
                    entries: [GeneratedEntry(amount: 1_000, booking: "2026-11-21", ref: "A"), GeneratedEntry(amount: 2_000, booking: "2026-11-21", ref: "B")])
            ], in: dir)
        let text = String(decoding: data[0], as: UTF8.self)
        // A fraction of a đồng in the second entry.
        let fractional = text.replacingOccurrences(of: "<Amt Ccy=\"VND\">2000</Amt>", with: "<Amt Ccy=\"VND\">2000.50</Amt>")
        #expect(fractional != text)
        #expect(throws: ReconciliationError.malformed(
            location: "s.xml /Document/BkToCstmrStmt/Stmt[1]/Ntry[2]",
            reason: "amount '2000.50' has a fraction of a đồng: VND has no minor unit")) {
            try CAMTParser.parse(Data(fractional.utf8), source: "s.xml", format: .camt053)
        }
        // Truncated XML.
        let truncated = String(text.prefix(text.count / 2))
        do {
            _ = try CAMTParser.parse(Data(truncated.utf8), source: "s.xml", format: .camt053)
            Issue.record("truncated XML must fail")
        } catch {
            #expect("\(error)".contains("s.xml:") && "\(error)".contains("XML error"), "\(error)")
        }
        // Closing balance that does not follow from the lines.
        let wrongBalance = try Generator.write(
            [
                GeneratedStatement(
                    format: "camt053", path: dir.path("w.xml"), id: "S2", account: Self.account, opening: 0, closing: 9_999, date: "2026-11-21",
                    entries: [GeneratedEntry(amount: 1_000, booking: "2026-11-21", ref: "A")])
            ], in: dir)
        do {
            _ = try CAMTParser.parse(wrongBalance[0], source: "w.xml", format: .camt053)
            Issue.record("a wrong closing balance must fail")
        } catch {
            #expect("\(error)".contains("Stmt[1]/Bal") && "\(error)".contains("closing balance is 9999"), "\(error)")
        }
        // A camt.054 file given as camt.053.
        let note = try Generator.write(
            [GeneratedStatement(format: "camt054", path: dir.path("n.xml"), id: "N", account: Self.account, date: "2026-11-21", entries: [])], in: dir)
        #expect(throws: ReconciliationError.self) { try CAMTParser.parse(note[0], source: "n.xml", format: .camt053) }
    }

    @Test func malformedMT940NamesTheLine() throws {
        let dir = try TemporaryDirectory()
        let data = try Generator.write(
            [
                GeneratedStatement(
                    format: "mt940", path: dir.path("s.sta"), id: "S1", account: Self.account, opening: 0, date: "2026-11-21",
                    entries: [GeneratedEntry(amount: 1_000, booking: "2026-11-21", ref: "A", text: "one"), GeneratedEntry(amount: 2_000, booking: "2026-11-21", ref: "B", text: "two")])
            ], in: dir)
        let text = String(decoding: data[0], as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Line 7 is the second :61:; give it half a đồng.
        #expect(lines[6].hasPrefix(":61:"))
        let fractional = text.replacingOccurrences(of: "C2000,00", with: "C2000,50")
        #expect(throws: ReconciliationError.self) { try MT940Parser.parse(Data(fractional.utf8), source: "s.sta") }
        do {
            _ = try MT940Parser.parse(Data(fractional.utf8), source: "s.sta")
        } catch {
            #expect("\(error)".hasPrefix("s.sta:7: :61: amount '2000,50' has a fraction of a đồng"), "\(error)")
        }
        // Truncated: no closing balance.
        let truncated = lines.prefix(7).joined(separator: "\n")
        do {
            _ = try MT940Parser.parse(Data(truncated.utf8), source: "s.sta")
            Issue.record("a statement without :62F: must fail")
        } catch {
            #expect("\(error)".contains("s.sta:1") && "\(error)".contains(":62F:"), "\(error)")
        }
        // A :61: without a debit/credit mark.
        let noMark = text.replacingOccurrences(of: ":61:2611211121C1000,00", with: ":61:2611211121X1000,00")
        do {
            _ = try MT940Parser.parse(Data(noMark.utf8), source: "s.sta")
            Issue.record("a :61: without D/C must fail")
        } catch {
            #expect("\(error)".hasPrefix("s.sta:5: :61: debit/credit mark"), "\(error)")
        }
        // Closing balance that the lines do not add up to.
        let wrongClosing = text.replacingOccurrences(of: ":62F:C261121VND3000,00", with: ":62F:C261121VND3500,00")
        #expect(wrongClosing != text)
        #expect(throws: ReconciliationError.self) { try MT940Parser.parse(Data(wrongClosing.utf8), source: "s.sta") }
    }

    @Test func mt940ReversalsEnvelopeAndEntryDates() throws {
        let text = """
            {1:F01VCBVVNVXAXXX0000000000}{2:O9401200261121VCBVVNVXAXXX00000000002611211200N}{4:
            :20:REV-1
            :25:0011001234567
            :28C:00001/001
            :60F:C261230VND100000,
            :86:SAO KE TAI KHOAN THANG 12
            :64:C261231VND100000,
            :61:2612301231C50000,NTRFFG7K3M9X5//BANK-1
            THANH TOAN
            :86:Chuyen tien
             tu A
            :61:2612311231RC50000,NTRFNONREF//BANK-2
            :62F:C261231VND100000,
            -}
            """
        let statements = try MT940Parser.parse(Data(text.utf8), source: "r.sta")
        let lines = statements[0].lines
        #expect(lines.map(\.amount) == [50_000, -50_000], "RC (reversal of a credit) takes the money out again")
        #expect(lines[0].bookingDate == day("2026-12-31") && lines[0].valueDate == day("2026-12-30"))
        #expect(lines[0].text == "FG7K3M9X5 THANH TOAN Chuyen tien tu A")
        #expect(lines[0].bankReference == "BANK-1")
    }

    // MARK: CSV

    static let layoutA = """
        \u{FEFF}NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM,,,,,,
        Sao kê tài khoản 0011001234567,,,,,,
        Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Nội dung,Tên đối ứng
        21/11/2026,FT2611210001,,"25,000","10,025,000","MBVCB.123456.FG7K3M9X5.CT tu NGUYEN VAN A, thanh toan",NGUYEN VAN A
        21/11/2026,FT2611210002,"1,250,000",,"8,775,000",FGS 20261120 HN-PARK-01,"Công ty ""Trông giữ xe"" HN"
        22/11/2026,FT2611220003,,"3.000.000.000",,"Nộp phí
        CCCD",
        Tổng cộng,,"1,250,000","3,000,025,000",,,
        """

    static let mappingA = CSVMapping(
        name: "debit-credit", bookingDate: "Ngày giao dịch", valueDate: "Ngày hiệu lực", reference: "Số tham chiếu", debit: "Số tiền ghi nợ",
        credit: "Số tiền ghi có", text: "Nội dung", counterparty: "Tên đối ứng", stopAt: ["Tổng cộng"])

    @Test func csvWithDebitCreditColumnsQuotesBOMAndTotals() throws {
        let statement = try CSVStatementParser.parse(Data(Self.layoutA.replacingOccurrences(of: "\n", with: "\r\n").utf8), source: "a.csv", mapping: Self.mappingA, account: "0011001234567")
        #expect(statement.account == "0011001234567")
        #expect(statement.lines.map(\.amount) == [25_000, -1_250_000, 3_000_000_000])
        #expect(statement.lines.map(\.position) == [4, 5, 6])
        #expect(statement.lines[0].text == "MBVCB.123456.FG7K3M9X5.CT tu NGUYEN VAN A, thanh toan")
        #expect(statement.lines[1].counterparty == "Công ty \"Trông giữ xe\" HN")
        #expect(statement.lines[2].text == "Nộp phí\r\nCCCD")
        #expect(statement.lines[2].bookingDate == day("2026-11-22"))
        #expect(statement.lines[0].bankReference == "FT2611210001")
        #expect(statement.statementID.hasPrefix("csv:"))
    }

    @Test func shippedMappingsReadTheirLayouts() throws {
        let a = try CSVMapping.load(path: packageRoot.appendingPathComponent("Config/reconciliation/mappings/debit-credit.yaml").path)
        let parsedA = try CSVStatementParser.parse(Data(Self.layoutA.utf8), source: "a.csv", mapping: a, account: "0011001234567")
        #expect(parsedA.lines.count == 3 && parsedA.account == "0011001234567")
        let b = try CSVMapping.load(path: packageRoot.appendingPathComponent("Config/reconciliation/mappings/signed-amount.yaml").path)
        let layoutB = """
            Lịch sử giao dịch;;;;
            Ngày giao dịch;Mã giao dịch;Số tiền;Nội dung;Tài khoản đối ứng
            21/11/2026 08:15:02;TCB-1;+25.000;fg-7k3m-9x5 thanh toan;1903xxxx
            21/11/2026 17:40:00;TCB-2;-1.250.000;FGS 20261120 HN-PARK-01;
            """
        let parsedB = try CSVStatementParser.parse(Data(layoutB.utf8), source: "b.csv", mapping: b, account: "19033333333")
        #expect(parsedB.lines.map(\.amount) == [25_000, -1_250_000])
        #expect(parsedB.lines.map(\.bankReference) == ["TCB-1", "TCB-2"])
        #expect(parsedB.lines[0].bookingDate == day("2026-11-21"))
    }

    @Test func malformedCSVNamesTheLine() throws {
        func error(_ csv: String, account: String? = "A") -> String {
            do {
                _ = try CSVStatementParser.parse(Data(csv.utf8), source: "x.csv", mapping: Self.mappingA, account: account)
                return "no error"
            } catch { return "\(error)" }
        }
        let header = "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Nội dung\n"
        #expect(error(header + "21/11/2026,R1,,25000,ok\n31/11/2026,R2,,1000,bad date\n").hasPrefix("x.csv:3: '31/11/2026'"))
        #expect(error(header + "21/11/2026,R1,,\"25000,ok\n").hasPrefix("x.csv:2: a quoted field opened here is never closed"))
        #expect(error(header + "21/11/2026,R1,,\"25,000.50\",half\n").contains("x.csv:2: column \"Số tiền ghi có\": amount '25,000.50' has a fraction of a đồng"))
        #expect(error(header + "21/11/2026,R1,100,200,both\n").hasPrefix("x.csv:2: both the debit"))
        #expect(error(header + "21/11/2026,R1,,abc,x\n").contains("is not a number"))
        #expect(error("Date,Amount\n1/1/2026,5\n").contains("no header row"))
        #expect(error(header + "21/11/2026,R1,,25000,ok\n", account: nil).contains("--account"))
        // Whole đồng with a zero fraction is fine: 25.000,00 and 25,000.00.
        let ok = try CSVStatementParser.parse(
            Data((header + "21/11/2026,R1,,\"25.000,00\",a\n21/11/2026,R2,,\"25,000.00\",b\n").utf8), source: "x.csv", mapping: Self.mappingA, account: "A")
        #expect(ok.lines.map(\.amount) == [25_000, 25_000])
    }

    @Test func mappingFilesAreChecked() throws {
        #expect(throws: ReconciliationError.self) {
            try CSVMapping.parse(yaml: "columns: {booking_date: D, text: T, amount: A, debit: X, credit: Y}", file: "m.yaml")
        }
        #expect(throws: ReconciliationError.self) { try CSVMapping.parse(yaml: "columns: {booking_date: D, text: T, amount: A, colour: x}", file: "m.yaml") }
        #expect(throws: ReconciliationError.self) { try CSVMapping.parse(yaml: "columns: {booking_date: D, text: T, amount: A}\ndate_format: yy.d.M", file: "m.yaml") }
        let m = try CSVMapping.parse(yaml: "delimiter: ';'\ncolumns: {booking_date: D, text: T, amount: A}", file: "m.yaml")
        #expect(m.delimiter == UInt8(ascii: ";") && m.amount == "A" && m.name == "m")
    }
}
