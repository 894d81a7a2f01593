import FeeGateCore
import Foundation
import Testing

/// `UUID.lowercasedString` and `UUID(text:)` against Foundation's own `uuidString` and `UUID(uuidString:)`.
@Suite struct UUIDTextTests {
    @Test func printsWhatFoundationPrintsInLowercase() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
            let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let any = UUID(bytes: bytes)!
            #expect(any.lowercasedString == any.uuidString.lowercased())
        }
        #expect(UUID.zero.lowercasedString == "00000000-0000-0000-0000-000000000000")
        #expect(UUID(uuid: (0xff, 0xfe, 0xa0, 0x0a, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67)).lowercasedString
            == "fffea00a-1234-5678-9abc-def001234567")
    }

    /// 36 characters, `-` at 8, 13, 18 and 23, ASCII hex digits elsewhere (RFC 9562 §4).
    static func isCanonical(_ text: String) -> Bool {
        let chars = Array(text.unicodeScalars)
        guard chars.count == 36 else { return false }
        return chars.indices.allSatisfy { i in
            [8, 13, 18, 23].contains(i) ? chars[i] == "-" : chars[i].properties.isASCIIHexDigit
        }
    }

    /// Foundation's `UUID(uuidString:)` reads each byte with `sscanf`'s `%2hhx`, which also takes a space or a
    /// minus sign where a digit belongs; FeeGate takes only canonical text.
    @Test func rejectsTheNonCanonicalTextFoundationLetsThrough() {
        for text in ["DB139D04--529-4566-897B-409256C5B476", "0347E6 0-F1F2-4B10-B6B2-0ED9FD94CBD7", "-D303C94-1FAB-439B-AD5C-DAD50FBE8BEF"] {
            #expect(UUID(uuidString: text) != nil, "Foundation no longer accepts \(text): the note above is out of date")
            #expect(UUID(text: text) == nil, "\(text)")
        }
    }

    @Test func acceptsCanonicalTextWithFoundationsValue() {
        var random = SystemRandomNumberGenerator()
        // Valid ids in both cases, then each mutated by one edit drawn from characters near the valid ones.
        let alphabet = Array("0123456789abcdefABCDEFgG-{} xZ\u{0}é")
        var checked = 0
        for _ in 0..<3_000 {
            let text = Bool.random(using: &random) ? UUID().uuidString : UUID().uuidString.lowercased()
            var candidates = [text, "{\(text)}", String(text.dropLast()), text + "0", text.replacingOccurrences(of: "-", with: "")]
            var chars = Array(text)
            let position = Int.random(in: 0..<chars.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: chars[position] = alphabet.randomElement(using: &random)!
            case 1: chars.remove(at: position)
            default: chars.insert(alphabet.randomElement(using: &random)!, at: position)
            }
            candidates.append(String(chars))
            for candidate in candidates {
                // Foundation's value wherever the text is canonical; nil for everything else.
                let expected = Self.isCanonical(candidate) ? UUID(uuidString: candidate) : nil
                if Self.isCanonical(candidate) { #expect(UUID(uuidString: candidate) != nil, "\(candidate)") }
                #expect(UUID(text: candidate) == expected, "\(candidate)")
                #expect(UUID(text: candidate[...]) == expected, "substring \(candidate)")
                checked += 1
            }
        }
        #expect(checked == 18_000)
        #expect(UUID(text: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8") == UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
        #expect(UUID(text: "") == nil)
    }
}
