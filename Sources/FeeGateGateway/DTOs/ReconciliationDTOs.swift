import FeeGateCore
import FeeGateReconciliation
import FeeGateStore
import Foundation
import Hummingbird

/// Wire formats of the reconciliation API (finance and admin).
enum ReconciliationDTO {
    /// `POST /v1/reconciliation/statements` → what each statement of the file did:
    /// `{"format", "source", "result", "statements": [{"seq", "statement_id", "account", "line_count", "already_imported"}]}`.
    struct Imported: ResponseEncodable {
        let format: StatementFormat
        let source: String
        let results: [StatementImport]

        /// `imported`, or `already_imported` when every statement of the file was imported before (nothing changed).
        var result: String { results.allSatisfy(\.alreadyImported) ? "already_imported" : "imported" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(format, forKey: AnyKey("format"))
            try c.encode(source, forKey: AnyKey("source"))
            try c.encode(result, forKey: AnyKey("result"))
            var list = c.nestedUnkeyedContainer(forKey: AnyKey("statements"))
            for r in results {
                var item = list.nestedContainer(keyedBy: AnyKey.self)
                try item.encode(r.seq, forKey: AnyKey("seq"))
                try item.encode(r.statementID, forKey: AnyKey("statement_id"))
                try item.encode(r.account, forKey: AnyKey("account"))
                try item.encode(r.lineCount, forKey: AnyKey("line_count"))
                try item.encode(r.alreadyImported, forKey: AnyKey("already_imported"))
            }
        }
    }

    /// `POST /v1/reconciliation/runs`: `{"date": D}` or `{"from": D1, "to": D2}`, optional `"dry_run"`.
    struct RunRequest: Decodable {
        let from: BusinessDay
        let to: BusinessDay
        let dryRun: Bool

        enum CodingKeys: String, CodingKey, CaseIterable { case date, from, to, dryRun = "dry_run" }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func day(_ key: CodingKeys) throws -> BusinessDay? {
                guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
                guard let day = BusinessDay(text) else {
                    throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [key], "'\(text)' is not a YYYY-MM-DD calendar day")
                }
                return day
            }
            let date = try day(.date), from = try day(.from), to = try day(.to)
            dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
            switch (date, from, to) {
            case (let date?, nil, nil): (self.from, self.to) = (date, date)
            case (nil, let from?, let to?):
                guard from <= to else { throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.to], "to (\(to)) is before from (\(from))") }
                (self.from, self.to) = (from, to)
            default:
                throw Problem(status: .unprocessableContent, code: "missing_field", detail: "give \"date\", or both \"from\" and \"to\" (YYYY-MM-DD)")
            }
        }
    }

    /// A stored (or dry-run) reconciliation report: the shape of `feegate reconcile run --json`.
    struct Report: ResponseEncodable {
        let report: ReconciliationReport
        func encode(to encoder: any Encoder) throws { try report.encode(to: encoder) }
    }

    /// `POST /v1/reconciliation/lines/{line}/resolution`: `{"as": "refund|accept|write-off", "note": "…"}`, and
    /// `"account"` for a ledger item no bank line names.
    struct ResolutionRequest: Decodable {
        let action: ResolutionAction
        let note: String
        let account: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case action = "as", note, account }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let text = try c.decode(String.self, forKey: .action)
            guard let action = ResolutionAction(rawValue: text) else {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.action], "'\(text)' is not one of refund, accept, write-off")
            }
            self.action = action
            note = try c.decode(String.self, forKey: .note)
            guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, note.count <= 1_000 else {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.note], "the note must say why, in 1 to 1,000 characters")
            }
            account = try c.decodeIfPresent(String.self, forKey: .account)
        }
    }

    /// The resolution of a difference: its ledger transfer and who decided it.
    struct Resolution: Encodable {
        let seq: Int64
        let run: Int64
        let status: ReconciliationStatus
        let items: [String]
        let action: String
        let note: String
        let resolvedBy: String
        /// bank − ledger, VND: the transfer moves its magnitude from `debit_account` to `credit_account`.
        let difference: Int64
        let transferID: String
        let debitAccount: String
        let creditAccount: String
        let at: Int64

        enum CodingKeys: String, CodingKey {
            case seq, run, status, items, action, note, resolvedBy = "resolved_by", difference, transferID = "transfer_id", debitAccount = "debit_account"
            case creditAccount = "credit_account", at
        }

        init(_ outcome: ResolutionOutcome) {
            let r = outcome.resolution
            seq = r.seq
            run = outcome.run
            status = outcome.status
            items = r.items.sorted()
            action = r.action
            note = r.note
            resolvedBy = r.resolvedBy
            difference = outcome.difference
            transferID = r.transferID.lowercasedString
            debitAccount = outcome.debit.description
            creditAccount = outcome.credit.description
            at = r.at
        }
    }
}
