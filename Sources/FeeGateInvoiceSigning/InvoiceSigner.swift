import FeeGateCore
import FeeGateCrypto
import FeeGateInvoicing
import Foundation

/// Errors from signing an invoice or verifying its XMLDSig signature.
public enum InvoiceSigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The certificate's `MST:` tax code is not the seller's `NBan/MST` (or the certificate has none).
    case taxCodeMismatch(certificate: String?, seller: String)
    /// The certificate is not valid at the signing time.
    case certificateNotValid(subject: String, at: String)
    /// A cryptographic operation or certificate check failed.
    case crypto(SigningCryptoError)
    /// The document itself is invalid (structure, totals, words, codes).
    case document(InvoicingError)
    /// The document carries no seller signature.
    case unsigned
    /// The signature element is malformed or uses something other than what FeeGate signs with.
    case malformedSignature(String)
    /// A reference's digest does not match the referenced data: the signed content was altered.
    case digestMismatch(reference: String)
    /// The `SignatureValue` does not verify with the certificate's key: `SignedInfo` was altered or forged.
    case badSignatureValue

    public var description: String {
        switch self {
        case .taxCodeMismatch(let cert, let seller):
            return "the signing certificate's tax code (\(cert.map { "MST:\($0)" } ?? "none in the subject")) is not the seller's tax code NBan/MST \(seller)"
        case .certificateNotValid(let subject, let at):
            return "certificate '\(subject)' is not valid at the signing time \(at)"
        case .crypto(let e): return e.description
        case .document(let e): return e.description
        case .unsigned: return "the document has no seller signature in DSCKS/NBan"
        case .malformedSignature(let reason): return "malformed signature: \(reason)"
        case .digestMismatch(let reference):
            return "digest mismatch for Reference URI=\"\(reference)\": the signed content was altered after signing"
        case .badSignatureValue:
            return "SignatureValue does not verify with the certificate's public key (SignedInfo altered or wrong key)"
        }
    }
}

/// Algorithm identifiers used by FeeGate's XMLDSig (QĐ 1271 Phần I Mục IV.4; einvoice-vn.md §3.1).
public enum XMLDSig {
    public static let namespace = "http://www.w3.org/2000/09/xmldsig#"
    /// Inclusive Canonical XML 1.0, without comments.
    public static let c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    public static let rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    public static let sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    public static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

    /// `Signature/@Id` for a document: unique per document so many signed documents can share one file (batches).
    public static func signatureID(dataID: String) -> String { "\(dataID)-seller" }
    /// `Object/@Id` of the `SigningTime` object.
    public static func signingTimeID(dataID: String) -> String { "\(dataID)-SigningTime" }
}

/// Signs e-invoices as the seller: W3C XMLDSig, enveloped, RSA-SHA256, inclusive C14N 1.0, placed in
/// `HDon/DSCKS/NBan`, with two references — `#<DLHDon Id>` (enveloped-signature transform) and the `Object`
/// holding `SignatureProperties/SignatureProperty[@Target]/SigningTime` — and `KeyInfo/X509Data` with
/// `X509SubjectName` and `X509Certificate` (QĐ 1271 Phần I Mục IV.4, einvoice-vn.md §3.1, xmlsec1-check.md).
///
/// **Why we may digest the bytes we write instead of running a C14N engine.** ``InvoiceXML`` and this signer
/// write every signed element in canonical form (see ``CanonicalXMLWriter``): no whitespace between tags,
/// start/end pairs for empty elements, attributes sorted, C14N escaping, NFC UTF-8. The only namespace in the
/// document is XMLDSig's default namespace, declared on `Signature`; inclusive C14N of the apex elements
/// `SignedInfo` and `Object` renders that inherited declaration on them, so the digested/signed forms are written
/// with `xmlns` on the apex exactly as C14N would, while in the document they inherit it. `DLHDon` has no
/// namespace in scope, so its canonical form is its serialisation. ``InvoiceSignatureVerifier`` re-derives every
/// canonical form from the parsed document with an independent C14N, and the tests check it with xmlsec1.
public struct InvoiceSigner: Sendable {
    public let identity: PKCS12Identity

    public init(identity: PKCS12Identity) { self.identity = identity }

    /// The signed XML document.
    ///
    /// - Parameter signingTime: the `SigningTime` (GMT+7); the certificate must be valid then.
    /// - Throws: ``InvoiceSigningError/taxCodeMismatch(certificate:seller:)`` when the certificate's `MST:` is not
    ///   `NBan/MST`; ``InvoiceSigningError/certificateNotValid(subject:at:)``; crypto failures.
    public func sign(_ document: EInvoiceDocument, signingTime: VietnamTime) throws(InvoiceSigningError) -> [UInt8] {
        let certificate = identity.certificate
        guard certificate.taxCode == document.seller.taxCode.text else {
            throw .taxCodeMismatch(certificate: certificate.taxCode, seller: document.seller.taxCode.text)
        }
        let signature = try EnvelopedSigner(identity: identity)
            .signature(dataCanonical: InvoiceXML.dataElement(document), dataID: document.dataID, signingTime: signingTime)
        return InvoiceXML.document(document, sellerSignature: signature)
    }

    /// `SignedInfo`; with `apex` it carries the inherited `xmlns` as its C14N form does.
    static func signedInfo(dataID: String, dataDigest: [UInt8], objectID: String, objectDigest: [UInt8], apex: Bool) -> String {
        var w = CanonicalXMLWriter()
        w.open("SignedInfo", apex ? [("xmlns", XMLDSig.namespace)] : [])
        w.leaf("CanonicalizationMethod", "", [("Algorithm", XMLDSig.c14n)])
        w.leaf("SignatureMethod", "", [("Algorithm", XMLDSig.rsaSHA256)])
        w.open("Reference", [("URI", "#" + dataID)])
        w.open("Transforms")
        w.leaf("Transform", "", [("Algorithm", XMLDSig.envelopedSignature)])
        w.close("Transforms")
        w.leaf("DigestMethod", "", [("Algorithm", XMLDSig.sha256)])
        w.leaf("DigestValue", Data(dataDigest).base64EncodedString())
        w.close("Reference")
        w.open("Reference", [("URI", "#" + objectID)])
        w.leaf("DigestMethod", "", [("Algorithm", XMLDSig.sha256)])
        w.leaf("DigestValue", Data(objectDigest).base64EncodedString())
        w.close("Reference")
        w.close("SignedInfo")
        return w.text
    }

    /// The `Object` holding the signing time; `SignatureProperty` must have a `Target` (QĐ 1271 Mục IV.4).
    static func object(id: String, target: String, signingTime: VietnamTime, apex: Bool) -> String {
        var w = CanonicalXMLWriter()
        w.open("Object", (apex ? [("xmlns", XMLDSig.namespace)] : []) + [("Id", id)])
        w.open("SignatureProperties")
        w.open("SignatureProperty", [("Target", "#" + target)])
        w.leaf("SigningTime", signingTime.dateTimeText)
        w.close("SignatureProperty")
        w.close("SignatureProperties")
        w.close("Object")
        return w.text
    }
}
