import FeeGateCore
import Foundation
import GRDB

/// Persistence of the operator flows (parking, transit, fees). Each method is one transaction that
/// writes the business rows together with the ``OperationRecord`` of the request, so a retry finds
/// the original response and nothing is written twice.
extension GatewayStore {
    /// The stored outcome of an earlier request with this id, if any.
    public func operation(id: UUID) async throws -> OperationRecord? {
        try await mapErrors { try await writer.read { db in try Self.fetchOperation(db, id) } }
    }

    /// Starts a parking session unless the same plate already has an active one in the zone.
    public func startParkingSession(_ s: ParkingSession, operation: OperationRecord) async throws -> RecordOutcome {
        try await recording(operation) { db in
            let active = try Data.fetchOne(
                db,
                sql: """
                    SELECT s.id FROM parking_session s LEFT JOIN parking_stop p ON p.session_id = s.id
                    WHERE s.operator_code = ? AND s.zone = ? AND s.plate = ? AND p.session_id IS NULL LIMIT 1
                    """, arguments: [s.operatorCode, s.zone, s.plate])
            if let active, let other = UUID(bytes: active) {
                throw StoreError.conflict("plate \(s.plate) already has an active session \(other.lowercasedString) in zone \(s.zone); stop it first")
            }
            if try Int.fetchOne(db, sql: "SELECT 1 FROM parking_session WHERE id = ?", arguments: [s.id.blob]) != nil {
                throw StoreError.conflict("session \(s.id.lowercasedString) already exists with a different request")
            }
            try db.execute(
                sql: """
                    INSERT INTO parking_session (id, operator_code, zone, plate, vehicle, started_at, source, device_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [s.id.blob, s.operatorCode, s.zone, s.plate, s.vehicle, s.startedAt, s.source, s.deviceID, clock()])
        }
    }

    /// A parking session and its stop, if stopped.
    public func parkingSession(id: UUID) async throws -> (session: ParkingSession, stop: ParkingStop?)? {
        try await mapErrors {
            try await writer.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM parking_session WHERE id = ?", arguments: [id.blob]) else { return nil }
                let stop = try Row.fetchOne(db, sql: "SELECT * FROM parking_stop WHERE session_id = ?", arguments: [id.blob]).map(Self.decodeStop)
                return (try Self.decodeSession(row), stop)
            }
        }
    }

    /// Sessions of these operators whose stop awaited a QR payment that has since been paid in full (latest intent event
    /// `paid` or `overpaid`) but that have no document yet: the invoice step after the payment did not complete (a crash,
    /// a signing fault). Stops recorded since `since` (ledger ns), oldest first, with the intent's amount and rate.
    public func paidQRStopsWithoutDocument(operatorCodes: [String], since: Int64, limit: Int) async throws -> [(sessionID: UUID, amount: Int64, rate: VATRate)] {
        guard !operatorCodes.isEmpty else { return [] }
        return try await mapErrors {
            try await writer.read { db in
                // `document.source` is unique (indexed): 'parking:' + the session id as lower-case 8-4-4-4-12 text.
                let idText = "lower(substr(hex(p.session_id), 1, 8) || '-' || substr(hex(p.session_id), 9, 4) || '-' || substr(hex(p.session_id), 13, 4) || '-' || substr(hex(p.session_id), 17, 4) || '-' || substr(hex(p.session_id), 21, 12))"
                let rows = try Row.fetchAll(db, sql: """
                    SELECT p.session_id, i.amount, i.vat_rate FROM parking_stop p
                    JOIN parking_session s ON s.id = p.session_id
                    JOIN payment_intent i ON i.id = p.session_id
                    WHERE p.status = 'awaiting_payment' AND p.created_at >= ?
                      AND s.operator_code IN (\(operatorCodes.map { _ in "?" }.joined(separator: ", ")))
                      AND (SELECT e.status FROM payment_intent_event e WHERE e.intent_id = p.session_id ORDER BY e.seq DESC LIMIT 1) IN ('paid', 'overpaid')
                      AND NOT EXISTS (SELECT 1 FROM document d WHERE d.source = 'parking:' || \(idText))
                    ORDER BY p.created_at LIMIT ?
                    """, arguments: StatementArguments([since] + operatorCodes.map { $0 as any DatabaseValueConvertible } + [limit]))
                return try rows.map { row in
                    let label: String = row["vat_rate"]
                    guard let rate = VATRate(label: label) else { throw StoreError.database("payment intent has an unknown VAT rate '\(label)'") }
                    return (sessionID: try LedgerRows.uuid(row, "session_id"), amount: row["amount"], rate: rate)
                }
            }
        }
    }

    /// Parking sessions of one operator, newest start first after `cursor` (an opaque position).
    public func parkingSessions(
        operatorCode: String, status: String?, from: Int64?, to: Int64?, after cursor: (startedAt: Int64, id: UUID)?, limit: Int
    ) async throws -> [(session: ParkingSession, stop: ParkingStop?)] {
        try await mapErrors {
            try await writer.read { db in
                var sql = """
                    SELECT s.*, p.session_id AS p_session_id, p.ended_at, p.status, p.method, p.amount, p.funded_by, p.reference_amount, p.details
                    FROM parking_session s LEFT JOIN parking_stop p ON p.session_id = s.id WHERE s.operator_code = ?
                    """
                var arguments: StatementArguments = [operatorCode]
                if let from { sql += " AND s.started_at >= ?"; arguments += [from] }
                if let to { sql += " AND s.started_at < ?"; arguments += [to] }
                switch status {
                case nil: break
                case "active": sql += " AND p.session_id IS NULL"
                case let value?:
                    // A QR stop's row keeps `awaiting_payment` (rows are never rewritten); its intent's latest event says
                    // whether it has since been paid, exactly as the single-session view reports it.
                    sql += """
                         AND (CASE WHEN p.status = 'awaiting_payment'
                                    AND (SELECT e.status FROM payment_intent_event e WHERE e.intent_id = s.id ORDER BY e.seq DESC LIMIT 1) IN ('paid', 'overpaid')
                                   THEN 'paid' ELSE p.status END) = ?
                        """
                    arguments += [value]
                }
                if let cursor { sql += " AND (s.started_at, s.id) < (?, ?)"; arguments += [cursor.startedAt, cursor.id.blob] }
                sql += " ORDER BY s.started_at DESC, s.id DESC LIMIT ?"
                arguments += [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    let stop: ParkingStop? = (row["p_session_id"] as Data?) == nil ? nil : try Self.decodeStop(row, sessionColumn: "p_session_id")
                    return (try Self.decodeSession(row), stop)
                }
            }
        }
    }

    /// Records which sequence numbers a device uploaded and what each event did (first upload wins).
    public func recordDeviceEvents(operatorCode: String, deviceID: String, events: [(seq: Int64, eventID: UUID, kind: String, result: String)]) async throws {
        let now = clock()
        try await mapErrors {
            try await writer.write { db in
                let insert = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO device_event (operator_code, device_id, seq, event_id, kind, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                for e in events { try insert.execute(arguments: [operatorCode, deviceID, e.seq, e.eventID.blob, e.kind, e.result, now]) }
            }
        }
    }

    /// The uploaded sequence numbers of a device and their gaps.
    public func deviceReport(operatorCode: String, deviceID: String) async throws -> DeviceReport? {
        try await mapErrors {
            try await writer.read { db in
                let seqs = try Int64.fetchAll(
                    db, sql: "SELECT seq FROM device_event WHERE operator_code = ? AND device_id = ? ORDER BY seq", arguments: [operatorCode, deviceID])
                guard !seqs.isEmpty else { return nil }
                return DeviceReport(deviceID: deviceID, received: seqs.count, lastSeq: seqs.last, gaps: DeviceReport.gaps(in: seqs))
            }
        }
    }

    // MARK: - Transit

    /// What a tap records with its fare (through ``postAndRecord(_:businessDay:_:)``): the ride, its ticket number (next of
    /// its operator and year) and the stored answer, which `answer` makes once the ticket number is known; it runs
    /// inside the single writer's transaction, so keep it cheap.
    public static func tapWrite(tap: TransitTap, requestHash: [UInt8], answer: @escaping @Sendable (TransitTap, Int64) -> OperationRecord) -> OperationWrite {
        OperationWrite(id: tap.id, requestHash: requestHash, counter: "ticket:\(tap.operatorCode):\(tap.serviceDay.prefix(4))") { _, number in
            let ticket = number ?? 0
            return (.tap(tap, ticketNumber: ticket), answer(tap, ticket))
        }
    }

    /// Posts a request's transfers and records what it did — its document (numbered and signed here), its row and
    /// its stored answer — in one transaction of the ledger's group commit: one `fsync` per request, and no crash
    /// can leave the money posted without its record, ticket or invoice, or the other way round.
    ///
    /// An id seen before posts nothing: the stored answer if the request is the same (`.replay`), a conflict error
    /// if not. A transfer the ledger refuses records nothing and gives the numbers back (`.rejected`). A request
    /// with no transfers (a stop awaiting a QR payment) records its rows alone, through the same queue.
    public func postAndRecord(_ transfers: [TransferRequest], businessDay: BusinessDay?, _ write: OperationWrite) async throws -> PostedRecord {
        precondition(transfers.count <= Self.maxTransfersPerRequest, "caller must enforce the request size limit")
        let (step, outcome) = Self.recordStep(write, clock: clock)
        _ = try await committer.submit(transfers, businessDay: businessDay, record: step)
        guard let value = outcome.value else { throw StoreError.database("the request's record step produced no outcome") }
        return try value.get()
    }

    /// A signed document's share of a group commit, in transfers: an RSA-2048 signature (≈ 0.6 ms) costs about what
    /// posting 64 transfers does, so a group holds at most about 128 signed documents (≈ 80 ms of signing).
    static let documentWeight = 64

    /// The step that records a request in its transfers' transaction, and where it leaves its outcome.
    static func recordStep(_ write: OperationWrite, clock: @escaping @Sendable () -> Int64) -> (RecordStep, StepOutcome<PostedRecord>) {
        let outcome = StepOutcome<PostedRecord>()
        let step = RecordStep(weight: write.document == nil ? 0 : Self.documentWeight) { db, post in
            if let existing = try Self.fetchOperation(db, write.id) {
                outcome.value = existing.requestHash == write.requestHash ? .success(.replay(existing)) : .failure(Self.conflictError(existing))
                return
            }
            // The rows first, in a savepoint of their own: a row that cannot be written fails this request alone (its
            // transfers are never executed) instead of the whole group. A refused transfer rolls the rows, the document
            // and their numbers back.
            var ledgerFailed = false
            do {
                // A database error reads as StoreError, as everywhere in the store.
                try mapErrorsSync {
                    try db.inSavepoint {
                        let document = try write.document.map { try Self.appendDocument(db, $0) }
                        let number = try write.counter.map { try document?.number ?? Self.nextNumber(db, name: $0) }
                        let (row, stored) = try write.rows(document, number)
                        guard stored.id == write.id, stored.requestHash == write.requestHash else {
                            throw StoreError.invalid("a request's stored answer must carry its id and request hash")
                        }
                        try Self.insert(row, db, now: clock())
                        try Self.insertOperation(db, stored, now: clock())
                        let results: [TransferResult]
                        do {
                            results = try post()
                        } catch {
                            ledgerFailed = true  // the engine's state is unknown: the whole group must fail
                            throw error
                        }
                        if let refused = results.first(where: { !$0.isSuccess }) {
                            outcome.value = .success(.rejected(refused))
                            return .rollback
                        }
                        outcome.value = .success(.recorded(stored))
                        return .commit
                    }
                }
            } catch {
                if ledgerFailed { throw error }
                outcome.value = .failure(error)
            }
        }
        return (step, outcome)
    }

    /// Writes one request's business row.
    static func insert(_ row: OperationRow, _ db: Database, now: Int64) throws {
        switch row {
        case .tap(let tap, let number):
            try db.cachedStatement(
                sql: """
                    INSERT INTO transit_tap (id, operator_code, token_type, token_hash, route, vehicle, validator_id, at, service_day, fare,
                                             funded_by, reference_amount, category, capped, ticket_number, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [tap.id.blob, tap.operatorCode, tap.tokenType, Data(tap.tokenHash), tap.route, tap.vehicle, tap.validatorID,
                                  tap.at, tap.serviceDay, tap.fare, tap.fundedBy, tap.referenceAmount, tap.category, tap.capped, number, now])
        case .parkingStop(let stop):
            if try Int.fetchOne(db, sql: "SELECT 1 FROM parking_stop WHERE session_id = ?", arguments: [stop.sessionID.blob]) != nil {
                throw StoreError.conflict("session \(stop.sessionID.lowercasedString) was already stopped with a different request")
            }
            try db.execute(
                sql: """
                    INSERT INTO parking_stop (session_id, ended_at, status, method, amount, funded_by, reference_amount, details, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [stop.sessionID.blob, stop.endedAt, stop.status, stop.method, stop.amount, stop.fundedBy, stop.referenceAmount,
                            stop.details, now])
        case .pass(let pass):
            try db.execute(
                sql: """
                    INSERT INTO transit_pass (id, operator_code, token_type, token_hash, product, category, route, valid_month, amount, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [pass.id.blob, pass.operatorCode, pass.tokenType, Data(pass.tokenHash), pass.product, pass.category, pass.route,
                            pass.validMonth, pass.amount, now])
        case .feePayment(let fee):
            try db.execute(
                sql: """
                    INSERT INTO fee_payment (id, operator_code, fee_code, payer_name, payer_id_hash, amount, receipt_number, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [fee.id.blob, fee.operatorCode, fee.feeCode, fee.payerName, fee.payerIDHash.map { Data($0) }, fee.amount,
                            fee.receiptNumber, now])
        }
    }

    /// What pricing a tap reads about its request id and token, in one read transaction (one trip to the
    /// reader pool instead of four): an earlier request with this id, the token's latest deny-list decision,
    /// its registered rider category on `day` (`YYYY-MM-DD`), and whether it holds a pass valid in that month for `route`.
    public func tapLookup(id: UUID, tokenHash: [UInt8], day: String, route: String) async throws -> TapLookup {
        let token = Data(tokenHash), month = String(day.prefix(7))
        return try await mapErrors {
            try await writer.read { db in
                var denial: String?
                if let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT action, reason FROM deny_list WHERE token_hash = ? ORDER BY seq DESC LIMIT 1"), arguments: [token]),
                    (row["action"] as String) == "deny"
                {
                    denial = row["reason"]
                }
                let category = try String.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT category FROM transit_rider WHERE token_hash = ? AND valid_from <= ? AND valid_to >= ? ORDER BY created_at DESC LIMIT 1"),
                    arguments: [token, day, day])
                let pass = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT 1 FROM transit_pass WHERE token_hash = ? AND valid_month = ? AND (route IS NULL OR route = ?) LIMIT 1"),
                    arguments: [token, month, route]) != nil
                return TapLookup(existing: try Self.fetchOperation(db, id), denialReason: denial, registeredCategory: category, holdsPass: pass)
            }
        }
    }

    /// What a token has paid on a fare day (for daily caps).
    public func paidToday(tokenHash: [UInt8], serviceDay: String) async throws -> Int64 {
        try await mapErrors {
            try await writer.read { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(SUM(fare), 0) FROM transit_tap WHERE token_hash = ? AND service_day = ?"),
                                   arguments: [Data(tokenHash), serviceDay]) ?? 0
            }
        }
    }

    /// Adds a deny-list decision (`deny` with a reason, or `allow` to lift it). Never edits earlier ones.
    public func recordDenyListDecision(tokenType: String, tokenHash: [UInt8], deny: Bool, reason: String) async throws {
        let now = clock()
        try await mapErrors {
            try await writer.write { db in
                try db.execute(sql: "INSERT INTO deny_list (token_type, token_hash, action, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [tokenType, Data(tokenHash), deny ? "deny" : "allow", reason, now])
            }
        }
    }

    /// Registers a free-rider category for a token over a date range (inclusive `YYYY-MM-DD`).
    public func registerRider(id: UUID, tokenType: String, tokenHash: [UInt8], category: String, validFrom: String, validTo: String,
                              operation: OperationRecord) async throws -> RecordOutcome {
        try await recording(operation) { db in
            try db.execute(
                sql: "INSERT INTO transit_rider (id, token_type, token_hash, category, valid_from, valid_to, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [id.blob, tokenType, Data(tokenHash), category, validFrom, validTo, clock()])
        }
    }

    // MARK: - Helpers

    /// Runs `write` and stores `operation` in one transaction, unless the id was seen before:
    /// same body → replay, different body → conflict.
    func recording(_ operation: OperationRecord, write: @escaping @Sendable (Database) throws -> Void) async throws -> RecordOutcome {
        try await mapErrors {
            try await records.write { db in
                if let existing = try Self.fetchOperation(db, operation.id) {
                    return existing.requestHash == operation.requestHash ? .replay(existing) : try Self.conflict(existing)
                }
                try write(db)
                try Self.insertOperation(db, operation, now: clock())
                return .recorded
            }
        }
    }

    static func conflict(_ existing: OperationRecord) throws -> RecordOutcome {
        throw conflictError(existing)
    }

    static func conflictError(_ existing: OperationRecord) -> StoreError {
        .conflict("id \(existing.id.lowercasedString) was already used for a different \(existing.kind) request; use a new id")
    }

    static func fetchOperation(_ db: Database, _ id: UUID) throws -> OperationRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM operation WHERE id = ?"), arguments: [id.blob]).map { row in
            let hash: Data = row["request_hash"]
            return OperationRecord(id: id, kind: row["kind"], operatorCode: row["operator_code"], requestHash: Array(hash),
                                   status: row["status"], response: row["response"])
        }
    }

    static func insertOperation(_ db: Database, _ op: OperationRecord, now: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO operation (id, kind, operator_code, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [op.id.blob, op.kind, op.operatorCode, Data(op.requestHash), op.status, op.response, now])
    }

    /// The next value of a gapless counter, inside the caller's transaction (so a rollback gives the number back).
    static func nextNumber(_ db: Database, name: String) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO counter (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1")
            .execute(arguments: [name])
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM counter WHERE name = ?"), arguments: [name]) ?? 0
    }

    static func decodeSession(_ row: Row) throws -> ParkingSession {
        ParkingSession(id: try LedgerRows.uuid(row, "id"), operatorCode: row["operator_code"], zone: row["zone"], plate: row["plate"],
                       vehicle: row["vehicle"], startedAt: row["started_at"], source: row["source"], deviceID: row["device_id"])
    }

    static func decodeStop(_ row: Row) throws -> ParkingStop { try decodeStop(row, sessionColumn: "session_id") }

    static func decodeStop(_ row: Row, sessionColumn: String) throws -> ParkingStop {
        ParkingStop(sessionID: try LedgerRows.uuid(row, sessionColumn), endedAt: row["ended_at"], status: row["status"], method: row["method"],
                    amount: row["amount"], fundedBy: row["funded_by"], referenceAmount: row["reference_amount"], details: row["details"])
    }
}

/// What an operator request that posts transfers and records itself in one transaction did.
public enum PostedRecord: Sendable {
    /// Posted and recorded now: the stored answer.
    case recorded(OperationRecord)
    /// An identical earlier request's stored answer; nothing was posted.
    case replay(OperationRecord)
    /// The ledger refused a transfer (its result); nothing was recorded.
    case rejected(TransferResult)
}

/// The business row an operator request records beside its postings.
public enum OperationRow: Sendable {
    /// A recorded ride and its ticket number.
    case tap(TransitTap, ticketNumber: Int64)
    case parkingStop(ParkingStop)
    case pass(SoldPass)
    case feePayment(FeePayment)
}

/// What an operator request records in the transaction of its postings (``GatewayStore/postAndRecord(_:businessDay:_:)``).
public struct OperationWrite: Sendable {
    /// The request's id: where its stored answer goes, and what a retry is recognised by.
    public let id: UUID
    public let requestHash: [UInt8]
    /// The document the request issues, numbered and signed in the transaction; `nil` if it issues none.
    public let document: DocumentDraft?
    /// A gapless counter (`ticket:<operator>:<year>`, `receipt:<operator>:<year>`) numbering the row; with a
    /// document, the document's number is the row's number and the counter is not used.
    public let counter: String?
    /// The row and the stored answer, made once the document and the number are known. Runs on the single
    /// writer inside the transaction: keep it cheap.
    public let rows: @Sendable (_ document: IssuedDocument?, _ number: Int64?) throws -> (row: OperationRow, answer: OperationRecord)

    public init(id: UUID, requestHash: [UInt8], document: DocumentDraft? = nil, counter: String? = nil,
                rows: @escaping @Sendable (_ document: IssuedDocument?, _ number: Int64?) throws -> (row: OperationRow, answer: OperationRecord)) {
        self.id = id
        self.requestHash = requestHash
        self.document = document
        self.counter = counter
        self.rows = rows
    }
}

/// Carries a ``RecordStep``'s outcome from the writer thread to the waiting request; read only after the
/// commit resumed it, so the write happens before the read.
final class StepOutcome<Value: Sendable>: @unchecked Sendable {
    var value: Result<Value, any Error>?
}

/// What pricing a tap reads before posting (``GatewayStore/tapLookup(id:tokenHash:day:route:)``).
public struct TapLookup: Sendable {
    /// The stored answer of an earlier request with the tap's id, if any.
    public let existing: OperationRecord?
    /// The reason of the token's latest deny-list decision if it is `deny`; `nil` if allowed.
    public let denialReason: String?
    /// The token's registered rider category on the tap's day (latest registration wins).
    public let registeredCategory: String?
    /// Whether the token holds a pass valid in the tap's month for its route (all-routes passes have no route).
    public let holdsPass: Bool
}
