import FeeGateCore
import Foundation
import Hummingbird

/// Wire formats of the admin ledger API. Separate from domain and storage types on purpose:
/// the JSON contract (see `openapi.json`) changes only deliberately.
enum LedgerDTO {
    struct CreateAccounts: Decodable {
        let accounts: [AccountRequest]

        enum CodingKeys: String, CodingKey, CaseIterable { case accounts }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            accounts = try c.decode([AccountInput].self, forKey: .accounts).map(\.request)
        }
    }

    struct AccountInput: Decodable {
        let request: AccountRequest

        enum CodingKeys: String, CodingKey, CaseIterable { case id, ledger, code, flags, `operator`, name }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let flagNames = try c.decodeIfPresent([String].self, forKey: .flags) ?? []
            let flags: AccountFlags
            switch AccountFlags.parse(flagNames) {
            case .success(let parsed): flags = parsed
            case .failure(let unknown):
                throw StrictJSON.field(
                    .unprocessableContent, "unknown_flag", c.codingPath + [CodingKeys.flags],
                    "unknown account flag '\(unknown.name)'; allowed: \(AccountFlags.named.map(\.name).joined(separator: ", "))")
            }
            request = AccountRequest(
                id: try c.decodeUUID(forKey: .id), ledger: try c.decodeIfPresent(UInt32.self, forKey: .ledger) ?? .vnd,
                code: try c.decode(AccountCode.self, forKey: .code), flags: flags,
                operatorCode: try c.decodeIfPresent(String.self, forKey: .operator), name: try c.decode(String.self, forKey: .name))
        }
    }

    struct CreateTransfers: Decodable {
        let transfers: [TransferRequest]

        init(transfers: [TransferRequest]) { self.transfers = transfers }

        /// The common body shape without `JSONDecoder`; `nil` sends the body to the strict decoder.
        static func fastPath(_ bytes: UnsafeRawBufferPointer) -> CreateTransfers? {
            TransferBodyFastPath.parse(bytes).map(CreateTransfers.init(transfers:))
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case transfers }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            transfers = try c.decode([TransferInput].self, forKey: .transfers).map(\.request)
        }
    }

    struct TransferInput: Decodable {
        let request: TransferRequest

        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, debitAccountID = "debit_account_id", creditAccountID = "credit_account_id", amount
            case pendingID = "pending_id", timeout, ledger, code, flags, reference
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let flagNames = try c.decodeIfPresent([String].self, forKey: .flags) ?? []
            let flags: TransferFlags
            switch TransferFlags.parse(flagNames) {
            case .success(let parsed): flags = parsed
            case .failure(let unknown):
                throw StrictJSON.field(
                    .unprocessableContent, "unknown_flag", c.codingPath + [CodingKeys.flags],
                    "unknown transfer flag '\(unknown.name)'; allowed: \(TransferFlags.named.map(\.name).joined(separator: ", "))")
            }
            let resolving = flags.contains(.postPendingTransfer) || flags.contains(.voidPendingTransfer)
            request = TransferRequest(
                id: try c.decodeUUID(forKey: .id),
                debitAccountID: try c.decodeUUIDIfPresent(forKey: .debitAccountID),
                creditAccountID: try c.decodeUUIDIfPresent(forKey: .creditAccountID),
                amount: try c.decodeAmount(forKey: .amount, required: !resolving),
                pendingID: try c.decodeUUIDIfPresent(forKey: .pendingID),
                timeoutSeconds: try c.decodeIfPresent(UInt32.self, forKey: .timeout) ?? 0,
                ledger: try c.decodeIfPresent(UInt32.self, forKey: .ledger),
                code: try c.decodeIfPresent(TransferCode.self, forKey: .code),
                flags: flags,
                reference: try c.decodeIfPresent(String.self, forKey: .reference))
        }
    }

    struct AccountOutput: ResponseEncodable {
        let id: String
        let ledger: UInt32
        let code: String
        let flags: [String]
        let `operator`: String?
        let name: String
        let debitsPending, debitsPosted, creditsPending, creditsPosted: Int64
        let timestamp: Int64
        let createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, ledger, code, flags, `operator`, name, timestamp
            case debitsPending = "debits_pending", debitsPosted = "debits_posted"
            case creditsPending = "credits_pending", creditsPosted = "credits_posted"
            case createdAt = "created_at"
        }

        init(_ a: Account) {
            id = a.id.lowercasedString
            ledger = a.ledger
            code = a.code.name
            flags = a.flags.names
            self.operator = a.operatorCode
            name = a.name
            debitsPending = a.debitsPending
            debitsPosted = a.debitsPosted
            creditsPending = a.creditsPending
            creditsPosted = a.creditsPosted
            timestamp = a.timestamp
            createdAt = LedgerTime.iso8601(nanoseconds: a.timestamp)
        }
    }

    struct TransferOutput: ResponseEncodable {
        let id: String
        let seq: Int64?
        let debitAccountID, creditAccountID: String
        let amount: Int64
        let pendingID: String?
        let timeout: UInt32
        let ledger: UInt32
        let code: String
        let flags: [String]
        let reference: String?
        let timestamp: Int64
        let createdAt: String
        let resolution: String?

        enum CodingKeys: String, CodingKey {
            case id, seq, amount, timeout, ledger, code, flags, reference, timestamp, resolution
            case debitAccountID = "debit_account_id", creditAccountID = "credit_account_id", pendingID = "pending_id"
            case createdAt = "created_at"
        }

        init(_ t: Transfer, seq: Int64?, resolution: PendingResolution? = nil) {
            id = t.id.lowercasedString
            self.seq = seq
            debitAccountID = t.debitAccountID.lowercasedString
            creditAccountID = t.creditAccountID.lowercasedString
            amount = t.amount
            pendingID = t.pendingID?.lowercasedString
            timeout = t.timeoutSeconds
            ledger = t.ledger
            code = t.code.name
            flags = t.flags.names
            reference = t.reference
            timestamp = t.timestamp
            createdAt = LedgerTime.iso8601(nanoseconds: t.timestamp)
            self.resolution = t.flags.contains(.pending) ? (resolution?.rawValue ?? "pending") : nil
        }
    }

    struct AccountResult: Encodable {
        let index: Int
        let id: String
        let result: String
        let detail: String?
        let account: AccountOutput?
    }

    struct TransferResultOutput: Encodable {
        let index: Int
        let id: String
        let result: String
        /// `true` when the transfer is in the journal (`ok` now, or `exists` from an earlier identical request).
        let committed: Bool
        let detail: String?
        let transfer: TransferOutput?
    }

    struct Results<Item: Encodable>: ResponseEncodable {
        let results: [Item]
    }

    struct Page<Item: Encodable>: ResponseEncodable {
        let items: [Item]
        let nextCursor: String?

        enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
    }
}
