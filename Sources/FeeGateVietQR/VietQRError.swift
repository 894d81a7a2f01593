/// Everything that can go wrong decoding an EMVCo / VietQR payload or encoding a VietQR.
///
/// Paths name a data object by its IDs from the root, separated by `/`: `38/01/01` is the account
/// number inside the beneficiary template inside the VietQR merchant-account template. The empty
/// path is the payload itself.
public enum VietQRError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Decoding
    /// The payload is empty.
    case emptyPayload
    /// The payload does not end with a CRC object `6304` + four hex digits.
    case missingCRC
    /// The CRC in tag 63 does not match the payload (case is ignored); `expected` is the correct value.
    case crcMismatch(found: String, expected: String)
    /// An ID or length field inside `path` is not two decimal digits (or is cut off).
    case malformedHeader(path: String, offset: Int, found: String)
    /// The length declared by the object at `path` does not fit its template: `actual` characters
    /// remain between the start of its value and the end of the enclosing template.
    case lengthMismatch(path: String, declared: Int, actual: Int)
    /// The object at `path` declares length `00`; EMVCo lengths run 01–99.
    case emptyValue(path: String)
    /// The ID at `path` occurs twice in the same template.
    case duplicateTag(path: String)
    /// The first object is not the Payload Format Indicator (tag 00).
    case formatIndicatorNotFirst(found: String)
    /// Tag 00 is not `01`, the only version defined.
    case unsupportedFormatIndicator(String)
    /// The CRC object (tag 63) is present but not the last object.
    case crcNotLast
    /// A mandatory object is absent.
    case missingTag(path: String, name: String)
    /// An object is present but its value breaks the rules for that field.
    case invalidValue(path: String, value: String, reason: String)
    /// The value at `path` is not valid UTF-8 when lengths are read as UTF-8 bytes.
    case invalidUTF8(path: String)
    /// The payload is a well-formed EMVCo QR, but not a NAPAS VietQR (for example VNPAY-QR).
    case notVietQR(scheme: PaymentScheme)

    // MARK: Encoding
    /// A field exceeds its maximum length after ASCII folding; nothing is ever truncated.
    case fieldTooLong(field: String, length: Int, maximum: Int)
    /// A field was given but is empty.
    case emptyField(field: String)
    /// A field contains a character that cannot be carried as printable ASCII even after removing
    /// Vietnamese diacritics (an emoji, a control character, a non-Latin letter).
    case unsupportedCharacter(field: String, character: String)
    /// A field has the wrong shape (a BIN that is not six digits, a zero amount, …).
    case invalidField(field: String, value: String, reason: String)
    /// A template's encoded content exceeds the 99 characters a TLV length can state.
    case templateTooLong(tag: String, length: Int)

    public var description: String {
        switch self {
        case .emptyPayload:
            return "empty payload"
        case .missingCRC:
            return "payload does not end with the CRC object (6304 followed by four hex digits)"
        case .crcMismatch(let found, let expected):
            return "bad CRC: payload carries \(found) but the CRC-16/CCITT-FALSE of its content is \(expected)"
        case .malformedHeader(let path, let offset, let found):
            let place = path.isEmpty ? "the payload" : "template \(path)"
            return "malformed ID/length in \(place) at character \(offset): expected four digits, found \"\(found)\""
        case .lengthMismatch(let path, let declared, let actual):
            return "length mismatch at \(path): declared \(declared) but \(actual) character(s) remain in its template"
        case .emptyValue(let path):
            return "empty value at \(path): EMVCo lengths run from 01 to 99"
        case .duplicateTag(let path):
            return "duplicate data object \(path)"
        case .formatIndicatorNotFirst(let found):
            return "the first data object must be the Payload Format Indicator (tag 00), found tag \(found)"
        case .unsupportedFormatIndicator(let value):
            return "unsupported Payload Format Indicator \"\(value)\" (tag 00 must be 01)"
        case .crcNotLast:
            return "the CRC (tag 63) must be the last data object"
        case .missingTag(let path, let name):
            return "missing mandatory tag \(path) (\(name))"
        case .invalidValue(let path, let value, let reason):
            return "invalid value \"\(value)\" at \(path): \(reason)"
        case .invalidUTF8(let path):
            return "value at \(path) is not valid UTF-8"
        case .notVietQR(let scheme):
            return "not a VietQR (NAPAS) payload: it is a \(scheme.displayName) EMVCo payload"
        case .fieldTooLong(let field, let length, let maximum):
            return "\(field) is \(length) characters long; the maximum is \(maximum) (values are never truncated)"
        case .emptyField(let field):
            return "\(field) is empty"
        case .unsupportedCharacter(let field, let character):
            return "\(field) contains \"\(character)\", which cannot be carried as ASCII in a VietQR"
        case .invalidField(let field, let value, let reason):
            return "invalid \(field) \"\(value)\": \(reason)"
        case .templateTooLong(let tag, let length):
            return "template \(tag) would be \(length) characters long; a template holds at most 99"
        }
    }
}
