import FeeGateCore
import FeeGateStore
import Foundation
import Hummingbird

/// The admin ledger API: accounts and transfers with TigerBeetle semantics.
struct LedgerController {
    let store: GatewayStore

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("ledger/accounts", use: createAccounts)
        group.get("ledger/accounts", use: listAccounts)
        group.get("ledger/accounts/:id", use: getAccount)
        group.get("ledger/accounts/:id/transfers", use: accountTransfers)
        group.post("ledger/transfers", use: createTransfers)
        group.get("ledger/transfers/:id", use: getTransfer)
    }

    @Sendable func createAccounts(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.Results<LedgerDTO.AccountResult> {
        try context.require(.admin)
        let body = try await StrictJSON.decode(LedgerDTO.CreateAccounts.self, from: request, context: context)
        guard (1...GatewayStore.maxTransfersPerRequest).contains(body.accounts.count) else {
            throw Problem(status: .unprocessableContent, code: "invalid_batch_size", detail: "send between 1 and \(GatewayStore.maxTransfersPerRequest) accounts per request")
        }
        let results = try await store.createAccounts(body.accounts)
        var out: [LedgerDTO.AccountResult] = []
        for (index, (request, result)) in zip(body.accounts, results).enumerated() {
            let account = (result == .ok || result == .exists) ? try await store.account(id: request.id).map(LedgerDTO.AccountOutput.init) : nil
            out.append(.init(index: index, id: request.id.lowercasedString, result: result.rawValue, detail: result == .ok ? nil : "\(result.rawValue)", account: account))
        }
        return .init(results: out)
    }

    @Sendable func listAccounts(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.Page<LedgerDTO.AccountOutput> {
        let principal = try context.require(.admin, .finance, .operator)
        let after = try Cursor.decode(request.uri.queryParameters["cursor"].map(String.init))
        let limit = try Cursor.limit(request.uri.queryParameters["limit"].map(String.init))
        var operatorFilter = request.uri.queryParameters["operator"].map(String.init)
        if principal.role == .operator { operatorFilter = principal.operatorCode }
        let page = try await store.accounts(operatorCode: operatorFilter, after: after, limit: limit)
        return .init(items: page.map { LedgerDTO.AccountOutput($0.account) }, nextCursor: page.count == limit ? page.last.map { Cursor.encode($0.seq) } : nil)
    }

    @Sendable func getAccount(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.AccountOutput {
        let account = try await visibleAccount(context)
        return LedgerDTO.AccountOutput(account)
    }

    @Sendable func accountTransfers(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.Page<LedgerDTO.TransferOutput> {
        let account = try await visibleAccount(context)
        let after = try Cursor.decode(request.uri.queryParameters["cursor"].map(String.init))
        let limit = try Cursor.limit(request.uri.queryParameters["limit"].map(String.init))
        let page = try await store.history(accountID: account.id, after: after, limit: limit)
        return .init(
            items: page.map { LedgerDTO.TransferOutput($0.transfer, seq: $0.seq) },
            nextCursor: page.count == limit ? page.last.map { Cursor.encode($0.seq) } : nil)
    }

    @Sendable func createTransfers(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.TransferResultsResponse {
        try context.require(.admin)
        let body = try await StrictJSON.decode(
            LedgerDTO.CreateTransfers.self, from: request, context: context, fastPath: LedgerDTO.CreateTransfers.fastPath)
        guard (1...GatewayStore.maxTransfersPerRequest).contains(body.transfers.count) else {
            throw Problem(status: .unprocessableContent, code: "invalid_batch_size", detail: "send between 1 and \(GatewayStore.maxTransfersPerRequest) transfers per request")
        }
        let outcomes = try await store.submitTransfersReturningCommitted(body.transfers)
        var out: [LedgerDTO.TransferResultOutput] = []
        out.reserveCapacity(outcomes.count)
        for (index, (request, outcome)) in zip(body.transfers, outcomes).enumerated() {
            let result = outcome.result
            var transfer: LedgerDTO.TransferOutput?
            // Echo the committed row (for `exists`: the original one) so a retry sees the original result.
            // A row this request wrote comes back from the commit itself; only `exists` reads the original.
            if let committed = outcome.committed {
                transfer = LedgerDTO.TransferOutput(committed.transfer, seq: committed.seq)
            } else if result.isSuccess, let committed = try await store.transfer(id: request.id) {
                transfer = LedgerDTO.TransferOutput(committed.transfer, seq: committed.seq)
            }
            out.append(.init(
                index: index, id: request.id.lowercasedString, result: result.rawValue, committed: result.isSuccess,
                detail: result == .ok ? nil : result.explanation, transfer: transfer))
        }
        return LedgerDTO.TransferResultsResponse(results: out)
    }

    @Sendable func getTransfer(_ request: Request, context: AppRequestContext) async throws -> LedgerDTO.TransferOutput {
        let principal = try context.require(.admin, .finance, .operator)
        let id = try Self.uuidParameter(context)
        guard let found = try await store.transfer(id: id) else {
            if let failure = try await store.transferFailure(id: id) {
                throw Problem(
                    status: .notFound, code: "transfer_failed",
                    detail: "transfer \(id.lowercasedString) was rejected with \(failure.result.rawValue) and is not in the journal; a new attempt needs a new id",
                    extra: ["result": failure.result.rawValue])
            }
            throw Problem.notFound("transfer \(id.lowercasedString)")
        }
        if principal.role == .operator {
            let debit = try await store.account(id: found.transfer.debitAccountID)
            let credit = try await store.account(id: found.transfer.creditAccountID)
            guard debit?.operatorCode == principal.operatorCode || credit?.operatorCode == principal.operatorCode else {
                throw Problem.notFound("transfer \(id.lowercasedString)")
            }
        }
        let resolution = found.transfer.flags.contains(.pending) ? try await store.resolution(ofPending: id) : nil
        return LedgerDTO.TransferOutput(found.transfer, seq: found.seq, resolution: resolution)
    }

    /// The account named in the path, if the caller may see it; another operator's account is a 404.
    private func visibleAccount(_ context: AppRequestContext) async throws -> Account {
        let principal = try context.require(.admin, .finance, .operator)
        let id = try Self.uuidParameter(context)
        guard let account = try await store.account(id: id),
            principal.role != .operator || account.operatorCode == principal.operatorCode
        else { throw Problem.notFound("account \(id.lowercasedString)") }
        return account
    }

    static func uuidParameter(_ context: AppRequestContext) throws -> UUID {
        let raw = context.parameters.get("id") ?? ""
        guard let id = UUID(text: raw) else {
            throw Problem(status: .badRequest, code: "invalid_id", detail: "'\(raw)' is not a UUID")
        }
        return id
    }
}

/// Opaque pagination cursors (base64url of the last journal position seen).
enum Cursor {
    static func encode(_ seq: Int64) -> String {
        Data("s:\(seq)".utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String?) throws -> Int64 {
        guard let cursor, !cursor.isEmpty else { return 0 }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8), text.hasPrefix("s:"),
            let seq = Int64(text.dropFirst(2)), seq >= 0
        else { throw Problem(status: .badRequest, code: "invalid_cursor", detail: "the cursor is not one this API returned; start again without it") }
        return seq
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 100 }
        guard let value = Int(text), (1...1000).contains(value) else {
            throw Problem(status: .badRequest, code: "invalid_limit", detail: "limit must be an integer from 1 to 1000")
        }
        return value
    }
}
