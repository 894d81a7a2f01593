/// Folding of Vietnamese text to the printable ASCII that VietQR fields must carry.
///
/// Bank apps disagree on how to count and display non-ASCII characters (UTF-8 bytes vs characters)
/// and some refuse to scan or drop the memo, so FeeGate emits ASCII only: every Vietnamese letter is
/// mapped to its base letter (`đ`→`d`, `Đ`→`D`, `ư`→`u`, `ệ`→`e` …) and stray combining marks are
/// removed. Anything still outside printable ASCII is rejected, never dropped silently.
public enum ASCIIText {
    /// Replaces every Vietnamese letter by its base letter and removes combining diacritics
    /// (U+0300–U+036F, which also covers decomposed input). Other characters are left as they are.
    public static func foldVietnamese(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x0300...0x036F).contains(scalar.value) { continue }
            if let base = foldTable[scalar] { out.append(base) } else { out.append(scalar) }
        }
        return String(out)
    }

    /// `true` for the printable ASCII range 0x20–0x7E (space included, controls excluded).
    public static func isPrintableASCII(_ scalar: Unicode.Scalar) -> Bool {
        (0x20...0x7E).contains(scalar.value)
    }

    /// Folds `value` and checks it is non-empty printable ASCII of at most `maximum` characters.
    /// - Throws: `.emptyField`, `.unsupportedCharacter` or `.fieldTooLong`; the value is never truncated.
    public static func field(_ value: String, name: String, maximum: Int) throws(VietQRError) -> String {
        let folded = foldVietnamese(value)
        guard !folded.isEmpty else { throw .emptyField(field: name) }
        if let bad = folded.unicodeScalars.first(where: { !isPrintableASCII($0) }) {
            throw .unsupportedCharacter(field: name, character: bad.escaped(asASCII: true))
        }
        let length = folded.unicodeScalars.count
        guard length <= maximum else { throw .fieldTooLong(field: name, length: length, maximum: maximum) }
        return folded
    }

    /// The 134 precomposed Vietnamese letters (12 vowels × 6 tones, both cases, and đ/Đ).
    private static let foldTable: [Unicode.Scalar: Unicode.Scalar] = {
        let groups: [(Unicode.Scalar, String)] = [
            ("a", "àáảãạăằắẳẵặâầấẩẫậ"), ("A", "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
            ("e", "èéẻẽẹêềếểễệ"), ("E", "ÈÉẺẼẸÊỀẾỂỄỆ"),
            ("i", "ìíỉĩị"), ("I", "ÌÍỈĨỊ"),
            ("o", "òóỏõọôồốổỗộơờớởỡợ"), ("O", "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
            ("u", "ùúủũụưừứửữự"), ("U", "ÙÚỦŨỤƯỪỨỬỮỰ"),
            ("y", "ỳýỷỹỵ"), ("Y", "ỲÝỶỸỴ"),
            ("d", "đ"), ("D", "Đ"),
        ]
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (base, letters) in groups {
            for letter in letters.unicodeScalars { table[letter] = base }
        }
        return table
    }()
}
