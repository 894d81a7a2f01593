import FeeGateCore
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// ISO 20022 camt.053 (BankToCustomerStatement) and camt.054 (BankToCustomerDebitCreditNotification),
/// any version (001.02 – 001.12): elements are matched by local name, so the namespace version does not matter.
///
/// Only booked entries (`Sts` `BOOK`, or no status) become lines; pending and informational entries are
/// skipped. Errors name the element path, e.g. `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt`.
public enum CAMTParser {
    public static func parse(_ data: Data, source: String, format: StatementFormat) throws(ReconciliationError) -> [BankStatement] {
        let handler = Handler(format: format, source: source)
        let parser = try SAXParsing.run(data, handler: handler, processNamespaces: true) { "\(source):\($0) \(handler.pathString)" }
        // FoundationXML on Linux accepts a document that stops mid-way; elements left open mean a truncated file.
        if !handler.path.isEmpty {
            throw .malformed(
                location: "\(source):\(parser.lineNumber) \(handler.pathString)",
                reason: "XML error: the document ends inside <\(handler.path.last ?? "")> (truncated file?)")
        }
        guard handler.sawRoot else {
            throw .malformed(
                location: source, reason: format == .camt053 ? "no BkToCstmrStmt element: not a camt.053 statement" : "no BkToCstmrDbtCdtNtfctn element: not a camt.054 notification")
        }
        var statements: [BankStatement] = []
        for (index, s) in handler.statements.enumerated() {
            let location = "\(source) /Document/\(handler.rootName)/\(handler.containerName)[\(index + 1)]"
            guard let account = s.account, !account.isEmpty else { throw .malformed(location: location + "/Acct/Id", reason: "the statement names no account") }
            guard let id = s.id, !id.isEmpty else { throw .malformed(location: location + "/Id", reason: "the statement has no Id") }
            let statement = BankStatement(statementID: id, account: account, format: format, openingBalance: s.opening, closingBalance: s.closing, lines: s.lines)
            try statement.validate(location: location + "/Bal")
            statements.append(statement)
        }
        guard !statements.isEmpty else { throw .malformed(location: source, reason: "no \(format == .camt053 ? "Stmt" : "Ntfctn") element") }
        return statements
    }

    struct PartialStatement {
        var id: String?
        var account: String?
        var opening: Int64?
        var closing: Int64?
        var lines: [StatementLine] = []
    }

    struct PartialEntry {
        var amount: String?
        var currency: String?
        var creditDebit: String?
        var reversal = false
        var status: String?
        var bookingDate: String?
        var valueDate: String?
        var accountServicerReference: String?
        var entryReference: String?
        var txAccountServicerReference: String?
        var endToEndID: String?
        var unstructured: [String] = []
        var additionalInfo: String?
        var debtor: String?
        var creditor: String?
    }

    struct PartialBalance {
        var type: String?
        var amount: String?
        var creditDebit: String?
    }

    final class Handler: NSObject, XMLParserDelegate, FailureReporting {
        let format: StatementFormat
        let source: String
        var path: [String] = []
        var counters: [String: Int] = [:]
        var indexedPath: [String] = []
        var text = ""
        var statements: [PartialStatement] = []
        var statement: PartialStatement?
        var entry: PartialEntry?
        var entryIndex = 0
        var balance: PartialBalance?
        var failure: ReconciliationError?
        var sawRoot = false
        var rootName: String { format == .camt053 ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn" }
        var containerName: String { format == .camt053 ? "Stmt" : "Ntfctn" }

        init(format: StatementFormat, source: String) {
            self.format = format
            self.source = source
        }

        var pathString: String { "/" + indexedPath.joined(separator: "/") }

        func fail(_ reason: String, _ parser: XMLParser) {
            if failure == nil { failure = .malformed(location: "\(source) \(pathString)", reason: reason) }
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            path.append(name)
            if name == "Stmt" || name == "Ntfctn" || name == "Ntry" || name == "Bal" {
                let key = path.dropLast().joined(separator: "/") + "/" + name
                counters[key, default: 0] += 1
                indexedPath.append("\(name)[\(counters[key] ?? 1)]")
            } else {
                indexedPath.append(name)
            }
            text = ""
            if name == rootName { sawRoot = true }
            if name == containerName && path.count >= 2 && path[path.count - 2] == rootName {
                statement = PartialStatement()
                entryIndex = 0
            }
            guard statement != nil else { return }
            if name == "Ntry" && path.count >= 2 && path[path.count - 2] == containerName {
                entry = PartialEntry()
                entryIndex += 1
            }
            if name == "Bal" && path.count >= 2 && path[path.count - 2] == containerName { balance = PartialBalance() }
            if name == "Amt", let ccy = attributes["Ccy"] {
                if entry != nil && path.count >= 2 && path[path.count - 2] == "Ntry" { entry?.currency = ccy }
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let parent = path.count >= 2 ? path[path.count - 2] : ""
            let grand = path.count >= 3 ? path[path.count - 3] : ""
            defer {
                path.removeLast()
                indexedPath.removeLast()
                text = ""
            }
            if balance != nil {
                switch (name, parent) {
                case ("Cd", "CdOrPrtry"), ("Prtry", "CdOrPrtry"): balance?.type = value
                case ("Amt", "Bal"): balance?.amount = value
                case ("CdtDbtInd", "Bal"): balance?.creditDebit = value
                case ("Bal", _):
                    if let b = balance {
                        guard let raw = b.amount else { return fail("balance without Amt", parser) }
                        switch BankAmount.parse(raw, decimalSeparator: ".") {
                        case .success(let amount):
                            let signed = b.creditDebit == "DBIT" ? -amount : amount
                            if b.type == "OPBD" || b.type == "PRCD" { statement?.opening = signed }
                            if b.type == "CLBD" { statement?.closing = signed }
                        case .failure(let problem): return fail(problem.description, parser)
                        }
                    }
                    balance = nil
                default: break
                }
                return
            }
            if entry != nil {
                switch (name, parent) {
                case ("Amt", "Ntry"): entry?.amount = value
                case ("CdtDbtInd", "Ntry"): entry?.creditDebit = value
                case ("RvslInd", "Ntry"): entry?.reversal = value == "true" || value == "1"
                case ("Cd", "Sts"), ("Sts", "Ntry"): if !value.isEmpty { entry?.status = value }
                case ("Dt", "BookgDt"), ("DtTm", "BookgDt"): entry?.bookingDate = value
                case ("Dt", "ValDt"), ("DtTm", "ValDt"): entry?.valueDate = value
                case ("AcctSvcrRef", "Ntry"): entry?.accountServicerReference = value
                case ("NtryRef", "Ntry"): entry?.entryReference = value
                case ("AcctSvcrRef", "Refs"): if entry?.txAccountServicerReference == nil { entry?.txAccountServicerReference = value }
                case ("EndToEndId", "Refs"): if entry?.endToEndID == nil, value != "NOTPROVIDED" { entry?.endToEndID = value }
                case ("Ustrd", "RmtInf"): entry?.unstructured.append(value)
                case ("AddtlNtryInf", "Ntry"): entry?.additionalInfo = value
                case ("Nm", _) where path.contains("Dbtr") && path.contains("RltdPties"): if entry?.debtor == nil { entry?.debtor = value }
                case ("Nm", _) where path.contains("Cdtr") && path.contains("RltdPties"): if entry?.creditor == nil { entry?.creditor = value }
                case ("Ntry", _): finishEntry(parser)
                default: break
                }
                _ = grand
                return
            }
            guard statement != nil else { return }
            switch (name, parent) {
            case ("Id", containerName): statement?.id = value
            case ("IBAN", "Id") where path.contains("Acct"): statement?.account = value
            case ("Id", "Othr") where path.contains("Acct") && !path.contains("Ownr") && !path.contains("Svcr"):
                if statement?.account == nil { statement?.account = value }
            case (containerName, _):
                if let s = statement { statements.append(s) }
                statement = nil
            default: break
            }
        }

        func finishEntry(_ parser: XMLParser) {
            guard let e = entry else { return }
            entry = nil
            if let status = e.status, status != "BOOK" { return }  // pending / informational: not booked money
            guard let raw = e.amount else { return fail("entry without Amt", parser) }
            let amount: Int64
            switch BankAmount.parse(raw, decimalSeparator: ".") {
            case .success(let v): amount = v
            case .failure(let problem): return fail(problem.description, parser)
            }
            guard amount > 0 else { return fail("the entry amount is 0", parser) }
            guard let cd = e.creditDebit, cd == "CRDT" || cd == "DBIT" else { return fail("CdtDbtInd must be CRDT or DBIT", parser) }
            var signed = cd == "CRDT" ? amount : -amount
            if e.reversal { signed = -signed }
            guard let booking = e.bookingDate.flatMap(CAMTParser.date) ?? e.valueDate.flatMap(CAMTParser.date) else {
                return fail("entry without a readable BookgDt/ValDt (YYYY-MM-DD)", parser)
            }
            var text = e.unstructured.joined(separator: " ")
            if text.isEmpty { text = e.additionalInfo ?? "" }
            statement?.lines.append(
                StatementLine(
                    position: entryIndex, bankReference: e.accountServicerReference ?? e.entryReference ?? e.txAccountServicerReference ?? e.endToEndID,
                    bookingDate: booking, valueDate: e.valueDate.flatMap(CAMTParser.date), amount: signed, currency: e.currency ?? "VND", text: text,
                    counterparty: signed >= 0 ? e.debtor : e.creditor))
        }
    }

    /// `2026-11-21` or `2026-11-21T10:15:00+07:00` → the calendar day written.
    static func date(_ text: String) -> BusinessDay? {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45 else { return nil }
        func n(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let y = n(0..<4), let m = n(5..<7), let d = n(8..<10) else { return nil }
        return BusinessDay.from(year: y, month: m, day: d)
    }
}
