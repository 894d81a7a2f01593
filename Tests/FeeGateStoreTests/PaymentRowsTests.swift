import FeeGateCore
import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

/// Payment history rows keep the ids of the transfers they caused; reading them back never drops one.
struct PaymentRowsTests {
    @Test func transferIDsReadBackAndAnAlteredListIsRefused() async throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.url.appendingPathComponent("payments.sqlite").path
        let store = try GatewayStore.open(path: path)
        _ = try await store.addOperator(code: "HN-PARK-01", name: "Trông giữ xe", taxCode: "0101234567", kind: .parking, mttPrefix: nil, invoiceSeries: nil)
        let now = store.now()
        let intent = PaymentIntent(
            id: UUID(), operatorCode: "HN-PARK-01", amount: Money(25_000), reference: "FG7K3M9X5", purpose: "Phí gửi xe", vatRate: .notSubject,
            code: .payment, expiresAt: now + 3_600_000_000_000, vietQR: "000201", createdAt: now)
        _ = try await store.createPaymentIntent(intent, fingerprint: "f", createdBy: nil)
        let transfers = [UUID(), UUID()]
        try await store.recordPaymentResolution(
            PaymentIntentEvent(intentID: intent.id, status: .paid, paid: 25_000, notificationID: nil, action: "test", actor: "test",
                               transferIDs: transfers, detail: "", at: now + 1),
            expecting: .pending)
        let events = try await store.paymentIntentEvents(intentID: intent.id)
        #expect(events.last?.transferIDs == transfers)

        // Another program appends a row whose list holds something that is not an id (the table takes new rows).
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: "INSERT INTO payment_intent_event (intent_id, status, paid, action, actor, transfer_ids, detail, at) VALUES (?, 'paid', 25000, 'x', 'x', ?, '', ?)",
                arguments: [withUnsafeBytes(of: intent.id.uuid) { Data($0) }, transfers[0].lowercasedString + ",not-an-id", now + 2])
        }
        await #expect(throws: StoreError.self) { _ = try await store.paymentIntentEvents(intentID: intent.id) }
    }
}
