import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// The head (last position and hash) of one hash-chained table.
struct ChainHead {
    let name: String
    var seq: Int64
    var hash: [UInt8]
    var timestamp: Int64

    static let genesis = [UInt8](repeating: 0, count: 32)

    static func load(_ db: Database, _ name: String) throws -> ChainHead {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash, timestamp FROM chain_head WHERE name = ?"), arguments: [name])
        else { throw StoreError.database("chain head '\(name)' is missing: the database was tampered with or not migrated") }
        let hash: Data = row["hash"]
        return ChainHead(name: name, seq: row["seq"], hash: Array(hash), timestamp: row["timestamp"])
    }

    /// Advances the chain over one row's canonical bytes and returns the row's hash.
    mutating func append(_ canonical: [UInt8], timestamp: Int64) -> [UInt8] {
        seq += 1
        hash = Digest.sha256(hash + canonical)
        self.timestamp = max(self.timestamp, timestamp)
        return hash
    }

    /// Same as ``append(_:timestamp:)`` with a reused hashing context (the posting loop).
    mutating func append(_ canonical: [UInt8], timestamp: Int64, hasher: SHA256Context) -> [UInt8] {
        seq += 1
        hash = hasher.hash(hash, canonical)
        self.timestamp = max(self.timestamp, timestamp)
        return hash
    }

    func save(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE chain_head SET seq = ?, hash = ?, timestamp = ? WHERE name = ?")
            .execute(arguments: [seq, Data(hash), timestamp, name])
    }

    /// The newest ledger timestamp across all chained tables: new rows get larger ones.
    static func lastTimestamp(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(timestamp) FROM chain_head")) ?? 0
    }
}
