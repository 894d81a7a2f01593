import FeeGateCore
import Foundation
import GRDB

extension GatewayStore {
    /// Registers an operator. Its code must be new.
    public func addOperator(code: String, name: String, taxCode: String, kind: OperatorKind, mttPrefix: String?, invoiceSeries: String?) async throws -> Operator {
        if let problem = Operator.validate(code: code, name: name, taxCode: taxCode, mttPrefix: mttPrefix) { throw StoreError.invalid(problem) }
        let op = Operator(code: code, name: name, taxCode: taxCode, kind: kind, mttPrefix: mttPrefix, invoiceSeries: invoiceSeries, createdAt: clock())
        return try await mapErrors {
            try await writer.write { db in
                if try Int.fetchOne(db, sql: "SELECT 1 FROM operator WHERE code = ?", arguments: [code]) != nil {
                    throw StoreError.conflict("operator '\(code)' already exists")
                }
                try db.execute(
                    sql: "INSERT INTO operator (code, name, tax_code, kind, mtt_prefix, invoice_series, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [op.code, op.name, op.taxCode, op.kind.rawValue, op.mttPrefix, op.invoiceSeries, op.createdAt])
                return op
            }
        }
    }

    /// All operators by code.
    public func operators() async throws -> [Operator] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM operator ORDER BY code").map(Self.decodeOperator)
            }
        }
    }

    /// One operator, or `nil`.
    public func findOperator(code: String) async throws -> Operator? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM operator WHERE code = ?", arguments: [code]).map(Self.decodeOperator)
            }
        }
    }

    static func decodeOperator(_ row: Row) throws -> Operator {
        let kind: String = row["kind"]
        return Operator(
            code: row["code"], name: row["name"], taxCode: row["tax_code"], kind: OperatorKind(rawValue: kind) ?? .fees,
            mttPrefix: row["mtt_prefix"], invoiceSeries: row["invoice_series"], createdAt: row["created_at"])
    }
}
