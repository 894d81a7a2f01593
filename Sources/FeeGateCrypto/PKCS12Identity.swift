import COpenSSL

/// Errors from loading signing identities and from RSA signatures.
public enum SigningCryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The PKCS#12 file cannot be read or opened.
    case pkcs12(String)
    /// The password does not open the PKCS#12 file.
    case wrongPassword
    /// A certificate cannot be parsed or lacks something FeeGate needs.
    case certificate(String)
    /// The private key is unusable (not RSA, or not the certificate's key).
    case key(String)
    /// OpenSSL failed while signing or verifying.
    case signature(String)
    /// The certificate does not chain to a trusted CA, or is outside its validity period.
    case untrusted(String)

    public var description: String {
        switch self {
        case .pkcs12(let m): return "cannot load the PKCS#12 file: \(m)"
        case .wrongPassword: return "the password does not open the PKCS#12 file (MAC check failed)"
        case .certificate(let m): return "certificate problem: \(m)"
        case .key(let m): return "private key problem: \(m)"
        case .signature(let m): return "signature operation failed: \(m)"
        case .untrusted(let m): return "certificate not trusted: \(m)"
        }
    }
}

/// The most recent OpenSSL error as text (and clears the queue), for error messages.
func openSSLErrorText() -> String {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return "no OpenSSL error detail" }
    var buffer = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// An RSA private key held by OpenSSL.
///
/// Immutable after creation; OpenSSL 3 allows concurrent signing with one `EVP_PKEY`, hence `@unchecked Sendable`.
public final class RSAPrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer

    /// Takes ownership of `pkey` after checking it is an RSA key.
    init(taking pkey: OpaquePointer) throws(SigningCryptoError) {
        guard EVP_PKEY_get_base_id(pkey) == 6 /* EVP_PKEY_RSA = NID_rsaEncryption */ else {
            EVP_PKEY_free(pkey)
            throw .key("the key is not an RSA key; XMLDSig rsa-sha256 needs RSA")
        }
        self.pkey = pkey
    }

    /// Key size in bits.
    public var bits: Int { Int(EVP_PKEY_get_bits(pkey)) }

    deinit { EVP_PKEY_free(pkey) }
}

/// An X.509 certificate, kept as DER with the fields FeeGate reads from it.
public struct X509Certificate: Sendable, Hashable {
    /// DER encoding (what `X509Certificate` in XMLDSig carries, base64-encoded).
    public let der: [UInt8]
    /// Subject as an RFC 2253 string, most specific part first, UTF-8 kept as is
    /// (e.g. `UID=MST:0101234567,CN=Test Parking,O=Test Parking Co,C=VN`).
    public let subjectName: String
    /// Issuer, same format.
    public let issuerName: String
    /// The tax code from a subject attribute whose value is `MST:<code>` — how Vietnamese CAs mark the
    /// company's tax code (usually `UID`, OID 0.9.2342.19200300.100.1.1, shown by Windows as
    /// `OID.0.9.2342.19200300.100.1.1=MST:0106324653`). `nil` when the subject has none.
    public let taxCode: String?

    /// Parses a DER certificate.
    public init(der: [UInt8]) throws(SigningCryptoError) {
        let x509 = try Self.parse(der)
        defer { X509_free(x509) }
        try self.init(x509: x509)
    }

    init(x509: OpaquePointer) throws(SigningCryptoError) {
        let length = i2d_X509(x509, nil)
        guard length > 0 else { throw .certificate("cannot encode the certificate as DER: \(openSSLErrorText())") }
        var buffer = [UInt8](repeating: 0, count: Int(length))
        let written = buffer.withUnsafeMutableBufferPointer { (raw: inout UnsafeMutableBufferPointer<UInt8>) -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = raw.baseAddress
            return i2d_X509(x509, &cursor)
        }
        guard written == length else { throw .certificate("DER encoding length mismatch") }
        der = buffer
        guard let subject = X509_get_subject_name(x509), let issuer = X509_get_issuer_name(x509) else {
            throw .certificate("the certificate has no subject or issuer name")
        }
        subjectName = try Self.rfc2253(subject)
        issuerName = try Self.rfc2253(issuer)
        taxCode = try Self.taxCode(in: subject)
    }

    /// All certificates in a PEM text (e.g. a CA bundle).
    public static func certificates(pem: [UInt8]) throws(SigningCryptoError) -> [X509Certificate] {
        guard let bio = pem.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw .certificate("cannot read PEM data")
        }
        defer { BIO_free(bio) }
        var out: [X509Certificate] = []
        while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
            defer { X509_free(x509) }
            out.append(try X509Certificate(x509: x509))
        }
        ERR_clear_error()  // the loop ends on "no start line", which is not an error
        guard !out.isEmpty else { throw .certificate("no PEM certificate (-----BEGIN CERTIFICATE-----) found") }
        return out
    }

    /// `true` when `unixTime` lies within the certificate's notBefore … notAfter.
    public func isValid(atUnixTime unixTime: Int64) throws(SigningCryptoError) -> Bool {
        let x509 = try Self.parse(der)
        defer { X509_free(x509) }
        var t = time_t(unixTime)
        guard let notBefore = X509_get0_notBefore(x509), let notAfter = X509_get0_notAfter(x509) else {
            throw .certificate("the certificate has no validity period")
        }
        return X509_cmp_time(notBefore, &t) <= 0 && X509_cmp_time(notAfter, &t) >= 0
    }

    /// Verifies that this certificate chains to one of `trusted` (through `intermediates`) and that every
    /// certificate in the path is valid at `unixTime`.
    ///
    /// - Throws: ``SigningCryptoError/untrusted(_:)`` with OpenSSL's reason.
    public func verifyChain(trusted: [X509Certificate], intermediates: [X509Certificate] = [], atUnixTime unixTime: Int64) throws(SigningCryptoError) {
        guard !trusted.isEmpty else { throw .untrusted("no trusted CA certificate given") }
        guard let store = X509_STORE_new() else { throw .untrusted("cannot create an X509 store") }
        defer { X509_STORE_free(store) }
        var owned: [OpaquePointer] = []
        defer { owned.forEach { X509_free($0) } }
        for ca in trusted {
            let x = try Self.parse(ca.der)
            owned.append(x)
            guard X509_STORE_add_cert(store, x) == 1 else { throw .untrusted("cannot add a trusted CA: \(openSSLErrorText())") }
        }
        guard let untrusted = OPENSSL_sk_new_null() else { throw .untrusted("cannot create a certificate stack") }
        defer { OPENSSL_sk_free(untrusted) }
        for cert in intermediates {
            let x = try Self.parse(cert.der)
            owned.append(x)
            _ = OPENSSL_sk_push(untrusted, UnsafeRawPointer(x))
        }
        let leaf = try Self.parse(der)
        owned.append(leaf)
        guard let ctx = X509_STORE_CTX_new() else { throw .untrusted("cannot create a verification context") }
        defer { X509_STORE_CTX_free(ctx) }
        guard X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1 else {
            throw .untrusted("cannot initialise verification: \(openSSLErrorText())")
        }
        X509_STORE_CTX_set_time(ctx, 0, time_t(unixTime))
        guard X509_verify_cert(ctx) == 1 else {
            let code = X509_STORE_CTX_get_error(ctx)
            let reason = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
            ERR_clear_error()
            throw .untrusted("\(reason) (subject \(subjectName))")
        }
    }

    static func parse(_ der: [UInt8]) throws(SigningCryptoError) -> OpaquePointer {
        let x509 = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 else { throw .certificate("not a DER X.509 certificate: \(openSSLErrorText())") }
        return x509
    }

    /// RFC 2253 flags without `ASN1_STRFLGS_ESC_MSB`, so Vietnamese names stay readable UTF-8:
    /// ESC_2253 | ESC_CTRL | UTF8_CONVERT | DUMP_UNKNOWN | DUMP_DER | SEP_COMMA_PLUS | DN_REV | DUMP_UNKNOWN_FIELDS.
    static let nameFlags: UInt = 0x1 | 0x2 | 0x10 | 0x100 | 0x200 | (1 << 16) | (1 << 20) | (1 << 24)

    static func rfc2253(_ name: OpaquePointer) throws(SigningCryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .certificate("cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, nameFlags) >= 0 else {
            throw .certificate("cannot print the name: \(openSSLErrorText())")
        }
        let pending = Int(BIO_ctrl_pending(bio))
        var buffer = [UInt8](repeating: 0, count: pending)
        let read = buffer.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(pending)) }
        return String(decoding: buffer.prefix(max(0, Int(read))), as: UTF8.self)
    }

    static func taxCode(in name: OpaquePointer) throws(SigningCryptoError) -> String? {
        var codes: Set<String> = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { continue }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            guard length >= 0, let utf8 else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
            CRYPTO_free(utf8, #fileID, #line)
            if value.uppercased().hasPrefix("MST:") {
                codes.insert(String(value.dropFirst(4)).trimmingSpaces)
            }
        }
        guard codes.count <= 1 else {
            throw .certificate("the subject names several different tax codes (\(codes.sorted().joined(separator: ", ")))")
        }
        return codes.first
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// A signing identity from a PKCS#12 (`.p12`/`.pfx`) file: RSA private key, its certificate and any CA
/// certificates bundled with it.
public struct PKCS12Identity: Sendable {
    public let privateKey: RSAPrivateKey
    public let certificate: X509Certificate
    /// Other certificates in the file (usually the issuing CA chain), in file order.
    public let chain: [X509Certificate]

    /// Opens a PKCS#12 file's bytes with `password`.
    ///
    /// Files written by OpenSSL 3 (`openssl pkcs12 -export`: AES-256 + PBKDF2) open directly. 🔶 Files using the
    /// legacy RC2-40 encryption of old Windows exports need OpenSSL's legacy provider; re-export them with a
    /// modern tool.
    ///
    /// - Throws: ``SigningCryptoError/wrongPassword``, ``SigningCryptoError/pkcs12(_:)``,
    ///   ``SigningCryptoError/key(_:)`` when the key is not RSA or does not match the certificate.
    public init(pkcs12 bytes: [UInt8], password: String) throws(SigningCryptoError) {
        let p12 = bytes.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PKCS12(nil, &cursor, buffer.count)
        }
        guard let p12 else { throw .pkcs12("not a PKCS#12 (DER) file: \(openSSLErrorText())") }
        defer { PKCS12_free(p12) }
        guard PKCS12_verify_mac(p12, password, -1) == 1 else {
            ERR_clear_error()
            throw .wrongPassword
        }
        var pkey: OpaquePointer?
        var cert: OpaquePointer?
        var ca: OpaquePointer?
        guard PKCS12_parse(p12, password, &pkey, &cert, &ca) == 1 else {
            throw .pkcs12("cannot decrypt the contents: \(openSSLErrorText())")
        }
        defer {
            if let cert { X509_free(cert) }
            if let ca { OPENSSL_sk_pop_free(ca, { X509_free(OpaquePointer($0)) }) }
        }
        guard let pkey else { throw .pkcs12("the file holds no private key") }
        let key = try RSAPrivateKey(taking: pkey)
        guard let cert else { throw .pkcs12("the file holds no certificate for the key") }
        guard X509_check_private_key(cert, key.pkey) == 1 else {
            ERR_clear_error()
            throw .key("the private key does not belong to the certificate")
        }
        var chain: [X509Certificate] = []
        if let ca {
            for index in 0..<OPENSSL_sk_num(ca) {
                if let x = OPENSSL_sk_value(ca, index) { chain.append(try X509Certificate(x509: OpaquePointer(x))) }
            }
        }
        self.privateKey = key
        self.certificate = try X509Certificate(x509: cert)
        self.chain = chain
    }
}
