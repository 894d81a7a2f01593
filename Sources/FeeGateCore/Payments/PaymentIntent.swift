import Foundation

/// A request for one bank-QR payment: the price, the reference the payer's bank must carry in the
/// transfer content, and the VietQR payload shown to the payer. Immutable once created; its status
/// is derived from the events that follow (``PaymentIntentState``).
public struct PaymentIntent: Sendable, Hashable {
    /// Client-chosen id, also the idempotency key of the creation request.
    public let id: UUID
    /// The operator (tenant) being paid.
    public let operatorCode: String
    /// The VAT-inclusive price in VND (> 0).
    public let amount: Money
    /// The check-character protected reference (`PaymentReference` text, e.g. `FG7K3M9X5`).
    public let reference: String
    /// What is paid for, as shown to the payer.
    public let purpose: String
    /// VAT treatment of the price (`KCT` for fees and bus fares).
    public let vatRate: VATRate
    /// Business reason of the revenue posting (`payment`, `parking_fee`, …).
    public let code: TransferCode
    /// When the intent expires (ledger nanoseconds since the Unix epoch).
    public let expiresAt: Int64
    /// The VietQR payload the payer scans.
    public let vietQR: String
    /// When it was created (ledger nanoseconds).
    public let createdAt: Int64

    public init(
        id: UUID, operatorCode: String, amount: Money, reference: String, purpose: String, vatRate: VATRate, code: TransferCode,
        expiresAt: Int64, vietQR: String, createdAt: Int64
    ) {
        self.id = id
        self.operatorCode = operatorCode
        self.amount = amount
        self.reference = reference
        self.purpose = purpose
        self.vatRate = vatRate
        self.code = code
        self.expiresAt = expiresAt
        self.vietQR = vietQR
        self.createdAt = createdAt
    }
}

/// Where a payment intent stands.
public enum PaymentIntentStatus: String, Sendable, CaseIterable, Codable {
    /// Waiting for the payer; nothing received.
    case pending
    /// Received exactly the price (or a partial payment was accepted): revenue and VAT are posted.
    case paid
    /// Received less than the price; the money waits on the operator's `unapplied_payments` account.
    case underpaid
    /// Received more than the price: the price is revenue and VAT, the excess is owed back.
    case overpaid
    /// Money arrived only after expiry: it is owed back (refund liability) until someone accepts it.
    case late
    /// Reached `expires_at` with nothing received (computed, no money moves).
    case expired
    /// Closed by a refund decision: the money received is owed back to the payer.
    case refunded
}

/// What processing one bank notification did.
public enum PaymentOutcome: String, Sendable, CaseIterable, Codable {
    /// Exactly the open amount: the intent is fully paid.
    case paid
    /// Less than the open amount: parked on `unapplied_payments`.
    case underpaid
    /// More than the open amount (or anything after the intent was fully paid): excess to refund liability.
    case overpaid
    /// After expiry: to refund liability, flagged for refund or acceptance.
    case late
    /// No intent matches: to suspense, listed for finance staff.
    case unmatched
    /// The provider reports a failed or cancelled payment: recorded, no money moved.
    case failed
    /// An outgoing transfer or a 0-VND credit: recorded, no money moved.
    case ignored
}

/// The state of an intent after the events so far.
public struct PaymentIntentState: Sendable, Hashable {
    /// The last recorded status (`pending` before any event).
    public var status: PaymentIntentStatus
    /// Money received on time and held for the intent (parked or recognised), excluding excess and late money.
    public var paid: Money

    public init(status: PaymentIntentStatus = .pending, paid: Money = .zero) {
        self.status = status
        self.paid = paid
    }

    /// The status a reader sees at `now` (ledger nanoseconds): a pending intent past its expiry is `expired`.
    public func effectiveStatus(of intent: PaymentIntent, now: Int64) -> PaymentIntentStatus {
        status == .pending && now >= intent.expiresAt ? .expired : status
    }

    /// `true` once the price has been recognised as revenue (the e-invoice may be issued).
    public var isFullyPaid: Bool { status == .paid || status == .overpaid }
}
