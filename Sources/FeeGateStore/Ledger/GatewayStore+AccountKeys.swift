import FeeGateCore
import Foundation

extension GatewayStore {
    /// Makes sure the accounts behind these keys exist, creating the missing ones (idempotent: a
    /// concurrent creator gets `exists`). Returns nothing; the ids are `key.id`.
    ///
    /// Business flows call this before posting, so an operator's revenue, VAT, clearing and subsidy
    /// accounts appear the first time they are needed.
    public func ensureAccounts(_ keys: [AccountKey]) async throws {
        let missing = knownAccounts.unknown(keys.map(\.id))
        guard !missing.isEmpty else { return }
        let requests = Dictionary(keys.map { ($0.id, $0.request) }, uniquingKeysWith: { first, _ in first })
        let toCreate = missing.compactMap { requests[$0] }
        let results = try await createAccounts(toCreate)
        for (request, result) in zip(toCreate, results) {
            guard result == .ok || result == .exists else {
                throw StoreError.conflict("account \(request.name) (\(request.id)) cannot be created: \(result.rawValue)")
            }
        }
        knownAccounts.insert(toCreate.map(\.id))
    }
}

/// Account ids known to exist (accounts are never deleted, so the cache never goes stale).
final class KnownAccounts: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: Set<UUID> = []

    func unknown(_ candidates: [UUID]) -> [UUID] {
        lock.withLock { Array(Set(candidates).subtracting(ids)) }
    }

    func insert(_ new: [UUID]) {
        lock.withLock { ids.formUnion(new) }
    }
}
