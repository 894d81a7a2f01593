import FeeGateCore

/// Reads a VND amount in Vietnamese words, for `TgTTTBChu` and receipts.
///
/// Decree 254/2026 Phụ lục 5.d requires the total "bằng chữ tiếng Việt"; no official wording algorithm
/// exists, so the conventions below are the ones recorded in `shared/domain/einvoice-vn.md` §5
/// (public implementations and real invoices). Each one, with its source there:
///
/// - Digits `không một hai ba bốn năm sáu bảy tám chín`; tens **mười** for 10–19 and **mươi** from 20
///   ("hai mươi") — §5 "Digits … Tens".
/// - **mốt**: a unit 1 after a tens digit ≥ 2 ("hai mươi mốt"), but 11 = "mười một" and 1 after "linh" =
///   "linh một" — §5 "mốt".
/// - **lăm**: a unit 5 after any non-zero tens ("mười lăm", "hai mươi lăm"); "linh năm" after a zero tens;
///   never "nhăm" — §5 "lăm".
/// - **tư**: a unit 4 after a tens digit ≥ 2 ("hai mươi tư"), never "mười tư"; "bốn" is also correct, so it is
///   a ``Style`` option (default `tư`, as §5 recommends) — §5 "tư".
/// - **linh**: a zero tens with a non-zero unit inside a group ("một trăm linh năm"); "lẻ" is the southern
///   option — §5 "linh / lẻ".
/// - **"không trăm" inside groups**: every group after the most significant one is read with all three
///   digits ("một triệu không trăm linh năm nghìn"); an entirely empty group is skipped with its unit
///   ("một triệu năm trăm") — §5 "Inner groups keep 'không trăm'".
/// - Scales **nghìn, triệu, tỷ**, then "nghìn tỷ", "triệu tỷ": the part above 10^9 is read as a number of
///   tỷ (so 10^12 = "một nghìn tỷ", 10^15 = "một triệu tỷ") — §5 "Units of scale".
/// - Zero is "không"; on invoices "Không đồng" (seen in a real XML) — §5 "Zero".
/// - Invoices append **"đồng"** and capitalise the first letter, without a final "." or "chẵn" (both optional
///   in §5; we keep the shortest form so the text compares exactly) — §5 "Currency".
public enum VietnameseNumberWords {
    /// Regional or stylistic variants the reference lists as equally correct (§5 "Make … configurable").
    public struct Style: Sendable, Hashable {
        /// Word for a zero tens before a non-zero unit: "linh" (north, default) or "lẻ" (south).
        public var zeroTens: String
        /// Word for a unit 4 after a tens digit ≥ 2: "tư" (default) or "bốn".
        public var fourAfterTens: String
        /// Word for 10^3: "nghìn" (default) or "ngàn".
        public var thousand: String

        public init(zeroTens: String = "linh", fourAfterTens: String = "tư", thousand: String = "nghìn") {
            self.zeroTens = zeroTens
            self.fourAfterTens = fourAfterTens
            self.thousand = thousand
        }

        /// linh, tư, nghìn, tỷ: the defaults recommended in einvoice-vn.md §5.
        public static let standard = Style()
    }

    /// The largest amount that can be read: 10^15 đồng (`Money.maximum`).
    public static let maximum: Int64 = 1_000_000_000_000_000

    private static let digits = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]

    /// The amount in lower-case words without currency, e.g. `25_000` → "hai mươi lăm nghìn".
    ///
    /// - Throws: ``InvoicingError/amountOutOfRange(_:)`` for a negative amount or one above 10^15.
    public static func words(_ value: Int64, style: Style = .standard) throws(InvoicingError) -> String {
        guard value >= 0, value <= maximum else { throw .amountOutOfRange(value) }
        if value == 0 { return digits[0] }
        var parts: [String] = []
        let billions = value / 1_000_000_000
        let rest = value % 1_000_000_000
        if billions > 0 {
            // The part above 10^9 counts tỷ: read it as an ordinary number (< 10^7), then "tỷ".
            appendBelowBillion(billions, leading: true, style: style, into: &parts)
            parts.append("tỷ")
        }
        if rest > 0 {
            appendBelowBillion(rest, leading: billions == 0, style: style, into: &parts)
        }
        return parts.joined(separator: " ")
    }

    /// The invoice text: capitalised, with " đồng", e.g. `105_000` → "Một trăm linh năm nghìn đồng".
    ///
    /// - Throws: ``InvoicingError/amountOutOfRange(_:)`` outside 0 … 10^15.
    public static func invoiceText(_ amount: Money, style: Style = .standard) throws(InvoicingError) -> String {
        let text = try words(amount.vnd, style: style) + " đồng"
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// Reads `value` < 10^9 as up to three groups (triệu, nghìn, units). `leading` is true when nothing
    /// precedes it, so its first group is read without "không trăm" / "linh".
    private static func appendBelowBillion(_ value: Int64, leading: Bool, style: Style, into parts: inout [String]) {
        let groups: [(Int64, String?)] = [
            (value / 1_000_000 % 1000, "triệu"),
            (value / 1000 % 1000, style.thousand),
            (value % 1000, nil),
        ]
        var seenNonZero = !leading
        for (group, unit) in groups where group > 0 {
            appendGroup(Int(group), full: seenNonZero, style: style, into: &parts)
            if let unit { parts.append(unit) }
            seenNonZero = true
        }
    }

    /// Reads one group 1…999. `full` reads all three digits ("không trăm linh năm") because a higher
    /// group precedes it; otherwise leading zeros are silent ("năm", "mười lăm").
    private static func appendGroup(_ group: Int, full: Bool, style: Style, into parts: inout [String]) {
        let hundreds = group / 100, tens = group / 10 % 10, units = group % 10
        if hundreds > 0 || full {
            parts.append(digits[hundreds])
            parts.append("trăm")
        }
        let hundredsRead = hundreds > 0 || full
        switch tens {
        case 0:
            guard units > 0 else { return }
            // "linh" only bridges a hundreds digit that was read; a bare 5 is just "năm".
            if hundredsRead { parts.append(style.zeroTens) }
            parts.append(digits[units])
        case 1:
            parts.append("mười")
            switch units {
            case 0: break
            case 5: parts.append("lăm")
            default: parts.append(digits[units])  // "mười một", "mười bốn": never mốt/tư after mười
            }
        default:
            parts.append(digits[tens])
            parts.append("mươi")
            switch units {
            case 0: break
            case 1: parts.append("mốt")
            case 4: parts.append(style.fourAfterTens)
            case 5: parts.append("lăm")
            default: parts.append(digits[units])
            }
        }
    }
}
