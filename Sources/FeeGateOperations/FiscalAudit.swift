import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateStore
import FeeGateTaxReporting
import Foundation

/// The fiscal half of `feegate verify`: what needs XML parsing and signature checks, which the store's
/// verifier (hash chains, numbering, counters) cannot do.
///
/// - every document: structure, totals, words and codes (``InvoiceVerifier``) and its seller signature
///   (``InvoiceSignatureVerifier``), and the stored `total`/`vat` columns equal the XML's;
/// - every daily closing: its signature (certificate `MST:` = the closing's `MST`), and its content rebuilt
///   from the documents it took and the previous closing — counts, per-rate totals, running total, digest of
///   the documents, late list — equal byte for byte to what was signed; every TDiep message verifies
///   (``TaxBatchVerifier``) and is the one the closing references.
public struct FiscalAudit: Sendable {
    public struct Report: Sendable {
        public var documents = 0
        /// Documents whose amount was matched against the ledger's sale postings.
        public var ledgerMatched = 0
        public var closings = 0
        public var batches = 0
        public var problems: [String] = []
        public var isIntact: Bool { problems.isEmpty }
        public var summary: String {
            "documents intact: \(documents) signatures and totals verified, \(ledgerMatched) equal to their ledger sale; \(closings) daily closings match their documents and signatures; \(batches) TDiep messages verified"
        }
    }

    let store: GatewayStore
    let trustedCAs: [X509Certificate]
    let maxProblems: Int

    public init(store: GatewayStore, trustedCAs: [X509Certificate] = [], maxProblems: Int = 20) {
        self.store = store
        self.trustedCAs = trustedCAs
        self.maxProblems = maxProblems
    }

    /// The business event a document's sale was posted under (`parking:`, `pass:`, `fee:`, `ride:` sources).
    static func saleEvent(_ d: IssuedDocument) -> UUID? {
        let parts = d.source.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, ["parking", "pass", "fee", "ride"].contains(parts[0]) else { return nil }
        return UUID(text: parts[1])
    }

    /// A paid document must equal its sale in the ledger: revenue leg + VAT leg = total, VAT leg = VAT. Sales
    /// paid through a bank-QR intent are posted by the payment outcome instead and are not compared here.
    func ledgerMismatch(_ d: IssuedDocument) async throws -> String? {
        guard d.total > 0, let event = Self.saleEvent(d) else { return nil }
        let revenue = try await store.transfer(id: DerivedID.transfer(event: event, purpose: "sale", leg: 0))?.transfer
        let vat = try await store.transfer(id: DerivedID.transfer(event: event, purpose: "sale", leg: 1))?.transfer
        guard let revenue else {
            if d.source.hasPrefix("parking:"), try await store.paymentIntent(id: event) != nil { return nil }
            return "no sale in the ledger for \(d.source) (transfer \(DerivedID.transfer(event: event, purpose: "sale", leg: 0).lowercasedString) is missing)"
        }
        let ledgerTotal = revenue.amount + (vat?.amount ?? 0)
        if ledgerTotal != d.total || (vat?.amount ?? 0) != d.vat {
            return "total \(d.total)/VAT \(d.vat) but the ledger's sale is \(ledgerTotal)/VAT \(vat?.amount ?? 0)"
        }
        return nil
    }

    public func run() async throws -> Report {
        var report = Report()
        func add(_ p: String) { if report.problems.count < maxProblems { report.problems.append(p) } }
        var after: Int64 = 0
        while true {
            let page = try await store.documents(after: after, limit: 500)
            guard let last = page.last else { break }
            for d in page {
                report.documents += 1
                let here = "document seq \(d.seq) (\(d.operatorCode) \(d.template) \(d.series) no. \(d.number))"
                do {
                    let verified = try InvoiceVerifier.verify(d.xml)
                    if verified.totals.payable.vnd != d.total || verified.totals.vat.vnd != d.vat {
                        add("\(here): stored total \(d.total)/VAT \(d.vat) differ from the XML's \(verified.totals.payable.vnd)/\(verified.totals.vat.vnd)")
                    }
                    _ = try InvoiceSignatureVerifier.verify(d.xml, trustedCAs: trustedCAs)
                    if let problem = try await ledgerMismatch(d) { add("\(here): \(problem)") } else if Self.saleEvent(d) != nil, d.total > 0 { report.ledgerMatched += 1 }
                } catch {
                    add("\(here): \(error)")
                }
            }
            after = last.seq
        }

        var previous: [String: StoredClosing] = [:]
        for closing in try await store.allClosings() {
            report.closings += 1
            let here = "closing \(closing.operatorCode) \(closing.day)"
            defer { previous[closing.operatorCode] = closing }
            do {
                let parsed = try ParsedClosing.parse(closing.xml)
                guard let signature = parsed.signature else {
                    add("\(here): not signed")
                    continue
                }
                let check = try EnvelopedSignatureVerifier.verify(signature: signature, in: parsed.root, dataID: parsed.dataID, trustedCAs: trustedCAs)
                let members = try await store.closingDocuments(closingSeq: closing.seq)
                let entries = try members.map { try DailyClosings.entry($0.document, late: $0.late) }
                let sellerTaxCode = check.certificate.taxCode ?? ""
                let rebuilt = DailyClosing(
                    operatorCode: closing.operatorCode, sellerTaxCode: sellerTaxCode, day: closing.day, number: closing.number, closedAt: parsed.closedAt,
                    previousHash: previous[closing.operatorCode]?.hash ?? [UInt8](repeating: 0, count: 32),
                    previousCumulative: Money(previous[closing.operatorCode]?.cumulative ?? 0), entries: entries, batches: parsed.batches)
                if Array(rebuilt.dataElement().utf8) != parsed.canonicalData {
                    add("\(here): its signed content does not match the documents it took (counts, totals, late list or chain) or the signer's MST is not the closing's")
                }
                if closing.total != rebuilt.total.vnd || closing.vat != rebuilt.vat.vnd || closing.cumulative != rebuilt.cumulative.vnd {
                    add("\(here): stored totals differ from the documents")
                }
                for (d, late) in members where late != (BusinessDay(epochSeconds: d.issuedAt) < closing.day) {
                    add("\(here): document seq \(d.seq) is flagged \(late ? "late" : "on time") wrongly")
                }
                let batches = try await store.taxBatches(closingSeq: closing.seq)
                if batches.map({ BatchReference(messageID: $0.messageID, documentCount: Int($0.documentCount), xmlSHA256: $0.hash) }) != parsed.batches {
                    add("\(here): its TDiep messages are not the ones it references")
                }
                let mttCount = members.filter { $0.document.authorityCode != nil }.count
                if batches.reduce(0, { $0 + Int($1.documentCount) }) != mttCount {
                    add("\(here): its TDiep messages hold \(batches.reduce(0) { $0 + Int($1.documentCount) }) documents, the closing took \(mttCount) with an MTT code")
                }
                for b in batches {
                    report.batches += 1
                    do { _ = try TaxBatchVerifier.verify(b.xml, trustedCAs: trustedCAs) } catch { add("\(here): TDiep \(b.messageID): \(error)") }
                }
            } catch {
                add("\(here): \(error)")
            }
        }
        return report
    }
}
