import FeeGateInvoicing

/// The document shape FeeGate's own signed records share (daily closings, export manifests), in the style of the
/// GDT invoice: `<?xml …?><Root>{signed data element}<DSCKS><NBan>{Signature}</NBan></DSCKS></Root>`.
enum SellerSignedXML {
    /// - Parameters:
    ///   - root: the root element's name.
    ///   - data: the canonical signed element (carrying the `Id` the signature references).
    ///   - signature: the canonical `Signature` element over `data`.
    static func document(root: String, data: String, signature: String) -> [UInt8] {
        var w = CanonicalXMLWriter()
        w.raw(InvoiceXML.declaration)
        w.open(root)
        w.raw(data)
        w.open("DSCKS")
        w.open("NBan")
        w.raw(signature)
        w.close("NBan")
        w.close("DSCKS")
        w.close(root)
        return Array(w.text.utf8)
    }
}
