import FeeGateCore
import FeeGateStore
import Foundation

/// The settlement of one business day: per operator × channel the gross, refunds, channel fee,
/// sponsored fee and net payable; one payout instruction per operator; one claim per funder ×
/// operator; the late transfers it took in. Its canonical JSON (sorted keys) is the sealed record.
public struct SettlementReport: Sendable, Codable, Equatable {
    public struct Group: Sendable, Codable, Equatable {
        public let `operator`: String
        public let channel: String
        public let gross: Int64
        public let sales: Int64
        public let refunds: Int64
        public let refundCount: Int64
        /// The channel fee computed by the rule (whoever carries it).
        public let fee: Int64
        public let feeRule: String
        /// The part of `fee` the operator bears (0 under a zero-fee program).
        public let operatorFee: Int64
        /// The part carried by a sponsor.
        public let sponsoredFee: Int64
        public let sponsor: String?
        public let program: String?
        /// gross − refunds − operatorFee (negative: the operator owes this channel's refunds).
        public let netPayable: Int64
        public let lateAmount: Int64
        public let lateCount: Int64
        public let transferIDs: [String]

        enum CodingKeys: String, CodingKey {
            case `operator`, channel, gross, sales, refunds, refundCount = "refund_count", fee, feeRule = "fee_rule", operatorFee = "operator_fee"
            case sponsoredFee = "sponsored_fee", sponsor, program, netPayable = "net_payable", lateAmount = "late_amount", lateCount = "late_count"
            case transferIDs = "transfer_ids"
        }
    }

    public struct Payout: Sendable, Codable, Equatable {
        public let `operator`: String
        public let amount: Int64
        public let reference: String
        public let bankBIN: String?
        public let accountNumber: String?
        public let accountName: String?
        /// `ready`, `no_bank_account` (configure it) or `nothing_to_pay` (net ≤ 0).
        public let status: String

        enum CodingKeys: String, CodingKey {
            case `operator`, amount, reference, bankBIN = "bank_bin", accountNumber = "account_number", accountName = "account_name", status
        }
    }

    public struct Claim: Sendable, Codable, Equatable {
        public let funder: String
        public let `operator`: String
        /// Σ reference amounts of the 0-VND rides and waived fees.
        public let amount: Int64
        public let events: Int64
        public let lateAmount: Int64
        public let lateCount: Int64
        public let transferID: String

        enum CodingKeys: String, CodingKey {
            case funder, `operator`, amount, events, lateAmount = "late_amount", lateCount = "late_count", transferID = "transfer_id"
        }
    }

    public let day: BusinessDay
    public var status: String
    public var closedAt: Int64?
    public var hash: String?
    public var groups: [Group]
    public var payouts: [Payout]
    public var claims: [Claim]
    public var warnings: [String]
    public var lateTransfers: [LateSettlementTransfer]?

    enum CodingKeys: String, CodingKey {
        case day, status, closedAt = "closed_at", hash, groups, payouts, claims, warnings, lateTransfers = "late_transfers"
    }

    /// Keeps only one operator's groups, payouts and claims (what an operator key may see).
    public func only(operatorCode: String) -> SettlementReport {
        var copy = self
        copy.groups = groups.filter { $0.operator == operatorCode }
        copy.payouts = payouts.filter { $0.operator == operatorCode }
        copy.claims = claims.filter { $0.operator == operatorCode }
        copy.lateTransfers = nil
        copy.warnings = []
        return copy
    }
}

/// Pure settlement arithmetic and postings.
public enum Settlement {
    /// Computes the report and its ledger transfers from a day's roll-ups.
    ///
    /// Postings (debit → credit), one linked chain per group:
    /// - operator bears the fee: `channel_fees(op, ch)` → `clearing(op, ch)` fee; `payouts(op)` → `clearing(op, ch)` net.
    /// - zero-fee program: `channel_fees(op, ch)` → `sponsor(S)` fee (the sponsor carries it); `payouts(op)` → `clearing(op, ch)` net.
    /// - negative net (refunds above collections): `clearing(op, ch)` → `payouts(op)` |net|.
    /// - claim per funder × operator: `sponsor(funder)` → `subsidy_receivable(op, funder)` amount (0 allowed: counted).
    /// Legs of 0 VND are left out of channel chains; every group still has a payout leg unless all amounts are 0.
    public static func plan(day: BusinessDay, rows: [SettlementRollupRow], config: SettlementConfig)
        -> (report: SettlementReport, accounts: [AccountKey], transfers: [TransferRequest])
    {
        var groups: [SettlementReport.Group] = []
        var claims: [SettlementReport.Claim] = []
        var accounts: [AccountKey] = []
        var transfers: [TransferRequest] = []
        var warnings: [String] = []
        var netByOperator: [String: Int64] = [:]
        let reference = "settlement:\(day)"

        for row in rows.sorted(by: { ($0.operatorCode, $0.kind.rawValue, $0.qualifier) < ($1.operatorCode, $1.kind.rawValue, $1.qualifier) }) {
            let op = row.operatorCode
            switch row.kind {
            case .channel:
                let ch = row.qualifier
                let rule = config.rule(channel: ch, on: day)
                if rule == nil { warnings.append("no channel fee rule for channel '\(ch)' on \(day): fee 0 for \(op)") }
                let fee = rule?.fee(gross: row.gross, count: row.count) ?? 0
                let program = fee > 0 ? config.program(day: day, operatorCode: op, channel: ch) : nil
                let operatorFee = program == nil ? fee : 0
                let net = row.gross - row.refunds - operatorFee
                let clearing = AccountKey.clearing(op, channel: ch), fees = AccountKey.channelFees(op, channel: ch), payouts = AccountKey.payouts(op)
                var legs: [TransferRequest] = []
                func leg(_ purpose: String, _ debit: AccountKey, _ credit: AccountKey, _ amount: Int64, _ code: TransferCode) {
                    accounts += [debit, credit]
                    legs.append(
                        TransferRequest(
                            id: id(day, op, "channel", ch, purpose), debitAccountID: debit.id, creditAccountID: credit.id, amount: amount, code: code,
                            reference: "\(reference):\(op):\(ch)"))
                }
                if fee > 0 {
                    if let program {
                        leg("fee", fees, .funder(program.sponsor), fee, .feeSponsorship)
                    } else {
                        leg("fee", fees, clearing, fee, .channelFee)
                    }
                }
                if net > 0 { leg("payout", payouts, clearing, net, .payout) }
                if net < 0 { leg("payout", clearing, payouts, -net, .payout) }
                for i in legs.indices.dropLast() { legs[i].flags.insert(.linked) }
                transfers += legs
                netByOperator[op, default: 0] += net
                groups.append(
                    .init(
                        operator: op, channel: ch, gross: row.gross, sales: row.count, refunds: row.refunds, refundCount: row.refundCount, fee: fee,
                        feeRule: rule?.label ?? "none", operatorFee: operatorFee, sponsoredFee: fee - operatorFee, sponsor: program?.sponsor,
                        program: program?.id, netPayable: net, lateAmount: row.lateAmount, lateCount: row.lateCount,
                        transferIDs: legs.map { $0.id.lowercasedString }))
            case .funder:
                let funder = row.qualifier
                let debit = AccountKey.funder(funder), credit = AccountKey.subsidyReceivable(op, funder: funder)
                accounts += [debit, credit]
                let claimID = id(day, op, "funder", funder, "claim")
                transfers.append(
                    TransferRequest(
                        id: claimID, debitAccountID: debit.id, creditAccountID: credit.id, amount: row.gross, code: .subsidy,
                        reference: "\(reference):\(op):claim:\(funder)"))
                claims.append(
                    .init(
                        funder: funder, operator: op, amount: row.gross, events: row.count, lateAmount: row.lateAmount, lateCount: row.lateCount,
                        transferID: claimID.lowercasedString))
            }
        }
        let payouts = netByOperator.keys.sorted().map { op -> SettlementReport.Payout in
            let amount = netByOperator[op] ?? 0
            let account = config.payoutAccounts[op]
            let status = amount <= 0 ? "nothing_to_pay" : account == nil ? "no_bank_account" : "ready"
            if status == "no_bank_account" { warnings.append("no payout bank account configured for \(op): payout of \(amount) VND not instructed") }
            return .init(
                operator: op, amount: amount, reference: paymentReference(day: day, operatorCode: op), bankBIN: account?.bankBIN,
                accountNumber: account?.accountNumber, accountName: account?.accountName, status: status)
        }
        let report = SettlementReport(
            day: day, status: "open", closedAt: nil, hash: nil, groups: groups, payouts: payouts, claims: claims, warnings: warnings, lateTransfers: nil)
        return (report, accounts, transfers)
    }

    /// The transfer reference a bank shows: `FGS 20261121 HN-PARK-01` (ASCII, survives upper-casing).
    public static func paymentReference(day: BusinessDay, operatorCode: String) -> String {
        "FGS \(day.description.replacingOccurrences(of: "-", with: "")) \(operatorCode)"
    }

    static func id(_ day: BusinessDay, _ op: String, _ kind: String, _ qualifier: String, _ purpose: String) -> UUID {
        DerivedID.make(namespace: "settlement", parts: [day.description, op, kind, qualifier, purpose])
    }

    /// The sealed record: the report as canonical JSON (sorted keys, no hash, no closing time inside the groups).
    public static func canonicalJSON(_ report: SettlementReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    public static func decode(_ record: String) throws -> SettlementReport {
        try JSONDecoder().decode(SettlementReport.self, from: Data(record.utf8))
    }

    // MARK: - CSV

    /// The bank payout file: one line per ready payout (RFC 4180, CRLF).
    public static func payoutCSV(_ report: SettlementReport) -> String {
        var lines = ["value_date,bank_bin,account_number,account_name,amount_vnd,reference,operator"]
        for p in report.payouts where p.status == "ready" {
            lines.append(
                [report.day.description, p.bankBIN ?? "", p.accountNumber ?? "", p.accountName ?? "", String(p.amount), p.reference, p.operator]
                    .map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The settlement as CSV: one line per operator × channel, then one per claim.
    public static func reportCSV(_ report: SettlementReport) -> String {
        var lines = ["day,type,operator,channel_or_funder,gross,count,refunds,fee,operator_fee,sponsored_fee,sponsor,net_payable,late_amount,late_count"]
        for g in report.groups {
            lines.append(
                [report.day.description, "channel", g.operator, g.channel, "\(g.gross)", "\(g.sales)", "\(g.refunds)", "\(g.fee)", "\(g.operatorFee)",
                 "\(g.sponsoredFee)", g.sponsor ?? "", "\(g.netPayable)", "\(g.lateAmount)", "\(g.lateCount)"].map(csvField).joined(separator: ","))
        }
        for c in report.claims {
            lines.append(
                [report.day.description, "claim", c.operator, c.funder, "\(c.amount)", "\(c.events)", "0", "0", "0", "0", "", "\(c.amount)",
                 "\(c.lateAmount)", "\(c.lateCount)"].map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// Closing and reading settlements over a store.
public struct SettlementService: Sendable {
    let store: GatewayStore
    let config: SettlementConfig

    public init(store: GatewayStore, config: SettlementConfig) {
        self.store = store
        self.config = config
    }

    /// Closes `day` (idempotent and final) and returns the sealed report with its hash and late transfers.
    public func close(_ day: BusinessDay) async throws -> (report: SettlementReport, alreadyClosed: Bool) {
        let config = self.config
        let late = try await store.lateSettlementTransfers(day: day)
        let result = try await store.closeSettlementDay(day) { rows, closedAt in
            var (report, accounts, transfers) = Settlement.plan(day: day, rows: rows, config: config)
            report.status = "closed"
            report.closedAt = closedAt
            report.lateTransfers = late
            return SettlementClosePlan(accounts: accounts, transfers: transfers, record: try Settlement.canonicalJSON(report))
        }
        return (try sealed(result.closed), result.alreadyClosed)
    }

    /// The closed report of `day`, or a preview of the open day from its running totals (nothing posted).
    public func report(_ day: BusinessDay) async throws -> SettlementReport {
        if let closed = try await store.closedSettlementDay(day) { return try sealed(closed) }
        var report = Settlement.plan(day: day, rows: try await store.settlementRollup(day: day), config: config).report
        report.lateTransfers = try await store.lateSettlementTransfers(day: day)
        return report
    }

    func sealed(_ closed: ClosedSettlementDay) throws -> SettlementReport {
        var report = try Settlement.decode(closed.record)
        report.hash = closed.hashHex
        return report
    }
}
