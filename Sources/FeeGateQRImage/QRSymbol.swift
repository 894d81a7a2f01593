import CQREncode

/// A QR Code symbol (ISO/IEC 18004) as a square grid of dark and light modules, made by libqrencode.
public struct QRSymbol: Sendable, Hashable {
    /// Error-correction level: how much of the symbol may be damaged and still decode.
    public enum ErrorCorrection: Sendable, Hashable, CaseIterable {
        /// ~7 %.
        case low
        /// ~15 %: the usual choice for payment codes on screens and paper.
        case medium
        /// ~25 %.
        case quartile
        /// ~30 %: for codes printed where they get scratched or dirty (bus stops, parking gates).
        case high

        var level: QRecLevel {
            switch self {
            case .low: return QR_ECLEVEL_L
            case .medium: return QR_ECLEVEL_M
            case .quartile: return QR_ECLEVEL_Q
            case .high: return QR_ECLEVEL_H
            }
        }
    }

    /// Modules per side (21 for version 1, +4 per version).
    public let size: Int
    /// QR version 1–40 that libqrencode chose.
    public let version: Int
    /// Row-major, `true` = dark module; `size * size` entries.
    public let modules: [Bool]

    /// Encodes `text`'s UTF-8 bytes, choosing the smallest version that fits.
    /// - Throws: `QRImageError.encodingFailed` when the data does not fit in a version-40 symbol
    ///   at this level (or libqrencode fails).
    public init(encoding text: String, errorCorrection: ErrorCorrection = .medium) throws(QRImageError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .emptyData }
        // 8-bit mode over the exact bytes: no case folding, no charset guessing by the library.
        let code = bytes.withUnsafeBufferPointer { buffer in
            QRcode_encodeData(Int32(buffer.count), buffer.baseAddress, 0, errorCorrection.level)
        }
        guard let code else { throw .encodingFailed(byteCount: bytes.count) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        var modules = [Bool](repeating: false, count: width * width)
        if let data = code.pointee.data {
            for index in 0..<(width * width) {
                modules[index] = data[index] & 1 == 1  // bit 0: dark module
            }
        }
        self.size = width
        self.version = Int(code.pointee.version)
        self.modules = modules
    }

    /// Whether the module at (`x`, `y`) is dark; (0, 0) is the top-left corner.
    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// A 1-bit grayscale PNG: `moduleSize` pixels per module and a `quietZone`-module light border
    /// (the standard asks for at least 4).
    public func png(moduleSize: Int = 8, quietZone: Int = 4) throws(QRImageError) -> [UInt8] {
        guard moduleSize >= 1, moduleSize <= 64 else { throw .invalidScale(moduleSize) }
        guard quietZone >= 0, quietZone <= 64 else { throw .invalidQuietZone(quietZone) }
        let side = (size + 2 * quietZone) * moduleSize
        return PNGWriter.grayscale1Bit(width: side, height: side) { x, y in
            let mx = x / moduleSize - quietZone
            let my = y / moduleSize - quietZone
            guard mx >= 0, my >= 0, mx < size, my < size else { return false }
            return isDark(x: mx, y: my)
        }
    }
}

/// Why a QR image could not be produced.
public enum QRImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing to encode.
    case emptyData
    /// libqrencode could not encode the data (too long for version 40 at this level).
    case encodingFailed(byteCount: Int)
    /// Module size outside 1–64 pixels.
    case invalidScale(Int)
    /// Quiet zone outside 0–64 modules.
    case invalidQuietZone(Int)

    public var description: String {
        switch self {
        case .emptyData: return "nothing to encode in the QR code"
        case .encodingFailed(let count): return "libqrencode could not encode \(count) bytes (too long for a QR code at this error-correction level?)"
        case .invalidScale(let value): return "module size \(value) px is outside 1–64"
        case .invalidQuietZone(let value): return "quiet zone of \(value) modules is outside 0–64"
        }
    }
}
