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

    /// What checking one document found.
    struct DocumentCheck: Sendable {
        var problems: [String] = []
        var ledgerMatched = false
    }

    /// One document: structure, totals, words and codes; the stored totals and per-rate amounts against the XML;
    /// the seller signature; the ledger's sale.
    func check(_ d: IssuedDocument) async throws -> DocumentCheck {
        var result = DocumentCheck()
        let here = "document seq \(d.seq) (\(d.operatorCode) \(d.template) \(d.series) no. \(d.number))"
        do {
            let verified = try InvoiceVerifier.verify(d.xml)
            if verified.totals.payable.vnd != d.total || verified.totals.vat.vnd != d.vat {
                result.problems.append("\(here): stored total \(d.total)/VAT \(d.vat) differ from the XML's \(verified.totals.payable.vnd)/\(verified.totals.vat.vnd)")
            }
            // Closings sum the per-rate amounts recorded at issue: they must be the XML's.
            if let text = d.rates, RateSummary.list(storageText: text) != verified.rateSummaries {
                result.problems.append("\(here): stored per-rate amounts '\(text)' differ from the XML's '\(RateSummary.storageText(verified.rateSummaries))'")
            }
            _ = try InvoiceSignatureVerifier.verify(d.xml, trustedCAs: trustedCAs)
            if let problem = try await ledgerMismatch(d) {
                result.problems.append("\(here): \(problem)")
            } else if Self.saleEvent(d) != nil, d.total > 0 {
                result.ledgerMatched = true
            }
        } catch {
            result.problems.append("\(here): \(error)")
        }
        return result
    }

    public func run() async throws -> Report {
        var report = Report()
        func add(_ p: String) { if report.problems.count < maxProblems { report.problems.append(p) } }
        // Documents a page at a time; the XML and signature checks (CPU only) of a page run on every core.
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var after: Int64 = 0
        while true {
            let page = try await store.documents(after: after, limit: 512)
            guard let last = page.last else { break }
            after = last.seq
            let chunk = (page.count + lanes - 1) / lanes
            let checked = try await withThrowingTaskGroup(of: (Int, [DocumentCheck]).self) { group in
                for start in stride(from: 0, to: page.count, by: chunk) {
                    let slice = page[start..<min(start + chunk, page.count)]
                    group.addTask {
                        var checks: [DocumentCheck] = []
                        for d in slice { checks.append(try await self.check(d)) }
                        return (start, checks)
                    }
                }
                var byStart: [(Int, [DocumentCheck])] = []
                for try await lane in group { byStart.append(lane) }
                return byStart.sorted { $0.0 < $1.0 }.flatMap(\.1)
            }
            for c in checked {
                report.documents += 1
                if c.ledgerMatched { report.ledgerMatched += 1 }
                c.problems.forEach(add)
            }
        }

        // Closings a page at a time, and each closing's documents a page at a time: only the entries (no XML) of one
        // closing and the latest closing of each operator are held.
        var previous: [String: StoredClosing] = [:]
        var afterClosing: Int64 = 0
        while true {
            let page = try await store.closings(after: afterClosing, limit: 100)
            guard let last = page.last else { break }
            afterClosing = last.seq
            for closing in page {
                report.closings += 1
                defer { previous[closing.operatorCode] = closing }
                for problem in try await audit(closing, previous: previous[closing.operatorCode], batches: &report.batches) { add(problem) }
            }
        }
        return report
    }

    /// The problems of one closing: its signature, its content rebuilt from its documents and the previous closing,
    /// its late flags and its TDiep messages.
    func audit(_ closing: StoredClosing, previous: StoredClosing?, batches batchCount: inout Int) async throws -> [String] {
        var problems: [String] = []
        let here = "closing \(closing.operatorCode) \(closing.day)"
        do {
            let parsed = try ParsedClosing.parse(closing.xml)
            guard let signature = parsed.signature else { return ["\(here): not signed"] }
            let check = try EnvelopedSignatureVerifier.verify(signature: signature, in: parsed.root, dataID: parsed.dataID, trustedCAs: trustedCAs)
            var entries: [ClosingEntry] = []
            var mttCount = 0
            var afterDocument: Int64 = 0
            while true {
                let members = try await store.closingDocuments(closingSeq: closing.seq, after: afterDocument, limit: 1_000)
                guard let last = members.last else { break }
                afterDocument = last.document.seq
                for (d, late) in members {
                    entries.append(try DailyClosings.entry(d, late: late))
                    if d.authorityCode != nil { mttCount += 1 }
                    if late != (BusinessDay(epochSeconds: d.issuedAt) < closing.day) {
                        problems.append("\(here): document seq \(d.seq) is flagged \(late ? "late" : "on time") wrongly")
                    }
                }
            }
            let rebuilt = DailyClosing(
                operatorCode: closing.operatorCode, sellerTaxCode: check.certificate.taxCode ?? "", day: closing.day, number: closing.number,
                closedAt: parsed.closedAt, previousHash: previous?.hash ?? [UInt8](repeating: 0, count: 32),
                previousCumulative: Money(previous?.cumulative ?? 0), entries: entries, batches: parsed.batches)
            if Array(rebuilt.dataElement().utf8) != parsed.canonicalData {
                problems.append("\(here): its signed content does not match the documents it took (counts, totals, late list or chain) or the signer's MST is not the closing's")
            }
            if closing.total != rebuilt.total.vnd || closing.vat != rebuilt.vat.vnd || closing.cumulative != rebuilt.cumulative.vnd {
                problems.append("\(here): stored totals differ from the documents")
            }
            let batches = try await store.taxBatches(closingSeq: closing.seq)
            if batches.map({ BatchReference(messageID: $0.messageID, documentCount: Int($0.documentCount), xmlSHA256: $0.hash) }) != parsed.batches {
                problems.append("\(here): its TDiep messages are not the ones it references")
            }
            let inBatches = batches.reduce(0) { $0 + Int($1.documentCount) }
            if inBatches != mttCount {
                problems.append("\(here): its TDiep messages hold \(inBatches) documents, the closing took \(mttCount) with an MTT code")
            }
            for b in batches {
                batchCount += 1
                do { _ = try TaxBatchVerifier.verify(b.xml, trustedCAs: trustedCAs) } catch { problems.append("\(here): TDiep \(b.messageID): \(error)") }
            }
        } catch {
            problems.append("\(here): \(error)")
        }
        return problems
    }
}
