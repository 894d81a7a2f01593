/// A ZIP archive written byte-for-byte deterministically: entries in the order given, stored (method 0,
/// no compression), one fixed modification time, no extra fields, no platform attributes. The same entries
/// always give the same bytes, which is what makes a tax export reproducible (APPNOTE.TXT 6.3.x, §4.3).
///
/// Limits: fewer than 65,535 entries and under 4 GiB in all (no ZIP64) — a day's export is far below both;
/// larger input is refused rather than written wrongly.
public struct ZIPArchive: Sendable {
    public struct Entry: Sendable, Hashable {
        /// A relative path with `/` separators (UTF-8; flag bit 11 is set).
        public let name: String
        public let bytes: [UInt8]

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case tooLarge(String)
        case badName(String)

        public var description: String {
            switch self {
            case .tooLarge(let what): return "the archive is too large for a ZIP without ZIP64: \(what)"
            case .badName(let name): return "'\(name)' is not a relative file name for a ZIP entry"
            }
        }
    }

    /// The MS-DOS date and time every entry carries (1980-01-01 00:00, the earliest DOS date): the file system
    /// times of the moment an export ran must not change its bytes.
    static let dosTime: UInt16 = 0
    static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    /// The archive bytes.
    public static func write(_ entries: [Entry]) throws(Failure) -> [UInt8] {
        guard entries.count < 0xFFFF else { throw .tooLarge("\(entries.count) entries") }
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            guard !name.isEmpty, name.count < 0xFFFF, !entry.name.hasPrefix("/"), !entry.name.contains("\\"),
                  !entry.name.split(separator: "/").contains("..")
            else { throw .badName(entry.name) }
            guard entry.bytes.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else { throw .tooLarge(entry.name) }
            let crc = CRC32.checksum(entry.bytes)
            let offset = UInt32(out.count)
            let size = UInt32(entry.bytes.count)
            // Local file header.
            out.append32(0x0403_4B50)
            out.append16(20)            // version needed: 2.0
            out.append16(1 << 11)       // general purpose flags: UTF-8 names
            out.append16(0)             // method: stored
            out.append16(dosTime)
            out.append16(dosDate)
            out.append32(crc)
            out.append32(size)
            out.append32(size)
            out.append16(UInt16(name.count))
            out.append16(0)             // extra field length
            out += name
            out += entry.bytes
            // Central directory header.
            central.append32(0x0201_4B50)
            central.append16(20)        // version made by: 2.0, MS-DOS attributes (no host-specific bits)
            central.append16(20)
            central.append16(1 << 11)
            central.append16(0)
            central.append16(dosTime)
            central.append16(dosDate)
            central.append32(crc)
            central.append32(size)
            central.append32(size)
            central.append16(UInt16(name.count))
            central.append16(0)         // extra
            central.append16(0)         // comment
            central.append16(0)         // disk number start
            central.append16(0)         // internal attributes
            central.append32(0)         // external attributes
            central.append32(offset)
            central += name
        }
        guard out.count + central.count < 0xFFFF_FFFF else { throw .tooLarge("\(out.count + central.count) bytes") }
        let centralOffset = UInt32(out.count)
        out += central
        // End of central directory record.
        out.append32(0x0605_4B50)
        out.append16(0)
        out.append16(0)
        out.append16(UInt16(entries.count))
        out.append16(UInt16(entries.count))
        out.append32(UInt32(central.count))
        out.append32(centralOffset)
        out.append16(0)
        return out
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as ZIP uses it.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    mutating func append16(_ v: UInt16) {
        append(UInt8(v & 0xFF))
        append(UInt8(v >> 8))
    }

    mutating func append32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(shift)) & 0xFF)) }
    }
}
