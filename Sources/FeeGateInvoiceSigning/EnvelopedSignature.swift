import FeeGateCore
import FeeGateCrypto
import FeeGateInvoicing
import Foundation

/// Writes the `Signature` element FeeGate puts on everything it signs — documents, daily closings, TDiep
/// batches, export manifests: W3C XMLDSig, RSA-SHA256, inclusive C14N 1.0, two references (`#<data Id>` with
/// the enveloped-signature transform, and the `Object` holding `SignatureProperties/SignatureProperty[@Target]/
/// SigningTime`), `KeyInfo/X509Data` with `X509SubjectName` and `X509Certificate` (einvoice-vn.md §3.1).
///
/// The caller passes the canonical bytes of the signed element (FeeGate writes every signed element in
/// canonical form with ``CanonicalXMLWriter``; see ``InvoiceSigner`` for why that is sound) and places the
/// returned element where its format wants it (`DSCKS/NBan`, `CKSNNT`).
public struct EnvelopedSigner: Sendable {
    public let identity: PKCS12Identity

    public init(identity: PKCS12Identity) { self.identity = identity }

    /// The canonical `<Signature …>…</Signature>` over the element `dataID` whose canonical form is `dataCanonical`.
    ///
    /// - Throws: ``InvoiceSigningError/certificateNotValid(subject:at:)`` when the certificate is not valid at
    ///   `signingTime`; ``InvoiceSigningError/crypto(_:)`` on a signing failure.
    public func signature(dataCanonical: String, dataID: String, signingTime: VietnamTime) throws(InvoiceSigningError) -> String {
        let certificate = identity.certificate
        let valid: Bool
        do { valid = try certificate.isValid(atUnixTime: signingTime.unixSeconds) } catch { throw .crypto(error) }
        guard valid else { throw .certificateNotValid(subject: certificate.subjectName, at: signingTime.dateTimeText) }

        let signatureID = XMLDSig.signatureID(dataID: dataID)
        let objectID = XMLDSig.signingTimeID(dataID: dataID)
        let dataDigest = Digest.sha256(Array(dataCanonical.utf8))
        let objectDigest = Digest.sha256(Array(InvoiceSigner.object(id: objectID, target: signatureID, signingTime: signingTime, apex: true).utf8))
        let signedInfoCanonical = InvoiceSigner.signedInfo(dataID: dataID, dataDigest: dataDigest, objectID: objectID, objectDigest: objectDigest, apex: true)
        let signatureValue: [UInt8]
        do { signatureValue = try RSASignature.signSHA256(Array(signedInfoCanonical.utf8), with: identity.privateKey) } catch { throw .crypto(error) }

        var w = CanonicalXMLWriter()
        w.open("Signature", [("xmlns", XMLDSig.namespace), ("Id", signatureID)])
        w.raw(InvoiceSigner.signedInfo(dataID: dataID, dataDigest: dataDigest, objectID: objectID, objectDigest: objectDigest, apex: false))
        w.leaf("SignatureValue", Data(signatureValue).base64EncodedString())
        w.open("KeyInfo")
        w.open("X509Data")
        w.leaf("X509SubjectName", certificate.subjectName)
        w.leaf("X509Certificate", Data(certificate.der).base64EncodedString())
        w.close("X509Data")
        w.close("KeyInfo")
        w.raw(InvoiceSigner.object(id: objectID, target: signatureID, signingTime: signingTime, apex: false))
        w.close("Signature")
        return w.text
    }
}

/// What a verified FeeGate signature established, whatever it signs.
public struct SignatureCheck: Sendable {
    public let certificate: X509Certificate
    /// `SigningTime` (GMT+7).
    public let signingTime: VietnamTime
    /// `true` when the certificate chain was checked against trusted CAs.
    public let chainVerified: Bool
}

/// Verifies a `Signature` element of the shape ``EnvelopedSigner`` writes, re-deriving every canonical form from
/// the parsed tree (``XMLTree/canonicalize(_:inheritedNamespace:excluding:)``) rather than trusting the writer:
/// algorithms, exactly two references (`#dataID` with only the enveloped-signature transform, then the
/// `SigningTime` object targeting this signature), both digests, `SignatureValue` against the certificate in
/// `KeyInfo`, the certificate's validity at `SigningTime` and — when CAs are given — its chain at that time.
public enum EnvelopedSignatureVerifier {
    public static func verify(signature: XMLElement, in root: XMLElement, dataID: String, trustedCAs: [X509Certificate] = []) throws(InvoiceSigningError) -> SignatureCheck {
        guard signature.name == "Signature", signature.attribute("xmlns") == XMLDSig.namespace else {
            throw .malformedSignature("Signature must declare xmlns=\"\(XMLDSig.namespace)\"")
        }
        guard let signatureID = signature.attribute("Id") else { throw .malformedSignature("Signature has no Id (SignatureProperty/@Target must point at it)") }
        let parts = signature.elementChildren
        guard parts.count >= 4, parts[0].name == "SignedInfo", parts[1].name == "SignatureValue", parts[2].name == "KeyInfo",
              parts[3...].allSatisfy({ $0.name == "Object" })
        else { throw .malformedSignature("Signature must hold SignedInfo, SignatureValue, KeyInfo and Object, in that order") }
        let signedInfo = parts[0]

        let info = signedInfo.elementChildren
        guard info.count == 4, info[0].name == "CanonicalizationMethod", info[1].name == "SignatureMethod",
              info[2].name == "Reference", info[3].name == "Reference"
        else { throw .malformedSignature("SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly two References") }
        guard info[0].attribute("Algorithm") == XMLDSig.c14n, info[0].children.isEmpty else {
            throw .malformedSignature("CanonicalizationMethod must be \(XMLDSig.c14n) (inclusive C14N 1.0)")
        }
        guard info[1].attribute("Algorithm") == XMLDSig.rsaSHA256, info[1].children.isEmpty else {
            throw .malformedSignature("SignatureMethod must be \(XMLDSig.rsaSHA256)")
        }
        let dataRef = info[2], objectRef = info[3]
        guard dataRef.attribute("URI") == "#" + dataID else {
            throw .malformedSignature("the first Reference must have URI=\"#\(dataID)\" (the signed data's Id)")
        }
        let transforms = dataRef.elementChildren.first?.name == "Transforms" ? dataRef.elementChildren[0].elementChildren : []
        guard transforms.count == 1, transforms[0].name == "Transform", transforms[0].attribute("Algorithm") == XMLDSig.envelopedSignature else {
            throw .malformedSignature("the data Reference must have exactly the enveloped-signature Transform")
        }
        guard let objectURI = objectRef.attribute("URI"), objectURI.hasPrefix("#") else {
            throw .malformedSignature("the second Reference must point at the SigningTime Object (URI=\"#…\")")
        }

        let objectID = String(objectURI.dropFirst())
        guard let object = parts[3...].first(where: { $0.attribute("Id") == objectID }) else {
            throw .malformedSignature("Reference \(objectURI) does not point at an Object of this Signature")
        }
        guard let property = object.elementChildren.first(where: { $0.name == "SignatureProperties" })?
                .elementChildren.first(where: { $0.name == "SignatureProperty" }),
              property.attribute("Target") == "#" + signatureID,
              let timeElement = property.elementChildren.first(where: { $0.name == "SigningTime" }),
              case .text(let timeText)? = timeElement.children.first, timeElement.children.count == 1
        else { throw .malformedSignature("the Object must hold SignatureProperties/SignatureProperty[@Target=\"#\(signatureID)\"]/SigningTime") }
        let signingTime: VietnamTime
        do { signingTime = try VietnamTime.parse(timeText) } catch { throw .document(error) }
        guard timeText.count == 19 else { throw .malformedSignature("SigningTime must be YYYY-MM-DDThh:mm:ss (GMT+7)") }

        for reference in [dataRef, objectRef] {
            let uri = reference.attribute("URI") ?? ""
            let children = reference.elementChildren.filter { $0.name != "Transforms" }
            guard children.count == 2, children[0].name == "DigestMethod", children[0].attribute("Algorithm") == XMLDSig.sha256,
                  children[1].name == "DigestValue"
            else { throw .malformedSignature("Reference \(uri) must use DigestMethod \(XMLDSig.sha256)") }
            let expected = try base64(children[1], what: "DigestValue of \(uri)")
            let target: (element: XMLElement, inheritedNamespace: String)
            do { target = try XMLTree.element(withID: String(uri.dropFirst()), in: root) } catch { throw .document(error) }
            // Enveloped-signature transform: drop this Signature if it lies inside the referenced element.
            let excluded = XMLTree.contains(target.element, offset: signature.offset) ? signature.offset : nil
            if reference.offset == objectRef.offset, excluded != nil {
                throw .malformedSignature("the SigningTime reference must not contain the signature")
            }
            let canonical = XMLTree.canonicalize(target.element, inheritedNamespace: target.inheritedNamespace, excluding: excluded)
            guard Digest.constantTimeEquals(Digest.sha256(canonical), expected) else { throw .digestMismatch(reference: uri) }
        }

        guard let x509Data = parts[2].elementChildren.first(where: { $0.name == "X509Data" }),
              let certElement = x509Data.elementChildren.first(where: { $0.name == "X509Certificate" }),
              x509Data.elementChildren.contains(where: { $0.name == "X509SubjectName" })
        else { throw .malformedSignature("KeyInfo/X509Data must carry X509SubjectName and X509Certificate") }
        let certificate: X509Certificate
        do { certificate = try X509Certificate(der: try base64(certElement, what: "X509Certificate")) } catch let error as InvoiceSigningError {
            throw error
        } catch {
            throw .malformedSignature("X509Certificate: \(error)")
        }
        let signatureValue = try base64(parts[1], what: "SignatureValue")
        let canonicalSignedInfo = XMLTree.canonicalize(signedInfo, inheritedNamespace: XMLDSig.namespace)
        let ok: Bool
        do { ok = try RSASignature.verifySHA256(signatureValue, message: canonicalSignedInfo, certificate: certificate) } catch { throw .crypto(error) }
        guard ok else { throw .badSignatureValue }

        do {
            guard try certificate.isValid(atUnixTime: signingTime.unixSeconds) else {
                throw InvoiceSigningError.certificateNotValid(subject: certificate.subjectName, at: timeText)
            }
            if !trustedCAs.isEmpty {
                try certificate.verifyChain(trusted: trustedCAs, atUnixTime: signingTime.unixSeconds)
            }
        } catch let error as InvoiceSigningError {
            throw error
        } catch let error as SigningCryptoError {
            throw .crypto(error)
        } catch {
            throw .malformedSignature("\(error)")
        }
        return SignatureCheck(certificate: certificate, signingTime: signingTime, chainVerified: !trustedCAs.isEmpty)
    }

    /// Decodes an element's base64 text (line breaks allowed, nothing else).
    static func base64(_ element: XMLElement, what: String) throws(InvoiceSigningError) -> [UInt8] {
        guard element.elementChildren.isEmpty else { throw .malformedSignature("\(what) must hold only base64 text") }
        let text = element.text.filter { !" \n\r\t".contains($0) }
        guard !text.isEmpty, let data = Data(base64Encoded: text) else { throw .malformedSignature("\(what) is not valid base64") }
        return Array(data)
    }
}
