/// The outcome of one transfer in a request, named as in TigerBeetle's `create_transfers`.
///
/// `ok` means committed now; `exists` means the very same transfer was committed earlier (a retry):
/// both are success. Everything else is a rejection and nothing was written for that transfer
/// (except the sticky record of a transient failure, see ``isTransient``).
public enum TransferResult: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case ok
    case exists

    // Chains
    case linkedEventFailed = "linked_event_failed"
    case linkedEventChainOpen = "linked_event_chain_open"

    // Field validation (deterministic: depends on the request only)
    case idMustNotBeZero = "id_must_not_be_zero"
    case reservedFlag = "reserved_flag"
    case flagsAreMutuallyExclusive = "flags_are_mutually_exclusive"
    case debitAccountIDRequired = "debit_account_id_required"
    case creditAccountIDRequired = "credit_account_id_required"
    case accountsMustBeDifferent = "accounts_must_be_different"
    case pendingIDMustBeZero = "pending_id_must_be_zero"
    case pendingIDRequired = "pending_id_required"
    case pendingIDMustBeDifferent = "pending_id_must_be_different"
    case timeoutReservedForPendingTransfer = "timeout_reserved_for_pending_transfer"
    case amountRequired = "amount_required"
    case amountMustNotBeNegative = "amount_must_not_be_negative"
    case amountExceedsMaximum = "amount_exceeds_maximum"
    case codeRequired = "code_required"
    case ledgerMustNotBeZero = "ledger_must_not_be_zero"
    case referenceTooLong = "reference_too_long"

    // Idempotency
    case existsWithDifferentFlags = "exists_with_different_flags"
    case existsWithDifferentPendingID = "exists_with_different_pending_id"
    case existsWithDifferentTimeout = "exists_with_different_timeout"
    case existsWithDifferentDebitAccountID = "exists_with_different_debit_account_id"
    case existsWithDifferentCreditAccountID = "exists_with_different_credit_account_id"
    case existsWithDifferentAmount = "exists_with_different_amount"
    case existsWithDifferentReference = "exists_with_different_reference"
    case existsWithDifferentLedger = "exists_with_different_ledger"
    case existsWithDifferentCode = "exists_with_different_code"
    case idAlreadyFailed = "id_already_failed"

    // State-dependent
    case debitAccountNotFound = "debit_account_not_found"
    case creditAccountNotFound = "credit_account_not_found"
    case accountsMustHaveTheSameLedger = "accounts_must_have_the_same_ledger"
    case transferMustHaveTheSameLedgerAsAccounts = "transfer_must_have_the_same_ledger_as_accounts"
    case pendingTransferNotFound = "pending_transfer_not_found"
    case pendingTransferNotPending = "pending_transfer_not_pending"
    case pendingTransferHasDifferentDebitAccountID = "pending_transfer_has_different_debit_account_id"
    case pendingTransferHasDifferentCreditAccountID = "pending_transfer_has_different_credit_account_id"
    case pendingTransferHasDifferentLedger = "pending_transfer_has_different_ledger"
    case pendingTransferHasDifferentCode = "pending_transfer_has_different_code"
    case exceedsPendingTransferAmount = "exceeds_pending_transfer_amount"
    case pendingTransferHasDifferentAmount = "pending_transfer_has_different_amount"
    case pendingTransferAlreadyPosted = "pending_transfer_already_posted"
    case pendingTransferAlreadyVoided = "pending_transfer_already_voided"
    case pendingTransferExpired = "pending_transfer_expired"
    case overflowsDebitsPending = "overflows_debits_pending"
    case overflowsCreditsPending = "overflows_credits_pending"
    case overflowsDebitsPosted = "overflows_debits_posted"
    case overflowsCreditsPosted = "overflows_credits_posted"
    case overflowsTimeout = "overflows_timeout"
    case exceedsCredits = "exceeds_credits"
    case exceedsDebits = "exceeds_debits"

    public var description: String { rawValue }

    /// `true` for `ok` and `exists`: the transfer is in the journal.
    public var isSuccess: Bool { self == .ok || self == .exists }

    /// A failure that depends on ledger state at the time (balance, existence). These are recorded
    /// against the transfer id, so a retry fails with `id_already_failed` instead of a different
    /// outcome later (TigerBeetle ≥ 0.16.4).
    public var isTransient: Bool {
        switch self {
        case .debitAccountNotFound, .creditAccountNotFound, .pendingTransferNotFound, .exceedsCredits, .exceedsDebits:
            return true
        default:
            return false
        }
    }

    /// A sentence a person can act on.
    public var explanation: String {
        switch self {
        case .ok: return "Committed."
        case .exists: return "Already committed earlier with the same fields; this retry changed nothing."
        case .linkedEventFailed: return "Not committed because another transfer in its linked chain failed."
        case .linkedEventChainOpen: return "The last transfer of a request must not carry the 'linked' flag: close the chain."
        case .idMustNotBeZero: return "The transfer id must be a non-zero UUID chosen by the client."
        case .reservedFlag: return "A flag reserved for the ledger itself was set."
        case .flagsAreMutuallyExclusive: return "These flags cannot be combined (pending/post/void are exclusive, and balancing flags need a plain or pending transfer)."
        case .debitAccountIDRequired: return "debit_account_id is required (it may be omitted only when posting or voiding a pending transfer)."
        case .creditAccountIDRequired: return "credit_account_id is required (it may be omitted only when posting or voiding a pending transfer)."
        case .accountsMustBeDifferent: return "The debit and credit accounts must be different."
        case .pendingIDMustBeZero: return "pending_id is only allowed with post_pending_transfer or void_pending_transfer."
        case .pendingIDRequired: return "pending_id is required to post or void a pending transfer."
        case .pendingIDMustBeDifferent: return "pending_id must name another transfer, not this one."
        case .timeoutReservedForPendingTransfer: return "timeout is only allowed on a pending transfer."
        case .amountRequired: return "amount is required (it may be omitted only when posting or voiding a pending transfer)."
        case .amountMustNotBeNegative: return "amount must not be negative."
        case .amountExceedsMaximum: return "amount exceeds the maximum of 1,000,000,000,000,000 VND."
        case .codeRequired: return "code (the business reason) is required."
        case .ledgerMustNotBeZero: return "ledger must not be zero."
        case .referenceTooLong: return "reference is longer than 256 characters."
        case .existsWithDifferentFlags: return "This id was already used for a transfer with different flags: use a new id for a new transfer."
        case .existsWithDifferentPendingID: return "This id was already used for a transfer with a different pending_id: use a new id."
        case .existsWithDifferentTimeout: return "This id was already used for a transfer with a different timeout: use a new id."
        case .existsWithDifferentDebitAccountID: return "This id was already used for a transfer from a different debit account: use a new id."
        case .existsWithDifferentCreditAccountID: return "This id was already used for a transfer to a different credit account: use a new id."
        case .existsWithDifferentAmount: return "This id was already used for a transfer with a different amount: use a new id."
        case .existsWithDifferentReference: return "This id was already used for a transfer with a different reference: use a new id."
        case .existsWithDifferentLedger: return "This id was already used for a transfer on a different ledger: use a new id."
        case .existsWithDifferentCode: return "This id was already used for a transfer with a different code: use a new id."
        case .idAlreadyFailed: return "This id already failed for a state-dependent reason; a retry cannot change that. Use a new id for a new attempt."
        case .debitAccountNotFound: return "The debit account does not exist."
        case .creditAccountNotFound: return "The credit account does not exist."
        case .accountsMustHaveTheSameLedger: return "The two accounts are on different ledgers (currencies) and cannot transact directly."
        case .transferMustHaveTheSameLedgerAsAccounts: return "The transfer's ledger differs from its accounts' ledger."
        case .pendingTransferNotFound: return "The pending transfer named by pending_id does not exist."
        case .pendingTransferNotPending: return "The transfer named by pending_id is not a pending transfer."
        case .pendingTransferHasDifferentDebitAccountID: return "The debit account differs from the pending transfer's."
        case .pendingTransferHasDifferentCreditAccountID: return "The credit account differs from the pending transfer's."
        case .pendingTransferHasDifferentLedger: return "The ledger differs from the pending transfer's."
        case .pendingTransferHasDifferentCode: return "The code differs from the pending transfer's."
        case .exceedsPendingTransferAmount: return "The amount to post exceeds the pending amount."
        case .pendingTransferHasDifferentAmount: return "A void must release the full pending amount (omit amount or give the pending amount)."
        case .pendingTransferAlreadyPosted: return "The pending transfer was already posted."
        case .pendingTransferAlreadyVoided: return "The pending transfer was already voided."
        case .pendingTransferExpired: return "The pending transfer expired before it was posted."
        case .overflowsDebitsPending, .overflowsCreditsPending, .overflowsDebitsPosted, .overflowsCreditsPosted:
            return "The transfer would overflow an account's 64-bit balance counter."
        case .overflowsTimeout: return "The timeout is too far in the future."
        case .exceedsCredits: return "Insufficient funds: the debit account's debits would exceed its credits."
        case .exceedsDebits: return "The credit account's credits would exceed its debits."
        }
    }
}
