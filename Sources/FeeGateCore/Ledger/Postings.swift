import Foundation

/// The ledger postings of FeeGate's business events, as pure functions.
///
/// Each event posts a linked chain (all legs or none) whose transfer ids derive from the event id,
/// so re-processing the same event can never post twice. Amounts are VAT-inclusive prices split
/// with ``VATRate/split(inclusive:)``; a VAT leg is written only when there is VAT.
public enum Postings {
    /// What a set of postings needs: the accounts to ensure, then the transfers to submit.
    public struct Plan: Sendable, Equatable {
        public var accounts: [AccountKey]
        public var transfers: [TransferRequest]
        /// The business day of the event when it may differ from the posting day (offline uploads);
        /// settlement counts the transfers there. `nil` = the posting day.
        public var businessDay: BusinessDay? = nil

        /// The same plan, counted in the business day of `epochSeconds` (the event's time).
        public func on(eventTime epochSeconds: Int64) -> Plan {
            var plan = self
            plan.businessDay = BusinessDay(epochSeconds: epochSeconds)
            return plan
        }
    }

    /// A sale the customer paid through `channel` (`card`, `account`, `qr`, …):
    /// `clearing(op, channel)` → `revenue(op, rate)` (before VAT) and → `vatPayable(op)` (VAT).
    public static func customerSale(
        event: UUID, operatorCode op: String, channel: String, price: Money, rate: VATRate, code: TransferCode, reference: String
    ) -> Plan {
        split(event: event, debit: .clearing(op, channel: channel), operatorCode: op, price: price, rate: rate, code: code, reference: reference)
    }

    /// A sale the customer does not pay (0 VND to them) but a funder does at `referenceAmount`:
    /// `subsidyReceivable(op, funder)` → revenue/VAT. Always at least one transfer, so a zero-đồng
    /// event is counted even when its reference amount is 0.
    public static func fundedSale(
        event: UUID, operatorCode op: String, funder: String, referenceAmount: Money, rate: VATRate, code: TransferCode, reference: String
    ) -> Plan {
        split(event: event, debit: .subsidyReceivable(op, funder: funder), operatorCode: op, price: referenceAmount, rate: rate, code: code,
              reference: reference)
    }

    /// Money returned to the customer through the channel that collected it (a refund of `price`,
    /// VAT-inclusive): `revenue(op, rate)` → `clearing(op, channel)` (before VAT) and `vatPayable(op)` →
    /// `clearing(op, channel)` (VAT), code `refund`. Settlement deducts it from that channel's payout.
    public static func refund(
        event: UUID, operatorCode op: String, channel: String, price: Money, rate: VATRate, reference: String
    ) -> Plan {
        vatLegs(event: event, purpose: "refund", counterpart: .clearing(op, channel: channel), operatorCode: op, price: price, rate: rate,
                codes: (.refund, .refund), intoRevenue: false, reference: reference)
    }

    private static func split(
        event: UUID, debit: AccountKey, operatorCode op: String, price: Money, rate: VATRate, code: TransferCode, reference: String
    ) -> Plan {
        vatLegs(event: event, purpose: "sale", counterpart: debit, operatorCode: op, price: price, rate: rate, codes: (code, .vat), intoRevenue: true,
                reference: reference)
    }

    /// A VAT-inclusive `price` between `counterpart` and the operator's revenue and VAT accounts: leg 0 before VAT,
    /// leg 1 the VAT (only when there is any, linked to leg 0); into revenue for a sale, out of it for a refund.
    private static func vatLegs(
        event: UUID, purpose: String, counterpart: AccountKey, operatorCode op: String, price: Money, rate: VATRate,
        codes: (revenue: TransferCode, vat: TransferCode), intoRevenue: Bool, reference: String
    ) -> Plan {
        let parts = rate.split(inclusive: price)
        let revenue = AccountKey.revenue(op, vat: rate)
        func leg(_ n: Int, _ account: AccountKey, _ amount: Money, _ code: TransferCode) -> TransferRequest {
            let (debit, credit) = intoRevenue ? (counterpart, account) : (account, counterpart)
            return TransferRequest(
                id: DerivedID.transfer(event: event, purpose: purpose, leg: n), debitAccountID: debit.id, creditAccountID: credit.id,
                amount: amount.vnd, code: code, reference: reference)
        }
        var accounts = [counterpart, revenue]
        var transfers = [leg(0, revenue, parts.beforeVAT, codes.revenue)]
        if parts.vat.vnd > 0 {
            let vat = AccountKey.vatPayable(op)
            accounts.append(vat)
            transfers[0].flags.insert(.linked)
            transfers.append(leg(1, vat, parts.vat, codes.vat))
        }
        return Plan(accounts: accounts, transfers: transfers)
    }
}
