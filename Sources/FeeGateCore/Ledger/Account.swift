import Foundation

/// The partition an account lives in. Only accounts of the same ledger can transact directly
/// (TigerBeetle's rule). FeeGate uses one ledger per currency; VND is ISO 4217 numeric 704.
public typealias LedgerNumber = UInt32

extension LedgerNumber {
    /// The VND ledger, the only one FeeGate uses today.
    public static let vnd: LedgerNumber = 704
}

/// The kind of an account in FeeGate's chart of accounts (TigerBeetle's account `code`).
///
/// Stored as an integer; the API and CLI use the snake_case `name`. Adding a kind is a code change
/// (append a case with a new number, never renumber one).
public enum AccountCode: UInt16, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Sales revenue of an operator (parking prices, bus fares, fees), VAT-exclusive.
    case operatorRevenue = 100
    /// VAT the operator owes the tax authority.
    case vatPayable = 110
    /// Money collected through a payment channel (bank QR, card, account) not yet settled.
    case channelClearing = 200
    /// What a funder (city budget, sponsor, event) owes for 0-VND rides and waived fees.
    case subsidyReceivable = 300
    /// A funder or sponsor (city budget, bank paying channel fees).
    case sponsor = 310
    /// Channel fees (merchant discount) charged to the operator.
    case channelFees = 400
    /// Payouts to the operator's bank account.
    case payouts = 500
    /// Stored value held for riders (prepaid transit cards, app wallets).
    case riderStoredValue = 600
    /// Money the gateway must give back (overpayments, late payments awaiting refund).
    case refundLiability = 700
    /// Money received that nothing explains yet (unmatched bank credits), listed for finance staff.
    case suspense = 800
    /// The gateway's own control account (opening balances, the outside world).
    case control = 900
    /// Money received for a payment intent that does not cover its price yet (a partial bank
    /// transfer), parked until the rest arrives or an operator or finance resolves it.
    case unappliedPayments = 1000

    /// The stable snake_case name used by the API and CLI.
    public var name: String {
        switch self {
        case .operatorRevenue: return "operator_revenue"
        case .vatPayable: return "vat_payable"
        case .channelClearing: return "channel_clearing"
        case .subsidyReceivable: return "subsidy_receivable"
        case .sponsor: return "sponsor"
        case .channelFees: return "channel_fees"
        case .payouts: return "payouts"
        case .riderStoredValue: return "rider_stored_value"
        case .refundLiability: return "refund_liability"
        case .suspense: return "suspense"
        case .control: return "control"
        case .unappliedPayments: return "unapplied_payments"
        }
    }

    public var description: String { name }

    /// Looks a kind up by its snake_case name.
    public init?(name: String) {
        guard let found = AccountCode.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let code = AccountCode(name: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown account code '\(name)'; expected one of: \(AccountCode.allCases.map(\.name).joined(separator: ", "))")
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Account flags (TigerBeetle semantics).
public struct AccountFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Reject a transfer if `debits_pending + debits_posted + amount > credits_posted`
    /// (the account may never go "negative" from the debit side, e.g. a rider's stored value).
    public static let debitsMustNotExceedCredits = AccountFlags(rawValue: 1 << 1)
    /// Reject a transfer if `credits_pending + credits_posted + amount > debits_posted`.
    public static let creditsMustNotExceedDebits = AccountFlags(rawValue: 1 << 2)

    /// Every flag with its API name, in a stable order.
    public static let named: [(name: String, flag: AccountFlags)] = [
        ("debits_must_not_exceed_credits", .debitsMustNotExceedCredits),
        ("credits_must_not_exceed_debits", .creditsMustNotExceedDebits),
    ]

    /// The API names of the flags set.
    public var names: [String] { AccountFlags.named.filter { contains($0.flag) }.map(\.name) }

    /// Parses API flag names; returns the first unknown name as the error.
    public static func parse(_ names: [String]) -> Result<AccountFlags, UnknownFlag> {
        var flags = AccountFlags()
        for name in names {
            guard let entry = named.first(where: { $0.name == name }) else { return .failure(UnknownFlag(name: name)) }
            flags.insert(entry.flag)
        }
        return .success(flags)
    }
}

/// A flag name that FeeGate does not know.
public struct UnknownFlag: Error, Sendable, Equatable {
    public let name: String
}

/// A ledger account: immutable identity plus four balance counters changed only by transfers.
public struct Account: Sendable, Hashable {
    /// Client-chosen id; also the idempotency key for account creation.
    public let id: UUID
    public let ledger: LedgerNumber
    public let code: AccountCode
    public let flags: AccountFlags
    /// The operator (tenant) owning the account, or `nil` for gateway-level accounts.
    public let operatorCode: String?
    /// A human-readable name for statements (`"HN-PARK-01 revenue 8%"`).
    public let name: String
    /// Ledger time of creation, nanoseconds since the Unix epoch, unique and increasing.
    public let timestamp: Int64

    public var debitsPending: Int64 = 0
    public var debitsPosted: Int64 = 0
    public var creditsPending: Int64 = 0
    public var creditsPosted: Int64 = 0

    public init(
        id: UUID, ledger: LedgerNumber, code: AccountCode, flags: AccountFlags, operatorCode: String?, name: String,
        timestamp: Int64, debitsPending: Int64 = 0, debitsPosted: Int64 = 0, creditsPending: Int64 = 0, creditsPosted: Int64 = 0
    ) {
        self.id = id
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.operatorCode = operatorCode
        self.name = name
        self.timestamp = timestamp
        self.debitsPending = debitsPending
        self.debitsPosted = debitsPosted
        self.creditsPending = creditsPending
        self.creditsPosted = creditsPosted
    }

    /// Posted credits minus posted debits: the balance of a liability/revenue-style account.
    public var creditBalance: Int64 { creditsPosted &- debitsPosted }
    /// Posted debits minus posted credits: the balance of an asset/receivable-style account.
    public var debitBalance: Int64 { debitsPosted &- creditsPosted }
}

/// A request to create an account.
public struct AccountRequest: Sendable, Hashable {
    public var id: UUID
    public var ledger: LedgerNumber
    public var code: AccountCode
    public var flags: AccountFlags
    public var operatorCode: String?
    public var name: String

    public init(id: UUID, ledger: LedgerNumber = .vnd, code: AccountCode, flags: AccountFlags = [], operatorCode: String? = nil, name: String) {
        self.id = id
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.operatorCode = operatorCode
        self.name = name
    }
}

/// The outcome of an account creation request.
public enum CreateAccountResult: String, Sendable, Codable, CaseIterable {
    case ok
    /// Same id, same fields: the account already exists exactly as requested (a safe retry).
    case exists
    case idMustNotBeZero = "id_must_not_be_zero"
    case ledgerMustNotBeZero = "ledger_must_not_be_zero"
    case flagsAreMutuallyExclusive = "flags_are_mutually_exclusive"
    case nameRequired = "name_required"
    case existsWithDifferentFlags = "exists_with_different_flags"
    case existsWithDifferentLedger = "exists_with_different_ledger"
    case existsWithDifferentCode = "exists_with_different_code"
    case existsWithDifferentOperator = "exists_with_different_operator"
    case existsWithDifferentName = "exists_with_different_name"

    /// Validates the request's own fields (no state needed).
    public static func validate(_ request: AccountRequest) -> CreateAccountResult? {
        if request.id == UUID.zero { return .idMustNotBeZero }
        if request.ledger == 0 { return .ledgerMustNotBeZero }
        if request.flags.contains(.debitsMustNotExceedCredits) && request.flags.contains(.creditsMustNotExceedDebits) {
            return .flagsAreMutuallyExclusive
        }
        if request.name.trimmingCharacters(in: .whitespaces).isEmpty { return .nameRequired }
        return nil
    }

    /// Compares a retried request with the stored account.
    public static func compare(_ request: AccountRequest, with existing: Account) -> CreateAccountResult {
        if request.flags != existing.flags { return .existsWithDifferentFlags }
        if request.ledger != existing.ledger { return .existsWithDifferentLedger }
        if request.code != existing.code { return .existsWithDifferentCode }
        if request.operatorCode != existing.operatorCode { return .existsWithDifferentOperator }
        if request.name != existing.name { return .existsWithDifferentName }
        return .exists
    }
}

extension UUID {
    /// The all-zero UUID, never a valid id.
    public static let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// The 16 raw bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: uuid) { Array($0) }
    }

    /// Builds a UUID from exactly 16 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let b = Array(bytes)
        self.init(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
