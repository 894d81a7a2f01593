import COpenSSL

/// RSA PKCS#1 v1.5 signatures with SHA-256 (XMLDSig `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`).
///
/// PKCS#1 v1.5 is deterministic: the same key and message always give the same signature bytes.
public enum RSASignature {
    /// Signs `message` (hashing it with SHA-256 first).
    ///
    /// - Throws: ``SigningCryptoError/signature(_:)`` when OpenSSL fails.
    public static func signSHA256(_ message: [UInt8], with key: RSAPrivateKey) throws(SigningCryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw .signature("cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, key.pkey) == 1 else {
            throw .signature("EVP_DigestSignInit: \(openSSLErrorText())")
        }
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(ctx, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1, length > 0 else { throw .signature("EVP_DigestSign (size): \(openSSLErrorText())") }
        var signature = [UInt8](repeating: 0, count: length)
        let ok = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { out in
                EVP_DigestSign(ctx, out.baseAddress, &length, input.baseAddress, input.count)
            }
        }
        guard ok == 1 else { throw .signature("EVP_DigestSign: \(openSSLErrorText())") }
        return Array(signature.prefix(length))
    }

    /// `true` when `signature` is a valid RSA-SHA256 signature of `message` by the key in `certificate`.
    ///
    /// - Throws: ``SigningCryptoError/certificate(_:)`` for an unreadable certificate or a non-RSA key; a wrong
    ///   signature is `false`, not an error.
    public static func verifySHA256(_ signature: [UInt8], message: [UInt8], certificate: X509Certificate) throws(SigningCryptoError) -> Bool {
        let x509 = try X509Certificate.parse(certificate.der)
        defer { X509_free(x509) }
        guard let publicKey = X509_get0_pubkey(x509) else { throw .certificate("cannot read the public key: \(openSSLErrorText())") }
        guard EVP_PKEY_get_base_id(publicKey) == 6 /* EVP_PKEY_RSA */ else {
            throw .certificate("the certificate's key is not RSA")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw .signature("cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, publicKey) == 1 else {
            throw .signature("EVP_DigestVerifyInit: \(openSSLErrorText())")
        }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(ctx, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        ERR_clear_error()  // a bad signature leaves an error on the queue; it is an answer, not a failure
        return result == 1
    }
}
