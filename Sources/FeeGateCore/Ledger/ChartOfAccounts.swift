import FeeGateCrypto
import Foundation

/// A well-known account named by what it is for, rather than by a random id.
///
/// Business flows (parking sales, bus taps, QR payments, settlement) post to accounts such as
/// "HN-PARK-01's revenue at 8 %" or "HN-BUS-01's receivable from the city budget". Each key maps to a
/// fixed UUID (a name-based UUID, version 8, from SHA-256 of the key), so every component computes the
/// same id without a lookup, and the store can create the account the first time it is needed.
public struct AccountKey: Sendable, Hashable, CustomStringConvertible {
    /// The operator (tenant) owning the account; `nil` for gateway-level accounts (funders, suspense).
    public let operatorCode: String?
    public let code: AccountCode
    /// What distinguishes accounts of one kind: a VAT label (`8%`, `KCT`), a channel (`qr`, `card`,
    /// `account`), a funder (`city-budget`), or empty.
    public let qualifier: String

    public init(operatorCode: String?, code: AccountCode, qualifier: String = "") {
        self.operatorCode = operatorCode
        self.code = code
        self.qualifier = qualifier
    }

    /// The derived account id.
    public var id: UUID {
        if let known = AccountKeyIDs.shared.lookup(self) { return known }
        let id = DerivedID.make(namespace: "account", parts: [operatorCode ?? "*", code.name, qualifier])
        AccountKeyIDs.shared.store(self, id)
        return id
    }

    /// A readable name for statements: `HN-PARK-01 operator_revenue 8%`.
    public var description: String {
        [operatorCode ?? "gateway", code.name, qualifier].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Balance rule implied by the kind: stored value and receivables may not go below zero from the debit side.
    public var defaultFlags: AccountFlags {
        switch code {
        case .riderStoredValue: return .debitsMustNotExceedCredits
        default: return []
        }
    }

    /// The request that creates this account.
    public var request: AccountRequest {
        AccountRequest(id: id, code: code, flags: defaultFlags, operatorCode: operatorCode, name: description)
    }

    // MARK: - The chart

    /// Sales revenue of an operator at one VAT treatment (VAT-exclusive amounts).
    public static func revenue(_ op: String, vat: VATRate) -> AccountKey { .init(operatorCode: op, code: .operatorRevenue, qualifier: vat.label) }
    /// VAT the operator owes.
    public static func vatPayable(_ op: String) -> AccountKey { .init(operatorCode: op, code: .vatPayable) }
    /// Money collected for the operator through one payment channel, not yet settled.
    public static func clearing(_ op: String, channel: String) -> AccountKey { .init(operatorCode: op, code: .channelClearing, qualifier: channel) }
    /// What a funder owes the operator for 0-VND rides and waived fees.
    public static func subsidyReceivable(_ op: String, funder: String) -> AccountKey { .init(operatorCode: op, code: .subsidyReceivable, qualifier: funder) }
    /// A funder or sponsor, gateway-level (the city budget, a bank carrying channel fees).
    public static func funder(_ funder: String) -> AccountKey { .init(operatorCode: nil, code: .sponsor, qualifier: funder) }
    /// Channel fees (merchant discount) charged on an operator's collections through one channel.
    public static func channelFees(_ op: String, channel: String) -> AccountKey { .init(operatorCode: op, code: .channelFees, qualifier: channel) }
    /// Payouts instructed to an operator's bank account at settlement.
    public static func payouts(_ op: String) -> AccountKey { .init(operatorCode: op, code: .payouts) }
    /// Money received that nothing explains yet.
    public static func suspense(channel: String) -> AccountKey { .init(operatorCode: nil, code: .suspense, qualifier: channel) }
    /// Money owed back to payers (overpayments, late payments).
    public static func refundLiability(_ op: String?) -> AccountKey { .init(operatorCode: op, code: .refundLiability) }
    /// Partial payments held for an operator's open payment intents.
    public static func unappliedPayments(_ op: String) -> AccountKey { .init(operatorCode: op, code: .unappliedPayments) }
    /// Money a payment provider reported for the gateway's own accounts that no operator's intent explains yet
    /// (the debit side of an unmatched payment; the credit side is ``suspense(channel:)``).
    public static func providerClearing(_ provider: String) -> AccountKey { .init(operatorCode: nil, code: .channelClearing, qualifier: provider) }
    /// The gateway's bank account as reconciliation sees it: a resolution of a difference between the bank statement
    /// and the ledger moves money between this account and the counter-account of the decision.
    public static func bankAccount(_ account: String) -> AccountKey { .init(operatorCode: nil, code: .channelClearing, qualifier: "bank:\(account)") }
    /// Reconciliation differences finance staff wrote off (a gain or a loss of the gateway).
    public static var reconciliationWriteOff: AccountKey { .init(operatorCode: nil, code: .control, qualifier: "reconciliation-write-off") }
}

/// Name-based ids (UUID version 8 from SHA-256), for accounts and for the several transfers one
/// business event posts: the same event always yields the same transfer ids, so a retried request
/// can never post twice.
public enum DerivedID {
    /// A UUID from `namespace` and `parts`, stable forever (changing this function would orphan ids).
    public static func make(namespace: String, parts: [String]) -> UUID {
        var bytes = Array("feegate:\(namespace)".utf8)
        for part in parts {
            bytes.append(0)  // separator: ("a","bc") and ("ab","c") differ
            bytes.append(contentsOf: part.utf8)
        }
        var digest = Array(Digest.sha256(bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x80  // version 8
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(bytes: digest) ?? UUID.zero
    }

    /// The id of leg `leg` of the postings for business event `event` (e.g. a parking session's payment).
    public static func transfer(event: UUID, purpose: String, leg: Int) -> UUID {
        make(namespace: "transfer", parts: [event.lowercasedString, purpose, String(leg)])
    }
}

/// Derived account ids computed so far (every sale derives two or three; the set of keys is small).
final class AccountKeyIDs: @unchecked Sendable {
    static let shared = AccountKeyIDs()
    private let lock = NSLock()
    private var ids: [AccountKey: UUID] = [:]

    func lookup(_ key: AccountKey) -> UUID? { lock.withLock { ids[key] } }

    func store(_ key: AccountKey, _ id: UUID) {
        lock.withLock {
            if ids.count >= 4_096 { ids.removeAll(keepingCapacity: true) }
            ids[key] = id
        }
    }
}
