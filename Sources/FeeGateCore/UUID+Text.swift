import Foundation

extension UUID {
    /// The lowercase `8-4-4-4-12` text form every answer, export and log of FeeGate prints.
    ///
    /// Same text as `uuidString.lowercased()`, written straight from the bytes: on the request path that pair
    /// (a `printf`-style format, then a lowercase copy) ran several times per answer.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                let digits: StaticString = "0123456789abcdef"
                var at = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = digits.utf8Start[Int(byte >> 4)]
                    out[at + 1] = digits.utf8Start[Int(byte & 0x0f)]
                    at += 2
                }
                return at
            }
        }
    }

    /// Parses the canonical `8-4-4-4-12` text form, hex digits in either case, to the same value as
    /// `UUID(uuidString:)` (tests compare the two), without its `sscanf`. Stricter than Foundation, whose
    /// `sscanf` also takes a space or a minus sign where a hex digit belongs: those are refused here.
    public init?(text: some StringProtocol) {
        let parsed: UUID?
        if let contiguous = text.utf8.withContiguousStorageIfAvailable({ UUID.parse($0) }) {
            parsed = contiguous
        } else {
            parsed = Array(text.utf8).withUnsafeBufferPointer { UUID.parse($0) }
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// ``init(text:)`` over UTF-8 bytes as they arrived (the JSON fast path reads ids straight from the body).
    public init?(utf8: UnsafeRawBufferPointer) {
        guard let parsed = UUID.parse(utf8.assumingMemoryBound(to: UInt8.self)) else { return nil }
        self = parsed
    }

    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> UUID? {
        let dash = UInt8(ascii: "-")
        guard text.count == 36, text[8] == dash, text[13] == dash, text[18] == dash, text[23] == dash else { return nil }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &raw) { out -> Bool in
            var at = 0
            for byte in 0..<16 {
                if at == 8 || at == 13 || at == 18 || at == 23 { at += 1 }
                guard let high = hexValue(text[at]), let low = hexValue(text[at + 1]) else { return false }
                out[byte] = high << 4 | low
                at += 2
            }
            return true
        }
        return ok ? UUID(uuid: raw) : nil
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
