import FeeGateCore
import FeeGateGateway
import FeeGateStore
import FeeGateTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The reconciliation API on the openpyxl-written statement of `Tests/FeeGateReconciliationTests/Fixtures`
/// (VCB-1 25,000 for FG7K3M9X5, VCB-2 40,000 for FG2345672, VCB-7 99,000 unknown on 2026-11-21; VCB-8 a
/// 1,250,000 debit on 2026-11-22) against two paid intents: FG7K3M9X5 (25,000) and FG2345672 (45,000 received).
@Suite("Reconciliation HTTP API")
struct ReconciliationAPITests {
    static let account = "0011001234567"
    static let fixtures = packageRoot.appendingPathComponent("Tests/FeeGateReconciliationTests/Fixtures")
    /// 2026-11-21 10:00 Hanoi time, in ledger nanoseconds.
    static let paidAt: Int64 = (BusinessDay("2026-11-21")!.startEpochSeconds + 10 * 3_600) * 1_000_000_000

    /// A paid intent as the payments flow records it: the intent, the bank's notification and its outcome.
    static func received(_ amount: Int64, for reference: String, price: Int64, in store: GatewayStore) async throws {
        let intent = PaymentIntent(
            id: UUID(), operatorCode: "HN-PARK-01", amount: Money(price), reference: reference, purpose: "Phí gửi xe", vatRate: .notSubject, code: .payment,
            expiresAt: paidAt + 3_600_000_000_000, vietQR: "000201", createdAt: paidAt)
        _ = try await store.createPaymentIntent(intent, fingerprint: reference, createdBy: nil)
        let notification = UUID()
        _ = try await store.recordNotification(
            StoredNotification(
                id: notification, provider: "sepay", method: "POST", rawQuery: nil, rawBody: Data("{}".utf8), headers: "{}", receivedAt: paidAt, verified: true,
                verification: "ok", operatorCode: "HN-PARK-01", providerTransactionID: "SP-\(reference)", direction: "credit", amount: amount,
                content: reference, occurredAt: paidAt))
        _ = try await store.recordPaymentOutcome(
            StoredOutcome(notificationID: notification, outcome: amount >= price ? .paid : .underpaid, intentID: intent.id, operatorCode: "HN-PARK-01",
                          amount: amount, transferIDs: [], detail: "", processedAt: paidAt),
            event: PaymentIntentEvent(intentID: intent.id, status: amount >= price ? .paid : .underpaid, paid: amount, notificationID: notification, action: nil, actor: nil, transferIDs: [],
                                      detail: "", at: paidAt))
    }

    static func fixture(_ name: String) throws -> ByteBuffer { ByteBuffer(bytes: try Data(contentsOf: fixtures.appendingPathComponent(name))) }

    static func importURI(source: String, format: String? = nil, mapping: String? = "debit-credit") -> String {
        var uri = "/v1/reconciliation/statements?account=\(account)&source=\(source)"
        if let format { uri += "&format=\(format)" }
        if let mapping { uri += "&mapping=\(mapping)" }
        return uri
    }

    @Test func importRunReportResolve() async throws {
        let fixture = try await Fixture.make()
        try await Self.received(25_000, for: "FG7K3M9X5", price: 25_000, in: fixture.store)
        try await Self.received(45_000, for: "FG2345672", price: 50_000, in: fixture.store)
        try await fixture.app().test(.router) { client in
            func upload(_ uri: String, key: String, body: ByteBuffer) async throws -> Reply {
                try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer \(key)"], body: body) { response in
                    let text = String(buffer: response.body)
                    return Reply(
                        status: response.status, headers: response.headers,
                        json: (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:], text: text)
                }
            }
            let xlsx = try Self.fixture("sao-ke.xlsx")

            // Roles: an operator key may not import, run, read or resolve.
            #expect(try await upload(Self.importURI(source: "sao-ke.xlsx"), key: fixture.parking, body: xlsx).status == .forbidden)
            #expect(try await client.call(.post, "/v1/reconciliation/runs", key: fixture.parking, body: #"{"date":"2026-11-21"}"#).status == .forbidden)
            #expect(try await client.call(.get, "/v1/reconciliation/reports?date=2026-11-21", key: fixture.parking).status == .forbidden)
            #expect(try await client.call(.post, "/v1/reconciliation/lines/1/resolution", key: fixture.parking, body: "{}").status == .forbidden)
            #expect(try await upload(Self.importURI(source: "sao-ke.xlsx"), key: "fg_wrong", body: xlsx).status == .unauthorized)

            // A mapping is a shipped name, never a path.
            let traversal = try await upload(Self.importURI(source: "s.xlsx", mapping: "..%2F..%2Fetc%2Fpasswd"), key: fixture.finance, body: xlsx)
            #expect(traversal.status == .unprocessableContent && (traversal.json["detail"] as? String)?.contains("is not a mapping name") == true, "\(traversal.text)")

            // Malformed: 422 naming the sheet and cell; nothing imported.
            let bad = try await upload(Self.importURI(source: "bad-date.xlsx"), key: fixture.finance, body: try Self.fixture("bad-date.xlsx"))
            #expect(bad.status == .unprocessableContent && bad.json["code"] as? String == "malformed_statement", "\(bad.text)")
            #expect(bad.json["location"] as? String == "bad-date.xlsx Sheet1!A14")
            #expect(bad.headers[.contentType] == "application/problem+json")

            // Import: 201; the same statement again: 200, nothing changed.
            let imported = try await upload(Self.importURI(source: "sao-ke.xlsx"), key: fixture.finance, body: xlsx)
            #expect(imported.status == .created, "\(imported.text)")
            #expect(imported.json["result"] as? String == "imported" && imported.json["format"] as? String == "xlsx")
            let statements = try #require(imported.json["statements"] as? [[String: Any]])
            #expect(statements.count == 1 && statements[0]["line_count"] as? Int == 4 && statements[0]["account"] as? String == Self.account)
            #expect((statements[0]["statement_id"] as? String)?.hasPrefix("xlsx:") == true)
            let replay = try await upload(Self.importURI(source: "sao-ke.xlsx", format: "xlsx"), key: fixture.admin, body: xlsx)
            #expect(replay.status == .ok && replay.json["result"] as? String == "already_imported", "\(replay.text)")
            #expect((replay.json["statements"] as? [[String: Any]])?.first?["seq"] as? Int == statements[0]["seq"] as? Int)

            // The same statement id with other content: 409, nothing imported.
            func mt940(_ amount: String) -> ByteBuffer {
                ByteBuffer(string: ":20:STMT-1120\n:25:\(Self.account)\n:28C:1/1\n:60F:C261120VND0,\n:61:2611201120C\(amount),NTRFNONREF//Z1\n:86:x\n:62F:C261120VND\(amount),\n")
            }
            #expect(try await upload(Self.importURI(source: "a.sta", mapping: nil), key: fixture.finance, body: mt940("100")).status == .created)
            let conflict = try await upload(Self.importURI(source: "b.sta", mapping: nil), key: fixture.finance, body: mt940("200"))
            #expect(conflict.status == .conflict && (conflict.json["detail"] as? String)?.contains("different content") == true, "\(conflict.text)")

            // Run 2026-11-21: VCB-1 matched, VCB-2 40,000 against 45,000 (−5,000), VCB-7 unknown 99,000.
            let run = try await client.call(.post, "/v1/reconciliation/runs", key: fixture.finance, body: #"{"date":"2026-11-21"}"#)
            #expect(run.status == .created, "\(run.text)")
            let summary = try #require(run.json["summary"] as? [[String: Any]])
            func row(_ status: String) -> [String: Any] { summary.first { $0["status"] as? String == status } ?? [:] }
            #expect(row("matched")["bank_lines"] as? Int == 1 && row("matched")["bank_amount"] as? Int == 25_000 && row("matched")["ledger_amount"] as? Int == 25_000)
            #expect(row("amount_mismatch")["bank_amount"] as? Int == 40_000 && row("amount_mismatch")["ledger_amount"] as? Int == 45_000)
            #expect(row("amount_mismatch")["difference"] as? Int == -5_000)
            #expect(row("unmatched_bank")["bank_lines"] as? Int == 1 && row("unmatched_bank")["bank_amount"] as? Int == 99_000)
            let runNumber = try #require(run.json["run"] as? Int)
            let lines = try #require(run.json["lines"] as? [[String: Any]])
            let mismatch = try #require(lines.first { $0["status"] as? String == "amount_mismatch" })
            let lineID = try #require(mismatch["bank_line_id"] as? Int)
            #expect(mismatch["bank_reference"] as? String == "VCB-2" && mismatch["ledger_key"] as? String == "intent:FG2345672")
            let badRun = try await client.call(.post, "/v1/reconciliation/runs", key: fixture.finance, body: #"{"from":"2026-11-21"}"#)
            #expect(badRun.status == .unprocessableContent, "\(badRun.text)")

            // The stored report, as JSON and as the CLI's CSV.
            let report = try await client.call(.get, "/v1/reconciliation/reports?date=2026-11-21", key: fixture.finance)
            #expect(report.status == .ok && report.json["run"] as? Int == runNumber && (report.json["lines"] as? [[String: Any]])?.count == lines.count)
            let csv = try await client.call(.get, "/v1/reconciliation/reports?date=2026-11-21&format=csv", key: fixture.admin)
            #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
            let csvLines = csv.text.split(separator: "\r\n")
            #expect(csvLines.first?.hasPrefix("status,bank_line_id,account,booking_date,bank_amount") == true && csvLines.count == lines.count + 1)
            #expect(csvLines.contains { $0.hasPrefix("amount_mismatch,\(lineID),\(Self.account),2026-11-21,40000,VCB-2,") })
            let accepted = try await client.execute(
                uri: "/v1/reconciliation/reports?date=2026-11-21", method: .get, headers: [.authorization: "Bearer \(fixture.finance)", .accept: "text/csv"]
            ) { String(buffer: $0.body) }
            #expect(accepted == csv.text)
            #expect(try await client.call(.get, "/v1/reconciliation/reports?date=2026-10-01", key: fixture.finance).status == .notFound)

            // Resolve the −5,000: one transfer from the write-off account to the bank account; replay; conflict.
            let body = #"{"as":"write-off","note":"payer sent 5,000 less; operator agreed"}"#
            // Sent twice at once (a client retrying after a timeout): one resolution, the other answer replays it.
            async let firstCopy = client.call(.post, "/v1/reconciliation/lines/\(lineID)/resolution", key: fixture.finance, body: body)
            async let secondCopy = client.call(.post, "/v1/reconciliation/lines/\(lineID)/resolution", key: fixture.finance, body: body)
            let copies = try await [firstCopy, secondCopy]
            #expect(copies.map(\.status.code).sorted() == [200, 201], "\(copies.map(\.text))")
            let resolved = try #require(copies.first { $0.status == .created })
            #expect(copies.allSatisfy { $0.json["transfer_id"] as? String == resolved.json["transfer_id"] as? String })
            #expect(resolved.json["difference"] as? Int == -5_000 && resolved.json["action"] as? String == "write-off" && resolved.json["status"] as? String == "amount_mismatch")
            #expect((resolved.json["debit_account"] as? String)?.contains("reconciliation-write-off") == true)
            #expect((resolved.json["credit_account"] as? String)?.contains(Self.account) == true)
            #expect(resolved.json["items"] as? [String] == ["intent:FG2345672", "line:\(lineID)"])
            #expect((resolved.json["resolved_by"] as? String)?.hasPrefix("key:") == true)
            let again = try await client.call(.post, "/v1/reconciliation/lines/\(lineID)/resolution", key: fixture.finance, body: body)
            #expect(again.status == .ok && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "\(again.text)")
            #expect(again.json["transfer_id"] as? String == resolved.json["transfer_id"] as? String && again.json["seq"] as? Int == resolved.json["seq"] as? Int)
            let other = try await client.call(
                .post, "/v1/reconciliation/lines/\(lineID)/resolution", key: fixture.finance, body: #"{"as":"accept","note":"bank delayed"}"#)
            #expect(other.status == .conflict && (other.json["detail"] as? String)?.contains("already resolved") == true, "\(other.text)")
            let matchedLine = try #require(lines.first { $0["status"] as? String == "matched" }?["bank_line_id"] as? Int)
            #expect(try await client.call(.post, "/v1/reconciliation/lines/\(matchedLine)/resolution", key: fixture.finance, body: body).status == .conflict)
            #expect(try await client.call(.post, "/v1/reconciliation/lines/999999/resolution", key: fixture.finance, body: body).status == .notFound)

            // The bank holds 5,000 less than the ledger expected: the bank account is credited 5,000, once.
            let bank = try #require(try await fixture.store.account(id: AccountKey.bankAccount(Self.account).id))
            #expect(bank.creditsPosted == 5_000 && bank.debitsPosted == 0)
        }
    }
}
