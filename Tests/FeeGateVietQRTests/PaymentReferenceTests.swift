import FeeGateVietQR
import FeeGateTestSupport
import Foundation
import Testing

@Suite("Payment references")
struct PaymentReferenceTests {
    /// An independent implementation of the documented rule (GF(2^5), x^5+x^2+1, weights α^1…α^6).
    static let pythonReference = """
        import sys
        A = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        def mul(a, b):
            r = 0
            for i in range(5):
                if (b >> i) & 1: r ^= a << i
            for bit in range(9, 4, -1):
                if (r >> bit) & 1: r ^= 0b100101 << (bit - 5)
            return r
        def pw(e):
            r = 1
            for _ in range(e): r = mul(r, 2)
            return r
        for n in map(int, sys.argv[1:]):
            body = [(n >> (5 * (5 - i))) & 31 for i in range(6)]
            check = 0
            for i, v in enumerate(body): check ^= mul(pw(i + 1), v)
            print("FG" + "".join(A[v] for v in body) + A[check])
        """

    @Test("references match an independent Python implementation of the documented check rule")
    func matchesIndependentImplementation() throws {
        var rng = SplitMix64(seed: 5)
        let numbers: [UInt32] = [0, 1, 31, 32, 1023, 123_456_789, PaymentReference.maximumNumber]
            + (0..<50).map { _ in UInt32.random(in: 0...PaymentReference.maximumNumber, using: &rng) }
        let result = try runPython(Self.pythonReference, numbers.map(String.init))
        try #require(result.status == 0, "\(result.stderr)")
        let expected = result.stdout.split(separator: "\n").map(String.init)
        #expect(expected == numbers.map { PaymentReference(number: $0).text })
        #expect(PaymentReference(number: 0).text == "FG2222222")  // all-zero body, zero check
    }

    @Test("alphabet has no 0, O, 1 or I, and references are nine upper-case characters")
    func shape() {
        #expect(PaymentReference.alphabet.count == 32)
        for ambiguous in "0O1I" { #expect(!PaymentReference.alphabet.contains(ambiguous)) }
        var rng = SplitMix64(seed: 1)
        for _ in 0..<1_000 {
            let reference = PaymentReference.generate(using: &rng)
            #expect(reference.text.count == 9 && reference.text.hasPrefix("FG"))
            #expect(reference.text.allSatisfy { PaymentReference.alphabet.contains($0) || "FG".contains($0) })
            #expect(PaymentReference(number: reference.number) == reference)
            #expect(PaymentReference(parsing: reference.text) == reference)
        }
    }

    @Test("references survive upper-casing, punctuation stripping, spaces and surrounding text")
    func survivesBankMangling() throws {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<500 {
            let reference = PaymentReference.generate(using: &rng)
            let text = reference.text
            let spaced = String(text.prefix(5)) + " " + String(text.dropFirst(5))
            let dashed = text.enumerated().map { $0.offset > 0 && $0.offset % 3 == 0 ? "-\($0.element)" : "\($0.element)" }.joined()
            let variants = [
                "MBVCB.123456.\(text).CT tu 0123456789 NGUYEN VAN A",
                text.lowercased(),
                "IBFT \(spaced) thanh toan phi gui xe",
                "\(dashed)",
                "Chuyển tiền \(text.lowercased()) - Nguyễn Văn Đức",
                "0123456789\(text)TRACE998877",
                "ND:\(text);",
            ]
            for variant in variants {
                #expect(PaymentReference.extract(from: variant).contains(reference), "\(variant)")
                #expect(PaymentReference.extract(from: variant.uppercased()).contains(reference), "\(variant)")
            }
            #expect(PaymentReference(parsing: " \(dashed.lowercased()) ") == reference)
        }
    }

    @Test("every single-character substitution and adjacent transposition is rejected")
    func detectsCorruption() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<300 {
            let reference = PaymentReference.generate(using: &rng)
            let chars = Array(reference.text)
            for position in 2..<chars.count {
                for symbol in PaymentReference.alphabet where symbol != chars[position] {
                    var corrupted = chars
                    corrupted[position] = symbol
                    let text = String(corrupted)
                    #expect(PaymentReference(parsing: text) == nil, "\(text)")
                    #expect(PaymentReference.extract(from: "MBVCB.1.\(text).CT").isEmpty, "\(text)")
                }
                if position + 1 < chars.count, chars[position] != chars[position + 1] {
                    var swapped = chars
                    swapped.swapAt(position, position + 1)
                    #expect(PaymentReference(parsing: String(swapped)) == nil, "\(String(swapped))")
                }
            }
            // Ambiguous look-alikes typed by a person are never accepted.
            for (index, char) in chars.enumerated() where index >= 2 {
                for lookalike in ["0", "O", "1", "I"] where char != Character(lookalike) {
                    var typed = chars
                    typed[index] = Character(lookalike)
                    #expect(PaymentReference(parsing: String(typed)) == nil)
                }
            }
            // A damaged prefix hides the reference.
            #expect(PaymentReference.extract(from: "FH" + reference.text.dropFirst(2)).isEmpty)
        }
    }

    @Test("the documented example is found in a typical bank memo, and its corruption is not")
    func documentedExample() throws {
        let reference = try #require(PaymentReference(parsing: "FG7K3M9X5"))
        #expect(PaymentReference.extract(from: "MBVCB.123456.FG7K3M9X5.CT tu 0123456789 NGUYEN VAN A") == [reference])
        #expect(PaymentReference.extract(from: "MBVCB.123456.FG7K3M9X2.CT tu 0123456789 NGUYEN VAN A").isEmpty)
        #expect(PaymentReference.extract(from: "fg-7k3m-9x5") == [reference])
    }

    @Test("a truncated reference is not found; two references in one text are both found in order")
    func edgeCases() {
        let a = PaymentReference(number: 42), b = PaymentReference(number: 4242)
        #expect(PaymentReference.extract(from: "CT \(a.text.dropLast())").isEmpty)
        #expect(PaymentReference.extract(from: "\(a.text) va \(b.text) \(a.text)") == [a, b])
        #expect(PaymentReference(parsing: a.text + "2") == nil)
    }
}
