/// CRC-16/CCITT-FALSE, the checksum of EMVCo MPM tag 63 (ISO/IEC 13239: polynomial 0x1021,
/// initial value 0xFFFF, no reflection, no final XOR; check value `CRC("123456789") = 0x29B1`).
public enum CRC16 {
    /// The CRC of `bytes`.
    public static func ccittFalse(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }

    /// The CRC of a string's UTF-8 bytes as the four upper-case hex digits that tag 63 carries,
    /// leading zeros kept (`0283`, never `283`).
    public static func hex(of text: String) -> String {
        let value = ccittFalse(text.utf8)
        let digits = Array("0123456789ABCDEF")
        return String([
            digits[Int(value >> 12 & 0xF)], digits[Int(value >> 8 & 0xF)],
            digits[Int(value >> 4 & 0xF)], digits[Int(value & 0xF)],
        ])
    }
}
