import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

extension GatewayStore {
    /// Issues a document once per `id`: takes the next gapless number for (operator, template, series,
    /// year) — and, when `usesAuthorityCounter`, the next value of the operator's MTT counter — renders
    /// and signs it with `render` inside the same transaction, and appends it to the document chain.
    /// A second call with the same id returns the stored document and renders nothing.
    public func issueDocument(
        id: UUID, operatorCode: String, kind: String, template: String, series: String, year: Int, source: String, issuedAt: Int64,
        usesAuthorityCounter: Bool, render: @escaping @Sendable (_ number: Int64, _ authorityCounter: Int64?) throws -> RenderedDocument
    ) async throws -> IssuedDocument {
        try await mapErrors {
            try await writer.write { db in
                if let existing = try Row.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [id.blob]) {
                    return try Self.decodeDocument(existing)
                }
                if let other = try Row.fetchOne(db, sql: "SELECT id, series, number FROM document WHERE source = ?", arguments: [source]) {
                    let otherID = try LedgerRows.uuid(other, "id").lowercasedString
                    throw StoreError.conflict(
                        "\(source) already has document \(otherID) (\(other["series"] as String) no. \(other["number"] as Int64)) issued with other details; to correct it, replace that document")
                }
                let number = try Self.nextNumber(db, name: "document:\(operatorCode):\(template):\(series):\(year)")
                guard number <= 99_999_999 else {
                    throw StoreError.conflict("series \(series) of \(operatorCode) has used all 8-digit numbers for \(year); register a new series")
                }
                let counter = usesAuthorityCounter ? try Self.nextNumber(db, name: "mtt:\(operatorCode)") : nil
                let rendered = try render(number, counter)
                var head = try ChainHead.load(db, "document")
                let document = IssuedDocument(
                    seq: head.seq + 1, id: id, operatorCode: operatorCode, kind: kind, template: template, series: series, year: year, number: number,
                    authorityCode: rendered.authorityCode, source: source, issuedAt: issuedAt, total: rendered.total, vat: rendered.vat, xml: rendered.xml)
                let hash = head.append(CanonicalEncoding.document(document, seq: document.seq, xmlDigest: Digest.sha256(rendered.xml)), timestamp: 0)
                try db.execute(
                    sql: """
                        INSERT INTO document (seq, id, operator_code, kind, template, series, year, number, authority_code, source, issued_at,
                                              total, vat, xml, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [document.seq, id.blob, operatorCode, kind, template, series, year, number, rendered.authorityCode, source, issuedAt,
                                rendered.total, rendered.vat, Data(rendered.xml), Data(hash)])
                try head.save(db)
                return document
            }
        }
    }

    /// A recorded bus ride, or `nil`.
    public func tap(id: UUID) async throws -> TransitTap? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM transit_tap WHERE id = ?", arguments: [id.blob]).map { row in
                    TransitTap(
                        id: try LedgerRows.uuid(row, "id"), operatorCode: row["operator_code"], tokenType: row["token_type"],
                        tokenHash: [UInt8](row["token_hash"] as Data), route: row["route"], vehicle: row["vehicle"], validatorID: row["validator_id"],
                        at: row["at"], serviceDay: row["service_day"], fare: row["fare"], fundedBy: row["funded_by"], referenceAmount: row["reference_amount"],
                        category: row["category"], capped: (row["capped"] as Int64) != 0)
                }
            }
        }
    }

    /// One issued document, or `nil`.
    public func document(id: UUID) async throws -> IssuedDocument? {
        try await mapErrors {
            try await writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [id.blob]).map(Self.decodeDocument) }
        }
    }

    /// Documents in issue order after position `after` (the document chain's `seq`), optionally one operator's.
    public func documents(after: Int64, limit: Int, operatorCode: String? = nil) async throws -> [IssuedDocument] {
        try await mapErrors {
            try await writer.read { db in
                var sql = "SELECT * FROM document WHERE seq > ?"
                var arguments: StatementArguments = [after]
                if let operatorCode {
                    sql += " AND operator_code = ?"
                    arguments += [operatorCode]
                }
                sql += " ORDER BY seq LIMIT ?"
                arguments += [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.decodeDocument)
            }
        }
    }

    static func decodeDocument(_ row: Row) throws -> IssuedDocument {
        let xml: Data = row["xml"]
        return IssuedDocument(
            seq: row["seq"], id: try LedgerRows.uuid(row, "id"), operatorCode: row["operator_code"], kind: row["kind"], template: row["template"],
            series: row["series"], year: row["year"], number: row["number"], authorityCode: row["authority_code"], source: row["source"],
            issuedAt: row["issued_at"], total: row["total"], vat: row["vat"], xml: Array(xml))
    }
}
