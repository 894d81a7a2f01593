/// The short reference a payer's bank carries in the transfer content, used to match a bank
/// notification to a payment intent.
///
/// Shape: `FG` + six body symbols + one check symbol, e.g. `FG7K3M9X5`: nine characters, well
/// inside the 25 of 62/08 and short enough to survive banks that cut the memo.
///
/// - Alphabet: `23456789ABCDEFGHJKLMNPQRSTUVWXYZ` (32 symbols). `0`, `O`, `1` and `I` never
///   occur, so a reference read aloud or retyped cannot be confused; upper case only, because
///   banks upper-case the content.
/// - Check symbol: `Σ αⁱ⁺¹·vᵢ` over the six body values in GF(2⁵) (primitive polynomial
///   x⁵ + x² + 1, α = x). Every single-symbol substitution and every transposition of two
///   adjacent symbols (check symbol included) changes the sum, so none of them yields another
///   valid reference.
/// - 32⁶ ≈ 1.07 × 10⁹ distinct references (a 30-bit number).
public struct PaymentReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The symbols, in value order.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    /// The fixed prefix that lets a reference be found inside free text.
    public static let prefix = "FG"
    /// Number of body symbols.
    public static let bodyLength = 6
    /// Total length: prefix, body and check symbol.
    public static let length = prefix.count + bodyLength + 1
    /// The largest number a reference can carry (2³⁰ − 1).
    public static let maximumNumber: UInt32 = (1 << 30) - 1

    /// The canonical text, e.g. `FG7K3M9X5`.
    public let text: String
    /// The 30-bit number the body encodes.
    public let number: UInt32

    /// The reference for `number` (only its low 30 bits are used).
    public init(number: UInt32) {
        let value = number & Self.maximumNumber
        var digits = [UInt8](repeating: 0, count: Self.bodyLength)
        var rest = value
        for index in stride(from: Self.bodyLength - 1, through: 0, by: -1) {
            digits[index] = UInt8(rest & 31)
            rest >>= 5
        }
        let check = Self.checkValue(digits)
        self.number = value
        self.text = Self.prefix + String((digits + [check]).map { Self.alphabet[Int($0)] })
    }

    /// A fresh random reference. Inject the generator (a `SystemRandomNumberGenerator` in
    /// production, a seeded one in tests); uniqueness against open intents is the caller's job.
    public static func generate(using generator: inout some RandomNumberGenerator) -> PaymentReference {
        PaymentReference(number: UInt32.random(in: 0...maximumNumber, using: &generator))
    }

    /// Parses a reference typed or copied on its own: case, spaces and punctuation are ignored,
    /// anything else must be exactly prefix, body and a correct check symbol.
    public init?(parsing input: String) {
        let normalized = Self.normalize(input)
        guard normalized.count == Self.length, let reference = Self.validate(normalized[...]) else { return nil }
        self = reference
    }

    /// Every valid reference inside free text such as a bank transfer's content, in order of
    /// appearance, without duplicates.
    ///
    /// The text is upper-cased, Vietnamese diacritics are removed and everything except letters and
    /// digits is dropped, so references survive `MBVCB.123456.FG7K3M9X5.CT tu 0123…`,
    /// `fg7k3m9x5`, `FG-7K3M-9X5` or `FG7K3 M9X5`. A candidate whose check symbol fails is ignored.
    public static func extract(from text: String) -> [PaymentReference] {
        let chars = Array(normalize(text))
        let prefixChars = Array(prefix)
        var found: [PaymentReference] = []
        var index = 0
        while index + length <= chars.count {
            if Array(chars[index..<(index + prefixChars.count)]) == prefixChars,
               let reference = validate(String(chars[index..<(index + length)])[...]),
               !found.contains(reference) {
                found.append(reference)
            }
            index += 1
        }
        return found
    }

    public var description: String { text }

    public static func < (lhs: PaymentReference, rhs: PaymentReference) -> Bool { lhs.number < rhs.number }

    // MARK: - Internals

    /// Upper-case ASCII letters and digits only.
    static func normalize(_ text: String) -> String {
        String(ASCIIText.foldVietnamese(text).uppercased().unicodeScalars
            .filter { ($0.value >= 0x30 && $0.value <= 0x39) || ($0.value >= 0x41 && $0.value <= 0x5A) }
            .map(Character.init))
    }

    private static func validate(_ candidate: Substring) -> PaymentReference? {
        guard candidate.hasPrefix(prefix) else { return nil }
        var values: [UInt8] = []
        for char in candidate.dropFirst(prefix.count) {
            guard let value = alphabet.firstIndex(of: char) else { return nil }
            values.append(UInt8(value))
        }
        guard values.count == bodyLength + 1 else { return nil }
        let body = Array(values.prefix(bodyLength))
        guard checkValue(body) == values[bodyLength] else { return nil }
        let number = body.reduce(UInt32(0)) { $0 << 5 | UInt32($1) }
        return PaymentReference(number: number)
    }

    /// `Σ α^(i+1) · v_i` in GF(32).
    static func checkValue(_ body: [UInt8]) -> UInt8 {
        var sum: UInt8 = 0
        var weight: UInt8 = 2  // α¹
        for value in body {
            sum ^= gfMultiply(weight, value)
            weight = gfMultiply(weight, 2)
        }
        return sum
    }

    /// Multiplication in GF(2⁵) modulo x⁵ + x² + 1.
    static func gfMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result: UInt8 = 0
        var x = a
        var y = b
        while y != 0 {
            if y & 1 != 0 { result ^= x }
            y >>= 1
            x <<= 1
            if x & 0x20 != 0 { x ^= 0x25 }
        }
        return result & 0x1F
    }
}
