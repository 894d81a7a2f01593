import FeeGateCore
import FeeGateInvoicing
import Foundation
import Hummingbird

/// Request bodies of the document endpoints.
enum DocumentDTO {
    /// The buyer who asks for a document in their name (Decree 254 Art. 10.4): a tax code (with name and
    /// address), a personal id or a phone number.
    struct BuyerInput: Decodable {
        let buyer: Buyer
        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, taxCode = "tax_code", address, phone, personName = "person_name", personalID = "personal_id"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func text(_ key: CodingKeys) throws -> String? { try c.decodeIfPresent(String.self, forKey: key) }
            do {
                buyer = .identified(try BuyerDetails(
                    name: try text(.name), taxCode: try text(.taxCode).map { try TaxCode.field($0) }, address: try text(.address), phone: try text(.phone),
                    personName: try text(.personName), personalID: try text(.personalID).map { try PersonalID($0) }))
            } catch let error as InvoicingError {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", decoder.codingPath, error.description)
            }
        }
    }

    /// `POST /v1/invoices/{id}/replace`.
    struct Replace: Decodable {
        let reason: String
        let buyer: Buyer
        enum CodingKeys: String, CodingKey, CaseIterable { case reason, buyer }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            reason = try c.decode(String.self, forKey: .reason)
            buyer = try c.decodeIfPresent(BuyerInput.self, forKey: .buyer)?.buyer ?? .anonymous(.consumer)
        }
    }

    /// `POST /v1/transit/taps/{id}/invoice`.
    struct RideInvoice: Decodable {
        let buyer: Buyer
        enum CodingKeys: String, CodingKey, CaseIterable { case buyer }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            buyer = try decoder.container(keyedBy: CodingKeys.self).decode(BuyerInput.self, forKey: .buyer).buyer
        }
    }
}
