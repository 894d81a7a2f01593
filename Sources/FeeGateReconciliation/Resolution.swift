import FeeGateCore
import Foundation

/// What finance staff decide about a difference the run reported.
public enum ResolutionAction: String, Sendable, CaseIterable, Codable {
    /// Money the bank received that must go back to the payer: held as a refund liability until paid out.
    case refund
    /// The bank is right: record the difference, parked on suspense (`reconciliation`) for identification.
    case accept
    /// The difference is a gain or loss of the gateway: booked on the write-off account.
    case writeOff = "write-off"
}

/// The ledger posting of a resolution (pure): never an edit, always one new transfer.
public enum ResolutionPosting {
    /// Plans the transfer that settles a difference of `difference` VND (bank − ledger, signed) on `account`.
    ///
    /// - A positive difference (the bank holds more than the ledger): `bank_account` → counter-account.
    /// - A negative difference (the bank holds less): counter-account → `bank_account`.
    /// Counter-accounts: `refund` → `refund_liability` (only for a positive difference: money to give back),
    /// `accept` → `suspense reconciliation`, `write-off` → `control reconciliation-write-off`.
    ///
    /// - Parameter items: the bank lines (`line:<id>`) and ledger keys settled; the transfer id derives from them.
    public static func plan(
        items: [String], account: String, difference: Int64, action: ResolutionAction, reference: String
    ) throws(ReconciliationError) -> (accounts: [AccountKey], transfer: TransferRequest) {
        guard difference != 0 else { throw .invalid("there is no difference to resolve (bank and ledger agree)") }
        let counter: AccountKey
        switch action {
        case .refund:
            guard difference > 0 else {
                throw .invalid("refund applies to money the bank received that the ledger does not hold; this difference is \(difference) VND (the bank holds less): use accept or write-off")
            }
            counter = .refundLiability(nil)
        case .accept: counter = .suspense(channel: "reconciliation")
        case .writeOff: counter = .reconciliationWriteOff
        }
        let bank = AccountKey.bankAccount(account)
        let event = DerivedID.make(namespace: "reconciliation-resolution", parts: items.sorted())
        let (debit, credit) = difference > 0 ? (bank, counter) : (counter, bank)
        let transfer = TransferRequest(
            id: DerivedID.transfer(event: event, purpose: "resolution", leg: 0), debitAccountID: debit.id, creditAccountID: credit.id,
            amount: difference.magnitude > UInt64(Int64.max) ? Int64.max : Int64(difference.magnitude), code: .adjustment, reference: String(reference.prefix(256)))
        return ([bank, counter], transfer)
    }
}
