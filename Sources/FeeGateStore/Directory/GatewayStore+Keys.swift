import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// An API key as listed to administrators (never the secret).
public struct APIKeyInfo: Sendable, Hashable {
    public let id: String
    public let role: Role
    public let operatorCode: String?
    public let label: String?
    public let createdAt: Int64
    public let revokedAt: Int64?
}

extension GatewayStore {
    /// Creates an API key and returns its public id and its secret. The secret is shown once and
    /// stored only as a SHA-256 hash (it carries 256 bits of entropy, so no slow hash is needed).
    public func createKey(role: Role, operatorCode: String?, label: String?) async throws -> (info: APIKeyInfo, secret: String) {
        if role == .operator && operatorCode == nil { throw StoreError.invalid("an operator key needs --operator CODE") }
        if role != .operator && operatorCode != nil { throw StoreError.invalid("only operator keys belong to an operator; drop --operator for role \(role.rawValue)") }
        let id = "key_" + Hex.encode(SecureRandom.bytes(6))
        let secret = "fg_" + Hex.encode(SecureRandom.bytes(32))
        let info = APIKeyInfo(id: id, role: role, operatorCode: operatorCode, label: label, createdAt: clock(), revokedAt: nil)
        try await mapErrors {
            try await writer.write { db in
                if let code = operatorCode, try Int.fetchOne(db, sql: "SELECT 1 FROM operator WHERE code = ?", arguments: [code]) == nil {
                    throw StoreError.notFound("operator '\(code)' does not exist; add it with `feegate operators add` first")
                }
                try db.execute(
                    sql: "INSERT INTO api_key (id, secret_hash, role, operator_code, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [id, Data(Digest.sha256(secret)), role.rawValue, operatorCode, label, info.createdAt])
            }
        }
        return (info, secret)
    }

    /// The principal for a presented secret, or `nil` if unknown or revoked.
    ///
    /// Valid keys are cached for ``Options/principalCacheTTL`` so that a request does not read the
    /// database to authenticate. Unknown secrets are never cached (a new key works at once), a key
    /// revoked through this store stops working at once, and one revoked by another process
    /// (`feegate keys revoke` next to a running `feegate serve`) within the TTL.
    public func principal(forSecret secret: String) async throws -> Principal? {
        let hash = Data(Digest.sha256(secret))
        if let cached = principals.lookup(hash) { return cached }
        let generation = principals.generation
        let found: Principal? = try await mapErrors {
            try await writer.read { db in
                guard let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, role, operator_code FROM api_key WHERE secret_hash = ? AND revoked_at IS NULL"),
                    arguments: [hash])
                else { return nil }
                let role: String = row["role"]
                guard let parsed = Role(rawValue: role) else { return nil }
                return Principal(keyID: row["id"], role: parsed, operatorCode: row["operator_code"])
            }
        }
        if let found { principals.store(hash, found, ifGeneration: generation) }
        return found
    }

    /// All keys, newest first.
    public func keys() async throws -> [APIKeyInfo] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at DESC, id").map { row in
                    let role: String = row["role"]
                    return APIKeyInfo(
                        id: row["id"], role: Role(rawValue: role) ?? .finance, operatorCode: row["operator_code"], label: row["label"],
                        createdAt: row["created_at"], revokedAt: row["revoked_at"])
                }
            }
        }
    }

    /// Revokes a key; revoking twice is harmless. Throws `notFound` for an unknown id.
    public func revokeKey(id: String) async throws {
        let now = clock()
        try await mapErrors {
            try await writer.write { db in
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM api_key WHERE id = ?", arguments: [id]) != nil else {
                    throw StoreError.notFound("no API key with id '\(id)' (see `feegate keys list`)")
                }
                try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            }
        }
        principals.removeAll()
    }
}

/// Valid API keys recently read from the database, by secret hash, each for at most `ttl`.
///
/// A `generation` counter makes invalidation race-free: a lookup that started before a revocation
/// never stores its (possibly stale) answer after it.
final class PrincipalCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Data: (principal: Principal, expires: UInt64)] = [:]
    private var currentGeneration: UInt64 = 0
    private let ttlNanoseconds: UInt64

    init(ttl: Duration) {
        let (seconds, attoseconds) = ttl.components
        ttlNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    var generation: UInt64 { lock.withLock { currentGeneration } }

    func lookup(_ hash: Data) -> Principal? {
        guard ttlNanoseconds > 0 else { return nil }
        let now = Self.now()
        return lock.withLock {
            guard let entry = entries[hash] else { return nil }
            if entry.expires <= now {
                entries[hash] = nil
                return nil
            }
            return entry.principal
        }
    }

    func store(_ hash: Data, _ principal: Principal, ifGeneration generation: UInt64) {
        guard ttlNanoseconds > 0 else { return }
        let expires = Self.now() + ttlNanoseconds
        lock.withLock {
            guard generation == currentGeneration else { return }
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (principal, expires)
        }
    }

    func removeAll() {
        lock.withLock {
            currentGeneration &+= 1
            entries.removeAll()
        }
    }
}
