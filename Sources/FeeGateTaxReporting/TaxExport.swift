import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import Foundation

/// Per-operator figures a manifest states.
public struct ExportOperatorSummary: Sendable, Hashable {
    public let operatorCode: String
    public let documents: Int
    public let lateDocuments: Int
    public let documentsTotal: Money
    public let documentsVAT: Money
    public let batches: Int
    public let rides: Int
    public let ridesTotal: Money

    public init(operatorCode: String, documents: Int, lateDocuments: Int, documentsTotal: Money, documentsVAT: Money, batches: Int, rides: Int, ridesTotal: Money) {
        self.operatorCode = operatorCode
        self.documents = documents
        self.lateDocuments = lateDocuments
        self.documentsTotal = documentsTotal
        self.documentsVAT = documentsVAT
        self.batches = batches
        self.rides = rides
        self.ridesTotal = ridesTotal
    }
}

/// The tax office's bundle for one business day: every file, then `manifest.xml` listing each file's name, size
/// and SHA-256 with per-operator counts and totals, signed with the gateway's key (XMLDSig like the documents,
/// into `DSCKS/NBan`). Deterministic: the files are in name order inside a ``ZIPArchive`` with fixed times, and
/// the manifest's `SigningTime` is the latest closing time of the day (RSA PKCS#1 v1.5 signatures are
/// deterministic), so the same query always yields the same bytes.
public enum TaxExport {
    public static let manifestName = "manifest.xml"

    public static func manifestDataID(day: BusinessDay, operatorCode: String?) -> String {
        "XUAT-\(day.description.replacingOccurrences(of: "-", with: ""))-\(operatorCode ?? "ALL")"
    }

    /// The canonical `DLBKe` element of the manifest.
    public static func manifestData(day: BusinessDay, operatorCode: String?, files: [ZIPArchive.Entry], summaries: [ExportOperatorSummary]) -> String {
        var w = CanonicalXMLWriter()
        w.open("DLBKe", [("Id", manifestDataID(day: day, operatorCode: operatorCode))])
        w.leaf("PBan", "1.0")
        w.leaf("Ngay", day.description)
        w.leaf("MaDVi", operatorCode ?? "*")
        w.open("DSTep")
        for f in files {
            w.open("Tep")
            w.leaf("Ten", f.name)
            w.leaf("KThuoc", String(f.bytes.count))
            w.leaf("SHA256", Hex.encode(Digest.sha256(f.bytes)))
            w.close("Tep")
        }
        w.close("DSTep")
        w.open("DSTHop")
        for s in summaries {
            w.open("THop")
            w.leaf("MaDVi", s.operatorCode)
            w.leaf("SLCTu", String(s.documents))
            w.leaf("SLCTuMuon", String(s.lateDocuments))
            w.leaf("TgTThue", String(s.documentsVAT.vnd))
            w.leaf("TgTTTBSo", String(s.documentsTotal.vnd))
            w.leaf("SLTDiep", String(s.batches))
            w.leaf("SLGDich", String(s.rides))
            w.leaf("TgTGDich", String(s.ridesTotal.vnd))
            w.close("THop")
        }
        w.close("DSTHop")
        w.close("DLBKe")
        return w.text
    }

    /// The ZIP bytes: `files` (sorted by name) and the signed manifest last.
    public static func bundle(
        day: BusinessDay, operatorCode: String?, files: [ZIPArchive.Entry], summaries: [ExportOperatorSummary], signer: EnvelopedSigner, signingTime: VietnamTime
    ) throws -> [UInt8] {
        let sorted = files.sorted { $0.name < $1.name }
        let data = manifestData(day: day, operatorCode: operatorCode, files: sorted, summaries: summaries)
        let signature = try signer.signature(dataCanonical: data, dataID: manifestDataID(day: day, operatorCode: operatorCode), signingTime: signingTime)
        let manifest = SellerSignedXML.document(root: "BKeXuat", data: data, signature: signature)
        return try ZIPArchive.write(sorted + [ZIPArchive.Entry(name: manifestName, bytes: manifest)])
    }
}
