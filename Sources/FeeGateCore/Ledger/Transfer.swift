import Foundation

/// The business reason of a transfer (TigerBeetle's transfer `code`).
///
/// Stored as an integer; the API and CLI use the snake_case `name`. Append new reasons with new
/// numbers; never renumber.
public enum TransferCode: UInt16, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case parkingFee = 1001
    case busFare = 1002
    case passSale = 1003
    case publicFee = 1004
    /// A 0-VND ride or waived fee valued at its reference amount, owed by a funder.
    case subsidy = 1005
    case payment = 2001
    case channelFee = 3001
    /// A channel fee carried by a sponsor under a zero-fee program.
    case feeSponsorship = 3002
    case payout = 4001
    case refund = 5001
    /// A correction that reverses an earlier transfer (never an edit of it).
    case reversal = 6001
    case vat = 7001
    case deposit = 8001
    case adjustment = 9001
    /// Written by the ledger itself when a pending transfer times out.
    case pendingExpiry = 9901

    public var name: String {
        switch self {
        case .parkingFee: return "parking_fee"
        case .busFare: return "bus_fare"
        case .passSale: return "pass_sale"
        case .publicFee: return "public_fee"
        case .subsidy: return "subsidy"
        case .payment: return "payment"
        case .channelFee: return "channel_fee"
        case .feeSponsorship: return "fee_sponsorship"
        case .payout: return "payout"
        case .refund: return "refund"
        case .reversal: return "reversal"
        case .vat: return "vat"
        case .deposit: return "deposit"
        case .adjustment: return "adjustment"
        case .pendingExpiry: return "pending_expiry"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let found = TransferCode.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let code = TransferCode(name: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "unknown transfer code '\(name)'; expected one of: \(TransferCode.allCases.map(\.name).joined(separator: ", "))")
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Transfer flags (TigerBeetle semantics).
public struct TransferFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// This transfer's outcome is tied to the next one in the same request: the chain commits or fails whole.
    public static let linked = TransferFlags(rawValue: 1 << 0)
    /// Reserve the amount (two-phase): only the pending counters move.
    public static let pending = TransferFlags(rawValue: 1 << 1)
    /// Post (complete) the pending transfer named by `pending_id`, fully or partially.
    public static let postPendingTransfer = TransferFlags(rawValue: 1 << 2)
    /// Void (release) the pending transfer named by `pending_id`.
    public static let voidPendingTransfer = TransferFlags(rawValue: 1 << 3)
    /// Transfer at most `amount`, less if needed so the debit account's debits do not exceed its credits.
    public static let balancingDebit = TransferFlags(rawValue: 1 << 4)
    /// Transfer at most `amount`, less if needed so the credit account's credits do not exceed its debits.
    public static let balancingCredit = TransferFlags(rawValue: 1 << 5)
    /// Set only by the ledger on the void it writes when a pending transfer times out. Clients cannot set it.
    public static let expiry = TransferFlags(rawValue: 1 << 15)

    /// Flags a client may set, with their API names, in a stable order.
    public static let named: [(name: String, flag: TransferFlags)] = [
        ("linked", .linked),
        ("pending", .pending),
        ("post_pending_transfer", .postPendingTransfer),
        ("void_pending_transfer", .voidPendingTransfer),
        ("balancing_debit", .balancingDebit),
        ("balancing_credit", .balancingCredit),
    ]

    /// API names of the flags set (the internal `expiry` flag is shown as `expiry`).
    public var names: [String] {
        var out = TransferFlags.named.filter { contains($0.flag) }.map(\.name)
        if contains(.expiry) { out.append("expiry") }
        return out
    }

    /// Parses API flag names; returns the first unknown name as the error.
    public static func parse(_ names: [String]) -> Result<TransferFlags, UnknownFlag> {
        var flags = TransferFlags()
        for name in names {
            guard let entry = named.first(where: { $0.name == name }) else { return .failure(UnknownFlag(name: name)) }
            flags.insert(entry.flag)
        }
        return .success(flags)
    }
}

/// A request to move money between two accounts.
///
/// `id` is chosen by the client and is the idempotency key: resubmitting the same request returns
/// the original outcome and never posts twice.
public struct TransferRequest: Sendable, Hashable {
    public var id: UUID
    /// May be `nil` only for post/void of a pending transfer (then the pending transfer's accounts are used).
    public var debitAccountID: UUID?
    public var creditAccountID: UUID?
    /// VND, 0 ... 10^15. `nil` only for post/void: post the full pending amount / void it all.
    public var amount: Int64?
    public var pendingID: UUID?
    /// Seconds after which a pending transfer expires; 0 = never. Only with `pending`.
    public var timeoutSeconds: UInt32
    /// `nil` = the accounts' ledger.
    public var ledger: LedgerNumber?
    /// `nil` only for post/void (then the pending transfer's code is used).
    public var code: TransferCode?
    public var flags: TransferFlags
    /// Free reference to the business object that caused the transfer (≤ 256 characters).
    public var reference: String?

    public init(
        id: UUID, debitAccountID: UUID?, creditAccountID: UUID?, amount: Int64?, pendingID: UUID? = nil,
        timeoutSeconds: UInt32 = 0, ledger: LedgerNumber? = nil, code: TransferCode?, flags: TransferFlags = [], reference: String? = nil
    ) {
        self.id = id
        self.debitAccountID = debitAccountID
        self.creditAccountID = creditAccountID
        self.amount = amount
        self.pendingID = pendingID
        self.timeoutSeconds = timeoutSeconds
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.reference = reference
    }

    /// The longest reference accepted, in characters.
    public static let maximumReferenceLength = 256
}

/// A committed transfer: a row of the append-only journal.
public struct Transfer: Sendable, Hashable {
    public let id: UUID
    public let debitAccountID: UUID
    public let creditAccountID: UUID
    /// The amount actually moved (for post/void: posted / released amount).
    public let amount: Int64
    public let pendingID: UUID?
    public let timeoutSeconds: UInt32
    public let ledger: LedgerNumber
    public let code: TransferCode
    public let flags: TransferFlags
    public let reference: String?
    /// Ledger time, nanoseconds since the Unix epoch; unique and strictly increasing across the journal.
    public let timestamp: Int64

    public init(
        id: UUID, debitAccountID: UUID, creditAccountID: UUID, amount: Int64, pendingID: UUID?, timeoutSeconds: UInt32,
        ledger: LedgerNumber, code: TransferCode, flags: TransferFlags, reference: String?, timestamp: Int64
    ) {
        self.id = id
        self.debitAccountID = debitAccountID
        self.creditAccountID = creditAccountID
        self.amount = amount
        self.pendingID = pendingID
        self.timeoutSeconds = timeoutSeconds
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.reference = reference
        self.timestamp = timestamp
    }

    /// When a pending transfer with a timeout expires (ledger nanoseconds), or `nil`.
    public var expiresAt: Int64? {
        guard flags.contains(.pending), timeoutSeconds > 0 else { return nil }
        return timestamp &+ Int64(timeoutSeconds) &* 1_000_000_000
    }
}

/// How a pending transfer was resolved.
public enum PendingResolution: String, Sendable, Hashable {
    case posted, voided, expired
}

/// A transfer id whose first attempt failed for a reason that depends on ledger state
/// (insufficient balance, missing account …). Retrying that id fails with `id_already_failed`,
/// so a retry can never flip a rejected payment into an accepted one.
public struct TransferFailure: Sendable, Hashable {
    public let id: UUID
    public let result: TransferResult
    public let timestamp: Int64

    public init(id: UUID, result: TransferResult, timestamp: Int64) {
        self.id = id
        self.result = result
        self.timestamp = timestamp
    }
}
