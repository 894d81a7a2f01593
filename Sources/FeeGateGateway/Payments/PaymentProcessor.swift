import FeeGateCore
import FeeGateStore
import FeeGateVietQR
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle

/// An intent that has just become fully paid: its price is posted as revenue and VAT.
///
/// This is the seam for e-invoicing (#6): ``GatewayConfiguration/onIntentPaid`` receives one of
/// these after the postings are durable. It may be delivered again after a crash (never for a
/// different payment), so the receiver must be idempotent by `intent.id`.
public struct PaidIntent: Sendable, Hashable {
    public let intent: PaymentIntent
    /// The amount recognised as the price (the intent's amount, or what was accepted).
    public let recognised: Money
    /// The VAT split of `recognised`.
    public let split: VATSplit
    /// The notification that completed it, or `nil` for a person's acceptance.
    public let notificationID: UUID?
    /// The ledger transfers of the completing event.
    public let transferIDs: [UUID]
    /// Ledger nanoseconds.
    public let paidAt: Int64
}

/// Called once an intent becomes fully paid (see ``PaidIntent``).
public typealias IntentPaidHandler = @Sendable (PaidIntent) async -> Void

/// Posting a payment's transfers failed; the notification stays stored and unprocessed and is
/// processed again on the provider's retry or by the recovery sweep.
struct PaymentPostingFailed: Error, CustomStringConvertible {
    let description: String
}

/// Runs one body at a time, in arrival order, across suspension points (an actor alone is reentrant).
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}

/// Matches stored notifications to intents and posts each outcome. Processing is serialised (one
/// notification or resolution at a time), so an intent's state cannot change between reading it and
/// recording the result; every posting uses ids derived from the event, so processing the same
/// notification again (after a crash, or from two paths) can never post twice.
struct PaymentProcessor: Sendable {
    let store: GatewayStore
    let onIntentPaid: IntentPaidHandler
    let gate = SerialGate()

    /// Processes an original, verified notification once; returns its outcome (the stored one if
    /// it was processed before).
    func process(notificationID: UUID, logger: Logger) async throws -> StoredOutcome {
        let (outcome, paid) = try await gate.run { () async throws -> (StoredOutcome, PaidIntent?) in
            if let done = try await store.paymentOutcome(notificationID: notificationID) { return (done, nil) }
            guard let n = try await store.paymentNotification(id: notificationID), n.verified, n.duplicateOf == nil,
                let amount = n.amount, let txn = n.providerTransactionID
            else { throw StoreError.notFound("notification \(notificationID) is not a verified first delivery") }
            let label = "\(n.provider):\(txn)"
            let now = store.now()
            guard n.direction == "credit" else {
                let outcome: PaymentOutcome = n.direction == "failed" ? .failed : .ignored
                let detail =
                    n.direction == "failed"
                    ? "the provider reports a failed payment (code \(n.failureCode ?? "?")); no money moved"
                    : "outgoing transfer; no money moved"
                return (try await store.recordPaymentOutcome(record(n, outcome, nil, amount, [], detail, now), event: nil), nil)
            }
            guard amount > 0 else {
                return (try await store.recordPaymentOutcome(record(n, .ignored, nil, 0, [], "0-VND credit; no money moved", now), event: nil), nil)
            }
            var mismatch = ""
            var matched: PaymentIntentRecord?
            let candidates = PaymentReference.extract(from: n.content ?? "") + PaymentReference.extract(from: n.orderReference ?? "")
            for reference in candidates {
                guard let found = try await store.paymentIntent(reference: reference.text) else { continue }
                if found.intent.operatorCode == n.operatorCode {
                    matched = found
                    break
                }
                mismatch = " (reference \(reference.text) belongs to another operator's intent)"
            }
            guard let matched else {
                let decision = PaymentPostingRules.unmatched(amount: Money(amount), event: n.id, provider: n.provider, label: label)
                let ids = try await post(decision)
                let stored = try await store.recordPaymentOutcome(record(n, .unmatched, nil, amount, ids, decision.detail + mismatch, now), event: nil)
                return (stored, nil)
            }
            let decision = PaymentPostingRules.apply(
                amount: Money(amount), receivedAt: n.occurredAt ?? n.receivedAt, event: n.id, label: label, intent: matched.intent, state: matched.state)
            let ids = try await post(decision)
            let event = decision.newState.map {
                PaymentIntentEvent(
                    intentID: matched.intent.id, status: $0.status, paid: $0.paid.vnd, notificationID: n.id, action: nil, actor: nil,
                    transferIDs: ids, detail: decision.detail, at: now)
            }
            let stored = try await store.recordPaymentOutcome(record(n, decision.outcome, matched.intent.id, amount, ids, decision.detail, now), event: event)
            let paid =
                decision.becameFullyPaid
                ? PaidIntent(
                    intent: matched.intent, recognised: matched.intent.amount, split: matched.intent.vatRate.split(inclusive: matched.intent.amount),
                    notificationID: n.id, transferIDs: ids, paidAt: now) : nil
            return (stored, paid)
        }
        if let paid { await onIntentPaid(paid) }
        logger.info(
            "payment notification processed",
            metadata: [
                "feegate.notification_id": .string(notificationID.lowercasedString), "feegate.outcome": .string(outcome.outcome.rawValue),
                "feegate.intent_id": .string(outcome.intentID?.lowercasedString ?? "-"), "feegate.amount": .stringConvertible(outcome.amount),
            ])
        return outcome
    }

    /// Resolves an underpaid or late intent (a person's decision), posting and recording it.
    func resolve(
        intentID: UUID, resolution: PaymentPostingRules.Resolution, actor: String, visibleTo operatorCode: String?
    ) async throws -> PaymentIntentRecord {
        let paid = try await gate.run { () async throws -> PaidIntent? in
            guard let record = try await store.paymentIntent(id: intentID), operatorCode == nil || record.intent.operatorCode == operatorCode else {
                throw Problem.notFound("payment intent \(intentID.lowercasedString)")
            }
            let event = DerivedID.make(namespace: "payment-resolution", parts: [intentID.lowercasedString, resolution.rawValue])
            let decision: PaymentDecision
            do {
                decision = try PaymentPostingRules.resolve(
                    resolution, intent: record.intent, state: record.state, lateAmount: Money(record.lateTotal), event: event)
            } catch {
                throw Problem(status: .conflict, code: "not_resolvable", detail: "\(error)")
            }
            let ids = try await post(decision)
            let now = store.now()
            guard let newState = decision.newState else { return nil }
            try await store.recordPaymentResolution(
                PaymentIntentEvent(
                    intentID: intentID, status: newState.status, paid: newState.paid.vnd, notificationID: nil, action: resolution.rawValue,
                    actor: actor, transferIDs: ids, detail: decision.detail, at: now),
                expecting: record.state.status)
            guard decision.becameFullyPaid else { return nil }
            return PaidIntent(
                intent: record.intent, recognised: newState.paid, split: record.intent.vatRate.split(inclusive: newState.paid), notificationID: nil,
                transferIDs: ids, paidAt: now)
        }
        if let paid { await onIntentPaid(paid) }
        guard let record = try await store.paymentIntent(id: intentID) else { throw Problem.notFound("payment intent \(intentID.lowercasedString)") }
        return record
    }

    /// Processes verified notifications left without an outcome (a crash between storing and processing).
    func recover(logger: Logger) async throws -> Int {
        let pending = try await store.unprocessedNotificationIDs()
        for id in pending { _ = try await process(notificationID: id, logger: logger) }
        return pending.count
    }

    /// Creates the accounts and posts the decision's chain; returns the transfer ids.
    private func post(_ decision: PaymentDecision) async throws -> [UUID] {
        guard !decision.transfers.isEmpty else { return [] }
        try await store.ensureAccounts(decision.accounts)
        let results = try await store.submitTransfers(decision.transfers)
        for (transfer, result) in zip(decision.transfers, results) where !result.isSuccess {
            throw PaymentPostingFailed(description: "posting transfer \(transfer.id.lowercasedString) failed: \(result.rawValue)")
        }
        return decision.transfers.map(\.id)
    }

    private func record(
        _ n: StoredNotification, _ outcome: PaymentOutcome, _ intentID: UUID?, _ amount: Int64, _ ids: [UUID], _ detail: String, _ now: Int64
    ) -> StoredOutcome {
        StoredOutcome(
            notificationID: n.id, outcome: outcome, intentID: intentID, operatorCode: n.operatorCode, amount: amount, transferIDs: ids,
            detail: detail, processedAt: now)
    }
}

/// Finishes processing of notifications that were stored but not processed (e.g. the process
/// was killed in between), at start and then periodically.
struct PaymentRecoveryService: Service {
    let processor: PaymentProcessor
    let catchUp: @Sendable () async throws -> Int
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let count = try await processor.recover(logger: logger)
                if count > 0 { logger.notice("recovered unprocessed payment notifications", metadata: ["feegate.count": "\(count)"]) }
            } catch {
                logger.error("payment notification recovery failed", metadata: ["error": "\(error)"])
            }
            do {
                let count = try await catchUp()
                if count > 0 { logger.notice("issued invoices missing after paid intents", metadata: ["feegate.count": "\(count)"]) }
            } catch {
                logger.error("issuing invoices missing after paid intents failed", metadata: ["error": "\(error)"])
            }
            // Wake at once on graceful shutdown instead of finishing the sleep (it held shutdown up to the full interval).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
