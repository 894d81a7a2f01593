import FeeGateCore
@testable import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

/// A tap's fare, the tap and its ticket commit in one transaction of the ledger's group commit.
@Suite("Tap posted and recorded together")
struct TapPostingTests {
    static let op = "HN-BUS-01"
    static let day = "2026-11-21"
    static let at: Int64 = 1_795_237_200  // 2026-11-21 12:00 in Hanoi

    struct Fixture {
        let store: GatewayStore
        let dir: TemporaryDirectory
    }

    static func fixture() async throws -> Fixture {
        let dir = try TemporaryDirectory()
        let store = try GatewayStore.open(path: dir.path("taps.sqlite"))
        _ = try await store.addOperator(code: op, name: "bus", taxCode: "0100100142", kind: .bus, mttPrefix: nil, invoiceSeries: nil)
        return Fixture(store: store, dir: dir)
    }

    /// A card fare for a tap, with the operation answer the tap flow would store.
    struct Fare {
        let plan: Postings.Plan
        let tap: TransitTap
        let hash: [UInt8]
        let answer: @Sendable (TransitTap, Int64) -> OperationRecord

        /// Posts the fare and records the tap through the store, as the tap flow does.
        func post(to store: GatewayStore) async throws -> PostedRecord {
            try await store.postAndRecord(plan.transfers, businessDay: plan.businessDay, GatewayStore.tapWrite(tap: tap, requestHash: hash, answer: answer))
        }

        /// The record step the store would queue with the fare.
        func step() -> (RecordStep, StepOutcome<PostedRecord>) {
            GatewayStore.recordStep(GatewayStore.tapWrite(tap: tap, requestHash: hash, answer: answer), clock: { 1 })
        }
    }

    /// A 7,000 VND card fare for tap `id` (by default).
    static func fare(_ id: UUID, fare: Int64 = 7_000, route: String = "01") -> Fare {
        let plan = Postings.customerSale(event: id, operatorCode: op, channel: "transit_card", price: Money(fare), rate: .notSubject,
                                         code: .busFare, reference: "tap:\(id.lowercasedString)")
        let tap = TransitTap(id: id, operatorCode: op, tokenType: "transit_card", tokenHash: Array(repeating: 7, count: 32), route: route,
                             vehicle: "29B-123.45", validatorID: "V1", at: at, serviceDay: day, fare: fare, fundedBy: "customer",
                             referenceAmount: fare, category: "adult", capped: false)
        let hash = Array("\(id)|\(fare)|\(route)".utf8)
        return Fare(plan: plan, tap: tap, hash: hash, answer: { tap, number in
            OperationRecord(id: tap.id, kind: "transit.tap", operatorCode: tap.operatorCode, requestHash: hash, status: 201,
                            response: #"{"ticket":\#(number)}"#)
        })
    }

    static func count(_ store: GatewayStore, _ sql: String, _ arguments: StatementArguments = []) async throws -> Int {
        try await store.writer.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? -1 }
    }

    @Test func postsTheFareAndRecordsTheTapWithItsTicket() async throws {
        let f = try await Self.fixture()
        let id = UUID()
        let fare = Self.fare(id), plan = fare.plan
        try await f.store.ensureAccounts(plan.accounts)
        let posted = try await fare.post(to: f.store)
        guard case .recorded(let stored) = posted else { Issue.record("expected recorded, got \(posted)"); return }
        #expect(stored.response == #"{"ticket":1}"#)
        for t in plan.transfers { #expect(try await f.store.transfer(id: t.id)?.transfer.amount == t.amount) }
        #expect(try await Self.count(f.store, "SELECT ticket_number FROM transit_tap WHERE id = ?", [id.blob]) == 1)
        #expect(try await f.store.operation(id: id) == stored)
    }

    @Test func theSameRequestAgainReplaysAndPostsNothing() async throws {
        let f = try await Self.fixture()
        let id = UUID()
        let fare = Self.fare(id), plan = fare.plan
        try await f.store.ensureAccounts(plan.accounts)
        let first = try await fare.post(to: f.store)
        let journal = try await Self.count(f.store, "SELECT count(*) FROM transfer")
        let again = try await fare.post(to: f.store)
        guard case .recorded(let stored) = first, case .replay(let replayed) = again else { Issue.record("got \(first), \(again)"); return }
        #expect(replayed == stored)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transfer") == journal)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transit_tap") == 1)
        #expect(try await Self.count(f.store, "SELECT value FROM counter WHERE name = ?", ["ticket:\(Self.op):2026"]) == 1)
    }

    @Test func anotherRequestWithTheSameIDIsAConflict() async throws {
        let f = try await Self.fixture()
        let id = UUID()
        let fare = Self.fare(id), plan = fare.plan
        try await f.store.ensureAccounts(plan.accounts)
        _ = try await fare.post(to: f.store)
        let journal = try await Self.count(f.store, "SELECT count(*) FROM transfer")
        let other = Self.fare(id, route: "02")
        await #expect {
            _ = try await other.post(to: f.store)
        } throws: { error in
            if case StoreError.conflict = error { true } else { false }
        }
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transit_tap") == 1)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transfer") == journal)
    }

    @Test func aRefusedFareRecordsNoTap() async throws {
        let f = try await Self.fixture()
        let id = UUID()
        let fare = Self.fare(id), plan = fare.plan
        // No ensureAccounts: the clearing and revenue accounts do not exist, so the ledger refuses the fare.
        let posted = try await fare.post(to: f.store)
        guard case .rejected(let result) = posted else { Issue.record("expected rejected, got \(posted)"); return }
        #expect(result == .debitAccountNotFound)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transit_tap") == 0)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM operation") == 0)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transfer") == 0)
    }

    /// Duplicates queued together land in one group transaction: the first posts, the others see its rows.
    @Test func concurrentDuplicatesPostOnce() async throws {
        let f = try await Self.fixture()
        let id = UUID()
        let fare = Self.fare(id), plan = fare.plan
        try await f.store.ensureAccounts(plan.accounts)
        let outcomes = try await withThrowingTaskGroup(of: PostedRecord.self) { group in
            for _ in 0..<30 {
                group.addTask { try await fare.post(to: f.store) }
            }
            var all: [PostedRecord] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let recorded = outcomes.filter { if case .recorded = $0 { true } else { false } }
        let replays = outcomes.filter { if case .replay = $0 { true } else { false } }
        #expect(recorded.count == 1)
        #expect(replays.count == 29)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transfer") == plan.transfers.count)
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transit_tap") == 1)
    }

    /// If the record cannot be written, the fare is not posted either, and the request fails alone: the other
    /// requests of its group transaction commit.
    @Test func aRecordThatFailsTakesTheFareWithItAndNothingElse() async throws {
        let f = try await Self.fixture()
        let id = UUID(), other = UUID()
        let fare = Self.fare(id), plan = fare.plan
        let neighbour = Self.fare(other, fare: 9_000)
        try await f.store.ensureAccounts(plan.accounts)
        // A tap row with this id but no stored answer (written behind the store's back): the record's INSERT fails.
        try await f.store.writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO transit_tap (id, operator_code, token_type, token_hash, route, vehicle, validator_id, at, service_day, fare,
                                             funded_by, reference_amount, category, capped, ticket_number, created_at)
                    VALUES (?, ?, 'transit_card', x'00', '01', 'x', 'V0', 0, ?, 0, 'customer', 0, 'adult', 0, 0, 0)
                    """, arguments: [id.blob, Self.op, Self.day])
        }
        // Through the store: the request fails with a storage error and its fare is not in the journal.
        await #expect {
            _ = try await fare.post(to: f.store)
        } throws: { error in
            if case StoreError.database = error { true } else { false }
        }
        for t in plan.transfers { #expect(try await f.store.transfer(id: t.id) == nil) }
        #expect(try await Self.count(f.store, "SELECT count(*) FROM operation") == 0)

        // In one group transaction with a neighbour tap and a plain transfer request: only the failing one is lost.
        let (step, outcome) = fare.step()
        let (neighbourStep, neighbourOutcome) = neighbour.step()
        let plain = Postings.customerSale(event: UUID(), operatorCode: Self.op, channel: "transit_card", price: Money(5_000), rate: .notSubject,
                                          code: .busFare, reference: "plain")
        let results = try LedgerWrites.commit(
            [Submission(transfers: plan.transfers, businessDay: nil, record: step),
             Submission(transfers: neighbour.plan.transfers, businessDay: nil, record: neighbourStep),
             Submission(transfers: plain.transfers, businessDay: nil)],
            writer: f.store.writer, now: Self.at * 1_000_000_000, cache: SettlementAccountCache())
        #expect(results[0].isEmpty)
        #expect(results[1].map(\.result) == neighbour.plan.transfers.map { _ in .ok })
        #expect(results[2].map(\.result) == plain.transfers.map { _ in .ok })
        if case .failure = outcome.value {} else { Issue.record("the failing tap should fail: \(String(describing: outcome.value))") }
        if case .success(.recorded) = neighbourOutcome.value {} else { Issue.record("the neighbour should be recorded") }
        for t in plan.transfers { #expect(try await f.store.transfer(id: t.id) == nil) }
        for t in neighbour.plan.transfers + plain.transfers { #expect(try await f.store.transfer(id: t.id) != nil) }
        #expect(try await Self.count(f.store, "SELECT count(*) FROM transit_tap WHERE id = ?", [other.blob]) == 1)
        #expect(try await f.store.verify().problems.isEmpty)
    }
}
