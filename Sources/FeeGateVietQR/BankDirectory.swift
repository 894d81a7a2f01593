/// Bank identifiers (BIN / BNB ID, 38/01/00) and their short names.
///
/// `standard` is the State Bank of Vietnam list (letter CV 1589/NHNN-TT, BINs issued up to
/// 31/12/2023) plus the non-SBV BNB IDs that NAPAS VietQR uses for digital banks and wallets.
/// Operations can load a newer list with `init(tsv:)` without a code change.
public struct BankDirectory: Sendable {
    /// One bank.
    public struct Bank: Sendable, Hashable {
        /// Six-digit BIN / BNB ID.
        public let bin: String
        /// Short name as Vietnamese banking apps show it.
        public let shortName: String

        public init(bin: String, shortName: String) {
            self.bin = bin
            self.shortName = shortName
        }
    }

    /// A line of a bank list file that could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public let line: Int
        /// What is wrong.
        public let reason: String

        public var description: String { "bank list line \(line): \(reason)" }
    }

    /// Every bank, in list order.
    public let banks: [Bank]
    private let byBIN: [String: Bank]

    /// A directory of `banks`; a later entry for the same BIN replaces an earlier one.
    public init(banks: [Bank]) {
        self.banks = banks
        self.byBIN = Dictionary(banks.map { ($0.bin, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads `BIN<TAB>short name` lines; blank lines and lines starting with `#` are skipped.
    /// - Throws: `ParseError` for a BIN that is not six digits or a missing name.
    public init(tsv: String) throws(ParseError) {
        var banks: [Bank] = []
        for (index, rawLine) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", maxSplits: 1).map { $0.trimmingSpaces() }
            guard columns.count == 2, !columns[1].isEmpty else {
                throw ParseError(line: index + 1, reason: "expected \"BIN<TAB>name\"")
            }
            guard columns[0].utf8.count == 6, columns[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw ParseError(line: index + 1, reason: "BIN \"\(columns[0])\" is not six digits")
            }
            banks.append(Bank(bin: columns[0], shortName: columns[1]))
        }
        self.init(banks: banks)
    }

    /// The bank with `bin`, if listed.
    public func bank(bin: String) -> Bank? { byBIN[bin] }

    /// The bundled list.
    public static let standard = BankDirectory(banks: standardEntries.map { Bank(bin: $0.0, shortName: $0.1) })

    private static let standardEntries: [(String, String)] = [
        // State Bank of Vietnam, CV 1589/NHNN-TT (2024), BINs issued up to 31/12/2023.
        ("970400", "SaigonBank"), ("970403", "Sacombank"), ("970405", "Agribank"),
        ("970406", "Vikki Bank (DongA Bank)"), ("970407", "Techcombank"), ("970408", "GPBank"),
        ("970409", "Bac A Bank"), ("970410", "Standard Chartered"), ("970412", "PVcomBank"),
        ("970414", "MBV (OceanBank)"), ("970415", "VietinBank"), ("970416", "ACB"),
        ("970418", "BIDV"), ("970419", "NCB"), ("970421", "VRB"), ("970422", "MB Bank"),
        ("970423", "TPBank"), ("970424", "Shinhan Bank"), ("970425", "ABBANK"), ("970426", "MSB"),
        ("970427", "VietABank"), ("970428", "Nam A Bank"), ("970429", "SCB"), ("970430", "PGBank"),
        ("970431", "Eximbank"), ("970432", "VPBank"), ("970433", "VietBank"), ("970434", "Indovina Bank"),
        ("970436", "Vietcombank"), ("970437", "HDBank"), ("970438", "BaoViet Bank"),
        ("970439", "Public Bank Vietnam"), ("970440", "SeABank"), ("970441", "VIB"),
        ("970442", "Hong Leong Bank"), ("970443", "SHB"), ("970444", "CB Bank"),
        ("970446", "Co-op Bank"), ("970448", "OCB"), ("970449", "LPBank"), ("970452", "KienlongBank"),
        ("970454", "BVBank (Viet Capital)"), ("970457", "Woori Bank"), ("970458", "UOB"),
        ("970459", "CIMB"),
        // BNB IDs outside the SBV card-BIN list that VietQR uses (digital banks, foreign banks, wallets).
        ("546034", "CAKE by VPBank"), ("546035", "Ubank by VPBank"), ("963388", "Timo"),
        ("963369", "Liobank"), ("668888", "KBank"), ("458761", "HSBC"), ("796500", "DBS Bank"),
        ("801011", "Nonghyup Bank"), ("422589", "CIMB"), ("971025", "MoMo"),
    ]
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
