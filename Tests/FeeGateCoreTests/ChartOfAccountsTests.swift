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

@Suite("Business postings")
struct PostingsTests {
    let event = UUID(uuidString: "0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b")!

    @Test func customerSaleSplitsRevenueAndVATInOneChain() {
        // 25,000 at 8 %: 23,148 revenue + 1,852 VAT (hand-computed in MoneyTests).
        let plan = Postings.customerSale(event: event, operatorCode: "P", channel: "card", price: 25_000, rate: .eight, code: .parkingFee, reference: "s")
        #expect(plan.transfers.map(\.amount) == [23_148, 1_852])
        #expect(plan.transfers.map(\.flags) == [.linked, []])
        #expect(plan.transfers.allSatisfy { $0.debitAccountID == AccountKey.clearing("P", channel: "card").id })
        #expect(plan.transfers.map(\.creditAccountID) == [AccountKey.revenue("P", vat: .eight).id, AccountKey.vatPayable("P").id])
        // Same event → same ids: a retry cannot post twice.
        #expect(plan == Postings.customerSale(event: event, operatorCode: "P", channel: "card", price: 25_000, rate: .eight, code: .parkingFee, reference: "s"))
        var ledger = InMemoryLedger()
        for key in plan.accounts { _ = ledger.createAccount(key.request, now: 1) }
        #expect(ledger.execute(plan.transfers, now: 2) == [.ok, .ok])
        #expect(ledger.execute(plan.transfers, now: 3) == [.exists, .exists])
    }

    @Test func fundedZeroDongRidesAreStillPosted() {
        let plan = Postings.fundedSale(event: event, operatorCode: "B", funder: "city-budget", referenceAmount: 8_000, rate: .notSubject, code: .busFare, reference: "t")
        #expect(plan.transfers.count == 1 && plan.transfers[0].amount == 8_000 && plan.transfers[0].flags == [])
        #expect(plan.transfers[0].debitAccountID == AccountKey.subsidyReceivable("B", funder: "city-budget").id)
        let pass = Postings.fundedSale(event: event, operatorCode: "B", funder: "pass", referenceAmount: 0, rate: .notSubject, code: .busFare, reference: "t")
        #expect(pass.transfers.count == 1 && pass.transfers[0].amount == 0)
    }
}
