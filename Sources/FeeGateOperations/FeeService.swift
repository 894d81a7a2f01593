import FeeGateCore
import FeeGateInvoicing
import FeeGateStore
import FeeGateTariffs
import Foundation

/// A public fee (phí, lệ phí) payment.
public struct FeePaymentRequest: Codable, Sendable {
    public let id: UUID
    public let feeCode: String
    public let payerName: String
    public let payerIDNumber: String?
    public let payment: ParkingPayment
    /// If the client states an amount, it must equal the schedule's.
    public let amount: Int64?
    public let at: Int64

    public init(id: UUID, feeCode: String, payerName: String, payerIDNumber: String?, payment: ParkingPayment, amount: Int64?, at: Int64) {
        self.id = id
        self.feeCode = feeCode
        self.payerName = payerName
        self.payerIDNumber = payerIDNumber
        self.payment = payment
        self.amount = amount
        self.at = at
    }
}

/// The wire form of a fee receipt (biên lai).
struct FeeReceiptView: Codable {
    let id: String
    let feeCode: String
    let amount: Int64
    let payerName: String
    let receipt: Receipt
    let quote: QuoteSummary

    struct Receipt: Codable {
        let number: Int64
        let year: String
        let document: String
        /// The signed e-receipt, where the operator issues documents here.
        let issued: DocumentReference?
    }

    enum CodingKeys: String, CodingKey { case id, feeCode = "fee_code", amount, payerName = "payer_name", receipt, quote }
}

extension OperatorServices {
    /// Collects a public fee at the schedule's amount and issues the next receipt number.
    public func payFee(_ request: FeePaymentRequest, operatorCode: String) async throws -> OperationResponse {
        // The request time is not part of the idempotency hash: a retry minutes later is the same payment.
        let hash = try Self.requestHash(FeePaymentRequest(id: request.id, feeCode: request.feeCode, payerName: request.payerName,
                                                          payerIDNumber: request.payerIDNumber, payment: request.payment, amount: request.amount, at: 0))
        if let replay = try await replay(request.id, hash: hash) { return replay }
        guard !request.payerName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OperationsError.invalid(field: "payer.name", message: "the payer's name is required on a fee receipt")
        }
        let quote: Quote
        do {
            quote = try tariffs.quoteFee(FeeQuoteRequest(code: request.feeCode, at: HanoiDateTime(epochSeconds: request.at)))
        } catch {
            throw OperationsError.tariff(error, field: "fee_code")
        }
        if let stated = request.amount, stated != quote.amount.vnd {
            throw OperationsError.invalid(field: "amount", message: "fee \(request.feeCode) is \(quote.amount.vnd) VND by the schedule, not \(stated)")
        }
        guard ["card", "account"].contains(request.payment.method), request.payment.authorization?.isEmpty == false else {
            throw OperationsError.invalid(field: "payment", message: "a fee is paid by card or account with the external authorization reference")
        }
        let plan = Postings.customerSale(event: request.id, operatorCode: operatorCode, channel: request.payment.method, price: quote.amount,
                                         rate: quote.vatRate, code: .publicFee, reference: "fee:\(request.id.lowercasedString)")
        // The e-receipt's number is the receipt number; without a document profile a plain counter numbers receipts.
        let year = String(HanoiDateTime(epochSeconds: request.at).localDate.description.prefix(4))
        let payerHash = request.payerIDNumber.map { tokenHash(type: "person-id", value: $0) }
        let source = "fee:\(request.id.lowercasedString)"
        let draft = try documents?.draft(
            .init(source: source, event: request.id, operatorCode: operatorCode, at: request.at, lineName: quote.feeName ?? request.feeCode, price: quote.amount,
                  rate: .notSubject, paymentMethod: request.payment.method, funder: nil),
            kind: .feeReceipt)
        let summary = QuoteSummary(quote), amount = quote.amount.vnd, documentKind = quote.document.rawValue
        // The fee's postings, its e-receipt, the payment and the stored answer commit together.
        return try await record(plan, OperationWrite(id: request.id, requestHash: hash, document: draft, counter: "receipt:\(operatorCode):\(year)") { document, number in
            let receiptNumber = number ?? 0
            let view = FeeReceiptView(id: request.id.lowercasedString, feeCode: request.feeCode, amount: amount, payerName: request.payerName,
                                      receipt: .init(number: receiptNumber, year: year, document: documentKind, issued: document.map(DocumentReference.init)),
                                      quote: summary)
            let payment = FeePayment(id: request.id, operatorCode: operatorCode, feeCode: request.feeCode, payerName: request.payerName,
                                     payerIDHash: payerHash, amount: amount, receiptNumber: receiptNumber)
            return (.feePayment(payment), OperationRecord(id: request.id, kind: "fee.payment", operatorCode: operatorCode, requestHash: hash, status: 201,
                                                          response: try Self.json(view)))
        })
    }
}
