import FeeGateTestSupport
import FeeGateVietQR
import Testing

/// Deterministic fuzzing: random and mutated payloads must always give a value or a typed error,
/// and whatever decodes must satisfy the codec's invariants.
@Suite("Decoder fuzzing")
struct FuzzTests {
    static let seeds = [
        VectorTests.v1, VectorTests.v2, VectorTests.v3, VectorTests.n2,
        "00020101021138620010A00000072701320006970454011899MM24011M348750800208QRIBFTTA53037045802VN62190515MOMOW2W3487508080030466304EBC8",
        "00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI62260311MY PHAM HER0707MPHER0163041C50",
        "00020101021002020103069084010411VNPayWallet071003933571580809Lê Anh Tú09051000010037041107content63042678",
        "000201010211262400020001140100101114-0195204490053037045802VN5931EVN CONG TY DIEN LUC THANH XUAN6006Ha Noi62450302000613PD000000000000702000812TT tien dien6304DC30",
    ]
    static let alphabet: [Character] = Array("0123456789012345678901234567890123456789ABCDEFQRIBFTTAVN ./-aêđ😀\u{0301}\n")

    @Test("50,000 random and mutated payloads: never a crash, always a value or a VietQRError")
    func fuzz() {
        var rng = SplitMix64(seed: 0xFEE6A7E)
        var decoded = 0, rejected = 0, vietQRs = 0
        var reasons: Set<String> = []
        for round in 0..<50_000 {
            let input: String
            switch round % 4 {
            case 0: input = randomText(using: &rng)
            case 1: input = mutate(Self.seeds.randomElement(using: &rng) ?? "", using: &rng)
            default:
                // Mutate, then re-seal the CRC so the structural and VietQR rules are what gets exercised.
                input = reseal(mutate(Self.seeds.randomElement(using: &rng) ?? "", using: &rng))
            }
            do {
                let result = try VietQRCodec.decode(input)
                decoded += 1
                // Invariant: a payload read with character lengths serialises back to itself.
                if result.payload.lengthUnit == .characters {
                    #expect(result.payload.serialized == input, "\(input)")
                }
                if let qr = result.vietQR {
                    vietQRs += 1
                    // Invariant: a decoded VietQR re-encodes to something that decodes to the same
                    // account and amount, or the encoder says precisely why it cannot.
                    do {
                        let again = try VietQRCodec.decodeVietQR(try VietQRCodec.encode(qr))
                        #expect(again.bin == qr.bin && again.account == qr.account && again.amount == qr.amount)
                    } catch {
                        #expect(!error.description.isEmpty)
                    }
                }
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
                reasons.insert(String(describing: error).prefix(while: { $0 != ":" && $0 != " " }).description)
            }
        }
        // The corpus must actually reach both outcomes and several distinct failure reasons.
        #expect(decoded > 1_000)
        #expect(vietQRs > 500)
        #expect(rejected > 20_000)
        #expect(reasons.count >= 6, "\(reasons)")
    }

    private func randomText(using rng: inout SplitMix64) -> String {
        let length = Int.random(in: 0...160, using: &rng)
        let body = String((0..<length).map { _ in Self.alphabet.randomElement(using: &rng) ?? "0" })
        return Bool.random(using: &rng) ? EMVCodec.sealed("000201" + body) : body
    }

    private func mutate(_ seed: String, using rng: inout SplitMix64) -> String {
        var chars = Array(seed)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !chars.isEmpty else { break }
            let index = Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: chars[index] = Self.alphabet.randomElement(using: &rng) ?? "0"
            case 1: chars.insert(Self.alphabet.randomElement(using: &rng) ?? "0", at: index)
            case 2: chars.remove(at: index)
            case 3: chars = Array(chars.prefix(index))
            case 4:
                let end = min(chars.count, index + Int.random(in: 1...12, using: &rng))
                chars.insert(contentsOf: chars[index..<end], at: index)
            case 5:
                if index + 1 < chars.count { chars.swapAt(index, index + 1) }
            default:
                // Nudge a digit (lengths are digits): off-by-one errors are the classic bug.
                if let digit = chars[index].wholeNumberValue { chars[index] = Character(String((digit + 1) % 10)) }
            }
        }
        return String(chars)
    }

    private func reseal(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > 8 else { return text }
        return EMVCodec.sealed(String(String.UnicodeScalarView(scalars.dropLast(8))))
    }
}
