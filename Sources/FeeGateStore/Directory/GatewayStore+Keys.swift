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
    public func principal(forSecret secret: String) async throws -> Principal? {
        let hash = Data(Digest.sha256(secret))
        return try await mapErrors {
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
    }
}
