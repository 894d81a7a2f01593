import FeeGateCore
@testable import FeeGateGateway
import Foundation
import Testing

/// The hand-written answer of `POST /v1/ledger/transfers` must be exactly what `JSONEncoder` (sorted keys,
/// unescaped slashes: the gateway's response encoder) writes for the same results.
@Suite("Transfer results JSON")
struct TransferResultsJSONTests {
    @Test func handWrittenJSONEqualsJSONEncoderByteForByte() throws {
        let a = UUID(), b = UUID()
        let plain = Transfer(
            id: UUID(), debitAccountID: a, creditAccountID: b, amount: 12_000, pendingID: nil, timeoutSeconds: 0, ledger: 704,
            code: .busFare, flags: [.linked], reference: "sim:tap:1", timestamp: 1_790_000_000_123_456_789)
        let tricky = Transfer(
            id: UUID(), debitAccountID: a, creditAccountID: b, amount: 0, pendingID: UUID(), timeoutSeconds: 30, ledger: 704,
            code: .payment, flags: [.pending], reference: "quote \" back\\slash /path\n\t\r\u{8}\u{C}\u{1}\u{1F}\u{7F} Nguyễn Văn 🚌",
            timestamp: 1_790_000_000_000_000_001)
        let results: [LedgerDTO.TransferResultOutput] = [
            .init(index: 0, id: plain.id.uuidString.lowercased(), result: "ok", committed: true, detail: nil,
                  transfer: LedgerDTO.TransferOutput(plain, seq: 42)),
            .init(index: 1, id: tricky.id.uuidString.lowercased(), result: "exists", committed: true, detail: "already \"there\"",
                  transfer: LedgerDTO.TransferOutput(tricky, seq: nil, resolution: .posted)),
            .init(index: 2, id: UUID().uuidString.lowercased(), result: "exceeds_credits", committed: false,
                  detail: TransferResult.exceedsCredits.explanation, transfer: nil),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(LedgerDTO.Results(results: results))
        let written = LedgerDTO.TransferResultsResponse(results: results).json
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(Data(written) == expected)
    }

    /// `GET /v1/ledger/accounts/{id}` and `GET /v1/ledger/transfers/{id}` answer with hand-written JSON too.
    @Test func singleAccountAndTransferAnswersEqualJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let accounts = [
            Account(id: UUID(), ledger: 704, code: .operatorRevenue, flags: [], operatorCode: "HN-BUS-01", name: "Doanh thu vé xe buýt",
                    timestamp: 1_790_000_000_123_456_789, debitsPending: 0, debitsPosted: 15_000, creditsPending: 7_000, creditsPosted: 1_000_000_000_000_000),
            Account(id: UUID(), ledger: 704, code: .riderStoredValue, flags: [.debitsMustNotExceedCredits, .creditsMustNotExceedDebits], operatorCode: nil,
                    name: "quote \" back\\slash /path\n\t\u{1}\u{7F} Nguyễn 🚌", timestamp: 1),
        ]
        for account in accounts {
            let output = LedgerDTO.AccountOutput(account)
            #expect(String(decoding: output.json, as: UTF8.self) == String(decoding: try encoder.encode(output), as: UTF8.self))
        }
        let transfers = [
            LedgerDTO.TransferOutput(
                Transfer(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 12_000, pendingID: nil, timeoutSeconds: 0, ledger: 704,
                         code: .busFare, flags: [.linked], reference: nil, timestamp: 1_790_000_000_123_456_789), seq: 7),
            LedgerDTO.TransferOutput(
                Transfer(id: UUID(), debitAccountID: UUID(), creditAccountID: UUID(), amount: 0, pendingID: UUID(), timeoutSeconds: 30, ledger: 704,
                         code: .payment, flags: [.pending], reference: "a/b \"c\"", timestamp: 2), seq: nil, resolution: .voided),
        ]
        for transfer in transfers {
            #expect(String(decoding: transfer.json, as: UTF8.self) == String(decoding: try encoder.encode(transfer), as: UTF8.self))
        }
    }
}
