import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateStore
import FeeGateTaxReporting
import Foundation

/// Closes business days per operator: the signed, chained daily closing and the day's TDiep 206 messages.
///
/// **Rules.** Days close in order, each exactly once (`close` is idempotent: a closed day returns its record).
/// A closing takes every document of the operator not yet closed that was issued before the end of its day
/// (GMT+7); documents of an earlier day — recorded after that day was closed — are flagged late. Closing day D
/// first closes every earlier unclosed day of the operator, from the day after its last closing (or the day
/// of its oldest unclosed document), so a day without documents still gets its (empty) closing and the chain
/// has no holes. Closings start with an operator's first document or ride: before that there is nothing to close. A day
/// that has not ended yet cannot be closed.
public struct DailyClosings: Sendable {
    let store: GatewayStore
    let profiles: [String: SellerProfile]
    /// Unix seconds now (the end-of-day check and `SigningTime`).
    let now: @Sendable () -> Int64
    let maxBatchBytes: Int
    let newMessageHex: @Sendable () -> String

    public init(store: GatewayStore, profiles: [String: SellerProfile], now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
                maxBatchBytes: Int = TaxBatchBuilder.maxBytes, newMessageHex: @escaping @Sendable () -> String = TaxBatchBuilder.randomMessageHex) {
        self.store = store
        self.profiles = profiles
        self.now = now
        self.maxBatchBytes = maxBatchBytes
        self.newMessageHex = newMessageHex
    }

    public init(issuer: DocumentIssuer) {
        self.init(store: issuer.store, profiles: issuer.profiles)
    }

    /// Operators with a document profile, in code order.
    public var operatorCodes: [String] { profiles.keys.sorted() }

    /// Closes `day` (and every earlier unclosed day) of one operator; returns the closings of those days.
    public func close(operatorCode: String, through day: BusinessDay) async throws -> [StoredClosing] {
        guard let profile = profiles[operatorCode] else {
            throw OperationsError.notFound("operator \(operatorCode) has no document profile in the documents configuration: it issues no documents to close")
        }
        guard day.endEpochSeconds <= now() else {
            throw OperationsError.conflict("business day \(day) has not ended yet in Hanoi time (GMT+7); it can be closed from \(BusinessDay(number: day.number + 1)) 00:00")
        }
        let last = try await store.lastClosing(operatorCode: operatorCode)
        if let last, last.day >= day {
            guard let existing = try await store.closing(operatorCode: operatorCode, day: day) else {
                throw OperationsError.notFound("operator \(operatorCode) has no closing for \(day): its closings start later")
            }
            return [existing]
        }
        // Closings start with the operator's first document or ride: before that there is nothing to report.
        let start: BusinessDay
        if let last {
            start = last.day.next
        } else {
            let firstDocument = try await store.oldestUnclosedDocument(operatorCode: operatorCode).map { BusinessDay(epochSeconds: $0) }
            let firstRide = try await store.firstRideDay(operatorCode: operatorCode)
            guard let first = [firstDocument, firstRide].compactMap({ $0 }).min(), first <= day else { return [] }
            start = first
        }
        var out: [StoredClosing] = []
        var current = start
        while current <= day {
            out.append(try await closeOne(operatorCode: operatorCode, day: current, profile: profile))
            current = current.next
        }
        return out
    }

    /// Closes `day` for every operator with a profile; returns every closing of that day.
    public func closeAll(through day: BusinessDay) async throws -> [StoredClosing] {
        var out: [StoredClosing] = []
        for code in operatorCodes {
            if let closing = try await close(operatorCode: code, through: day).last { out.append(closing) }
        }
        return out
    }

    /// The most recent day that has ended (yesterday in Hanoi time): what the scheduler closes.
    public func lastEndedDay() -> BusinessDay { BusinessDay(number: BusinessDay(epochSeconds: now()).number - 1) }

    private func closeOne(operatorCode: String, day: BusinessDay, profile: SellerProfile) async throws -> StoredClosing {
        for _ in 0..<5 {
            let previous = try await store.lastClosing(operatorCode: operatorCode)
            if let previous, previous.day >= day {
                if let existing = try await store.closing(operatorCode: operatorCode, day: day) { return existing }
                throw OperationsError.conflict("operator \(operatorCode) closed \(previous.day) before \(day)")
            }
            let documents = try await store.unclosedDocuments(operatorCode: operatorCode, before: day.endEpochSeconds)
            let entries = try documents.map { try Self.entry($0, late: BusinessDay(epochSeconds: $0.issuedAt) < day) }
            let signingTime = VietnamTime(unixSeconds: max(now(), day.endEpochSeconds))
            let signer = EnvelopedSigner(identity: profile.signer.identity)
            let batchInput = zip(documents, entries).filter { $0.0.authorityCode != nil }.map {
                BatchDocument(template: $0.0.template, series: $0.0.series, number: $0.0.number, late: $0.1.late, xml: $0.0.xml)
            }
            let batches: [TaxBatchMessage]
            do {
                batches = try TaxBatchBuilder.build(
                    documents: batchInput, sender: profile.batchSender, sellerTaxCode: profile.seller.taxCode.text, signer: signer, signingTime: signingTime,
                    maxBytes: maxBatchBytes, newMessageHex: newMessageHex)
            } catch {
                throw OperationsError.invalid(field: "documents", message: "cannot build the TDiep messages of \(operatorCode) for \(day): \(error)")
            }
            let closing = DailyClosing(
                operatorCode: operatorCode, sellerTaxCode: profile.seller.taxCode.text, day: day, number: (previous?.number ?? 0) + 1,
                closedAt: signingTime, previousHash: previous?.hash ?? [UInt8](repeating: 0, count: 32), previousCumulative: Money(previous?.cumulative ?? 0),
                entries: entries, batches: batches.map { BatchReference(messageID: $0.messageID, documentCount: $0.documentCount, xmlSHA256: Digest.sha256($0.xml)) })
            let xml: [UInt8]
            do {
                xml = closing.xml(signature: try signer.signature(dataCanonical: closing.dataElement(), dataID: closing.dataID, signingTime: signingTime))
            } catch {
                throw OperationsError.invalid(field: "documents", message: "cannot sign the closing of \(operatorCode) for \(day): \(error)")
            }
            let outcome = try await store.recordClosing(NewClosing(
                operatorCode: operatorCode, day: day, number: closing.number, closedAt: store.now(), total: closing.total.vnd, vat: closing.vat.vnd,
                cumulative: closing.cumulative.vnd, xml: xml, prevHash: closing.previousHash, documents: entries.map { (seq: $0.seq, late: $0.late) },
                batches: batches.map {
                    NewClosing.Batch(messageID: $0.messageID, template: $0.template, series: $0.series, documentCount: Int64($0.documentCount),
                                     lateCount: Int64($0.lateCount), xml: $0.xml)
                }))
            switch outcome {
            case .recorded(let stored), .existing(let stored): return stored
            case .stale: continue
            }
        }
        throw OperationsError.conflict("closing \(operatorCode) \(day) kept racing with other closings; try again")
    }

    /// How a closing counts a stored document: its per-rate amounts as recorded at issue (no XML parsing, so a
    /// day of hundreds of thousands of documents closes in seconds), or recomputed from its XML for documents
    /// issued before they were recorded. `feegate verify` checks the recorded amounts against the XML.
    ///
    /// Recorded amounts must add up to the document's total and VAT (both covered by the document chain), and only a
    /// fee receipt may have none: anything else stops the closing with the document named, rather than sign a closing
    /// that contradicts itself.
    static func entry(_ d: IssuedDocument, late: Bool) throws -> ClosingEntry {
        let rates: [RateSummary]
        if let text = d.rates {
            guard let recorded = RateSummary.list(storageText: text) else {
                throw OperationsError.invalid(field: "document", message: "stored document seq \(d.seq) has malformed per-rate amounts '\(text)'; run feegate verify")
            }
            let before = recorded.reduce(Int64(0)) { $0 + $1.amountBeforeVAT.vnd }, vat = recorded.reduce(Int64(0)) { $0 + $1.vat.vnd }
            let consistent = recorded.isEmpty ? d.kind == "fee_receipt" : before + vat == d.total && vat == d.vat
            guard consistent else {
                throw OperationsError.invalid(
                    field: "document",
                    message: "stored document seq \(d.seq): its per-rate amounts '\(text)' do not add up to its total \(d.total) and VAT \(d.vat); run feegate verify")
            }
            rates = recorded
        } else {
            do { rates = try InvoiceVerifier.verify(d.xml).rateSummaries } catch {
                throw OperationsError.invalid(field: "document", message: "stored document seq \(d.seq) does not verify: \(error)")
            }
        }
        return ClosingEntry(
            seq: d.seq, kind: d.kind, template: d.template, series: d.series, number: d.number, authorityCode: d.authorityCode,
            issueDate: VietnamTime(unixSeconds: d.issuedAt).dateText, total: Money(d.total), vat: Money(d.vat), rates: rates,
            xmlSHA256: Digest.sha256(d.xml), late: late)
    }
}
