import FeeGateCore
import FeeGateTariffs
import Foundation
import Testing

/// Monthly passes (from 1/11/2024: priority 70,000 / 140,000, group 100,000 / 200,000, individual
/// 140,000 / 280,000; before: 55,000 / 100,000, 70,000 / 140,000, 100,000 / 200,000) and the
/// public fee schedule (CCCD fees 30,000 / 50,000 / 70,000, receipt, KCT).
@Suite("Pass and fee quotes")
struct PassFeeQuoteTests {
    @Test(
        "monthly pass prices, both versions",
        arguments: [
            ("one-route", "priority", 70_000, 55_000),
            ("all-routes", "priority", 140_000, 100_000),
            ("one-route", "group", 100_000, 70_000),
            ("all-routes", "group", 200_000, 140_000),
            ("one-route", "individual", 140_000, 100_000),
            ("all-routes", "individual", 280_000, 200_000),
        ] as [(String, String, Int64, Int64)]
    )
    func passes(product: String, category: String, price: Int64, oldPrice: Int64) throws {
        let engine = try shippedEngine()
        let new = try engine.quotePass(PassQuoteRequest(product: product, category: category, at: try t("2024-11-01T00:00")))
        #expect(new.amount == Money(price) && new.referenceAmount == Money(price) && new.fundedBy == "customer")
        #expect(new.vatRate == .notSubject && new.amountBeforeVAT == Money(price) && new.vatAmount == 0)
        #expect(new.tariffVersion == "2024-11" && new.category == category && new.product == product)
        let old = try engine.quotePass(PassQuoteRequest(product: product, category: category, at: try t("2024-10-31T23:59:59")))
        #expect(old.amount == Money(oldPrice) && old.tariffVersion == "2014")
    }

    @Test("unknown pass product or category")
    func passErrors() throws {
        let engine = try shippedEngine()
        let at = try t("2025-01-05T10:00")
        let product = tariffError { () throws(TariffError) in try engine.quotePass(.init(product: "weekly", category: "priority", at: at)) }
        #expect(product == .unknownPassProduct(product: "weekly", known: ["one-route", "all-routes"]))
        let category = tariffError { () throws(TariffError) in try engine.quotePass(.init(product: "one-route", category: "vip", at: at)) }
        #expect(category == .unknownPassCategory(category: "vip", known: ["priority", "group", "individual"]))
    }

    @Test("fees: fixed amounts, VAT KCT, e-receipt", arguments: [
        ("CCCD-CHUYEN-DOI", 30_000), ("CCCD-DOI", 50_000), ("CCCD-CAP-LAI", 70_000),
    ] as [(String, Int64)])
    func fees(code: String, amount: Int64) throws {
        let q = try shippedEngine().quoteFee(FeeQuoteRequest(code: code, at: try t("2025-05-05T09:00")))
        #expect(q.amount == Money(amount) && q.fundedBy == "customer" && q.referenceAmount == Money(amount))
        #expect(q.vatRate == .notSubject && q.vatAmount == 0 && q.amountBeforeVAT == Money(amount))
        #expect(q.document == .receipt && q.feeCode == code && q.taxCategory == "public-fee")
    }

    @Test("unknown fee code; no fee schedule in force before 1/7/2022")
    func feeErrors() throws {
        let engine = try shippedEngine()
        let at = try t("2025-05-05T09:00")
        let unknown = tariffError { () throws(TariffError) in try engine.quoteFee(.init(code: "PASSPORT", at: at)) }
        #expect(unknown == .unknownFeeCode(code: "PASSPORT", known: ["CCCD-CAP-LAI", "CCCD-CHUYEN-DOI", "CCCD-DOI"]))
        #expect(unknown?.description.hasPrefix("unknown fee code 'PASSPORT'") == true)
        let early = try t("2022-06-30T09:00")
        let none = tariffError { () throws(TariffError) in try engine.quoteFee(.init(code: "CCCD-DOI", at: early)) }
        #expect(none == .noTariffInForce(what: "fee schedule", date: early.localDate))
    }

    @Test("quote JSON has snake_case keys and the agreed fields")
    func json() throws {
        let q = try shippedEngine().quoteParking(ParkingQuoteRequest(
            zone: "HK-12-LY-THAI-TO", vehicle: .motorbike, from: try t("2025-07-01T17:00"), to: try t("2025-07-01T19:00")))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(q)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["amount"] as? Int == 13_000)
        #expect(object["funded_by"] as? String == "customer")
        #expect(object["reference_amount"] as? Int == 13_000)
        #expect(object["vat_rate"] as? String == "8%")
        // 13,000 / 1.08 = 12,037.04 → 12,037; VAT 963.
        #expect(object["amount_before_vat"] as? Int == 12_037)
        #expect(object["vat_amount"] as? Int == 963)
        #expect(object["tariff_id"] as? String == "hn-street-parking")
        #expect(object["tariff_version"] as? String == "2018-01")
        #expect(object["capped"] as? Bool == false)
        #expect(object["category"] as? String == "motorbike")
        #expect(object["zone_class"] as? String == "HK-12")
        let lines = try #require(object["lines"] as? [[String: Any]])
        #expect(lines.count == 2)
        #expect(lines[0]["from"] as? String == "2025-07-01T17:00:00+07:00")
        #expect(lines[1]["to"] as? String == "2025-07-01T19:00:00+07:00")
        #expect(lines[1]["amount"] as? Int == 8_000)
        // Round trip.
        #expect(try JSONDecoder().decode(Quote.self, from: data) == q)
    }
}
