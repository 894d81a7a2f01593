import CZlib
import Foundation

/// A read-only ZIP archive (PKWARE APPNOTE 6.3): the container of an `.xlsx` workbook.
///
/// Entries are found through the central directory (not by scanning local headers, which a streamed
/// archive may leave incomplete), are stored or DEFLATE-compressed (inflated by the system zlib), and
/// are checked against their CRC-32. Every inflated byte counts against one budget, so a small archive
/// that expands to gigabytes (a "zip bomb") fails with ``ZIPError/tooLarge(limit:)`` instead of
/// exhausting memory. Encrypted entries and ZIP64 archives are refused.
struct ZIPReader {
    /// One entry of the central directory.
    struct Entry {
        let name: String
        let method: UInt16
        let flags: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    enum ZIPError: Error, Equatable, CustomStringConvertible {
        case notAZip
        case truncated(String)
        case unsupported(String)
        case encrypted(String)
        case corrupt(String)
        case tooLarge(limit: Int)

        var description: String {
            switch self {
            case .notAZip: return "not a ZIP archive"
            case .truncated(let what): return "the ZIP archive is truncated or damaged (\(what))"
            case .unsupported(let what): return "unsupported ZIP feature: \(what)"
            case .encrypted(let name): return "\(name) is encrypted"
            case .corrupt(let what): return "the ZIP archive is corrupt: \(what)"
            case .tooLarge(let limit):
                let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit) bytes"
                return "the archive inflates to more than \(size); refused as a possible zip bomb"
            }
        }
    }

    /// Default cap on the bytes inflated from one archive: far above any real statement workbook.
    static let defaultLimit = 512 << 20

    let bytes: [UInt8]
    let entries: [String: Entry]
    /// Bytes inflated so far; shared by every entry read from this archive.
    private(set) var inflated = 0
    let limit: Int

    static func isZIP(_ data: Data) -> Bool { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    init(_ data: Data, limit: Int = ZIPReader.defaultLimit) throws(ZIPError) {
        let bytes = [UInt8](data)
        self.bytes = bytes
        self.limit = limit
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) else { throw .notAZip }
        // The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
        let searchFrom = max(0, bytes.count - 22 - 65_535)
        var eocd: Int?
        var i = bytes.count - 22
        while i >= searchFrom {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4B && bytes[i + 2] == 0x05 && bytes[i + 3] == 0x06 {
                eocd = i
                break
            }
            i -= 1
        }
        guard let eocd else { throw .truncated("no end-of-central-directory record") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let count = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF { throw .unsupported("ZIP64 archives") }
        guard offset + size <= eocd else { throw .truncated("the central directory lies outside the file") }
        var entries: [String: Entry] = [:]
        var p = offset
        for _ in 0..<count {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw .truncated("central directory entry at byte \(p)") }
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            guard p + 46 + nameLength <= eocd else { throw .truncated("central directory entry at byte \(p)") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            let entry = Entry(
                name: name, method: UInt16(u16(p + 10)), flags: UInt16(u16(p + 8)), crc32: UInt32(u32(p + 16)), compressedSize: u32(p + 20),
                uncompressedSize: u32(p + 24), localHeaderOffset: u32(p + 42))
            if entry.compressedSize == 0xFFFF_FFFF || entry.uncompressedSize == 0xFFFF_FFFF || entry.localHeaderOffset == 0xFFFF_FFFF {
                throw .unsupported("ZIP64 entries (\(name))")
            }
            entries[name] = entry
            p += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The entry's content, inflated and CRC-checked.
    mutating func read(_ name: String) throws(ZIPError) -> [UInt8] {
        guard let entry = entries[name] else { throw .corrupt("no entry \(name)") }
        if entry.flags & 1 != 0 { throw .encrypted(name) }
        let p = entry.localHeaderOffset
        guard p + 30 <= bytes.count, bytes[p] == 0x50, bytes[p + 1] == 0x4B, bytes[p + 2] == 0x03, bytes[p + 3] == 0x04 else {
            throw .truncated("local header of \(name)")
        }
        let nameLength = Int(bytes[p + 26]) | Int(bytes[p + 27]) << 8, extraLength = Int(bytes[p + 28]) | Int(bytes[p + 29]) << 8
        let start = p + 30 + nameLength + extraLength
        guard start + entry.compressedSize <= bytes.count else { throw .truncated("data of \(name)") }
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard inflated + entry.compressedSize <= limit else { throw .tooLarge(limit: limit) }
            output = Array(bytes[start..<(start + entry.compressedSize)])
        case 8:
            output = try inflate(name, from: start, count: entry.compressedSize, budget: limit - inflated)
        default:
            throw .unsupported("compression method \(entry.method) in \(name)")
        }
        inflated += output.count
        guard output.count == entry.uncompressedSize else { throw .corrupt("\(name) inflates to \(output.count) bytes, the directory says \(entry.uncompressedSize)") }
        guard Self.checksum(output) == entry.crc32 else { throw .corrupt("CRC-32 mismatch in \(name)") }
        return output
    }

    /// The CRC-32 of `bytes` (ISO-HDLC, as ZIP stores it).
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    /// Raw DEFLATE (RFC 1951) of `count` bytes at `from`, stopping with an error beyond `budget` output bytes.
    private func inflate(_ name: String, from: Int, count: Int, budget: Int) throws(ZIPError) -> [UInt8] {
        var stream = z_stream()
        // Negative window bits: raw DEFLATE, no zlib header (what ZIP stores).
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt("zlib cannot start") }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let limit = self.limit
        // The stream points into `bytes` only inside this closure.
        let (output, failure) = bytes.withUnsafeBufferPointer { input -> ([UInt8], ZIPError?) in
            var output: [UInt8] = []
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + from })
            stream.avail_in = uInt(count)
            var status: Int32 = Z_OK
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END {
                    return (output, status == Z_BUF_ERROR ? .truncated("compressed data of \(name) ends early") : .corrupt("\(name): invalid DEFLATE data"))
                }
                guard output.count + produced <= budget else { return (output, .tooLarge(limit: limit)) }
                output.append(contentsOf: chunk[0..<produced])
            } while status != Z_STREAM_END
            return (output, nil)
        }
        if let failure { throw failure }
        return output
    }
}
