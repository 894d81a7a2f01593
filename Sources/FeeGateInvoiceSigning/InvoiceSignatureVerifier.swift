import FeeGateCore
import FeeGateCrypto
import FeeGateInvoicing
import Foundation

/// What a successful signature check established.
public struct SignatureReport: Sendable, Hashable {
    /// Subject of the signing certificate (RFC 2253).
    public let subjectName: String
    /// The `MST:` tax code in the certificate subject (equal to `NBan/MST`).
    public let taxCode: String
    /// `SigningTime` (GMT+7).
    public let signingTime: VietnamTime
    /// `true` when the certificate chain was checked against trusted CAs; `false` when none were given.
    public let chainVerified: Bool
}

/// Verifies the seller's XMLDSig signature of a FeeGate document, re-deriving every canonical form from the
/// parsed XML (``XMLTree/canonicalize(_:inheritedNamespace:excluding:)``) rather than trusting the writer.
///
/// Checks, in order: the signature shape FeeGate signs with (C14N 1.0 inclusive, RSA-SHA256, SHA-256 digests,
/// exactly the two references `#<DLHDon Id>` with the enveloped-signature transform and `#<Object Id>` holding
/// `SigningTime` with a `Target` pointing at the signature), both digests, the `SignatureValue` with the
/// certificate in `KeyInfo`, the certificate's `MST:` against `NBan/MST`, its validity at `SigningTime`, and —
/// when trusted CAs are given — its chain, evaluated at `SigningTime` (so archived invoices still verify after
/// the certificate expires).
public enum InvoiceSignatureVerifier {
    /// - Parameters:
    ///   - xml: the document bytes.
    ///   - trustedCAs: CA certificates to verify the chain against; empty skips the chain check.
    /// - Throws: ``InvoiceSigningError`` naming the first failure.
    public static func verify(_ xml: [UInt8], trustedCAs: [X509Certificate] = []) throws(InvoiceSigningError) -> SignatureReport {
        let document: VerifiedDocument
        let root: XMLElement
        do {
            document = try InvoiceVerifier.verify(xml)
            root = try XMLTree.parse(xml)
        } catch { throw .document(error) }
        guard document.hasSellerSignature,
              let signature = root.elementChildren.first(where: { $0.name == "DSCKS" })?
                .elementChildren.first(where: { $0.name == "NBan" })?
                .elementChildren.first(where: { $0.name == "Signature" })
        else { throw .unsigned }

        guard signature.attribute("xmlns") == XMLDSig.namespace else {
            throw .malformedSignature("Signature must declare xmlns=\"\(XMLDSig.namespace)\"")
        }
        guard let signatureID = signature.attribute("Id") else { throw .malformedSignature("Signature has no Id (SignatureProperty/@Target must point at it)") }
        let parts = signature.elementChildren
        guard parts.count >= 4, parts[0].name == "SignedInfo", parts[1].name == "SignatureValue", parts[2].name == "KeyInfo",
              parts[3...].allSatisfy({ $0.name == "Object" })
        else { throw .malformedSignature("Signature must hold SignedInfo, SignatureValue, KeyInfo and Object, in that order") }
        let signedInfo = parts[0]

        // SignedInfo shape.
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
        guard dataRef.attribute("URI") == "#" + document.dataID else {
            throw .malformedSignature("the first Reference must have URI=\"#\(document.dataID)\" (the DLHDon Id)")
        }
        let transforms = dataRef.elementChildren.first?.name == "Transforms" ? dataRef.elementChildren[0].elementChildren : []
        guard transforms.count == 1, transforms[0].name == "Transform", transforms[0].attribute("Algorithm") == XMLDSig.envelopedSignature else {
            throw .malformedSignature("the DLHDon Reference must have exactly the enveloped-signature Transform")
        }
        guard let objectURI = objectRef.attribute("URI"), objectURI.hasPrefix("#") else {
            throw .malformedSignature("the second Reference must point at the SigningTime Object (URI=\"#…\")")
        }

        // The SigningTime object must be one of this signature's Objects and target this signature.
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
        guard signingTime.startOfDay >= document.issueDate else {
            throw .malformedSignature("SigningTime \(timeText) is before the issue date NLap \(document.issueDate.dateText)")
        }

        // Digests.
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

        // Certificate and SignatureValue.
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

        guard let taxCode = certificate.taxCode, taxCode == document.sellerTaxCode.text else {
            throw .taxCodeMismatch(certificate: certificate.taxCode, seller: document.sellerTaxCode.text)
        }
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
        return SignatureReport(subjectName: certificate.subjectName, taxCode: taxCode, signingTime: signingTime, chainVerified: !trustedCAs.isEmpty)
    }

    /// Decodes an element's base64 text (line breaks allowed, nothing else).
    private static func base64(_ element: XMLElement, what: String) throws(InvoiceSigningError) -> [UInt8] {
        guard element.elementChildren.isEmpty else { throw .malformedSignature("\(what) must hold only base64 text") }
        let text = element.children.map { if case .text(let t) = $0 { t } else { "" } }.joined()
            .filter { !" \n\r\t".contains($0) }
        guard !text.isEmpty, let data = Data(base64Encoded: text) else { throw .malformedSignature("\(what) is not valid base64") }
        return Array(data)
    }
}
