import FeeGateCore
import FeeGateInvoicing
import FeeGateStore
import FeeGateTariffs
import Foundation

/// Starting a parking session.
public struct StartParking: Codable, Sendable {
    public let id: UUID
    public let zone: String
    public let plate: String
    public let vehicle: String
    public let startedAt: Int64
    public let source: String
    public let deviceID: String?

    public init(id: UUID, zone: String, plate: String, vehicle: String, startedAt: Int64, source: String, deviceID: String?) {
        self.id = id
        self.zone = zone
        self.plate = plate
        self.vehicle = vehicle
        self.startedAt = startedAt
        self.source = source
        self.deviceID = deviceID
    }
}

/// How a stopped session is paid.
public struct ParkingPayment: Codable, Sendable {
    /// `qr`, `card`, `account` or `exempt`.
    public let method: String
    /// The external authorization reference of a card or account payment.
    public let authorization: String?
    /// Why an exempt session is free.
    public let reason: String?
    /// Who pays an exempt session (default `city-budget`).
    public let funder: String?

    public init(method: String, authorization: String? = nil, reason: String? = nil, funder: String? = nil) {
        self.method = method
        self.authorization = authorization
        self.reason = reason
        self.funder = funder
    }
}

/// Stopping a parking session.
public struct StopParking: Codable, Sendable {
    public let sessionID: UUID
    public let endedAt: Int64
    public let payment: ParkingPayment

    public init(sessionID: UUID, endedAt: Int64, payment: ParkingPayment) {
        self.sessionID = sessionID
        self.endedAt = endedAt
        self.payment = payment
    }
}

/// The wire form of a parking session.
public struct ParkingSessionView: Codable, Sendable {
    public let id: String
    public let `operator`: String
    public private(set) var status: String
    public let zone: String
    public let plate: String
    public let vehicle: String
    public let source: String
    public let deviceID: String?
    public let startedAt: String
    public let endedAt: String?
    public let quote: QuoteSummary?
    public private(set) var payment: PaymentView?
    /// The e-invoice (paid) or 0-VND e-ticket (exempt); `null` while unpaid or where the operator issues no documents here.
    public private(set) var document: DocumentReference?

    public struct PaymentView: Codable, Sendable {
        public let method: String
        public let status: String
        public let authorization: String?
        public let exemptionReason: String?
        public let intent: IssuedPaymentIntent?

        enum CodingKeys: String, CodingKey { case method, status, authorization, exemptionReason = "exemption_reason", intent }
    }

    enum CodingKeys: String, CodingKey {
        case id, `operator`, status, zone, plate, vehicle, source, deviceID = "device_id", startedAt = "started_at", endedAt = "ended_at"
        case quote, payment, document
    }

    /// This view after its QR payment completed.
    func paid(document: DocumentReference?) -> ParkingSessionView {
        var copy = self
        copy.status = "paid"
        copy.document = document
        copy.payment = payment.map { PaymentView(method: $0.method, status: "paid", authorization: $0.authorization, exemptionReason: $0.exemptionReason, intent: $0.intent) }
        return copy
    }

    init(_ s: ParkingSession, stop: ParkingStop?) {
        id = s.id.lowercasedString
        self.operator = s.operatorCode
        zone = s.zone
        plate = s.plate
        vehicle = s.vehicle
        source = s.source
        deviceID = s.deviceID
        startedAt = OperatorServices.at(s.startedAt)
        guard let stop, let details = try? JSONDecoder().decode(StopDetails.self, from: Data(stop.details.utf8)) else {
            status = "active"
            document = nil
            endedAt = nil
            quote = nil
            payment = nil
            return
        }
        status = stop.status
        document = details.document
        endedAt = OperatorServices.at(stop.endedAt)
        quote = details.quote
        payment = PaymentView(method: stop.method, status: stop.status, authorization: details.authorization, exemptionReason: details.reason,
                              intent: details.intent)
    }
}

/// What a stop keeps beside its columns.
struct StopDetails: Codable {
    let quote: QuoteSummary
    let authorization: String?
    let reason: String?
    let intent: IssuedPaymentIntent?
    let document: DocumentReference?
}

extension OperatorServices {
    static let parkingSources: Set<String> = ["meter", "app", "attendant", "camera"]

    /// Starts a session: 201 with the session, 409 if the plate already parks in the zone.
    public func startParking(_ request: StartParking, operatorCode: String) async throws -> OperationResponse {
        let hash = try Self.requestHash(request)
        if let replay = try await replay(request.id, hash: hash) { return replay }
        guard let vehicle = Vehicle(rawValue: request.vehicle) else {
            throw OperationsError.invalid(field: "vehicle", message: "unknown vehicle '\(request.vehicle)'; expected bicycle, motorbike or car")
        }
        guard Self.parkingSources.contains(request.source) else {
            throw OperationsError.invalid(field: "source", message: "unknown source '\(request.source)'; expected meter, app, attendant or camera")
        }
        let plate = ParkingSession.normalise(plate: request.plate)
        guard (4...12).contains(plate.count) else {
            throw OperationsError.invalid(field: "plate", message: "'\(request.plate)' is not a Vietnamese plate (4–12 letters and digits)")
        }
        // Pricing one minute of the stay proves the zone exists and has a tariff in force at the start.
        let start = HanoiDateTime(epochSeconds: request.startedAt)
        do {
            _ = try tariffs.quoteParking(ParkingQuoteRequest(zone: request.zone, vehicle: vehicle, from: start, to: start.adding(seconds: 60)))
        } catch {
            throw OperationsError.tariff(error, field: "zone")
        }
        let session = ParkingSession(id: request.id, operatorCode: operatorCode, zone: request.zone, plate: plate, vehicle: vehicle.rawValue,
                                     startedAt: request.startedAt, source: request.source, deviceID: request.deviceID)
        let body = try Self.json(ParkingSessionView(session, stop: nil))
        let operation = OperationRecord(id: request.id, kind: "parking.start", operatorCode: operatorCode, requestHash: hash, status: 201, response: body)
        do {
            return response(try await store.startParkingSession(session, operation: operation), status: 201, body: body)
        } catch let StoreError.conflict(message) {
            throw OperationsError.conflict(message)
        }
    }

    /// Stops a session: prices it, settles the payment in the ledger, records the stop (once).
    public func stopParking(_ request: StopParking, operatorCode: String) async throws -> OperationResponse {
        let hash = try Self.requestHash(request)
        let operationID = DerivedID.make(namespace: "operation", parts: ["parking.stop", request.sessionID.lowercasedString])
        let conflict = "session \(request.sessionID.lowercasedString) was already stopped with a different ended_at or payment"
        if let replay = try await replay(operationID, hash: hash, conflict: conflict) { return replay }
        guard let (session, stop) = try await store.parkingSession(id: request.sessionID), session.operatorCode == operatorCode else {
            throw OperationsError.notFound("parking session \(request.sessionID.lowercasedString) not found")
        }
        if stop != nil {
            // An identical request that committed since the first check answers with its stored response.
            if let replay = try await replay(operationID, hash: hash, conflict: conflict) { return replay }
            throw OperationsError.conflict("session \(session.id.lowercasedString) is already stopped")
        }
        guard request.endedAt > session.startedAt else {
            throw OperationsError.invalid(field: "ended_at", message: "ended_at \(Self.at(request.endedAt)) is not after started_at \(Self.at(session.startedAt))")
        }
        guard let vehicle = Vehicle(rawValue: session.vehicle) else { throw OperationsError.conflict("stored vehicle '\(session.vehicle)' is unknown") }
        let quote: Quote
        do {
            quote = try tariffs.quoteParking(ParkingQuoteRequest(zone: session.zone, vehicle: vehicle, from: HanoiDateTime(epochSeconds: session.startedAt),
                                                                 to: HanoiDateTime(epochSeconds: request.endedAt)))
        } catch {
            throw OperationsError.tariff(error, field: "ended_at")
        }
        let reference = "parking:\(session.id.lowercasedString)"
        let payment = request.payment
        var status = "paid", amount = quote.amount.vnd, fundedBy = "customer"
        var intent: IssuedPaymentIntent?
        let plan: Postings.Plan?
        switch payment.method {
        case "card", "account":
            guard let authorization = payment.authorization, !authorization.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OperationsError.invalid(field: "payment.authorization", message: "a \(payment.method) payment needs the external authorization reference")
            }
            plan = Postings.customerSale(event: session.id, operatorCode: operatorCode, channel: payment.method, price: quote.amount,
                                         rate: quote.vatRate, code: .parkingFee, reference: reference).on(eventTime: request.endedAt)
        case "exempt":
            guard let reason = payment.reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OperationsError.invalid(field: "payment.reason", message: "an exempt stop needs the exemption reason")
            }
            let funder = payment.funder ?? "city-budget"
            plan = Postings.fundedSale(event: session.id, operatorCode: operatorCode, funder: funder, referenceAmount: quote.amount,
                                       rate: quote.vatRate, code: .parkingFee, reference: reference).on(eventTime: request.endedAt)
            status = "exempt"
            amount = 0
            fundedBy = funder
        case "qr":
            guard let payments else { throw OperationsError.unavailable("bank QR payments are not configured on this gateway (see README, Payments)") }
            // The intent holds no money yet: its payment posts when the bank notifies, and its invoice is issued then.
            // A retry after the first attempt made the intent but failed to record the stop keeps that intent's expiry,
            // so the intent service sees the same request (not a conflicting one) and returns the same intent.
            let expiresAt = try await store.paymentIntent(id: session.id).map { $0.intent.expiresAt / 1_000_000_000 } ?? now() + 15 * 60
            intent = try await payments.issueIntent(
                id: session.id, operatorCode: operatorCode, amount: quote.amount, vatRate: quote.vatRate, code: .parkingFee,
                purpose: "Phi gui xe \(session.plate)", expiresAt: expiresAt)
            status = "awaiting_payment"
            plan = nil
        default:
            throw OperationsError.invalid(field: "payment.method", message: "unknown payment method '\(payment.method)'; expected qr, card, account or exempt")
        }
        var draft: DocumentDraft?
        if status != "awaiting_payment", let documents {
            let vehicleName = ["car": "ô tô", "motorbike": "xe máy", "bicycle": "xe đạp"][session.vehicle] ?? session.vehicle
            draft = try documents.draft(
                .init(source: reference, event: session.id, operatorCode: operatorCode, at: request.endedAt,
                      lineName: "Dịch vụ trông giữ \(vehicleName) \(session.plate), \(session.zone), \(Self.at(session.startedAt)) – \(Self.at(request.endedAt))",
                      price: status == "exempt" ? .zero : quote.amount, rate: quote.vatRate, paymentMethod: payment.method,
                      funder: status == "exempt" ? fundedBy : nil),
                kind: status == "exempt" ? .eTicket : .cashRegisterInvoice)
        }
        let summary = QuoteSummary(quote), referenceAmount = quote.referenceAmount.vnd
        let (finalStatus, finalAmount, finalFunder, finalIntent) = (status, amount, fundedBy, intent)
        // The sale's postings, the invoice (numbered and signed), the stop and the stored answer commit together.
        return try await record(plan, OperationWrite(id: operationID, requestHash: hash, document: draft) { document, _ in
            let details = StopDetails(quote: summary, authorization: payment.authorization, reason: payment.reason, intent: finalIntent,
                                      document: document.map(DocumentReference.init))
            let stop = ParkingStop(sessionID: session.id, endedAt: request.endedAt, status: finalStatus, method: payment.method, amount: finalAmount,
                                   fundedBy: finalFunder, referenceAmount: referenceAmount, details: try Self.json(details))
            let body = try Self.json(ParkingSessionView(session, stop: stop))
            return (.parkingStop(stop), OperationRecord(id: operationID, kind: "parking.stop", operatorCode: operatorCode, requestHash: hash, status: 200,
                                                        response: body))
        })
    }

    /// One session of this operator.
    public func parkingSession(id: UUID, operatorCode: String?) async throws -> ParkingSessionView {
        guard let (session, stop) = try await store.parkingSession(id: id), operatorCode == nil || session.operatorCode == operatorCode else {
            throw OperationsError.notFound("parking session \(id.lowercasedString) not found")
        }
        return try await settled(ParkingSessionView(session, stop: stop))
    }

    /// A stop that awaited a QR payment shows the intent's outcome (its rows are never rewritten):
    /// `paid` with its invoice once the intent is fully paid.
    func settled(_ view: ParkingSessionView) async throws -> ParkingSessionView {
        guard view.status == "awaiting_payment", let id = UUID(text: view.id), let record = try await store.paymentIntent(id: id),
            record.state.isFullyPaid
        else { return view }
        let document = try await store.document(id: DerivedID.make(namespace: "document", parts: ["parking:\(view.id)"]))
        return view.paid(document: document.map(DocumentReference.init))
    }

    /// Called when the QR intent of a parking stop is fully paid (its id is the session id): issues the
    /// invoice. Idempotent: the document id derives from the session.
    public func parkingIntentPaid(sessionID: UUID, price: Money, rate: VATRate) async throws {
        guard let documents, let (session, stop) = try await store.parkingSession(id: sessionID), let stop, stop.status == "awaiting_payment" else { return }
        _ = try await documents.issue(
            .init(source: "parking:\(session.id.lowercasedString)", event: session.id, operatorCode: session.operatorCode, at: stop.endedAt,
                  lineName: "Dịch vụ trông giữ xe \(session.plate), \(session.zone), \(Self.at(session.startedAt)) – \(Self.at(stop.endedAt))",
                  price: price, rate: rate, paymentMethod: "qr", funder: nil),
            kind: .cashRegisterInvoice)
    }

    /// Issues the invoices of QR-paid stops whose invoice step did not complete after their payment (a crash between
    /// the payment's commit and the invoice, a signing fault since mended): stops of the last `days` days, at most
    /// `limit` per call. Run periodically by the server; idempotent (one document per session). Returns how many.
    public func invoicePaidQRStops(days: Int64 = 7, limit: Int = 100) async throws -> Int {
        guard let documents else { return 0 }
        let since = (now() - days * VietnamCalendar.secondsPerDay) * 1_000_000_000
        let due = try await store.paidQRStopsWithoutDocument(operatorCodes: documents.profiles.keys.sorted(), since: since, limit: limit)
        for stop in due { try await parkingIntentPaid(sessionID: stop.sessionID, price: Money(stop.amount), rate: stop.rate) }
        return due.count
    }

    /// A page of sessions; the cursor is the last (started_at, id) seen.
    public func parkingSessions(operatorCode: String, status: String?, from: Int64?, to: Int64?, after: (Int64, UUID)?, limit: Int)
        async throws -> (items: [ParkingSessionView], last: (Int64, UUID)?)
    {
        let rows = try await store.parkingSessions(operatorCode: operatorCode, status: status, from: from, to: to,
                                                   after: after.map { (startedAt: $0.0, id: $0.1) }, limit: limit)
        let last = rows.count == limit ? rows.last.map { ($0.session.startedAt, $0.session.id) } : nil
        var items: [ParkingSessionView] = []
        for row in rows { items.append(try await settled(ParkingSessionView(row.session, stop: row.stop))) }
        return (items, last)
    }
}
