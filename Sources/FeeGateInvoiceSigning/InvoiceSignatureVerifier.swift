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
              let signature = root.child("DSCKS")?.child("NBan")?.child("Signature")
        else { throw .unsigned }

        let check = try EnvelopedSignatureVerifier.verify(signature: signature, in: root, dataID: document.dataID, trustedCAs: trustedCAs)
        guard check.signingTime.startOfDay >= document.issueDate else {
            throw .malformedSignature("SigningTime \(check.signingTime.dateTimeText) is before the issue date NLap \(document.issueDate.dateText)")
        }
        guard let taxCode = check.certificate.taxCode, taxCode == document.sellerTaxCode.text else {
            throw .taxCodeMismatch(certificate: check.certificate.taxCode, seller: document.sellerTaxCode.text)
        }
        return SignatureReport(subjectName: check.certificate.subjectName, taxCode: taxCode, signingTime: check.signingTime, chainVerified: check.chainVerified)
    }
}
