import ArgumentParser
import FeeGateCore
import FeeGateStore
import Foundation

extension FeeGate {
    struct Payments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bank-QR payments: intents and their outcomes, unmatched money.",
            subcommands: [List.self])

        /// What `payments list --status` accepts: an intent status, or `unmatched` for money no intent explains.
        enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
            case pending, paid, underpaid, overpaid, late, expired, refunded, unmatched
        }

        struct Row: Encodable {
            let kind: String
            let id: String
            let `operator`: String?
            let status: String
            let amount: Int64
            let paid: Int64?
            let late_amount: Int64?
            let reference: String?
            let expires_at: String?
            let updated_at: String
            let provider: String?
            let provider_transaction_id: String?
            let content: String?
            let detail: String?
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List payment intents (status computed now: a pending intent past its expiry is expired) and unmatched payments.",
                discussion: """
                    Examples:
                      feegate payments list
                      feegate payments list --status underpaid --operator HN-PARK-01
                      feegate payments list --status unmatched --json     # money in suspense, for finance staff
                    """)
            @Option(help: "Only this status: \(StatusFilter.allCases.map(\.rawValue).joined(separator: "|")).") var status: StatusFilter?
            @Option(name: .customLong("operator"), help: "Only this operator's intents (for unmatched: the operator whose account received it).")
            var operatorCode: String?
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let store = try database.open()
                let now = store.now()
                var rows: [Row] = []
                if status != .unmatched {
                    let filter = status.flatMap { PaymentIntentStatus(rawValue: $0.rawValue) }
                    for record in try await store.paymentIntents(status: filter, operatorCode: operatorCode, now: now) {
                        let intent = record.intent
                        rows.append(
                            Row(
                                kind: "intent", id: intent.id.lowercasedString, operator: intent.operatorCode,
                                status: record.state.effectiveStatus(of: intent, now: now).rawValue, amount: intent.amount.vnd,
                                paid: record.state.paid.vnd, late_amount: record.lateTotal, reference: intent.reference,
                                expires_at: LedgerTime.iso8601(nanoseconds: intent.expiresAt), updated_at: LedgerTime.iso8601(nanoseconds: record.updatedAt),
                                provider: nil, provider_transaction_id: nil, content: nil, detail: nil))
                    }
                }
                if status == nil || status == .unmatched {
                    for (n, outcome) in try await store.unmatchedPayments() where operatorCode == nil || n.operatorCode == operatorCode {
                        rows.append(
                            Row(
                                kind: "notification", id: n.id.lowercasedString, operator: n.operatorCode, status: "unmatched",
                                amount: outcome.amount, paid: nil, late_amount: nil, reference: nil, expires_at: nil,
                                updated_at: LedgerTime.iso8601(nanoseconds: outcome.processedAt), provider: n.provider,
                                provider_transaction_id: n.providerTransactionID, content: n.content, detail: outcome.detail))
                    }
                }
                if json { return try Output.json(rows) }
                Output.table(
                    ["KIND", "ID", "OPERATOR", "STATUS", "AMOUNT", "PAID", "LATE", "REFERENCE / PROVIDER", "EXPIRES / CONTENT", "UPDATED"],
                    rows.map {
                        [
                            $0.kind, $0.id, $0.operator ?? "-", $0.status, Output.vnd($0.amount), $0.paid.map(Output.vnd) ?? "-",
                            $0.late_amount.map(Output.vnd) ?? "-",
                            $0.reference ?? "\($0.provider ?? "-"):\($0.provider_transaction_id ?? "-")",
                            $0.expires_at ?? ($0.content ?? "-"), $0.updated_at,
                        ]
                    })
            }
        }
    }
}
