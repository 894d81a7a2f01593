import FeeGateCore
import FeeGateStore
import FeeGateTestSupport
import Foundation
import Testing

/// The background checkpointer copies committed pages into the database file without the writer's help.
/// Checked from outside: the database file alone (copied without its WAL), read by the sqlite3 tool.
@Suite("WAL checkpoints")
struct WALCheckpointTests {
    /// Rows of `transfer` in the main database file only (the copy has no WAL), or `nil` if the table is not there yet.
    static func transfersInMainFile(_ dir: TemporaryDirectory, _ name: String) throws -> Int? {
        let copy = dir.path("main-only-\(UUID().uuidString).sqlite")
        try FileManager.default.copyItem(atPath: dir.path(name), toPath: copy)
        let result = try ExternalTool.run("sqlite3", [copy, "SELECT count(*) FROM transfer;"])
        return result.status == 0 ? Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    }

    static func commitTwentyTransfers(_ store: GatewayStore) async throws {
        let a = UUID(), b = UUID()
        _ = try await store.createAccounts([.init(id: a, code: .control, name: "a"), .init(id: b, code: .control, name: "b")])
        for i in 0..<20 {
            #expect(try await store.submitTransfers([.init(id: UUID(), debitAccountID: a, creditAccountID: b, amount: Int64(i + 1), code: .adjustment)]) == [.ok])
        }
    }

    @Test func committedTransfersReachTheDatabaseFileInTheBackground() async throws {
        let dir = try TemporaryDirectory()
        let store = try GatewayStore.open(path: dir.path("bg.sqlite"))
        try await Self.commitTwentyTransfers(store)
        // The checkpointer runs every 20 ms; allow it a generous while on a loaded machine.
        var found: Int?
        for _ in 0..<200 {
            found = try Self.transfersInMainFile(dir, "bg.sqlite")
            if found == 20 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(found == 20)
        #expect(try await store.verify().isIntact)
    }

    /// Without it (SQLite's default), a few small commits stay in the WAL: the file alone does not have them.
    @Test func withoutTheCheckpointerTheyStayInTheWAL() async throws {
        let dir = try TemporaryDirectory()
        var options = GatewayStore.Options()
        options.backgroundCheckpoints = false
        let store = try GatewayStore.open(path: dir.path("fg.sqlite"), options: options)
        try await Self.commitTwentyTransfers(store)
        #expect(try Self.transfersInMainFile(dir, "fg.sqlite") != 20)
        #expect(try await store.verify().transfers == 20)
    }
}
