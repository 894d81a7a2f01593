import FeeGateCore
@testable import FeeGateStore
import FeeGateTestSupport
import Foundation
import GRDB
import Testing

/// The operator flows' record writes share transactions: a write that fails rolls back only its own changes.
@Suite("Grouped record writes")
struct GroupedWriterTests {
    @Test func concurrentWritesCommitTogetherAndFailAlone() async throws {
        let dir = try TemporaryDirectory()
        let store = try GatewayStore.open(path: dir.path("grouped.sqlite"))
        try await store.writer.write { db in try db.execute(sql: "CREATE TABLE t (k INTEGER PRIMARY KEY, n INTEGER NOT NULL)") }
        // 100 writes on 50 keys: each key is written twice; multiples of 7 throw after their INSERT.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<100 {
                group.addTask {
                    do {
                        try await store.records.write { db in
                            try db.execute(sql: "INSERT INTO t (k, n) VALUES (?, ?)", arguments: [n % 50, n])
                            if n % 7 == 0 { throw StoreError.conflict("refused \(n)") }
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var all: [Int: Bool] = [:]
            for try await (n, ok) in group { all[n] = ok }
            return all
        }
        let rows = try await store.writer.read { db in try Row.fetchAll(db, sql: "SELECT k, n FROM t") }
        let stored = Dictionary(uniqueKeysWithValues: rows.map { (($0["k"] as Int), ($0["n"] as Int)) })
        // A thrown write left nothing behind; every stored row belongs to a write that succeeded, one per key.
        #expect(stored.values.allSatisfy { $0 % 7 != 0 && outcomes[$0] == true })
        #expect(outcomes.filter(\.value).count == stored.count)
        for k in 0..<50 {
            let canSucceed = [k, k + 50].contains { $0 % 7 != 0 }
            #expect((stored[k] != nil) == canSucceed)
        }
    }
}
