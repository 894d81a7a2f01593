import FeeGateQRImage
import FeeGateTestSupport
import Foundation
import Testing

@Suite("QR image and PNG writer", .serialized)
struct PNGTests {
    @Test("CRC-32 and Adler-32 reproduce their published check values")
    func checksums() {
        #expect(PNGWriter.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGWriter.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)  // RFC 1950 example used on Wikipedia
        #expect(PNGWriter.crc32(Array("IEND".utf8)) == 0xAE42_6082)  // every PNG ends with this CRC
    }

    @Test("stored deflate streams longer than one block decompress with Python's zlib")
    func zlibStored() throws {
        var rng = SplitMix64(seed: 11)
        let data = (0..<150_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let stream = PNGWriter.zlibStored(data)
        let hex = stream.map { String(format: "%02x", $0) }.joined()
        let result = try runTool(
            ["python3", "-c", "import sys, zlib, hashlib; d = zlib.decompress(bytes.fromhex(sys.stdin.read())); print(len(d), hashlib.sha256(d).hexdigest())"],
            stdin: hex, installHint: "apt-get install python3")
        let python = try runTool(
            ["python3", "-c", "import sys, hashlib; print(hashlib.sha256(bytes.fromhex(sys.stdin.read())).hexdigest())"],
            stdin: data.map { String(format: "%02x", $0) }.joined(), installHint: "apt-get install python3")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .newlines) == "150000 " + python.stdout.trimmingCharacters(in: .newlines))
    }

    @Test("the PNG is well formed: signature, chunk CRCs, IHDR and pixels as Python reads them")
    func pngStructure() throws {
        let symbol = try QRSymbol(encoding: "HELLO FEEGATE", errorCorrection: .medium)
        #expect(symbol.size == 17 + 4 * symbol.version)
        let png = try symbol.png(moduleSize: 3, quietZone: 4)
        // Python parses the file with zlib only, checks every chunk CRC and prints the pixel rows as 0/1.
        let script = """
            import sys, zlib, struct
            b = bytes.fromhex(sys.stdin.read())
            assert b[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
            i, idat, ihdr = 8, b"", None
            while i < len(b):
                n, = struct.unpack(">I", b[i:i+4]); t = b[i+4:i+8]; d = b[i+8:i+8+n]
                crc, = struct.unpack(">I", b[i+8+n:i+12+n])
                assert zlib.crc32(t + d) == crc, t
                if t == b"IHDR": ihdr = struct.unpack(">IIBBBBB", d)
                if t == b"IDAT": idat += d
                i += 12 + n
            w, h, depth, color, _, _, _ = ihdr
            assert depth == 1 and color == 0, ihdr
            raw = zlib.decompress(idat); stride = (w + 7) // 8 + 1
            for y in range(h):
                row = raw[y*stride:(y+1)*stride]; assert row[0] == 0
                print("".join("0" if (row[1 + x // 8] >> (7 - x % 8)) & 1 else "1" for x in range(w)))
            """
        let result = try runTool(["python3", "-c", script], stdin: png.map { String(format: "%02x", $0) }.joined(),
                                 installHint: "apt-get install python3")
        try #require(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").map(Array.init)
        let side = (symbol.size + 8) * 3
        try #require(rows.count == side && rows.allSatisfy { $0.count == side })
        for y in 0..<side {
            for x in 0..<side {
                let mx = x / 3 - 4, my = y / 3 - 4
                let dark = mx >= 0 && my >= 0 && mx < symbol.size && my < symbol.size && symbol.isDark(x: mx, y: my)
                if (rows[y][x] == "1") != dark {
                    Issue.record("pixel (\(x), \(y)) wrong")
                    return
                }
            }
        }
        // Finder pattern: the top-left 7×7 corner of a QR symbol is dark on its border.
        #expect((0..<7).allSatisfy { symbol.isDark(x: $0, y: 0) && symbol.isDark(x: 0, y: $0) })
    }

    @Test("zbarimg reads text back from the PNG at every error-correction level")
    func zbar() throws {
        let directory = FileManager.default.temporaryDirectory
        for (index, level) in QRSymbol.ErrorCorrection.allCases.enumerated() {
            let text = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52"
            let file = directory.appendingPathComponent("feegate-png-\(UUID().uuidString).png")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(try QRSymbol(encoding: text, errorCorrection: level).png(moduleSize: 4 + index)).write(to: file)
            let result = try runTool(["zbarimg", "--raw", "-q", file.path], installHint: "apt-get install zbar-tools")
            #expect(result.stdout.trimmingCharacters(in: .newlines) == text, "\(level): \(result.stderr)")
        }
    }

    @Test("invalid requests are typed errors")
    func errors() throws {
        #expect(throws: QRImageError.emptyData) { try QRSymbol(encoding: "") }
        #expect(throws: QRImageError.encodingFailed(byteCount: 4000)) { try QRSymbol(encoding: String(repeating: "x", count: 4000)) }
        let symbol = try QRSymbol(encoding: "x")
        #expect(throws: QRImageError.invalidScale(0)) { try symbol.png(moduleSize: 0) }
    }
}
