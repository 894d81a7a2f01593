import FeeGateCore
import Foundation

/// The formats a bank statement can be imported from.
public enum StatementFormat: String, Sendable, CaseIterable, Codable {
    /// ISO 20022 BankToCustomerStatement (end-of-day statement).
    case camt053
    /// ISO 20022 BankToCustomerDebitCreditNotification (intraday notifications).
    case camt054
    /// SWIFT MT940 customer statement.
    case mt940
    /// A bank's CSV export, read with a column-mapping file.
    case csv
    /// A bank's Excel export (`.xlsx`), read with the same column-mapping file as its CSV export. Imported
    /// statements record it as `csv` (a tabular export read with a mapping; see ``XLSXStatementParser``).
    case xlsx

    /// Whether the format is a tabular export that needs a column mapping.
    public var needsMapping: Bool { self == .csv || self == .xlsx }
}

/// One booked movement on the bank account, as the bank reported it.
///
/// `amount` is signed from the account holder's side: a credit (money in) is positive, a debit
/// (money out) negative. VND has no minor unit, so amounts are whole đồng.
public struct StatementLine: Sendable, Hashable, Codable {
    /// Where the line is in the file: the line number (CSV, MT940 `:61:`) or the entry's position (camt).
    public var position: Int
    /// The bank's own reference of the entry (camt `AcctSvcrRef`/`NtryRef`, MT940 bank reference, CSV column); `nil` if absent.
    public var bankReference: String?
    public var bookingDate: BusinessDay
    public var valueDate: BusinessDay?
    public var amount: Int64
    public var currency: String
    /// Remittance text (the transfer content the payer typed, often upper-cased and cut by the bank).
    public var text: String
    public var counterparty: String?

    public init(
        position: Int, bankReference: String?, bookingDate: BusinessDay, valueDate: BusinessDay?, amount: Int64, currency: String = "VND",
        text: String, counterparty: String? = nil
    ) {
        self.position = position
        self.bankReference = bankReference.flatMap { $0.isEmpty ? nil : $0 }
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.amount = amount
        self.currency = currency
        self.text = text
        self.counterparty = counterparty.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A parsed bank statement: identity, account, balances when given, lines in file order.
public struct BankStatement: Sendable, Hashable {
    /// The statement's own id (camt `Stmt/Id` / `Ntfctn/Id`, MT940 `:20:`+`:28C:`, CSV: from the mapping or the file hash).
    public var statementID: String
    public var account: String
    public var format: StatementFormat
    public var openingBalance: Int64?
    public var closingBalance: Int64?
    public var lines: [StatementLine]

    public init(statementID: String, account: String, format: StatementFormat, openingBalance: Int64?, closingBalance: Int64?, lines: [StatementLine]) {
        self.statementID = statementID
        self.account = account
        self.format = format
        self.openingBalance = openingBalance
        self.closingBalance = closingBalance
        self.lines = lines
    }

    /// Checks what a statement promises about itself: one currency (VND) and, when both balances
    /// are given, opening + Σ lines = closing (a truncated or edited file fails here).
    public func validate(location: String) throws(ReconciliationError) {
        for line in lines where line.currency != "VND" {
            throw .malformed(location: "\(location) line/entry \(line.position)", reason: "currency \(line.currency): only VND statements are supported")
        }
        if let openingBalance, let closingBalance {
            var sum = openingBalance
            for line in lines {
                let (s, overflow) = sum.addingReportingOverflow(line.amount)
                if overflow { throw .malformed(location: location, reason: "sum of the lines overflows") }
                sum = s
            }
            if sum != closingBalance {
                throw .malformed(
                    location: location,
                    reason: "opening balance \(openingBalance) + lines \(sum - openingBalance) = \(sum), but the closing balance is \(closingBalance): the file is incomplete or altered")
            }
        }
    }
}

/// Errors of the reconciliation module, each naming where and what to fix.
public enum ReconciliationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The statement file cannot be read as its format: `location` is `file:line` (CSV, MT940) or the element path (camt).
    case malformed(location: String, reason: String)
    /// A configuration file (mapping, rules) is wrong.
    case invalidConfiguration(file: String, reason: String)
    /// A request that cannot be honoured (unknown format, missing mapping …).
    case invalid(String)

    public var description: String {
        switch self {
        case .malformed(let location, let reason): return "\(location): \(reason); nothing was imported"
        case .invalidConfiguration(let file, let reason): return "\(file): \(reason)"
        case .invalid(let message): return message
        }
    }
}

/// Amount parsing shared by the formats: whole đồng only.
public enum BankAmount {
    /// Parses an unsigned amount with optional thousands separators and decimal part, where the
    /// decimal part (if any) must be zero: `1.250.000`, `1,250,000`, `1250000,00`, `1250000.00`, `1 250 000`.
    ///
    /// - Parameter decimalSeparator: the separator of the fraction (`,` in MT940, `.` in camt); for CSV
    ///   pass `nil` to decide from the text (a separator followed by exactly 1 or 2 digits at the end is a fraction).
    public static func parse(_ raw: String, decimalSeparator: Character?) -> Result<Int64, AmountProblem> {
        var text = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{00A0}", with: "").replacingOccurrences(of: " ", with: "")
        if text.hasSuffix("VND") { text = String(text.dropLast(3)) }
        if text.hasSuffix("đ") || text.hasSuffix("₫") { text = String(text.dropLast()) }
        guard !text.isEmpty else { return .failure(.empty) }
        var integerPart = text
        var fraction = ""
        let separator: Character?
        if let decimalSeparator {
            separator = decimalSeparator
        } else if let last = text.lastIndex(where: { $0 == "," || $0 == "." }) {
            let tail = text[text.index(after: last)...]
            separator = (tail.count == 1 || tail.count == 2) ? text[last] : nil
        } else {
            separator = nil
        }
        if let separator, let index = text.lastIndex(of: separator) {
            integerPart = String(text[..<index])
            fraction = String(text[text.index(after: index)...])
        }
        let grouping: Set<Character> = separator == "," ? ["."] : separator == "." ? [","] : [".", ","]
        let digits = integerPart.filter { !grouping.contains($0) }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else { return .failure(.notANumber(raw)) }
        if fraction.contains(where: { $0 != "0" }) { return .failure(.fractional(raw)) }
        guard digits.count <= 16, let value = Int64(digits), value <= Money.maximum.vnd else { return .failure(.tooLarge(raw)) }
        return .success(value)
    }

    public enum AmountProblem: Error, CustomStringConvertible, Sendable {
        case empty, notANumber(String), fractional(String), tooLarge(String)
        public var description: String {
            switch self {
            case .empty: return "empty amount"
            case .notANumber(let raw): return "amount '\(raw)' is not a number"
            case .fractional(let raw): return "amount '\(raw)' has a fraction of a đồng: VND has no minor unit"
            case .tooLarge(let raw): return "amount '\(raw)' exceeds 10^15 VND"
            }
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension BusinessDay {
    /// A calendar date in a statement (`yyyy-MM-dd`, `yyMMdd`, `dd/MM/yyyy` …) as the business day of that date.
    static func from(year: Int, month: Int, day: Int) -> BusinessDay? {
        guard (1970...2199).contains(year), VietnamCalendar.isValidDate(year: Int64(year), month: Int64(month), day: Int64(day)) else { return nil }
        // The same numbering as BusinessDay("yyyy-MM-dd"), without formatting a string.
        return BusinessDay(number: VietnamCalendar.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    /// `self` moved by `days`.
    public func adding(days: Int64) -> BusinessDay { BusinessDay(number: number + days) }
}
