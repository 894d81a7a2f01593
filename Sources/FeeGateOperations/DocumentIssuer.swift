import FeeGateCore
import FeeGateCrypto
import FeeGateInvoiceSigning
import FeeGateInvoicing
import FeeGateStore
import Foundation

/// How one operator issues documents: its seller details, signing key and series.
public struct SellerProfile: Sendable {
    let seller: Seller
    let signer: InvoiceSigner
    /// The 5-character prefix the tax authority issued for MTT codes.
    let mttPrefix: String
    /// The operator's choice `XX` in series `C{YY}M{XX}`.
    let seriesSuffix: String
    /// `1` (VAT invoice, deduction method) or `2` (sales invoice).
    let invoiceTemplate: TemplateSymbol
    /// The two letters of the fee receipt series `{YY}T{XX}`… here `{YY}{XX}` per TT 91 (e.g. `AB`).
    let receiptLetters: String
    /// `MNGui` of the end-of-day TDiep messages (as agreed with the T-VAN); the seller's tax code by default.
    let batchSender: String
}

/// The JSON file behind `feegate serve --documents-config`: per operator, where its PKCS#12 key is and
/// how its documents are numbered. Passwords come from environment variables, never from the file.
///
/// ```json
/// {"operators": {"HN-PARK-01": {"address": "1 Lý Thái Tổ, Hoàn Kiếm, Hà Nội", "pkcs12": "/etc/feegate/hn-park-01.p12",
///   "password_env": "HN_PARK_01_P12_PASSWORD", "series_suffix": "AA", "invoice_template": 1, "receipt_letters": "AB"}}}
/// ```
public struct DocumentsConfiguration: Codable, Sendable {
    public struct OperatorEntry: Codable, Sendable {
        public let address: String
        public let pkcs12: String
        public let passwordEnv: String
        public let seriesSuffix: String
        public let invoiceTemplate: Int?
        public let receiptLetters: String?
        public let batchSender: String?

        enum CodingKeys: String, CodingKey {
            case address, pkcs12, passwordEnv = "password_env", seriesSuffix = "series_suffix", invoiceTemplate = "invoice_template"
            case receiptLetters = "receipt_letters", batchSender = "batch_sender"
        }
    }

    /// The gateway's own signing key (it signs tax-export manifests).
    public struct GatewayEntry: Codable, Sendable {
        public let pkcs12: String
        public let passwordEnv: String

        enum CodingKeys: String, CodingKey { case pkcs12, passwordEnv = "password_env" }
    }

    public let operators: [String: OperatorEntry]
    public let gateway: GatewayEntry?

    /// The gateway's signer, or `nil` when the file names none.
    public func gatewaySigner(environment: [String: String]) throws -> EnvelopedSigner? {
        guard let gateway else { return nil }
        guard let password = environment[gateway.passwordEnv] else {
            throw OperationsError.invalid(field: "gateway.password_env", message: "environment variable \(gateway.passwordEnv) is not set")
        }
        guard let bytes = FileManager.default.contents(atPath: gateway.pkcs12) else {
            throw OperationsError.invalid(field: "gateway.pkcs12", message: "cannot read \(gateway.pkcs12)")
        }
        do {
            return EnvelopedSigner(identity: try PKCS12Identity(pkcs12: Array(bytes), password: password))
        } catch {
            throw OperationsError.invalid(field: "gateway.pkcs12", message: "\(error)")
        }
    }

    /// Loads the file and every operator's key; fails with a message naming the operator and the problem.
    public func profiles(store: GatewayStore, environment: [String: String]) async throws -> [String: SellerProfile] {
        var out: [String: SellerProfile] = [:]
        for (code, entry) in operators {
            guard let op = try await store.findOperator(code: code) else { throw OperationsError.notFound("documents config names unknown operator \(code)") }
            guard let prefix = op.mttPrefix else {
                throw OperationsError.invalid(field: "operators.\(code)", message: "operator \(code) has no MTT prefix; add it with `feegate operators add --mtt-prefix`")
            }
            guard let password = environment[entry.passwordEnv] else {
                throw OperationsError.invalid(field: "operators.\(code).password_env", message: "environment variable \(entry.passwordEnv) is not set")
            }
            guard let bytes = FileManager.default.contents(atPath: entry.pkcs12) else {
                throw OperationsError.invalid(field: "operators.\(code).pkcs12", message: "cannot read \(entry.pkcs12)")
            }
            do {
                let identity = try PKCS12Identity(pkcs12: Array(bytes), password: password)
                let seller = try Seller(name: op.name, taxCode: try TaxCode.field(op.taxCode), address: entry.address)
                guard identity.certificate.taxCode == op.taxCode else {
                    throw OperationsError.invalid(field: "operators.\(code).pkcs12",
                                                  message: "the certificate's tax code \(identity.certificate.taxCode ?? "none") is not the operator's \(op.taxCode)")
                }
                out[code] = SellerProfile(seller: seller, signer: InvoiceSigner(identity: identity), mttPrefix: prefix, seriesSuffix: entry.seriesSuffix,
                                          invoiceTemplate: try TemplateSymbol(entry.invoiceTemplate ?? 1), receiptLetters: entry.receiptLetters ?? "AB",
                                          batchSender: entry.batchSender ?? op.taxCode.replacingOccurrences(of: "-", with: ""))
            } catch let error as OperationsError {
                throw error
            } catch {
                throw OperationsError.invalid(field: "operators.\(code)", message: "\(error)")
            }
        }
        return out
    }
}

/// Issues the documents of the operator flows: an MTT e-invoice for a paid parking stay, a 0-VND
/// e-ticket naming the funder for an exempt one, an e-ticket for a pass, an e-receipt for a public fee.
/// Each is numbered, signed and stored once per business event (its id derives from the event).
public struct DocumentIssuer: Sendable {
    let store: GatewayStore
    let profiles: [String: SellerProfile]
    /// Unix seconds of signing: `SigningTime` is when the key signs, not when the sale happened.
    let now: @Sendable () -> Int64

    public init(store: GatewayStore, profiles: [String: SellerProfile], now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.profiles = profiles
        self.now = now
    }

    /// A sale to document.
    struct Sale {
        let source: String
        let event: UUID
        let operatorCode: String
        let at: Int64
        let lineName: String
        let price: Money
        let rate: VATRate
        let paymentMethod: String?
        /// Set for a 0-VND stay or ride: who pays.
        let funder: String?
        /// The buyer when they asked for a document in their name.
        var buyer: Buyer = .anonymous(.consumer)
        /// Set when this document replaces a wrong one.
        var replacing: ReplacedInvoice? = nil
    }

    /// The draft of the document for `sale` (its id derives from the sale's source), or `nil` when the operator
    /// has no document profile configured. Recorded with the sale through ``GatewayStore/postAndRecord(_:businessDay:_:)``.
    func draft(_ sale: Sale, kind: EInvoiceDocument.Kind) throws -> DocumentDraft? {
        guard let profile = profiles[sale.operatorCode] else { return nil }
        return try draft(sale, kind: kind, id: DerivedID.make(namespace: "document", parts: [sale.source]), profile: profile)
    }

    /// Issues the document for `sale` on its own (the QR flow, once its intent is paid); `nil` without a profile.
    func issue(_ sale: Sale, kind: EInvoiceDocument.Kind) async throws -> IssuedDocument? {
        guard let draft = try draft(sale, kind: kind) else { return nil }
        return try await store.issueDocument(draft)
    }

    func issue(_ sale: Sale, kind: EInvoiceDocument.Kind, id: UUID, profile: SellerProfile) async throws -> IssuedDocument {
        try await store.issueDocument(draft(sale, kind: kind, id: id, profile: profile))
    }

    /// The draft: its series and template now, its number, MTT code, XML and signature when the store numbers it.
    func draft(_ sale: Sale, kind: EInvoiceDocument.Kind, id: UUID, profile: SellerProfile) throws -> DocumentDraft {
        let time = VietnamTime(unixSeconds: sale.at)
        let now = self.now
        let source = sale.source
        // The document once the store gives its number (and MTT counter), and its MTT code if it takes one.
        let template: String, series: String
        let build: @Sendable (_ number: Int64, _ counter: Int64?) throws -> (EInvoiceDocument, MTTCode?)
        do {
            if kind == .feeReceipt {
                let receiptSeries = try ReceiptSeries(year: time.year, letters: profile.receiptLetters)
                let receiptTemplate = ReceiptTemplate.allCases[0]
                (template, series) = (receiptTemplate.rawValue, receiptSeries.text)
                build = { number, _ in
                    (try EInvoiceDocument.feeReceipt(
                        template: receiptTemplate, series: receiptSeries, number: try DocumentNumber(Int(number)), issuedAt: time, collector: profile.seller,
                        payer: .anonymous(.consumer), items: [try .init(name: sale.lineName, amount: sale.price)]), nil)
                }
            } else {
                let invoiceSeries = try InvoiceSeries.cashRegister(year: time.year, suffix: profile.seriesSuffix)
                let symbol: TemplateSymbol = kind == .cashRegisterInvoice ? profile.invoiceTemplate : .other
                let line = try InvoiceLineInput(name: sale.lineName, unit: "lượt", quantity: 1, unitPrice: sale.price, vatRate: sale.rate)
                (template, series) = (symbol.description, invoiceSeries.text)
                build = { number, counter in
                    let code = try MTTCode(template: symbol, year: time.year, prefix: profile.mttPrefix, counter: counter ?? 0)
                    if kind == .cashRegisterInvoice {
                        return (try EInvoiceDocument.cashRegisterInvoice(
                            template: symbol, series: invoiceSeries, number: try DocumentNumber(Int(number)), authorityCode: code, issuedAt: time,
                            seller: profile.seller, buyer: sale.buyer, lines: [line], priceBasis: .inclusive, paymentMethod: sale.paymentMethod,
                            replacing: sale.replacing), code)
                    }
                    return (try EInvoiceDocument.eTicket(
                        series: invoiceSeries, number: try DocumentNumber(Int(number)), authorityCode: code, issuedAt: time, seller: profile.seller,
                        buyer: sale.buyer, lines: [line], zeroFareFunder: sale.funder.map(Self.funderName), replacing: sale.replacing), code)
                }
            }
        } catch {
            throw Self.failure(error, source: source)
        }
        return DocumentDraft(
            id: id, operatorCode: sale.operatorCode, kind: kind.rawValue, template: template, series: series, year: time.year, source: source,
            issuedAt: sale.at, usesAuthorityCounter: kind != .feeReceipt
        ) { number, counter in
            do {
                let (document, code) = try build(number, counter)
                let xml = try profile.signer.sign(document, signingTime: VietnamTime(unixSeconds: now()))
                return RenderedDocument(xml: xml, authorityCode: code?.description, total: document.totals.payable.vnd, vat: document.totals.vat.vnd,
                                        rates: RateSummary.storageText(document.summaries))
            } catch { throw Self.failure(error, source: source) }
        }
    }

    /// Anything that fails while drafting or rendering names the sale; the store's own errors (numbering,
    /// conflicts) and the operations' pass as they are.
    /// The signing key's own faults (tax code, validity, crypto) are the gateway's, not the request's: unavailable
    /// (503, the client retries later) rather than invalid input.
    static func failure(_ error: any Error, source: String) -> any Error {
        if error is StoreError || error is OperationsError { return error }
        if let signing = error as? InvoiceSigningError {
            switch signing {
            case .taxCodeMismatch, .certificateNotValid, .crypto:
                return OperationsError.unavailable("cannot sign the document for \(source): \(signing); check the operator's key in the documents configuration")
            default:
                break  // the document itself (or a verification-only case): invalid input
            }
        }
        return OperationsError.invalid(field: "document", message: "cannot issue the document for \(source): \(error)")
    }

    /// Issues the replacement of a wrong cash-register invoice or e-ticket (the only correction MTT documents
    /// allow, TT 91 Art. 10.1): a new document, numbered now in the current year's series with a new MTT code,
    /// carrying `TTHDLQuan` (`TCHDon` = 1) that names the original, with the same lines and total and the buyer
    /// as now given. The original stays as issued. Amounts are not changed by a replacement: money goes back
    /// through a refund in the ledger. One replacement per original: the same request again returns it, a
    /// different one is a conflict (replace the replacement instead).
    ///
    /// - Parameter operatorCode: the requesting operator (it may only replace its own), or `nil` for an admin.
    public func replace(documentID: UUID, operatorCode: String?, reason: String, buyer: Buyer) async throws -> IssuedDocument {
        guard let original = try await store.document(id: documentID), operatorCode == nil || operatorCode == original.operatorCode else {
            throw OperationsError.notFound("document \(documentID.lowercasedString)")
        }
        guard original.kind != EInvoiceDocument.Kind.feeReceipt.rawValue else {
            throw OperationsError.invalid(field: "id", message: "fee e-receipts are not replaced through this endpoint: only cash-register invoices and e-tickets")
        }
        guard let profile = profiles[original.operatorCode] else {
            throw OperationsError.unavailable("operator \(original.operatorCode) has no document profile in the documents configuration")
        }
        let verified: VerifiedDocument
        do { verified = try InvoiceVerifier.verify(original.xml) } catch {
            throw OperationsError.invalid(field: "id", message: "the original does not verify (\(error)); it cannot be replaced automatically")
        }
        guard verified.lines.count == 1, let line = verified.lines.first, line.quantity == 1, verified.priceBasis == .inclusive else {
            throw OperationsError.invalid(field: "id", message: "only FeeGate's one-line VAT-inclusive documents can be replaced here")
        }
        let replaced: ReplacedInvoice
        do {
            replaced = try ReplacedInvoice(template: try TemplateSymbol.parse(verified.templateText), series: try InvoiceSeries.parse(verified.seriesText),
                                           number: verified.number, issueDate: verified.issueDate, reason: reason)
        } catch {
            throw OperationsError.invalid(field: "reason", message: "\(error)")
        }
        let funder = verified.notes.first { $0.hasPrefix("Vé 0 đồng — ") && $0.hasSuffix(" chi trả") }
            .map { String($0.dropFirst("Vé 0 đồng — ".count).dropLast(" chi trả".count)) }
        let source = "replace:\(documentID.lowercasedString)"
        var sale = Sale(source: source, event: documentID, operatorCode: original.operatorCode, at: now(), lineName: line.name, price: line.unitPrice,
                        rate: line.vatRate, paymentMethod: verified.paymentMethod, funder: funder)
        sale.buyer = buyer
        sale.replacing = replaced
        let kind = EInvoiceDocument.Kind(rawValue: original.kind) ?? .cashRegisterInvoice
        let id = DerivedID.make(namespace: "document", parts: [source, reason, "\(buyer)"])
        return try await issue(sale, kind: kind, id: id, profile: profile)
    }

    /// Issues an e-ticket in the rider's name for one recorded ride, when the rider asks (rides are otherwise
    /// reported in the 01/TTGD table). Once per ride: the same buyer again returns it, another is a conflict.
    public func invoiceRide(tapID: UUID, operatorCode: String, buyer: Buyer) async throws -> IssuedDocument {
        guard let tap = try await store.tap(id: tapID), tap.operatorCode == operatorCode else {
            throw OperationsError.notFound("ride \(tapID.lowercasedString)")
        }
        guard let profile = profiles[operatorCode] else {
            throw OperationsError.unavailable("operator \(operatorCode) has no document profile in the documents configuration: it cannot issue e-tickets")
        }
        let source = "ride:\(tapID.lowercasedString)"
        var sale = Sale(source: source, event: tapID, operatorCode: operatorCode, at: tap.at, lineName: "Vé lượt xe buýt tuyến \(tap.route)",
                        price: Money(tap.fare), rate: .notSubject, paymentMethod: nil, funder: tap.fare == 0 ? tap.fundedBy : nil)
        sale.buyer = buyer
        return try await issue(sale, kind: .eTicket, id: DerivedID.make(namespace: "document", parts: [source, "\(buyer)"]), profile: profile)
    }

    /// How a funder is named on a 0-VND ticket.
    static func funderName(_ funder: String) -> String {
        ["city-budget": "ngân sách thành phố", "pass": "vé tháng"][funder] ?? funder
    }
}
