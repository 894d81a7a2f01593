import Foundation

/// What the ledger must record for one payment event, and the intent's state afterwards.
public struct PaymentDecision: Sendable, Hashable {
    public let outcome: PaymentOutcome
    /// The intent's new state (`nil` when no intent is involved or the state does not change).
    public let newState: PaymentIntentState?
    /// The transfers to post, one linked chain (all or nothing). Ids are derived from the event,
    /// so posting the same decision again returns `exists` and never posts twice.
    public let transfers: [TransferRequest]
    /// The accounts the transfers use (create them before posting).
    public let accounts: [AccountKey]
    /// `true` when this event made the intent fully paid (the e-invoice may now be issued).
    public let becameFullyPaid: Bool
    /// One sentence for people reading the record.
    public let detail: String
}

/// The posting rules for bank-QR payments. Pure: the same inputs always give the same decision.
///
/// | outcome | postings |
/// |---|---|
/// | paid (exact, first payment) | `clearing(op, qr)` → `revenue(op, vat)` before-VAT; `clearing(op, qr)` → `vat_payable(op)` VAT |
/// | underpaid (partial) | `clearing(op, qr)` → `unapplied_payments(op)` |
/// | completed after partials | `clearing(op, qr)` → `unapplied_payments(op)`; then `unapplied_payments(op)` → revenue and VAT for the whole price (and → `refund_liability(op)` for any excess) |
/// | overpaid | as paid, plus `clearing(op, qr)` → `refund_liability(op)` for the excess |
/// | late (after expiry) | `clearing(op, qr)` → `refund_liability(op)` |
/// | after the intent was fully paid or closed | `clearing(op, qr)` → `refund_liability(op)` |
/// | unmatched | `clearing(gateway, provider)` → `suspense(provider)` |
///
/// VAT: `VATRate.split(inclusive:)` of the intent's price (rounded half up; the parts add up to the price).
/// Legs of 0 VND (the VAT of a `KCT` price) are left out.
public enum PaymentPostingRules {
    /// The channel qualifier of the operator clearing account that bank-QR money arrives on.
    public static let channel = "qr"

    /// Applies money received for `intent` at `receivedAt` (ledger nanoseconds).
    ///
    /// - Parameters:
    ///   - amount: the VND received (> 0).
    ///   - event: the event's id (the notification's id); transfer ids derive from it.
    ///   - label: a short text for the transfers' `reference` (the provider and its transaction id).
    public static func apply(
        amount: Money, receivedAt: Int64, event: UUID, label: String, intent: PaymentIntent, state: PaymentIntentState
    ) -> PaymentDecision {
        let op = intent.operatorCode
        let clearing = AccountKey.clearing(op, channel: channel)
        let unapplied = AccountKey.unappliedPayments(op)
        let refund = AccountKey.refundLiability(op)
        var legs = Legs(event: event, purpose: "qr-payment", reference: "\(intent.reference) \(label)")

        // Anything after the price was recognised, or after the intent was closed, is owed back.
        if state.isFullyPaid || state.status == .refunded || state.status == .late {
            legs.add(clearing, refund, amount, .payment)
            let outcome: PaymentOutcome = state.isFullyPaid ? .overpaid : .late
            let newStatus: PaymentIntentStatus = state.isFullyPaid ? .overpaid : state.status
            return legs.decision(
                outcome, PaymentIntentState(status: newStatus, paid: state.paid), fullyPaid: false,
                "\(amount.vnd) VND received after the intent was \(state.status.rawValue): owed back to the payer (refund liability)")
        }
        // After expiry the money is real but no longer expected: owed back until someone accepts it.
        if receivedAt >= intent.expiresAt {
            legs.add(clearing, refund, amount, .payment)
            let status: PaymentIntentStatus = state.status == .underpaid ? .underpaid : .late
            return legs.decision(
                .late, PaymentIntentState(status: status, paid: state.paid), fullyPaid: false,
                "\(amount.vnd) VND received after expiry: held as refund liability, to be refunded or accepted")
        }
        let total = Money(state.paid.vnd + amount.vnd)
        let price = intent.amount
        if total < price {
            legs.add(clearing, unapplied, amount, .payment)
            return legs.decision(
                .underpaid, PaymentIntentState(status: .underpaid, paid: total), fullyPaid: false,
                "\(amount.vnd) VND received, \(price.vnd - total.vnd) VND still open: parked on unapplied payments")
        }
        let split = intent.vatRate.split(inclusive: price)
        let excess = Money(total.vnd - price.vnd)
        let source: AccountKey
        if state.paid.vnd == 0 {
            source = clearing
        } else {
            // Complete a partial payment: park this part too, then move the whole price at once.
            legs.add(clearing, unapplied, amount, .payment)
            source = unapplied
        }
        legs.add(source, .revenue(op, vat: intent.vatRate), split.beforeVAT, intent.code)
        legs.add(source, .vatPayable(op), split.vat, .vat)
        legs.add(source, refund, excess, .payment)
        let status: PaymentIntentStatus = excess.vnd > 0 ? .overpaid : .paid
        let detail =
            excess.vnd > 0
            ? "price \(price.vnd) VND recognised (\(split.beforeVAT.vnd) + \(split.vat.vnd) VAT); excess \(excess.vnd) VND owed back"
            : "price \(price.vnd) VND recognised (\(split.beforeVAT.vnd) + \(split.vat.vnd) VAT)"
        return legs.decision(excess.vnd > 0 ? .overpaid : .paid, PaymentIntentState(status: status, paid: price), fullyPaid: true, detail)
    }

    /// Money that matches no intent: from the provider's gateway-level clearing account to suspense.
    public static func unmatched(amount: Money, event: UUID, provider: String, label: String) -> PaymentDecision {
        var legs = Legs(event: event, purpose: "qr-payment", reference: label)
        legs.add(.providerClearing(provider), .suspense(channel: provider), amount, .payment)
        return legs.decision(
            .unmatched, nil, fullyPaid: false, "\(amount.vnd) VND matches no payment intent: held in suspense for finance staff")
    }

    /// How a person resolves an intent left underpaid or paid late.
    public enum Resolution: String, Sendable, CaseIterable {
        /// Take the money received as the payment (the price is reduced to what was paid for underpaid intents).
        case accept
        /// Owe the money received back to the payer.
        case refund
    }

    /// Why a resolution is refused.
    public struct ResolutionRefused: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Resolves an `underpaid` or `late` intent. `lateAmount` is the money received after expiry
    /// (held as refund liability). The event id makes the postings idempotent.
    public static func resolve(
        _ resolution: Resolution, intent: PaymentIntent, state: PaymentIntentState, lateAmount: Money, event: UUID
    ) throws(ResolutionRefused) -> PaymentDecision {
        let op = intent.operatorCode
        let unapplied = AccountKey.unappliedPayments(op)
        let refund = AccountKey.refundLiability(op)
        var legs = Legs(event: event, purpose: "qr-resolution-\(resolution.rawValue)", reference: "\(intent.reference) \(resolution.rawValue)")
        switch (state.status, resolution) {
        case (.underpaid, .accept):
            let split = intent.vatRate.split(inclusive: state.paid)
            legs.add(unapplied, .revenue(op, vat: intent.vatRate), split.beforeVAT, intent.code)
            legs.add(unapplied, .vatPayable(op), split.vat, .vat)
            return legs.decision(
                .paid, PaymentIntentState(status: .paid, paid: state.paid), fullyPaid: true,
                "partial payment of \(state.paid.vnd) VND accepted as the payment (\(split.beforeVAT.vnd) + \(split.vat.vnd) VAT)")
        case (.underpaid, .refund):
            legs.add(unapplied, refund, state.paid, .refund)
            return legs.decision(
                .underpaid, PaymentIntentState(status: .refunded, paid: state.paid), fullyPaid: false,
                "partial payment of \(state.paid.vnd) VND to be refunded (refund liability)")
        case (.late, .accept):
            guard lateAmount.vnd > 0 else { throw ResolutionRefused(description: "no late money to accept") }
            let split = intent.vatRate.split(inclusive: lateAmount)
            legs.add(refund, .revenue(op, vat: intent.vatRate), split.beforeVAT, intent.code)
            legs.add(refund, .vatPayable(op), split.vat, .vat)
            return legs.decision(
                .paid, PaymentIntentState(status: .paid, paid: lateAmount), fullyPaid: true,
                "late payment of \(lateAmount.vnd) VND accepted as the payment (\(split.beforeVAT.vnd) + \(split.vat.vnd) VAT)")
        case (.late, .refund):
            return legs.decision(
                .late, PaymentIntentState(status: .refunded, paid: state.paid), fullyPaid: false,
                "late payment of \(lateAmount.vnd) VND stays owed back to the payer (refund liability)")
        default:
            throw ResolutionRefused(
                description: "only an underpaid or late intent can be resolved; this one is \(state.status.rawValue)")
        }
    }

    /// Builds one linked chain of transfers with derived ids.
    struct Legs {
        let event: UUID
        let purpose: String
        let reference: String
        var transfers: [TransferRequest] = []
        var accounts: [AccountKey] = []

        mutating func add(_ debit: AccountKey, _ credit: AccountKey, _ amount: Money, _ code: TransferCode) {
            guard amount.vnd > 0 else { return }
            if !transfers.isEmpty { transfers[transfers.count - 1].flags.insert(.linked) }
            transfers.append(
                TransferRequest(
                    id: DerivedID.transfer(event: event, purpose: purpose, leg: transfers.count), debitAccountID: debit.id,
                    creditAccountID: credit.id, amount: amount.vnd, code: code, reference: String(reference.prefix(TransferRequest.maximumReferenceLength))))
            for key in [debit, credit] where !accounts.contains(key) { accounts.append(key) }
        }

        func decision(_ outcome: PaymentOutcome, _ state: PaymentIntentState?, fullyPaid: Bool, _ detail: String) -> PaymentDecision {
            PaymentDecision(outcome: outcome, newState: state, transfers: transfers, accounts: accounts, becameFullyPaid: fullyPaid, detail: detail)
        }
    }
}
