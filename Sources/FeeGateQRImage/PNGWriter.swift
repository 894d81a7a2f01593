/// A minimal PNG encoder (ISO/IEC 15948): one IHDR, one IDAT, one IEND.
///
/// Image data is zlib-wrapped (RFC 1950) DEFLATE (RFC 1951) using stored, uncompressed blocks,
/// which every decoder must accept; QR images are small, so compression is not worth a dependency.
public enum PNGWriter {
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// A bilevel image, 1 bit per pixel (colour type 0), `isDark(x, y)` giving black pixels.
    public static func grayscale1Bit(width: Int, height: Int, isDark: (Int, Int) -> Bool) -> [UInt8] {
        let rowBytes = (width + 7) / 8
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type None
            var byte: UInt8 = 0
            for x in 0..<width {
                // In grayscale, bit 1 is white: light pixels set their bit, most significant first.
                if !isDark(x, y) { byte |= 0x80 >> UInt8(x % 8) }
                if x % 8 == 7 || x == width - 1 {
                    raw.append(byte)
                    byte = 0
                }
            }
        }
        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [1, 0, 0, 0, 0]  // bit depth 1, colour type 0, deflate, filter 0, no interlace
        var png = signature
        png += chunk("IHDR", header)
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    /// `data` as a zlib stream of stored DEFLATE blocks (at most 65,535 bytes each).
    public static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // CM 8, 32 KiB window, FCHECK so that 0x7801 % 31 == 0
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let isFinal = offset + count == data.count
            out.append(isFinal ? 1 : 0)  // BFINAL, BTYPE 00 (stored)
            let length = UInt16(count)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        out += bigEndian(adler32(data))
        return out
    }

    /// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as PNG chunks use.
    public static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }

    /// Adler-32 (RFC 1950).
    public static func adler32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
