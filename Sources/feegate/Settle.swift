import ArgumentParser
import FeeGateCore
import FeeGateSettlement
import FeeGateStore
import Foundation

/// `--settlement-config FILE`, shared by `serve` and `settle`.
struct SettlementOptions: ParsableArguments {
    @Option(
        name: .customLong("settlement-config"),
        help: ArgumentHelp(
            "Settlement configuration (channel fees, zero-fee programs, payout accounts).",
            discussion: "Default: $FEEGATE_SETTLEMENT_CONFIG, else ./Config/settlement.yaml.", valueName: "file"))
    var path: String?

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["FEEGATE_SETTLEMENT_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "./Config/settlement.yaml"
    }

    /// The configuration; an error if it was named explicitly but cannot be read.
    func load() throws -> SettlementConfig { try SettlementConfig.load(path: resolvedPath) }

    /// `nil` when the default file is absent (the server then answers 503 for settlements).
    func loadIfPresent() throws -> SettlementConfig? {
        if path == nil && !FileManager.default.fileExists(atPath: resolvedPath) { return nil }
        return try load()
    }
}

extension FeeGate {
    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a business day: channel fees, payouts and subsidy claims (idempotent and final).",
            discussion: """
                Closing posts one linked chain per operator × channel (fee, payout) and one claim per funder ×
                operator, then seals a hash-chained record. Closing again prints the same record. Transfers of
                that day arriving later fall into the next open day and are reported there as late.

                Examples:
                  feegate settle --date 2026-11-21
                  feegate settle --date 2026-11-21 --json
                  feegate settle --date 2026-11-21 --csv
                  feegate settle --date 2026-11-21 --payout-csv payouts-2026-11-21.csv
                  feegate settle --date 2026-11-22 --preview      # running totals of an open day, nothing posted
                """)
        @Option(help: "Business day (Hanoi time), YYYY-MM-DD.") var date: String
        @Flag(help: "Print the settlement as JSON (the sealed record plus its hash).") var json = false
        @Flag(help: "Print the settlement as CSV (one line per operator × channel, then claims).") var csv = false
        @Option(help: ArgumentHelp("Also write the bank payout file (CSV) here.", valueName: "file")) var payoutCsv: String?
        @Flag(help: "Show the open day's running totals without closing it.") var preview = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var settlementOptions: SettlementOptions

        func validate() throws {
            if json && csv { throw ValidationError("choose one of --json and --csv") }
        }

        func run() async throws {
            guard let day = BusinessDay(date) else { throw CLIError(SettlementError.invalidDate(date).description) }
            let service = SettlementService(store: try database.open(), config: try settlementOptions.load())
            let report: SettlementReport
            var note = ""
            if preview {
                report = try await service.report(day)
            } else {
                let started = ContinuousClock.now
                let result = try await service.close(day)
                report = result.report
                let elapsed = ContinuousClock.now - started
                note = result.alreadyClosed ? "already closed; this is the sealed record" : "closed in \(elapsed.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))"
            }
            if let payoutCsv {
                try Settlement.payoutCSV(report).write(toFile: payoutCsv, atomically: true, encoding: .utf8)
            }
            if json { return try Output.json(report) }
            if csv { return print(Settlement.reportCSV(report), terminator: "") }
            print("settlement \(report.day) — \(report.status)\(note.isEmpty ? "" : " (\(note))")\(report.hash.map { "\nrecord hash \($0)" } ?? "")")
            Output.table(
                ["OPERATOR", "CHANNEL", "GROSS", "SALES", "REFUNDS", "FEE", "RULE", "SPONSORED BY", "NET PAYABLE", "LATE"],
                report.groups.map {
                    [$0.operator, $0.channel, Output.vnd($0.gross), "\($0.sales)", Output.vnd($0.refunds), Output.vnd($0.operatorFee), $0.feeRule,
                     $0.sponsor.map { sponsor in "\(sponsor)" } ?? "-", Output.vnd($0.netPayable),
                     $0.lateCount == 0 ? "-" : "\($0.lateCount) / \(Output.vnd($0.lateAmount))"]
                })
            if !report.payouts.isEmpty {
                print("\npayouts")
                Output.table(
                    ["OPERATOR", "AMOUNT", "BANK", "ACCOUNT", "REFERENCE", "STATUS"],
                    report.payouts.map { [$0.operator, Output.vnd($0.amount), $0.bankBIN ?? "-", $0.accountNumber ?? "-", $0.reference, $0.status] })
            }
            if !report.claims.isEmpty {
                print("\nsubsidy claims")
                Output.table(
                    ["FUNDER", "OPERATOR", "EVENTS", "AMOUNT", "LATE"],
                    report.claims.map { [$0.funder, $0.operator, "\($0.events)", Output.vnd($0.amount), $0.lateCount == 0 ? "-" : "\($0.lateCount)"] })
            }
            if let late = report.lateTransfers, !late.isEmpty { print("\n\(late.count) late transfer(s) from closed days counted here") }
            for warning in report.warnings { Output.error("warning: \(warning)") }
        }
    }
}
