import FeeGateCore
import FeeGateCrypto
import FeeGateOperations
import FeeGateStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Issued documents: metadata as JSON and the signed XML verbatim. Operators see their own; the tax
/// office, finance and admin see all.
struct DocumentsController {
    let store: GatewayStore
    var closings: DailyClosings? = nil
    var exporter: TaxExporter? = nil
    var issuer: DocumentIssuer? = nil

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("invoices/:id/replace", use: replace)
        group.post("transit/taps/:id/invoice", use: invoiceRide)
        group.get("invoices/:id", use: metadata)
        group.get("invoices/:id/xml", use: xml)
        group.get("tax/documents", use: feed)
        group.get("tax/closings", use: listClosings)
        group.post("tax/closings", use: close)
        group.get("tax/exports", use: export)
    }

    struct ClosingView: Encodable {
        struct Batch: Encodable {
            let messageID: String, template: String, series: String, documents: Int64, late: Int64, xmlSHA256: String
            enum CodingKeys: String, CodingKey { case messageID = "message_id", template, series, documents, late, xmlSHA256 = "xml_sha256" }
        }

        let `operator`: String, date: String, number: Int64, documents: Int64, lateDocuments: Int64, total: Int64, vat: Int64, cumulative: Int64
        let hash: String, prevHash: String, batches: [Batch], xml: String

        enum CodingKeys: String, CodingKey {
            case `operator`, date, number, documents, lateDocuments = "late_documents", total, vat, cumulative, hash, prevHash = "prev_hash", batches, xml
        }
    }

    struct ClosingList: Encodable { let items: [ClosingView] }

    struct CloseRequest: Decodable, Sendable {
        let date: String
        let `operator`: String?
    }

    private static func day(_ text: String?) throws -> BusinessDay {
        guard let text else {
            throw Problem(status: .unprocessableContent, code: "missing_field", detail: "date (YYYY-MM-DD, Hanoi time) is required",
                          errors: [.init(pointer: "/date", detail: "required")])
        }
        guard let day = BusinessDay(text) else {
            throw Problem(status: .unprocessableContent, code: "invalid_field", detail: "date '\(text)' is not a calendar date YYYY-MM-DD",
                          errors: [.init(pointer: "/date", detail: "YYYY-MM-DD")])
        }
        return day
    }

    private func views(_ list: [StoredClosing]) async throws -> ClosingList {
        var items: [ClosingView] = []
        for c in list {
            let batches = try await store.taxBatches(closingSeq: c.seq).map {
                ClosingView.Batch(messageID: $0.messageID, template: $0.template, series: $0.series, documents: $0.documentCount, late: $0.lateCount,
                                  xmlSHA256: Hex.encode($0.hash))
            }
            items.append(ClosingView(
                operator: c.operatorCode, date: c.day.description, number: c.number, documents: c.documentCount, lateDocuments: c.lateCount, total: c.total,
                vat: c.vat, cumulative: c.cumulative, hash: Hex.encode(c.hash), prevHash: Hex.encode(c.prevHash), batches: batches,
                xml: String(decoding: c.xml, as: UTF8.self)))
        }
        return ClosingList(items: items)
    }

    /// `GET /v1/tax/closings?date=D[&operator=]`: the signed closings of a day with their TDiep messages.
    @Sendable func listClosings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.tax, .finance, .admin, .operator)
        let q = request.uri.queryParameters
        let day = try Self.day(q.get("date"))
        let only = principal.role == .operator ? principal.operatorCode : q.get("operator")
        return try OperatorController.json(try await views(try await store.closings(day: day, operatorCode: only)))
    }

    /// `POST /v1/tax/closings {"date": D, "operator": …}` (admin): closes an ended day now; idempotent.
    @Sendable func close(_ request: Request, context: AppRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let closings else {
            throw Problem(status: .serviceUnavailable, code: "unavailable", detail: "no documents configuration: start feegate serve with --documents-config FILE")
        }
        let body = try await StrictJSON.decode(CloseRequest.self, from: request, context: context)
        let day = try Self.day(body.date)
        let closed: [StoredClosing]
        if let code = body.operator {
            closed = Array(try await closings.close(operatorCode: code, through: day).suffix(1))
        } else {
            closed = try await closings.closeAll(through: day)
        }
        return try OperatorController.json(try await views(closed))
    }

    /// `GET /v1/tax/exports?date=D[&operator=]` (tax, admin): the day's ZIP, byte-identical on every call.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        try context.require(.tax, .admin)
        guard let exporter else {
            throw Problem(status: .serviceUnavailable, code: "unavailable", detail: "no documents configuration: start feegate serve with --documents-config FILE")
        }
        let q = request.uri.queryParameters
        let day = try Self.day(q.get("date"))
        let code = q.get("operator")
        let zip = try await exporter.export(day: day, operatorCode: code)
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(TaxExporter.fileName(day: day, operatorCode: code))\"",
                      .eTag: "\"\(Hex.encode(Digest.sha256(zip)))\""],
            body: .init(byteBuffer: ByteBuffer(bytes: zip)))
    }

    struct FeedPage: Encodable {
        let items: [DocumentView]
        let nextCursor: String

        enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
    }

    struct DocumentView: Encodable {
        let id: String, kind: String, `operator`: String, template: String, series: String, year: Int, number: Int64
        let authorityCode: String?, source: String, issuedAt: String, total: Int64, vat: Int64, xmlSHA256: String

        enum CodingKeys: String, CodingKey {
            case id, kind, `operator`, template, series, year, number, authorityCode = "authority_code", source, issuedAt = "issued_at", total, vat
            case xmlSHA256 = "xml_sha256"
        }
    }

    private func visible(_ context: AppRequestContext) async throws -> IssuedDocument {
        let principal = try context.require(.operator, .tax, .finance, .admin)
        let id = try LedgerController.uuidParameter(context)
        guard let document = try await store.document(id: id), principal.role != .operator || principal.operatorCode == document.operatorCode else {
            throw Problem.notFound("document \(id.lowercasedString)")
        }
        return document
    }

    /// The tax office's incremental feed: every document once, in issue order. `next_cursor` is always
    /// returned (also on an empty page) so a poller resumes exactly where it stopped.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        try context.require(.tax, .finance, .admin)
        let q = request.uri.queryParameters
        let after = try Cursor.decode(q.get("since"))
        let limit = try Cursor.limit(q.get("limit"))
        let page = try await store.documents(after: after, limit: limit, operatorCode: q.get("operator"))
        return try OperatorController.json(FeedPage(items: page.map(Self.view), nextCursor: Cursor.encode(page.last?.seq ?? after)))
    }

    static func view(_ d: IssuedDocument) -> DocumentView {
        DocumentView(
            id: d.id.lowercasedString, kind: d.kind, operator: d.operatorCode, template: d.template, series: d.series, year: d.year, number: d.number,
            authorityCode: d.authorityCode, source: d.source, issuedAt: LedgerTime.iso8601(nanoseconds: d.issuedAt * 1_000_000_000), total: d.total,
            vat: d.vat, xmlSHA256: Hex.encode(Digest.sha256(d.xml)))
    }

    private func requireIssuer() throws -> DocumentIssuer {
        guard let issuer else {
            throw Problem(status: .serviceUnavailable, code: "unavailable", detail: "no documents configuration: start feegate serve with --documents-config FILE and --tariffs DIR")
        }
        return issuer
    }

    /// `POST /v1/invoices/{id}/replace`: the replacement of a wrong MTT invoice or e-ticket (the original stays).
    @Sendable func replace(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.operator, .admin)
        let id = try LedgerController.uuidParameter(context)
        let issuer = try requireIssuer()
        let body = try await StrictJSON.decode(DocumentDTO.Replace.self, from: request, context: context)
        let document = try await issuer.replace(documentID: id, operatorCode: principal.role == .operator ? principal.operatorCode : nil, reason: body.reason,
                                                buyer: body.buyer)
        return try OperatorController.json(Self.view(document))
    }

    /// `POST /v1/transit/taps/{id}/invoice`: an e-ticket in the rider's name for one ride, on request.
    @Sendable func invoiceRide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.operator)
        let id = try LedgerController.uuidParameter(context)
        let issuer = try requireIssuer()
        let body = try await StrictJSON.decode(DocumentDTO.RideInvoice.self, from: request, context: context)
        let document = try await issuer.invoiceRide(tapID: id, operatorCode: principal.operatorCode ?? "", buyer: body.buyer)
        return try OperatorController.json(Self.view(document))
    }

    @Sendable func metadata(_ request: Request, context: AppRequestContext) async throws -> Response {
        try OperatorController.json(Self.view(try await visible(context)))
    }

    @Sendable func xml(_ request: Request, context: AppRequestContext) async throws -> Response {
        let d = try await visible(context)
        return Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: d.xml)))
    }
}
