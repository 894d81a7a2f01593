import ArgumentParser
import FeeGateCore
import FeeGateStore
import Foundation

extension FeeGate {
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the ledger: accounts, balances, account history.",
            subcommands: [Accounts.self, Balance.self, History.self])

        struct AccountRow: Encodable {
            let id: String, code: String, `operator`: String?, name: String, flags: [String]
            let debits_pending: Int64, debits_posted: Int64, credits_pending: Int64, credits_posted: Int64
            let credit_balance: Int64
            init(_ a: Account) {
                id = a.id.lowercasedString; code = a.code.name; self.operator = a.operatorCode; name = a.name; flags = a.flags.names
                debits_pending = a.debitsPending; debits_posted = a.debitsPosted; credits_pending = a.creditsPending; credits_posted = a.creditsPosted
                credit_balance = a.creditBalance
            }
        }

        struct Accounts: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List accounts with their posted balances.",
                discussion: "Examples:\n  feegate ledger accounts\n  feegate ledger accounts --operator HN-PARK-01 --json")
            @Option(name: .customLong("operator"), help: "Only this operator's accounts.") var operatorCode: String?
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let store = try database.open()
                var rows: [AccountRow] = []
                var after: Int64 = 0
                while true {
                    let page = try await store.accounts(operatorCode: operatorCode, after: after, limit: 1000)
                    rows += page.map { AccountRow($0.account) }
                    guard page.count == 1000, let last = page.last else { break }
                    after = last.seq
                }
                if json { return try Output.json(rows) }
                Output.table(
                    ["ID", "CODE", "OPERATOR", "NAME", "DEBITS POSTED", "CREDITS POSTED", "PENDING D/C"],
                    rows.map { [$0.id, $0.code, $0.operator ?? "-", $0.name, Output.vnd($0.debits_posted), Output.vnd($0.credits_posted),
                                "\(Output.vnd($0.debits_pending))/\(Output.vnd($0.credits_pending))"] })
            }
        }

        struct Balance: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show one account's four counters and balances.",
                discussion: "Example: feegate ledger balance 0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b")
            @Argument(help: "Account id (UUID).") var account: String
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                guard let id = UUID(text: account) else { throw CLIError("'\(account)' is not a UUID") }
                guard let a = try await database.open().account(id: id) else { throw CLIError("no account \(account) (see `feegate ledger accounts`)") }
                if json { return try Output.json(AccountRow(a)) }
                print("account         \(a.id.lowercasedString)  \(a.code.name)  \(a.name)\(a.operatorCode.map { "  [\($0)]" } ?? "")")
                print("debits posted   \(Output.vnd(a.debitsPosted)) VND")
                print("credits posted  \(Output.vnd(a.creditsPosted)) VND")
                print("debits pending  \(Output.vnd(a.debitsPending)) VND")
                print("credits pending \(Output.vnd(a.creditsPending)) VND")
                print("balance         \(Output.vnd(a.creditBalance)) VND (credits − debits, posted)")
            }
        }

        struct History: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the transfers of one account, oldest first.",
                discussion: "Example: feegate ledger history 0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b --limit 50")
            @Argument(help: "Account id (UUID).") var account: String
            @Option(help: "Most rows to show.") var limit: Int = 100
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            struct Row: Encodable {
                let seq: Int64, id: String, time: String, code: String, direction: String, counterparty: String, amount: Int64
                let flags: [String], reference: String?
            }

            func run() async throws {
                guard let id = UUID(text: account) else { throw CLIError("'\(account)' is not a UUID") }
                guard (1...100_000).contains(limit) else { throw CLIError("--limit must be from 1 to 100000") }
                let store = try database.open()
                guard try await store.account(id: id) != nil else { throw CLIError("no account \(account) (see `feegate ledger accounts`)") }
                let rows = try await store.history(accountID: id, limit: limit).map { seq, t in
                    let debit = t.debitAccountID == id
                    return Row(seq: seq, id: t.id.lowercasedString, time: LedgerTime.iso8601(nanoseconds: t.timestamp), code: t.code.name,
                               direction: debit ? "debit" : "credit",
                               counterparty: (debit ? t.creditAccountID : t.debitAccountID).lowercasedString, amount: t.amount,
                               flags: t.flags.names, reference: t.reference)
                }
                if json { return try Output.json(rows) }
                Output.table(["SEQ", "TIME", "CODE", "DIR", "AMOUNT", "FLAGS", "COUNTERPARTY", "REFERENCE"],
                             rows.map { ["\($0.seq)", $0.time, $0.code, $0.direction, Output.vnd($0.amount), $0.flags.joined(separator: ","),
                                         $0.counterparty, $0.reference ?? "-"] })
            }
        }
    }
}
