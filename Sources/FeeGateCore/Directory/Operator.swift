import Foundation

/// What an operator collects.
public enum OperatorKind: String, Sendable, Codable, CaseIterable {
    case parking, bus, fees
}

/// A parking, bus or public-fee operator (a tenant of the gateway).
public struct Operator: Sendable, Hashable, Codable {
    /// Short unique code, e.g. `HN-PARK-01`: upper-case letters, digits and `-`, 2–32 characters.
    public let code: String
    public let name: String
    /// Mã số thuế (MST): 10 digits, or 10 digits + `-` + 3 digits for a branch.
    public let taxCode: String
    public let kind: OperatorKind
    /// The 5-character prefix the tax authority issues for cash-register (MTT) invoice codes.
    public let mttPrefix: String?
    /// Invoice series (KHHDon) the operator issues under, e.g. `C26MAA`.
    public let invoiceSeries: String?
    /// Creation time, nanoseconds since the Unix epoch.
    public let createdAt: Int64

    public init(code: String, name: String, taxCode: String, kind: OperatorKind, mttPrefix: String?, invoiceSeries: String?, createdAt: Int64) {
        self.code = code
        self.name = name
        self.taxCode = taxCode
        self.kind = kind
        self.mttPrefix = mttPrefix
        self.invoiceSeries = invoiceSeries
        self.createdAt = createdAt
    }

    /// Checks the fields a person typed; returns the first problem as a sentence.
    public static func validate(code: String, name: String, taxCode: String, mttPrefix: String?) -> String? {
        if !isValidCode(code) { return "operator code '\(code)' is invalid: use 2–32 upper-case letters, digits or '-', starting with a letter or digit" }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "operator name must not be empty" }
        if !TaxCode.isValid(taxCode) { return "tax code '\(taxCode)' is invalid: a Vietnamese MST is 10 digits, or 10 digits-3 digits for a branch (e.g. 0101234567 or 0101234567-001)" }
        if let prefix = mttPrefix, !(prefix.count == 5 && prefix.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
            return "MTT prefix '\(prefix)' is invalid: the tax authority issues exactly 5 upper-case letters or digits"
        }
        return nil
    }

    /// `true` for a well-formed operator code.
    public static func isValidCode(_ code: String) -> Bool {
        guard (2...32).contains(code.count), let first = code.first, first != "-" else { return false }
        return code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "-") }
    }
}

/// A Vietnamese tax identification number (mã số thuế, MST): 10 digits, or 10 digits, `-` and a 3-digit branch
/// number (e.g. `0101234567`, `0302431595-999`; einvoice-vn.md §1.5). The one format check for operators and
/// documents alike.
public struct TaxCode: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// `nil` unless `text` has the format.
    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        self.text = text
    }

    /// Format check: `NNNNNNNNNN` or `NNNNNNNNNN-NNN` (branch). The check digit is not verified:
    /// the published algorithm is not in our reference material, and a wrong rejection would block an operator.
    public static func isValid(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        guard parts[0].count == 10, parts[0].allSatisfy(\.isASCIIDigit) else { return false }
        if parts.count == 2 { return parts[1].count == 3 && parts[1].allSatisfy(\.isASCIIDigit) }
        return true
    }

    public var description: String { text }
}

extension Character {
    /// `0`–`9` only (not other Unicode digits).
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
