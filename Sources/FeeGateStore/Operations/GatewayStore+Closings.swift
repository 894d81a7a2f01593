import FeeGateCore
import FeeGateCrypto
import Foundation
import GRDB

/// A stored daily closing of one operator's business day.
public struct StoredClosing: Sendable, Hashable {
    public let seq: Int64
    public let operatorCode: String
    public let day: BusinessDay
    /// 1, 2, 3… per operator.
    public let number: Int64
    /// Ledger clock (ns) when it was recorded; rides recorded up to this instant are in its table.
    public let closedAt: Int64
    public let documentCount: Int64
    public let lateCount: Int64
    public let total: Int64
    public let vat: Int64
    /// Grand total of all this operator's closings so far.
    public let cumulative: Int64
    /// The signed closing XML, exactly as recorded.
    public let xml: [UInt8]
    public let prevHash: [UInt8]
    /// SHA-256 of `xml`; the next closing of the operator carries it as `prev_hash`.
    public let hash: [UInt8]
}

/// A stored signed TDiep 206 message.
public struct StoredTaxBatch: Sendable, Hashable {
    public let seq: Int64
    public let closingSeq: Int64
    public let position: Int64
    public let messageID: String
    public let template: String
    public let series: String
    public let documentCount: Int64
    public let lateCount: Int64
    public let xml: [UInt8]
    public let hash: [UInt8]
}

/// A closing to record.
public struct NewClosing: Sendable {
    public struct Batch: Sendable {
        public let messageID: String, template: String, series: String, documentCount: Int64, lateCount: Int64, xml: [UInt8]

        public init(messageID: String, template: String, series: String, documentCount: Int64, lateCount: Int64, xml: [UInt8]) {
            self.messageID = messageID
            self.template = template
            self.series = series
            self.documentCount = documentCount
            self.lateCount = lateCount
            self.xml = xml
        }
    }

    public let operatorCode: String
    public let day: BusinessDay
    public let number: Int64
    public let closedAt: Int64
    public let total: Int64
    public let vat: Int64
    public let cumulative: Int64
    public let xml: [UInt8]
    /// The previous closing's hash (zeros for the first): the closing is refused as stale if it changed.
    public let prevHash: [UInt8]
    /// Included documents (chain position, late).
    public let documents: [(seq: Int64, late: Bool)]
    public let batches: [Batch]

    public init(operatorCode: String, day: BusinessDay, number: Int64, closedAt: Int64, total: Int64, vat: Int64, cumulative: Int64, xml: [UInt8],
                prevHash: [UInt8], documents: [(seq: Int64, late: Bool)], batches: [Batch]) {
        self.operatorCode = operatorCode
        self.day = day
        self.number = number
        self.closedAt = closedAt
        self.total = total
        self.vat = vat
        self.cumulative = cumulative
        self.xml = xml
        self.prevHash = prevHash
        self.documents = documents
        self.batches = batches
    }
}

/// What recording a closing did.
public enum ClosingRecordOutcome: Sendable {
    case recorded(StoredClosing)
    /// The day was already closed (a concurrent or earlier close): this is the closing on record.
    case existing(StoredClosing)
    /// Another closing of the operator, or one of the documents, was recorded meanwhile: rebuild and retry.
    case stale
}

/// A ride as the 01/TTGD table needs it (no token values).
public struct TableRideRow: Sendable, Hashable {
    public let id: UUID, at: Int64, serviceDay: String, route: String, vehicle: String, validatorID: String, ticketNumber: Int64
    public let category: String, fare: Int64, referenceAmount: Int64, fundedBy: String
    /// Recorded for an earlier service day than the closing's.
    public let late: Bool
}

extension GatewayStore {
    /// The operator's newest closing, or `nil` before the first.
    public func lastClosing(operatorCode: String) async throws -> StoredClosing? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM daily_closing WHERE operator_code = ? ORDER BY number DESC LIMIT 1", arguments: [operatorCode])
                    .map(Self.decodeClosing)
            }
        }
    }

    /// The closing of one operator and day, or `nil`.
    public func closing(operatorCode: String, day: BusinessDay) async throws -> StoredClosing? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM daily_closing WHERE operator_code = ? AND day = ?", arguments: [operatorCode, day.description])
                    .map(Self.decodeClosing)
            }
        }
    }

    /// Closings in the order they were recorded, after position `after` (their `seq`), at most `limit`: a page.
    public func closings(after: Int64, limit: Int) async throws -> [StoredClosing] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM daily_closing WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit]).map(Self.decodeClosing)
            }
        }
    }

    /// The operator's closing with this number, or `nil`.
    public func closings(operatorCode: String, number: Int64) async throws -> StoredClosing? {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM daily_closing WHERE operator_code = ? AND number = ?", arguments: [operatorCode, number])
                    .map(Self.decodeClosing)
            }
        }
    }

    /// Every closing of a day (all operators, or one), in operator order.
    public func closings(day: BusinessDay, operatorCode: String? = nil) async throws -> [StoredClosing] {
        try await mapErrors {
            try await writer.read { db in
                var sql = "SELECT * FROM daily_closing WHERE day = ?"
                var arguments: StatementArguments = [day.description]
                if let operatorCode {
                    sql += " AND operator_code = ?"
                    arguments += [operatorCode]
                }
                return try Row.fetchAll(db, sql: sql + " ORDER BY operator_code", arguments: arguments).map(Self.decodeClosing)
            }
        }
    }

    /// The Unix second of the operator's oldest document no closing has taken yet, or `nil` when every one is
    /// closed (or it has none).
    public func oldestUnclosedDocument(operatorCode: String) async throws -> Int64? {
        try await mapErrors {
            try await writer.read { db in
                try Int64.fetchOne(db, sql: """
                    SELECT MIN(d.issued_at) FROM document d
                    WHERE d.operator_code = ? AND NOT EXISTS (SELECT 1 FROM closing_document c WHERE c.document_seq = d.seq)
                    """, arguments: [operatorCode])
            }
        }
    }

    /// The operator's documents no closing has taken yet, issued before `before` (Unix seconds), in chain order.
    public func unclosedDocuments(operatorCode: String, before: Int64) async throws -> [IssuedDocument] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT d.* FROM document d
                    WHERE d.operator_code = ? AND d.issued_at < ?
                      AND NOT EXISTS (SELECT 1 FROM closing_document c WHERE c.document_seq = d.seq)
                    ORDER BY d.seq
                    """, arguments: [operatorCode, before]).map(Self.decodeDocument)
            }
        }
    }

    /// The service day of the operator's first recorded ride, or `nil`.
    public func firstRideDay(operatorCode: String) async throws -> BusinessDay? {
        try await mapErrors {
            try await writer.read { db in
                try String.fetchOne(db, sql: "SELECT MIN(service_day) FROM transit_tap WHERE operator_code = ?", arguments: [operatorCode]).flatMap(BusinessDay.init)
            }
        }
    }

    /// The documents a closing took, in chain order, with their late flags; a page of them after document
    /// position `after`, at most `limit`, when given (a closing of a busy day takes hundreds of thousands).
    public func closingDocuments(closingSeq: Int64, after: Int64 = 0, limit: Int = .max) async throws -> [(document: IssuedDocument, late: Bool)] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT d.*, c.late AS closing_late FROM closing_document c JOIN document d ON d.seq = c.document_seq
                    WHERE c.closing_seq = ? AND c.document_seq > ? ORDER BY c.document_seq LIMIT ?
                    """, arguments: [closingSeq, after, Int64(clamping: limit)]).map { (document: try Self.decodeDocument($0), late: ($0["closing_late"] as Int64) == 1) }
            }
        }
    }

    /// The TDiep messages of a closing, in order.
    public func taxBatches(closingSeq: Int64) async throws -> [StoredTaxBatch] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM tax_batch WHERE closing_seq = ? ORDER BY position", arguments: [closingSeq]).map(Self.decodeBatch)
            }
        }
    }

    /// The rides of the operator's 01/TTGD table for the closing of `day` recorded at `closedAt`: rides of that
    /// service day recorded up to `closedAt`, and rides of earlier days recorded after the previous closing
    /// (`previousClosedAt`), flagged late.
    public func tableRides(operatorCode: String, day: BusinessDay, previousClosedAt: Int64?, closedAt: Int64) async throws -> [TableRideRow] {
        try await mapErrors {
            try await writer.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT * FROM transit_tap
                    WHERE operator_code = ? AND created_at <= ?
                      AND (service_day = ? OR (service_day < ? AND created_at > ?))
                    ORDER BY at, id
                    """, arguments: [operatorCode, closedAt, day.description, day.description, previousClosedAt ?? Int64.max]).map { row in
                    TableRideRow(
                        id: try LedgerRows.uuid(row, "id"), at: row["at"], serviceDay: row["service_day"], route: row["route"], vehicle: row["vehicle"],
                        validatorID: row["validator_id"], ticketNumber: row["ticket_number"], category: row["category"], fare: row["fare"],
                        referenceAmount: row["reference_amount"], fundedBy: row["funded_by"], late: (row["service_day"] as String) != day.description)
                }
            }
        }
    }

    /// Records a closing with its document memberships and batches in one transaction, or reports why not.
    public func recordClosing(_ new: NewClosing) async throws -> ClosingRecordOutcome {
        try await mapErrors {
            try await writer.write { db in
                if let existing = try Row.fetchOne(db, sql: "SELECT * FROM daily_closing WHERE operator_code = ? AND day = ?",
                                                   arguments: [new.operatorCode, new.day.description]) {
                    return .existing(try Self.decodeClosing(existing))
                }
                let last = try Row.fetchOne(db, sql: "SELECT number, hash FROM daily_closing WHERE operator_code = ? ORDER BY number DESC LIMIT 1",
                                            arguments: [new.operatorCode])
                let lastNumber: Int64 = last?["number"] ?? 0
                let lastHash: [UInt8] = last.map { [UInt8]($0["hash"] as Data) } ?? ChainHead.genesis
                guard lastNumber + 1 == new.number, lastHash == new.prevHash else { return .stale }
                let taken = try db.cachedStatement(sql: "SELECT 1 FROM closing_document WHERE document_seq = ?")
                for d in new.documents where try Bool.fetchOne(taken, arguments: [d.seq]) != nil { return .stale }

                var head = try ChainHead.load(db, "daily_closing")
                let hash = Digest.sha256(new.xml)
                let seq = head.seq + 1
                _ = head.append(Self.closingChainBytes(seq: seq, hash: hash), timestamp: 0)
                try db.execute(
                    sql: """
                        INSERT INTO daily_closing (seq, operator_code, day, number, closed_at, document_count, late_count, total, vat, cumulative, xml, prev_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [seq, new.operatorCode, new.day.description, new.number, new.closedAt, new.documents.count, new.documents.filter(\.late).count,
                                new.total, new.vat, new.cumulative, Data(new.xml), Data(new.prevHash), Data(hash)])
                let member = try db.cachedStatement(sql: "INSERT INTO closing_document (document_seq, closing_seq, late) VALUES (?, ?, ?)")
                for d in new.documents { try member.execute(arguments: [d.seq, seq, d.late ? 1 : 0]) }
                for (position, b) in new.batches.enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO tax_batch (closing_seq, position, message_id, template, series, document_count, late_count, xml, hash)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [seq, position + 1, b.messageID, b.template, b.series, b.documentCount, b.lateCount, Data(b.xml), Data(Digest.sha256(b.xml))])
                }
                try head.save(db)
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM daily_closing WHERE seq = ?", arguments: [seq]) else {
                    throw StoreError.database("the closing just written is missing")
                }
                return .recorded(try Self.decodeClosing(row))
            }
        }
    }

    /// What the `daily_closing` chain head hashes per row: its position and the closing's own hash.
    static func closingChainBytes(seq: Int64, hash: [UInt8]) -> [UInt8] {
        Array("daily_closing:\(seq):".utf8) + hash
    }

    static func decodeClosing(_ row: Row) throws -> StoredClosing {
        guard let day = BusinessDay(row["day"] as String) else { throw StoreError.database("daily_closing seq \(row["seq"] as Int64) has a bad day") }
        return StoredClosing(
            seq: row["seq"], operatorCode: row["operator_code"], day: day, number: row["number"], closedAt: row["closed_at"],
            documentCount: row["document_count"], lateCount: row["late_count"], total: row["total"], vat: row["vat"], cumulative: row["cumulative"],
            xml: [UInt8](row["xml"] as Data), prevHash: [UInt8](row["prev_hash"] as Data), hash: [UInt8](row["hash"] as Data))
    }

    static func decodeBatch(_ row: Row) throws -> StoredTaxBatch {
        StoredTaxBatch(
            seq: row["seq"], closingSeq: row["closing_seq"], position: row["position"], messageID: row["message_id"], template: row["template"],
            series: row["series"], documentCount: row["document_count"], lateCount: row["late_count"], xml: [UInt8](row["xml"] as Data),
            hash: [UInt8](row["hash"] as Data))
    }
}
