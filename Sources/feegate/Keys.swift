import ArgumentParser
import FeeGateCore
import FeeGateStore

extension Role: ExpressibleByArgument {}

extension FeeGate {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke API keys.",
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an API key and print it once.",
                discussion: """
                    The key is printed once and stored only as a hash: copy it now.
                    Examples:
                      feegate keys create --role admin
                      feegate keys create --role operator --operator HN-PARK-01 --label "meter fleet"
                    """)

            @Option(help: "admin, operator, tax or finance.") var role: Role
            @Option(name: .customLong("operator"), help: "Operator code (operator keys only).") var operatorCode: String?
            @Option(help: "Free text to recognise the key by.") var label: String?
            @Flag(help: "Print only the key (for scripts).") var quiet = false
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                let store = try database.open()
                let (info, secret) = try await store.createKey(role: role, operatorCode: operatorCode, label: label)
                if quiet {
                    print(secret)
                } else {
                    print("key id: \(info.id)  role: \(info.role.rawValue)\(info.operatorCode.map { "  operator: \($0)" } ?? "")")
                    print("secret (shown once, store it now):")
                    print(secret)
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).", discussion: "Example: feegate keys list --json")
            @Flag(help: "JSON output.") var json = false
            @OptionGroup var database: DatabaseOptions

            struct Row: Encodable {
                let id: String, role: String, `operator`: String?, label: String?, created_at: String, revoked_at: String?
            }

            func run() async throws {
                let keys = try await database.open().keys()
                let rows = keys.map {
                    Row(id: $0.id, role: $0.role.rawValue, operator: $0.operatorCode, label: $0.label,
                        created_at: LedgerTime.iso8601(nanoseconds: $0.createdAt), revoked_at: $0.revokedAt.map { LedgerTime.iso8601(nanoseconds: $0) })
                }
                if json { return try Output.json(rows) }
                Output.table(["ID", "ROLE", "OPERATOR", "LABEL", "CREATED", "REVOKED"],
                             rows.map { [$0.id, $0.role, $0.operator ?? "-", $0.label ?? "-", $0.created_at, $0.revoked_at ?? "-"] })
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Revoke an API key (a running feegate serve stops accepting it within 1 second: it caches valid keys that long).",
                discussion: "Example: feegate keys revoke key_3f9a1c2b7d4e")
            @Argument(help: "The key id from `feegate keys list`.") var id: String
            @OptionGroup var database: DatabaseOptions

            func run() async throws {
                try await database.open().revokeKey(id: id)
                print("revoked \(id)")
            }
        }
    }
}
