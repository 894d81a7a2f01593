import Foundation

/// The stored outcome of a money-moving request: replayed verbatim when the same id comes again
/// with the same body (TigerBeetle-style idempotency for the operator API).
public struct OperationRecord: Sendable, Hashable {
    public let id: UUID
    /// `parking.start`, `parking.stop`, `transit.tap`, `transit.pass`, `transit.rider`, `fee.payment`.
    public let kind: String
    public let operatorCode: String
    /// SHA-256 of the request's canonical JSON.
    public let requestHash: [UInt8]
    /// The HTTP status of the original response.
    public let status: Int
    /// The original response body (JSON).
    public let response: String

    public init(id: UUID, kind: String, operatorCode: String, requestHash: [UInt8], status: Int, response: String) {
        self.id = id
        self.kind = kind
        self.operatorCode = operatorCode
        self.requestHash = requestHash
        self.status = status
        self.response = response
    }
}

/// Whether a write happened now or an earlier identical request is being replayed.
public enum RecordOutcome: Sendable, Hashable {
    case recorded
    case replay(OperationRecord)
}

/// A parking stay as started by a meter, app, attendant handheld or camera.
public struct ParkingSession: Sendable, Hashable {
    public let id: UUID
    public let operatorCode: String
    public let zone: String
    /// Normalised plate: upper-case letters and digits only (`29A-123.45` → `29A12345`).
    public let plate: String
    public let vehicle: String
    /// Unix seconds.
    public let startedAt: Int64
    public let source: String
    public let deviceID: String?

    public init(id: UUID, operatorCode: String, zone: String, plate: String, vehicle: String, startedAt: Int64, source: String, deviceID: String?) {
        self.id = id
        self.operatorCode = operatorCode
        self.zone = zone
        self.plate = plate
        self.vehicle = vehicle
        self.startedAt = startedAt
        self.source = source
        self.deviceID = deviceID
    }

    /// Plates are compared without separators or case, as attendants and cameras write them differently.
    public static func normalise(plate: String) -> String {
        String(plate.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }
}

/// The end of a parking stay and how it was settled.
public struct ParkingStop: Sendable, Hashable {
    public let sessionID: UUID
    /// Unix seconds.
    public let endedAt: Int64
    /// `paid`, `exempt` or `awaiting_payment` (QR).
    public let status: String
    public let method: String
    public let amount: Int64
    public let fundedBy: String
    public let referenceAmount: Int64
    /// JSON with the quote, payment details and references (for display and audit).
    public let details: String

    public init(sessionID: UUID, endedAt: Int64, status: String, method: String, amount: Int64, fundedBy: String, referenceAmount: Int64, details: String) {
        self.sessionID = sessionID
        self.endedAt = endedAt
        self.status = status
        self.method = method
        self.amount = amount
        self.fundedBy = fundedBy
        self.referenceAmount = referenceAmount
        self.details = details
    }
}

/// A bus validator tap, priced and posted.
public struct TransitTap: Sendable, Hashable {
    public let id: UUID
    public let operatorCode: String
    public let tokenType: String
    /// Keyed hash (HMAC-SHA256) of the token value; the value itself is never stored.
    public let tokenHash: [UInt8]
    public let route: String
    public let vehicle: String
    public let validatorID: String
    public let at: Int64
    /// The fare day (`YYYY-MM-DD`) the tap counts towards for daily caps.
    public let serviceDay: String
    public let fare: Int64
    public let fundedBy: String
    public let referenceAmount: Int64
    public let category: String
    public let capped: Bool

    public init(
        id: UUID, operatorCode: String, tokenType: String, tokenHash: [UInt8], route: String, vehicle: String, validatorID: String, at: Int64,
        serviceDay: String, fare: Int64, fundedBy: String, referenceAmount: Int64, category: String, capped: Bool
    ) {
        self.id = id
        self.operatorCode = operatorCode
        self.tokenType = tokenType
        self.tokenHash = tokenHash
        self.route = route
        self.vehicle = vehicle
        self.validatorID = validatorID
        self.at = at
        self.serviceDay = serviceDay
        self.fare = fare
        self.fundedBy = fundedBy
        self.referenceAmount = referenceAmount
        self.category = category
        self.capped = capped
    }
}

/// What a device's uploaded sequence numbers show.
public struct DeviceReport: Sendable, Hashable {
    public let deviceID: String
    public let received: Int
    public let lastSeq: Int64?
    /// Missing sequence ranges, inclusive: an attendant cannot silently drop a session.
    public let gaps: [ClosedRange<Int64>]

    public init(deviceID: String, received: Int, lastSeq: Int64?, gaps: [ClosedRange<Int64>]) {
        self.deviceID = deviceID
        self.received = received
        self.lastSeq = lastSeq
        self.gaps = gaps
    }

    /// Gaps in the sorted sequence numbers `seqs`, counting from 1.
    public static func gaps(in seqs: [Int64]) -> [ClosedRange<Int64>] {
        var gaps: [ClosedRange<Int64>] = []
        var expected: Int64 = 1
        for seq in seqs {
            if seq > expected { gaps.append(expected...(seq - 1)) }
            expected = max(expected, seq + 1)
        }
        return gaps
    }
}

/// An issued document (e-invoice, e-ticket, fee e-receipt) as stored.
public struct IssuedDocument: Sendable, Hashable {
    public let seq: Int64
    public let id: UUID
    public let operatorCode: String
    /// `cash_register_invoice`, `e_ticket` or `fee_receipt`.
    public let kind: String
    public let template: String
    public let series: String
    public let year: Int
    public let number: Int64
    /// The 23-character MTT code (`M1-26-K7Q2M-00000000001`), for cash-register documents.
    public let authorityCode: String?
    /// The business event it documents (`parking:<id>`, `fee:<id>`, `pass:<id>`).
    public let source: String
    /// Unix seconds.
    public let issuedAt: Int64
    public let total: Int64
    public let vat: Int64
    /// The signed XML, exactly as issued.
    public let xml: [UInt8]
    /// Its per-rate amounts as recorded at issue (`RateSummary.storageText`), so a closing need not parse the XML;
    /// `nil` for documents issued before they were recorded (migration 0008): read them from the XML.
    public let rates: String?

    public init(seq: Int64, id: UUID, operatorCode: String, kind: String, template: String, series: String, year: Int, number: Int64,
                authorityCode: String?, source: String, issuedAt: Int64, total: Int64, vat: Int64, xml: [UInt8], rates: String? = nil) {
        self.rates = rates
        self.seq = seq
        self.id = id
        self.operatorCode = operatorCode
        self.kind = kind
        self.template = template
        self.series = series
        self.year = year
        self.number = number
        self.authorityCode = authorityCode
        self.source = source
        self.issuedAt = issuedAt
        self.total = total
        self.vat = vat
        self.xml = xml
    }
}

/// What the document renderer produces once it knows its number (and MTT counter).
public struct RenderedDocument: Sendable {
    public let xml: [UInt8]
    public let authorityCode: String?
    public let total: Int64
    public let vat: Int64
    /// The per-rate amounts of the document (`RateSummary.storageText`; empty for fee receipts), or `nil` if unknown.
    public let rates: String?

    public init(xml: [UInt8], authorityCode: String?, total: Int64, vat: Int64, rates: String? = nil) {
        self.rates = rates
        self.xml = xml
        self.authorityCode = authorityCode
        self.total = total
        self.vat = vat
    }
}

/// A document to number, render, sign and append to the document chain, inside the transaction that records
/// what it documents (or in one of its own). Its id derives from the business event, so it is issued once.
public struct DocumentDraft: Sendable {
    public let id: UUID
    public let operatorCode: String
    public let kind: String
    public let template: String
    public let series: String
    public let year: Int
    /// The business event it documents (`parking:<session>`, `pass:<id>`, `fee:<id>` …): one document per source.
    public let source: String
    public let issuedAt: Int64
    /// Whether it takes the next value of the operator's MTT counter (cash-register invoices and e-tickets).
    public let usesAuthorityCounter: Bool
    /// Renders and signs the document once its number (and MTT counter) are known. It runs inside the single
    /// writer's transaction: it must not wait on anything but the CPU.
    public let render: @Sendable (_ number: Int64, _ authorityCounter: Int64?) throws -> RenderedDocument

    public init(id: UUID, operatorCode: String, kind: String, template: String, series: String, year: Int, source: String, issuedAt: Int64,
                usesAuthorityCounter: Bool, render: @escaping @Sendable (_ number: Int64, _ authorityCounter: Int64?) throws -> RenderedDocument) {
        self.id = id
        self.operatorCode = operatorCode
        self.kind = kind
        self.template = template
        self.series = series
        self.year = year
        self.source = source
        self.issuedAt = issuedAt
        self.usesAuthorityCounter = usesAuthorityCounter
        self.render = render
    }
}

/// A sold monthly bus pass (the `transit_pass` row).
public struct SoldPass: Sendable, Hashable {
    public let id: UUID
    public let operatorCode: String
    public let tokenType: String
    /// Keyed hash of the token value; the value itself is never stored.
    public let tokenHash: [UInt8]
    public let product: String
    public let category: String
    /// `nil` for an all-routes pass.
    public let route: String?
    /// `YYYY-MM`.
    public let validMonth: String
    public let amount: Int64

    public init(id: UUID, operatorCode: String, tokenType: String, tokenHash: [UInt8], product: String, category: String, route: String?,
                validMonth: String, amount: Int64) {
        self.id = id
        self.operatorCode = operatorCode
        self.tokenType = tokenType
        self.tokenHash = tokenHash
        self.product = product
        self.category = category
        self.route = route
        self.validMonth = validMonth
        self.amount = amount
    }
}

/// A collected public fee (the `fee_payment` row).
public struct FeePayment: Sendable, Hashable {
    public let id: UUID
    public let operatorCode: String
    public let feeCode: String
    public let payerName: String
    /// Keyed hash of the payer's ID number, when given; the number itself is never stored.
    public let payerIDHash: [UInt8]?
    public let amount: Int64
    /// The e-receipt's number, or the operator's plain receipt counter where it issues no documents.
    public let receiptNumber: Int64

    public init(id: UUID, operatorCode: String, feeCode: String, payerName: String, payerIDHash: [UInt8]?, amount: Int64, receiptNumber: Int64) {
        self.id = id
        self.operatorCode = operatorCode
        self.feeCode = feeCode
        self.payerName = payerName
        self.payerIDHash = payerIDHash
        self.amount = amount
        self.receiptNumber = receiptNumber
    }
}
