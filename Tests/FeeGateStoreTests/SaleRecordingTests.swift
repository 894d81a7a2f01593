import FeeGateCore
@testable import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

/// A sale's postings, its document (numbered and rendered in the transaction), its row and the stored answer
/// commit together through ``GatewayStore/postAndRecord(_:businessDay:_:)``, or none of them does.
@Suite("Sale posted and recorded with its document")
struct SaleRecordingTests {
    static let op = "HN-BUS-01"
    static let at: Int64 = 1_795_237_200  // 2026-11-21 12:00 in Hanoi

    struct RenderFailed: Error {}

    static func store() async throws -> (GatewayStore, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let store = try GatewayStore.open(path: dir.path("sales.sqlite"))
        _ = try await store.addOperator(code: op, name: "bus", taxCode: "0100100142", kind: .bus, mttPrefix: "K7Q2M", invoiceSeries: nil)
        return (store, dir)
    }

    /// A 200,000 VND pass sale: its plan, and the write recording it with an e-ticket whose "XML" names its number
    /// and MTT counter (or a renderer that fails).
    static func pass(_ id: UUID, failing: Bool = false) -> (Postings.Plan, OperationWrite) {
        let plan = Postings.customerSale(event: id, operatorCode: op, channel: "card", price: Money(200_000), rate: .notSubject, code: .passSale,
                                         reference: "pass:\(id.lowercasedString)")
        let draft = DocumentDraft(id: DerivedID.make(namespace: "document", parts: ["pass:\(id.lowercasedString)"]), operatorCode: op, kind: "e_ticket",
                                  template: "5", series: "C26MAA", year: 2026, source: "pass:\(id.lowercasedString)", issuedAt: at,
                                  usesAuthorityCounter: true) { number, counter in
            if failing { throw RenderFailed() }
            return RenderedDocument(xml: Array("ticket \(number) mtt \(counter ?? -1)".utf8), authorityCode: mtt(counter ?? -1), total: 200_000, vat: 0)
        }
        let row = SoldPass(id: id, operatorCode: op, tokenType: "transit_card", tokenHash: Array(repeating: 1, count: 32), product: "all-routes",
                           category: "adult", route: nil, validMonth: "2026-12", amount: 200_000)
        let hash = Array("pass \(id)".utf8)
        let write = OperationWrite(id: id, requestHash: hash, document: draft) { document, _ in
            (.pass(row), OperationRecord(id: id, kind: "transit.pass", operatorCode: op, requestHash: hash, status: 201,
                                         response: #"{"document":\#(document?.number ?? -1)}"#))
        }
        return (plan, write)
    }

    /// The MTT code of template 5 in 2026 with this counter (`M5-26-K7Q2M-00000000001`).
    static func mtt(_ counter: Int64) -> String { "M5-26-K7Q2M-" + String(repeating: "0", count: 11 - "\(counter)".count) + "\(counter)" }

    static func count(_ store: GatewayStore, _ sql: String) async throws -> Int {
        try await store.writer.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    @Test func theSaleItsDocumentAndItsRowCommitTogether() async throws {
        let (store, _) = try await Self.store()
        let id = UUID()
        let (plan, write) = Self.pass(id)
        try await store.ensureAccounts(plan.accounts)
        let posted = try await store.postAndRecord(plan.transfers, businessDay: nil, write)
        guard case .recorded(let stored) = posted else { Issue.record("expected recorded, got \(posted)"); return }
        #expect(stored.response == #"{"document":1}"#)
        let document = try #require(try await store.document(id: write.document!.id))
        #expect(document.number == 1 && document.authorityCode == Self.mtt(1) && document.xml == Array("ticket 1 mtt 1".utf8))
        #expect(try await Self.count(store, "SELECT count(*) FROM transit_pass") == 1)
        for t in plan.transfers { #expect(try await store.transfer(id: t.id)?.transfer.amount == t.amount) }
        // The same request again: the stored answer, nothing new.
        guard case .replay(let again) = try await store.postAndRecord(plan.transfers, businessDay: nil, write) else { Issue.record("expected replay"); return }
        #expect(again == stored)
        #expect(try await Self.count(store, "SELECT count(*) FROM document") == 1)
        let problems = try await store.verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func aRefusedSaleIssuesNoDocumentAndGivesTheNumbersBack() async throws {
        let (store, _) = try await Self.store()
        let refused = Self.pass(UUID())
        // No ensureAccounts: the ledger refuses the sale, so its e-ticket, pass and answer are rolled back.
        let posted = try await store.postAndRecord(refused.0.transfers, businessDay: nil, refused.1)
        guard case .rejected(let result) = posted else { Issue.record("expected rejected, got \(posted)"); return }
        #expect(result == .debitAccountNotFound)
        for table in ["document", "transit_pass", "operation", "transfer"] {
            #expect(try await Self.count(store, "SELECT count(*) FROM \(table)") == 0, "\(table)")
        }
        // The next sale takes number 1 and MTT counter 1: the refused one gave both back.
        let (plan, write) = Self.pass(UUID())
        try await store.ensureAccounts(plan.accounts)
        _ = try await store.postAndRecord(plan.transfers, businessDay: nil, write)
        #expect(try await store.document(id: write.document!.id)?.number == 1)
        #expect(try await store.document(id: write.document!.id)?.authorityCode == Self.mtt(1))
    }

    @Test func aDocumentThatCannotBeRenderedFailsItsRequestAlone() async throws {
        let (store, _) = try await Self.store()
        let (failingPlan, failing) = Self.pass(UUID(), failing: true)
        let (plan, write) = Self.pass(UUID())
        try await store.ensureAccounts(failingPlan.accounts)
        // Both in ONE group transaction (as the writer would batch them): only the failing one is lost.
        let (badStep, badOutcome) = GatewayStore.recordStep(failing, clock: { 1 })
        let (goodStep, goodOutcome) = GatewayStore.recordStep(write, clock: { 1 })
        let results = try LedgerWrites.commit(
            [Submission(transfers: failingPlan.transfers, businessDay: nil, record: badStep), Submission(transfers: plan.transfers, businessDay: nil, record: goodStep)],
            writer: store.writer, now: Self.at * 1_000_000_000, cache: SettlementAccountCache())
        #expect(results[0].isEmpty && results[1].map(\.result) == plan.transfers.map { _ in .ok })
        guard case .failure(let error) = badOutcome.value, error is RenderFailed else { Issue.record("expected the render failure, got \(String(describing: badOutcome.value))"); return }
        guard case .success(.recorded) = goodOutcome.value else { Issue.record("the other sale should be recorded, got \(String(describing: goodOutcome.value))"); return }
        for t in failingPlan.transfers { #expect(try await store.transfer(id: t.id) == nil) }
        #expect(try await Self.count(store, "SELECT count(*) FROM document") == 1)
        #expect(try await store.document(id: write.document!.id)?.number == 1)
        #expect(try await Self.count(store, "SELECT count(*) FROM transit_pass") == 1)
    }

    @Test func aFeeIsNumberedByItsReceiptOrItsCounter() async throws {
        let (store, _) = try await Self.store()
        func fee(_ id: UUID, document: DocumentDraft?) -> (Postings.Plan, OperationWrite) {
            let plan = Postings.customerSale(event: id, operatorCode: Self.op, channel: "account", price: Money(15_000), rate: .notSubject,
                                             code: .publicFee, reference: "fee:\(id.lowercasedString)")
            let hash = Array("fee \(id)".utf8)
            return (plan, OperationWrite(id: id, requestHash: hash, document: document, counter: "receipt:\(Self.op):2026") { _, number in
                (.feePayment(FeePayment(id: id, operatorCode: Self.op, feeCode: "CCCD-DOI", payerName: "A", payerIDHash: nil, amount: 15_000,
                                        receiptNumber: number ?? -1)),
                 OperationRecord(id: id, kind: "fee.payment", operatorCode: Self.op, requestHash: hash, status: 201, response: "\(number ?? -1)"))
            })
        }
        // Without a document the operator's receipt counter numbers it: 1, then 2.
        for expected in 1...2 {
            let (plan, write) = fee(UUID(), document: nil)
            try await store.ensureAccounts(plan.accounts)
            guard case .recorded(let stored) = try await store.postAndRecord(plan.transfers, businessDay: nil, write) else { Issue.record("not recorded"); return }
            #expect(stored.response == "\(expected)")
        }
        // With an e-receipt, the receipt's own number is the fee's number (its series starts at 1) and the counter is untouched.
        let id = UUID()
        let draft = DocumentDraft(id: UUID(), operatorCode: Self.op, kind: "fee_receipt", template: "01BLP0-001", series: "26AB", year: 2026,
                                  source: "fee:\(id.lowercasedString)", issuedAt: Self.at, usesAuthorityCounter: false) { number, _ in
            RenderedDocument(xml: Array("receipt \(number)".utf8), authorityCode: nil, total: 15_000, vat: 0)
        }
        let (plan, write) = fee(id, document: draft)
        guard case .recorded(let stored) = try await store.postAndRecord(plan.transfers, businessDay: nil, write) else { Issue.record("not recorded"); return }
        #expect(stored.response == "1")
        #expect(try await Self.count(store, "SELECT receipt_number FROM fee_payment WHERE id = x'\(id.uuidString.replacingOccurrences(of: "-", with: ""))'") == 1)
        #expect(try await Self.count(store, "SELECT value FROM counter WHERE name = 'receipt:\(Self.op):2026'") == 2)
    }
}
