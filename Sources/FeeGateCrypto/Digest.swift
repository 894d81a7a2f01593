import COpenSSL

/// Cryptographic digests and MACs over the system OpenSSL (libcrypto).
///
/// All functions are pure, synchronous and cheap for the message sizes FeeGate handles
/// (journal rows, notification bodies); callers on the server side still run them off the event loop.
public enum Digest {
    /// The hash algorithms FeeGate uses.
    public enum Algorithm: Sendable {
        case sha1, sha256, sha512

        /// The algorithm, fetched from OpenSSL's default provider once: passing the legacy
        /// `EVP_sha256()` object makes OpenSSL 3 look the implementation up again on every call.
        var evp: OpaquePointer? {
            switch self {
            case .sha1: return Fetched.sha1
            case .sha256: return Fetched.sha256
            case .sha512: return Fetched.sha512
            }
        }

        /// Output length in bytes.
        public var length: Int {
            switch self {
            case .sha1: return 20
            case .sha256: return 32
            case .sha512: return 64
            }
        }
    }

    /// The SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { hash(.sha256, bytes) }

    /// The SHA-256 digest of a string's UTF-8 bytes.
    public static func sha256(_ string: String) -> [UInt8] { hash(.sha256, Array(string.utf8)) }

    /// The digest of `bytes` with `algorithm`.
    public static func hash(_ algorithm: Algorithm, _ bytes: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let input = Array(bytes)
        let ok = input.withUnsafeBufferPointer { buffer in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, algorithm.evp, nil)
            }
        }
        precondition(ok == 1, "EVP_Digest failed: OpenSSL is broken")
        return Array(output.prefix(Int(length)))
    }

    /// HMAC of `message` under `key` with `algorithm` (RFC 2104).
    public static func hmac(_ algorithm: Algorithm, key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let keyBytes = Array(key), messageBytes = Array(message)
        let result = keyBytes.withUnsafeBufferPointer { k in
            messageBytes.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { out in
                    HMAC(algorithm.evp, k.baseAddress, Int32(k.count), m.baseAddress, m.count, out.baseAddress, &length)
                }
            }
        }
        precondition(result != nil, "HMAC failed: OpenSSL is broken")
        return Array(output.prefix(Int(length)))
    }

    /// Compares two byte strings in time that depends only on their lengths, for MAC and key checks.
    public static func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        let a = Array(lhs), b = Array(rhs)
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }
}

/// Cryptographically secure random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: no entropy available")
        return out
    }
}

/// Lower-case and upper-case hexadecimal encoding.
public enum Hex {
    private static let lower = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(lower[Int(b >> 4)])
            out.append(lower[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case); `nil` for odd length or a non-hex character.
    public static func decode(_ string: String) -> [UInt8]? {
        let chars = Array(string.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// Message digests fetched once per process (never freed: they live as long as the process).
private enum Fetched {
    nonisolated(unsafe) static let sha1: OpaquePointer? = EVP_MD_fetch(nil, "SHA1", nil) ?? EVP_sha1()
    nonisolated(unsafe) static let sha256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
    nonisolated(unsafe) static let sha512: OpaquePointer? = EVP_MD_fetch(nil, "SHA512", nil) ?? EVP_sha512()
}

/// SHA-256 with a reused OpenSSL context and a pre-fetched algorithm, for hot loops (the journal's
/// hash chain): the same digest as ``Digest/sha256(_:)`` without a context allocation and an
/// algorithm lookup per call. Not thread-safe: use one per thread or per transaction.
public final class SHA256Context {
    private static var algorithm: OpaquePointer? { Fetched.sha256 }
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// SHA-256(`first` ‖ `second`).
    public func hash(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        var ok = EVP_DigestInit_ex(context, Self.algorithm, nil) == 1
        ok = ok && first.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) } == 1
        ok = ok && second.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) } == 1
        ok = ok && output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) } == 1
        precondition(ok && length == 32, "SHA-256 failed: OpenSSL is broken")
        return output
    }
}
