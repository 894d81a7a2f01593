import FeeGateCore
import FeeGateInvoicing
import FeeGateStore
import FeeGateTariffs
import Foundation

/// A rider's token as the validator read it. The value is hashed on arrival and never stored or logged.
public struct TokenInput: Codable, Sendable {
    /// `transit_card`, `cccd`, `app_qr` or `bank_card`.
    public let type: String
    public let value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// The tariff data's name for this token type.
    var tariffType: String? {
        ["transit_card": "transit-card", "cccd": "cccd", "app_qr": "qr", "bank_card": "emv"][type]
    }
}

/// A validator tap.
public struct TapRequest: Codable, Sendable {
    public let id: UUID
    public let token: TokenInput
    public let route: String
    public let vehicle: String
    public let validatorID: String
    public let at: Int64

    public init(id: UUID, token: TokenInput, route: String, vehicle: String, validatorID: String, at: Int64) {
        self.id = id
        self.token = token
        self.route = route
        self.vehicle = vehicle
        self.validatorID = validatorID
        self.at = at
    }
}

/// The wire form of a priced tap.
public struct TapView: Codable, Sendable {
    public let id: String
    public let fare: Int64
    public let fundedBy: String
    public let referenceAmount: Int64
    public let category: String
    public let capped: Bool
    public let serviceDay: String
    public let ticket: Ticket

    public struct Ticket: Codable, Sendable {
        public let number: Int64
        public let route: String
        public let vehicle: String
        public let at: String
        /// Shown on 0-VND tickets: who pays ("Vé 0 đồng — … chi trả").
        public let note: String?
    }

    enum CodingKeys: String, CodingKey {
        case id, fare, fundedBy = "funded_by", referenceAmount = "reference_amount", category, capped, serviceDay = "service_day", ticket
    }
}

/// Registration of a free-rider category for a token.
public struct RiderRegistration: Codable, Sendable {
    public let id: UUID
    public let token: TokenInput
    public let category: String
    public let validFrom: String
    public let validTo: String

    public init(id: UUID, token: TokenInput, category: String, validFrom: String, validTo: String) {
        self.id = id
        self.token = token
        self.category = category
        self.validFrom = validFrom
        self.validTo = validTo
    }
}

/// A monthly pass sale.
public struct PassPurchase: Codable, Sendable {
    public let id: UUID
    public let token: TokenInput
    public let product: String
    public let category: String
    public let route: String?
    public let validMonth: String
    public let payment: ParkingPayment

    public init(id: UUID, token: TokenInput, product: String, category: String, route: String?, validMonth: String, payment: ParkingPayment) {
        self.id = id
        self.token = token
        self.product = product
        self.category = category
        self.route = route
        self.validMonth = validMonth
        self.payment = payment
    }
}

extension OperatorServices {
    static let funderNotes = ["city-budget": "Vé 0 đồng — ngân sách thành phố chi trả", "pass": "Vé 0 đồng — vé tháng"]

    /// Prices a tap (deny list, pass, registered category, CCCD age, daily cap), posts it — a 0-VND tap
    /// posts the funder's receivable at the route fare — and issues the ticket.
    public func tap(_ request: TapRequest, operatorCode: String) async throws -> OperationResponse {
        let hash = try Self.requestHash(request)
        let at = HanoiDateTime(epochSeconds: request.at)
        let day = at.localDate.description
        let tokenHash = tokenHash(type: request.token.type, value: request.token.value)
        let lookup = try await store.tapLookup(id: request.id, tokenHash: tokenHash, day: day, route: request.route)
        if let existing = lookup.existing { return try replay(existing, hash: hash) }
        guard let tariffType = request.token.tariffType else {
            throw OperationsError.invalid(field: "token.type", message: "unknown token type '\(request.token.type)'; expected transit_card, cccd, app_qr or bank_card")
        }
        guard !request.token.value.isEmpty, request.token.value.count <= 128 else {
            throw OperationsError.invalid(field: "token.value", message: "token value must be 1–128 characters")
        }
        if let reason = lookup.denialReason { throw OperationsError.denied(reason: reason) }
        let registered = lookup.registeredCategory
        let token = RiderToken(type: tariffType, value: request.token.value)
        func quote(paidToday: Int64?) throws -> Quote {
            do {
                return try tariffs.quoteBus(BusQuoteRequest(route: request.route, at: at, category: registered, token: token, paidToday: paidToday.map { Money($0) }))
            } catch {
                throw OperationsError.tariff(error, field: "route")
            }
        }
        let uncapped = try quote(paidToday: nil)
        let serviceDay = uncapped.serviceDay?.description ?? day
        guard uncapped.dailyCap != nil else {
            return try await record(tap: request, operatorCode: operatorCode, hash: hash, tokenHash: tokenHash, lookup: lookup, quote: uncapped, serviceDay: serviceDay)
        }
        // The fare depends on what the token paid today: two taps of one card must not both read that before either
        // posts (both would be priced under the cap). So a capped token's taps read, price and commit one at a time.
        return try await cappedTaps.run(tokenHash) {
            let q = try quote(paidToday: try await store.paidToday(tokenHash: tokenHash, serviceDay: serviceDay))
            return try await record(tap: request, operatorCode: operatorCode, hash: hash, tokenHash: tokenHash, lookup: lookup, quote: q, serviceDay: serviceDay)
        }
    }

    /// Posts a priced tap and records it with its ticket (one transaction, one fsync).
    private func record(tap request: TapRequest, operatorCode: String, hash: [UInt8], tokenHash: [UInt8], lookup: TapLookup, quote q: Quote,
                        serviceDay: String) async throws -> OperationResponse {
        var fare = q.amount.vnd, fundedBy = q.fundedBy, category = q.category
        if fare > 0, lookup.holdsPass {
            fare = 0
            fundedBy = "pass"
            category = "pass-holder"
        }
        let reference = "tap:\(request.id.lowercasedString)"
        let plan = fare > 0
            ? Postings.customerSale(event: request.id, operatorCode: operatorCode, channel: request.token.type, price: Money(fare), rate: q.vatRate,
                                    code: .busFare, reference: reference)
            : Postings.fundedSale(event: request.id, operatorCode: operatorCode, funder: fundedBy, referenceAmount: fundedBy == "pass" ? .zero : q.referenceAmount,
                                  rate: q.vatRate, code: .busFare, reference: reference)
        let dated = plan.on(eventTime: request.at)
        let ride = TransitTap(id: request.id, operatorCode: operatorCode, tokenType: request.token.type, tokenHash: tokenHash, route: request.route,
                              vehicle: request.vehicle, validatorID: request.validatorID, at: request.at, serviceDay: serviceDay, fare: fare,
                              fundedBy: fundedBy, referenceAmount: q.referenceAmount.vnd, category: category, capped: q.capped)
        // The fare's transfers, the tap and its ticket commit together (one transaction, one fsync).
        return try await record(dated, GatewayStore.tapWrite(tap: ride, requestHash: hash) { tap, number in
            let view = TapView(id: tap.id.lowercasedString, fare: tap.fare, fundedBy: tap.fundedBy, referenceAmount: tap.referenceAmount,
                               category: tap.category, capped: tap.capped, serviceDay: tap.serviceDay,
                               ticket: .init(number: number, route: tap.route, vehicle: tap.vehicle, at: Self.at(tap.at),
                                             note: tap.fare == 0 ? Self.funderNotes[tap.fundedBy] ?? "Vé 0 đồng — \(tap.fundedBy) chi trả" : nil))
            return OperationRecord(id: tap.id, kind: "transit.tap", operatorCode: tap.operatorCode, requestHash: hash, status: 201,
                                   response: (try? Self.json(view)) ?? "{}")
        })
    }

    /// Prices and posts an offline upload's taps, each with its own outcome, returned in upload order.
    ///
    /// Taps of one token run one after another in upload order (its daily cap, pass and deny-list state depend on
    /// what came before); different tokens run side by side, at most `lanes` at a time, so their postings share group
    /// commits instead of paying one `fsync` each. Ticket numbers stay gapless and unique but follow commit order
    /// across tokens. An id that appears under two tokens makes the whole upload run strictly in order, so which
    /// copy is recorded and which conflicts does not depend on timing.
    public func taps(_ requests: [TapRequest], operatorCode: String, lanes: Int = 32) async -> [Result<OperationResponse, any Error>] {
        var lanesByToken: [String: [Int]] = [:]
        var order: [String] = []
        var tokenOfID: [UUID: String] = [:]
        var strictlyInOrder = false
        for (index, request) in requests.enumerated() {
            let token = "\(request.token.type)\u{0}\(request.token.value)"
            if let seen = tokenOfID.updateValue(token, forKey: request.id), seen != token { strictlyInOrder = true }
            if lanesByToken[token] == nil { order.append(token) }
            lanesByToken[token, default: []].append(index)
        }
        let work = strictlyInOrder ? [Array(requests.indices)] : order.map { lanesByToken[$0]! }
        var results = [Result<OperationResponse, any Error>?](repeating: nil, count: requests.count)
        await withTaskGroup(of: [(Int, Result<OperationResponse, any Error>)].self) { group in
            var running = 0
            for indices in work {
                if running >= max(1, lanes), let done = await group.next() {
                    for (index, result) in done { results[index] = result }
                    running -= 1
                }
                group.addTask {
                    var out: [(Int, Result<OperationResponse, any Error>)] = []
                    for index in indices {
                        do {
                            out.append((index, .success(try await self.tap(requests[index], operatorCode: operatorCode))))
                        } catch {
                            out.append((index, .failure(error)))
                        }
                    }
                    return out
                }
                running += 1
            }
            for await done in group {
                for (index, result) in done { results[index] = result }
            }
        }
        return results.map { $0! }
    }

    /// Registers a free-rider category (pupils, disabilities …) for a token over a date range.
    public func registerRider(_ request: RiderRegistration, operatorCode: String) async throws -> OperationResponse {
        let hash = try Self.requestHash(request)
        if let replay = try await replay(request.id, hash: hash) { return replay }
        guard let tariffType = request.token.tariffType else {
            throw OperationsError.invalid(field: "token.type", message: "unknown token type '\(request.token.type)'")
        }
        guard let from = LocalDate(iso: request.validFrom), let to = LocalDate(iso: request.validTo), from <= to else {
            throw OperationsError.invalid(field: "valid_from", message: "valid_from and valid_to must be dates YYYY-MM-DD with valid_from ≤ valid_to")
        }
        // The category must exist in the rider-category tariff in force at the start of the registration.
        do {
            let anyRoute = tariffs.busRouteIDs().first ?? ""
            _ = try tariffs.quoteBus(BusQuoteRequest(route: anyRoute, at: from.startInstant.adding(seconds: 12 * 3600), category: request.category,
                                                     token: RiderToken(type: tariffType, value: request.token.value)))
        } catch {
            throw OperationsError.tariff(error, field: "category")
        }
        let body = try Self.json(["id": request.id.lowercasedString, "category": request.category, "valid_from": request.validFrom,
                                  "valid_to": request.validTo, "token_type": request.token.type])
        let operation = OperationRecord(id: request.id, kind: "transit.rider", operatorCode: operatorCode, requestHash: hash, status: 201, response: body)
        let outcome = try await store.registerRider(id: request.id, tokenType: request.token.type,
                                                    tokenHash: tokenHash(type: request.token.type, value: request.token.value),
                                                    category: request.category, validFrom: request.validFrom, validTo: request.validTo, operation: operation)
        return response(outcome, status: 201, body: body)
    }

    /// Sells a monthly pass; taps by the token in that month (on that route, or any route) then cost 0.
    public func buyPass(_ request: PassPurchase, operatorCode: String) async throws -> OperationResponse {
        let hash = try Self.requestHash(request)
        if let replay = try await replay(request.id, hash: hash) { return replay }
        guard request.token.tariffType != nil else { throw OperationsError.invalid(field: "token.type", message: "unknown token type '\(request.token.type)'") }
        guard let first = LocalDate(iso: request.validMonth + "-01"), request.validMonth.count == 7 else {
            throw OperationsError.invalid(field: "valid_month", message: "valid_month must be YYYY-MM")
        }
        if request.product == "one-route" && request.route == nil {
            throw OperationsError.invalid(field: "route", message: "a one-route pass needs the route")
        }
        let quote: Quote
        do {
            quote = try tariffs.quotePass(PassQuoteRequest(product: request.product, category: request.category, at: first.startInstant.adding(seconds: 12 * 3600)))
        } catch {
            throw OperationsError.tariff(error, field: "product")
        }
        guard ["card", "account"].contains(request.payment.method), request.payment.authorization?.isEmpty == false else {
            throw OperationsError.invalid(field: "payment", message: "a pass is paid by card or account with the external authorization reference")
        }
        let plan = Postings.customerSale(event: request.id, operatorCode: operatorCode, channel: request.payment.method, price: quote.amount,
                                         rate: quote.vatRate, code: .passSale, reference: "pass:\(request.id.lowercasedString)")
        let draft = try documents?.draft(
            .init(source: "pass:\(request.id.lowercasedString)", event: request.id, operatorCode: operatorCode, at: now(),
                  lineName: "Vé tháng xe buýt \(request.product == "one-route" ? "tuyến \(request.route ?? "")" : "liên tuyến") \(request.validMonth)",
                  price: quote.amount, rate: quote.vatRate, paymentMethod: request.payment.method, funder: nil),
            kind: .eTicket)
        let route = request.product == "one-route" ? request.route : nil
        let pass = SoldPass(id: request.id, operatorCode: operatorCode, tokenType: request.token.type,
                            tokenHash: tokenHash(type: request.token.type, value: request.token.value), product: request.product,
                            category: request.category, route: route, validMonth: request.validMonth, amount: quote.amount.vnd)
        let summary = QuoteSummary(quote)
        // The sale, its e-ticket, the pass and the stored answer commit together.
        return try await record(plan, OperationWrite(id: request.id, requestHash: hash, document: draft) { document, _ in
            let body = try Self.json(PassView(id: request.id.lowercasedString, product: request.product, category: request.category, route: route,
                                              validMonth: request.validMonth, quote: summary, document: document.map(DocumentReference.init)))
            return (.pass(pass), OperationRecord(id: request.id, kind: "transit.pass", operatorCode: operatorCode, requestHash: hash, status: 201, response: body))
        })
    }

    /// Puts a token on the deny list (unpaid debt, reported lost) or lifts it.
    public func decideDenyList(token: TokenInput, deny: Bool, reason: String) async throws {
        guard token.tariffType != nil else { throw OperationsError.invalid(field: "token.type", message: "unknown token type '\(token.type)'") }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw OperationsError.invalid(field: "reason", message: "a reason is required") }
        try await store.recordDenyListDecision(tokenType: token.type, tokenHash: tokenHash(type: token.type, value: token.value), deny: deny, reason: reason)
    }
}

/// The wire form of a sold pass.
struct PassView: Codable {
    let id: String
    let product: String
    let category: String
    let route: String?
    let validMonth: String
    let quote: QuoteSummary
    let document: DocumentReference?

    enum CodingKeys: String, CodingKey { case id, product, category, route, validMonth = "valid_month", quote, document }
}

extension TariffEngine {
    /// Route ids of the bus tariff (used to validate a category against the rider tariff).
    func busRouteIDs() -> [String] {
        TariffListing(catalog: catalog).busRoutes.map(\.id)
    }
}
