import FeeGateCore
import Foundation
import Testing

@Suite("Chart of accounts and derived ids")
struct ChartOfAccountsTests {
    /// Expected ids computed independently with Python's hashlib and uuid:
    /// sha256(b"feegate:" + namespace + b"\0" + part …)[:16], version nibble 8, RFC 9562 variant.
    @Test func derivedIDsAreStable() {
        #expect(AccountKey.revenue("HN-PARK-01", vat: .eight).id == UUID(uuidString: "df466044-2edb-8dfa-9259-44cbc97b14c8"))
        #expect(AccountKey.funder("city-budget").id == UUID(uuidString: "8355c2b2-1adf-8af6-b56b-2b7b081d21e4"))
        let event = UUID(uuidString: "0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b")!
        #expect(DerivedID.transfer(event: event, purpose: "sale", leg: 1) == UUID(uuidString: "75632252-eb60-8507-986e-d8a08eb65a72"))
    }

    @Test func distinctKeysGetDistinctIDs() {
        let keys: [AccountKey] = [
            .revenue("A", vat: .eight), .revenue("A", vat: .ten), .revenue("B", vat: .eight), .vatPayable("A"),
            .clearing("A", channel: "qr"), .clearing("A", channel: "card"), .subsidyReceivable("A", funder: "city-budget"),
            .funder("city-budget"), .suspense(channel: "qr"), .refundLiability("A"), .refundLiability(nil),
            .init(operatorCode: "AB", code: .control, qualifier: "C"), .init(operatorCode: "A", code: .control, qualifier: "BC"),
        ]
        #expect(Set(keys.map(\.id)).count == keys.count)
        #expect(AccountKey.revenue("HN-PARK-01", vat: .eight).description == "HN-PARK-01 operator_revenue 8%")
        #expect(AccountKey.funder("city-budget").request.operatorCode == nil)
    }
}
