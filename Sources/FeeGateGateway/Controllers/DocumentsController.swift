import FeeGateCore
import FeeGateCrypto
import FeeGateStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Issued documents: metadata as JSON and the signed XML verbatim. Operators see their own; the tax
/// office, finance and admin see all.
struct DocumentsController {
    let store: GatewayStore

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("invoices/:id", use: metadata)
        group.get("invoices/:id/xml", use: xml)
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
            throw Problem.notFound("document \(id.uuidString.lowercased())")
        }
        return document
    }

    @Sendable func metadata(_ request: Request, context: AppRequestContext) async throws -> Response {
        let d = try await visible(context)
        let view = DocumentView(
            id: d.id.uuidString.lowercased(), kind: d.kind, operator: d.operatorCode, template: d.template, series: d.series, year: d.year, number: d.number,
            authorityCode: d.authorityCode, source: d.source, issuedAt: LedgerTime.iso8601(nanoseconds: d.issuedAt * 1_000_000_000), total: d.total,
            vat: d.vat, xmlSHA256: Hex.encode(Digest.sha256(d.xml)))
        return try OperatorController.json(view)
    }

    @Sendable func xml(_ request: Request, context: AppRequestContext) async throws -> Response {
        let d = try await visible(context)
        return Response(status: .ok, headers: [.contentType: "application/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: d.xml)))
    }
}
