import FeeGateCore
import Foundation
import Testing

/// The bank-QR posting rules with hand-computed amounts.
@Suite("Payment posting rules")
struct PaymentPostingRulesTests {
    static let expires: Int64 = 2_000
    static func intent(_ amount: Int64, _ vat: VATRate) -> PaymentIntent {
        PaymentIntent(
            id: UUID(), operatorCode: "OP", amount: Money(amount), reference: "FG2222222", purpose: "p", vatRate: vat, code: .parkingFee,
            expiresAt: expires, vietQR: "", createdAt: 0)
    }

    /// (debit, credit, amount) of each leg, by account description.
    static func legs(_ d: PaymentDecision) -> [String] {
        let names = Dictionary(d.accounts.map { ($0.id, $0.description) }, uniquingKeysWith: { a, _ in a })
        return d.transfers.map { "\($0.debitAccountID.flatMap { names[$0] } ?? "?") -> \($0.creditAccountID.flatMap { names[$0] } ?? "?") \($0.amount ?? -1)" }
    }

    @Test func exactPaymentSplitsVAT() {
        let d = PaymentPostingRules.apply(amount: 25_000, receivedAt: 1_000, event: UUID(), label: "t", intent: Self.intent(25_000, .eight), state: .init())
        #expect(d.outcome == .paid && d.becameFullyPaid && d.newState == PaymentIntentState(status: .paid, paid: 25_000))
        #expect(Self.legs(d) == ["OP channel_clearing qr -> OP operator_revenue 8% 23148", "OP channel_clearing qr -> OP vat_payable 1852"])
        // One linked chain: every leg but the last is linked; transfer codes are the intent's and `vat`.
        #expect(d.transfers.map { $0.flags.contains(.linked) } == [true, false])
        #expect(d.transfers.map { $0.code } == [.parkingFee, .vat])
    }

    @Test func partialThenCompletionWithExcess() {
        let intent = Self.intent(13_000, .ten)
        let first = PaymentPostingRules.apply(amount: 5_000, receivedAt: 10, event: UUID(), label: "a", intent: intent, state: .init())
        #expect(first.outcome == .underpaid && !first.becameFullyPaid)
        #expect(Self.legs(first) == ["OP channel_clearing qr -> OP unapplied_payments 5000"])
        let state = first.newState ?? .init()
        let second = PaymentPostingRules.apply(amount: 9_000, receivedAt: 20, event: UUID(), label: "b", intent: intent, state: state)
        // 13,000 at 10 %: 11,818 + 1,182; 5,000 + 9,000 − 13,000 = 1,000 excess.
        #expect(second.outcome == .overpaid && second.becameFullyPaid && second.newState == PaymentIntentState(status: .overpaid, paid: 13_000))
        #expect(Self.legs(second) == [
            "OP channel_clearing qr -> OP unapplied_payments 9000", "OP unapplied_payments -> OP operator_revenue 10% 11818",
            "OP unapplied_payments -> OP vat_payable 1182", "OP unapplied_payments -> OP refund_liability 1000",
        ])
    }

    @Test func lateAndAfterPaidAreOwedBack() {
        let intent = Self.intent(9_000, .notSubject)
        let late = PaymentPostingRules.apply(amount: 9_000, receivedAt: Self.expires, event: UUID(), label: "l", intent: intent, state: .init())
        #expect(late.outcome == .late && late.newState?.status == .late && !late.becameFullyPaid)
        #expect(Self.legs(late) == ["OP channel_clearing qr -> OP refund_liability 9000"])
        let extra = PaymentPostingRules.apply(
            amount: 500, receivedAt: 1, event: UUID(), label: "x", intent: intent, state: PaymentIntentState(status: .paid, paid: 9_000))
        #expect(extra.outcome == .overpaid && extra.newState == PaymentIntentState(status: .overpaid, paid: 9_000) && !extra.becameFullyPaid)
        // KCT: no VAT leg at all (0-VND legs are left out).
        let exact = PaymentPostingRules.apply(amount: 9_000, receivedAt: 1, event: UUID(), label: "e", intent: intent, state: .init())
        #expect(Self.legs(exact) == ["OP channel_clearing qr -> OP operator_revenue KCT 9000"])
    }

    @Test func sameEventSameIdsAndUnmatchedToSuspense() {
        let event = UUID()
        let intent = Self.intent(25_000, .eight)
        let a = PaymentPostingRules.apply(amount: 25_000, receivedAt: 1, event: event, label: "t", intent: intent, state: .init())
        let b = PaymentPostingRules.apply(amount: 25_000, receivedAt: 1, event: event, label: "t", intent: intent, state: .init())
        #expect(a.transfers.map(\.id) == b.transfers.map(\.id))
        let u = PaymentPostingRules.unmatched(amount: 7_000, event: UUID(), provider: "sepay", label: "sepay:1")
        #expect(u.outcome == .unmatched && Self.legs(u) == ["gateway channel_clearing sepay -> gateway suspense sepay 7000"])
    }

    @Test func resolutions() throws {
        let intent = Self.intent(20_000, .eight)
        let under = PaymentIntentState(status: .underpaid, paid: 10_800)
        // 10,800 at 8 %: 10,000 + 800.
        let accept = try PaymentPostingRules.resolve(.accept, intent: intent, state: under, lateAmount: 0, event: UUID())
        #expect(accept.becameFullyPaid && Self.legs(accept) == ["OP unapplied_payments -> OP operator_revenue 8% 10000", "OP unapplied_payments -> OP vat_payable 800"])
        let refund = try PaymentPostingRules.resolve(.refund, intent: intent, state: under, lateAmount: 0, event: UUID())
        #expect(refund.newState?.status == .refunded && Self.legs(refund) == ["OP unapplied_payments -> OP refund_liability 10800"])
        #expect(throws: PaymentPostingRules.ResolutionRefused.self) {
            try PaymentPostingRules.resolve(.accept, intent: intent, state: PaymentIntentState(status: .paid, paid: 20_000), lateAmount: 0, event: UUID())
        }
    }
}
