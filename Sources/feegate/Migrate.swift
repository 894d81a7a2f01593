import ArgumentParser
import FeeGateStore

extension FeeGate {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the database schema.",
            discussion: "Example: feegate migrate --db /var/lib/feegate/feegate.sqlite\n`serve` migrates on start too; migrations are append-only and safe to re-run.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try database.open(migrate: true)
            print("database \(store.path) is migrated (journal mode \(try await store.journalMode()), synchronous=\(try await store.synchronousLevel() == 2 ? "FULL" : "not FULL"))")
        }
    }
}
