import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

extension GatewayStore {
    /// Issues a document once per `draft.id` in a transaction of its own (see ``appendDocument(_:_:)``).
    /// A second call with the same id returns the stored document and renders nothing.
    public func issueDocument(_ draft: DocumentDraft) async throws -> IssuedDocument {
        try await mapErrors { try await writer.write { db in try Self.appendDocument(db, draft) } }
    }

    /// Inside the caller's transaction: takes the next gapless number for (operator, template, series, year) —
    /// and, when `usesAuthorityCounter`, the next value of the operator's MTT counter — renders and signs the
    /// document with `draft.render`, and appends it to the document chain. A rollback gives the numbers back,
    /// so numbering stays gapless whatever fails after. An id already stored returns that document.
    static func appendDocument(_ db: Database, _ draft: DocumentDraft) throws -> IssuedDocument {
        if let existing = try Row.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [draft.id.blob]) {
            return try Self.decodeDocument(existing)
        }
        if let other = try Row.fetchOne(db, sql: "SELECT id, series, number FROM document WHERE source = ?", arguments: [draft.source]) {
            let otherID = try LedgerRows.uuid(other, "id").lowercasedString
            throw StoreError.conflict(
                "\(draft.source) already has document \(otherID) (\(other["series"] as String) no. \(other["number"] as Int64)) issued with other details; to correct it, replace that document")
        }
        let number = try Self.nextNumber(db, name: "document:\(draft.operatorCode):\(draft.template):\(draft.series):\(draft.year)")
        guard number <= 99_999_999 else {
            throw StoreError.conflict("series \(draft.series) of \(draft.operatorCode) has used all 8-digit numbers for \(draft.year); register a new series")
        }
        let counter = draft.usesAuthorityCounter ? try Self.nextNumber(db, name: "mtt:\(draft.operatorCode)") : nil
        let rendered = try draft.render(number, counter)
        var head = try ChainHead.load(db, "document")
        let document = IssuedDocument(
            seq: head.seq + 1, id: draft.id, operatorCode: draft.operatorCode, kind: draft.kind, template: draft.template, series: draft.series,
            year: draft.year, number: number, authorityCode: rendered.authorityCode, source: draft.source, issuedAt: draft.issuedAt,
            total: rendered.total, vat: rendered.vat, xml: rendered.xml, rates: rendered.rates)
        let hash = head.append(CanonicalEncoding.document(document, seq: document.seq, xmlDigest: Digest.sha256(rendered.xml)), timestamp: 0)
        try db.execute(
            sql: """
                INSERT INTO document (seq, id, operator_code, kind, template, series, year, number, authority_code, source, issued_at,
                                      total, vat, xml, hash, rates)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [document.seq, draft.id.blob, draft.operatorCode, draft.kind, draft.template, draft.series, draft.year, number,
                        rendered.authorityCode, draft.source, draft.issuedAt, rendered.total, rendered.vat, Data(rendered.xml), Data(hash), rendered.rates])
        try head.save(db)
        return document
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
            issuedAt: row["issued_at"], total: row["total"], vat: row["vat"], xml: Array(xml), rates: row["rates"])
    }
}
