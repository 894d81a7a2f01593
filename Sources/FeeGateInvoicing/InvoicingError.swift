/// Errors raised while building, serialising or verifying an e-invoice, e-ticket or fee e-receipt.
///
/// Every message names the field (with its GDT tag where there is one), the value received and the rule,
/// so the operator or developer can fix the input without reading code.
public enum InvoicingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An amount to read in words is negative or above 10^15 đồng.
    case amountOutOfRange(Int64)
    /// A document identity field (template, series, number, code, tax code …) is malformed.
    case invalidField(field: String, value: String, rule: String)
    /// The document as a whole breaks a rule (e.g. a 0-VND ticket without a funder).
    case invalidDocument(String)
    /// An arithmetic result left the accepted money range (0 … 10^15 đồng) or overflowed.
    case amountOverflow(String)
    /// The XML text cannot be parsed (position is a byte offset into the input).
    case malformedXML(offset: Int, reason: String)
    /// The XML parses but is not a well-formed FeeGate document (missing/unexpected element, wrong order …).
    case structure(path: String, reason: String)
    /// A recomputed value differs from the one in the document.
    case mismatch(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .amountOutOfRange(let value):
            return "amount \(value) cannot be read in words: it must be between 0 and 1000000000000000 (10^15) đồng"
        case .invalidField(let field, let value, let rule):
            return "invalid \(field) '\(value)': \(rule)"
        case .invalidDocument(let reason):
            return "invalid document: \(reason)"
        case .amountOverflow(let what):
            return "amount out of range: \(what) exceeds 10^15 đồng"
        case .malformedXML(let offset, let reason):
            return "malformed XML at byte \(offset): \(reason)"
        case .structure(let path, let reason):
            return "\(path): \(reason)"
        case .mismatch(let path, let expected, let found):
            return "\(path): expected '\(expected)' (recomputed) but the document has '\(found)'"
        }
    }
}
