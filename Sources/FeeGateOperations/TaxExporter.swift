import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateStore
import FeeGateTaxReporting
import Foundation

/// Builds the tax office's ZIP for one business day from what the closings recorded: per operator the signed
/// closing, every document it took (signed XML as issued), its TDiep 206 messages and the 01/TTGD ride table,
/// then `manifest.xml` signed with the gateway's key. Only closed days export, so the same query always
/// yields the same bytes (see ``TaxExport``).
public struct TaxExporter: Sendable {
    let store: GatewayStore
    let gatewaySigner: EnvelopedSigner?

    public init(store: GatewayStore, gatewaySigner: EnvelopedSigner?) {
        self.store = store
        self.gatewaySigner = gatewaySigner
    }

    /// The file name the CLI and HTTP suggest.
    public static func fileName(day: BusinessDay, operatorCode: String?) -> String {
        "feegate-tax-\(day)-\(operatorCode ?? "all").zip"
    }

    public func export(day: BusinessDay, operatorCode: String?) async throws -> [UInt8] {
        guard let gatewaySigner else {
            throw OperationsError.unavailable("tax exports are signed with the gateway's key: add \"gateway\": {\"pkcs12\": …, \"password_env\": …} to the documents configuration")
        }
        let closings = try await store.closings(day: day, operatorCode: operatorCode)
        guard !closings.isEmpty else {
            throw OperationsError.conflict(
                "\(day) is not closed\(operatorCode.map { " for operator \($0)" } ?? " for any operator"): close it first (feegate close-day --date \(day)); exports hold closed days only, so they never change")
        }
        var files: [ZIPArchive.Entry] = []
        var summaries: [ExportOperatorSummary] = []
        for closing in closings {
            let op = Self.safe(closing.operatorCode)
            files.append(.init(name: "\(op)/closing-\(day).xml", bytes: closing.xml))
            let documents = try await store.closingDocuments(closingSeq: closing.seq)
            for (d, _) in documents {
                files.append(.init(name: "\(op)/documents/\(Self.safe(d.template))_\(Self.safe(d.series))_\(String(format: "%08lld", d.number)).xml", bytes: d.xml))
            }
            let batches = try await store.taxBatches(closingSeq: closing.seq)
            for b in batches {
                files.append(.init(name: "\(op)/tdiep/\(String(format: "%03lld", b.position))-\(Self.safe(b.messageID)).xml", bytes: b.xml))
            }
            let previous = closing.number > 1 ? try await store.closings(operatorCode: closing.operatorCode, number: closing.number - 1) : nil
            let rides = try await store.tableRides(operatorCode: closing.operatorCode, day: day, previousClosedAt: previous?.closedAt, closedAt: closing.closedAt)
            if !rides.isEmpty {
                let table = TransactionTable.csv(rides.map {
                    TableRide(id: $0.id.lowercasedString, at: $0.at, serviceDay: $0.serviceDay, route: $0.route, vehicle: $0.vehicle, validator: $0.validatorID,
                              ticketNumber: $0.ticketNumber, category: $0.category, fare: Money($0.fare), referenceAmount: Money($0.referenceAmount),
                              fundedBy: $0.fundedBy, late: $0.late)
                })
                files.append(.init(name: "\(op)/01-TTGD-\(day).csv", bytes: table))
            }
            summaries.append(ExportOperatorSummary(
                operatorCode: closing.operatorCode, documents: documents.count, lateDocuments: documents.filter(\.late).count,
                documentsTotal: Money(closing.total), documentsVAT: Money(closing.vat), batches: batches.count, rides: rides.count,
                ridesTotal: Money(rides.reduce(0) { $0 + $1.fare })))
        }
        let latest = closings.map(\.closedAt).max() ?? 0
        let signingTime = VietnamTime(unixSeconds: max(latest / 1_000_000_000, day.endEpochSeconds))
        do {
            return try TaxExport.bundle(day: day, operatorCode: operatorCode, files: files, summaries: summaries, signer: gatewaySigner, signingTime: signingTime)
        } catch {
            throw OperationsError.invalid(field: "export", message: "cannot build the export of \(day): \(error)")
        }
    }

    /// File-name-safe text: letters, digits, `-`, `_`, `.`; anything else becomes `-`.
    static func safe(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "-" })
    }
}
