import FeeGateCore
import Foundation
import Testing

@testable import FeeGateGateway

/// The fast path for `POST /v1/ledger/transfers` bodies against the strict `JSONDecoder` path, on generated
/// bodies and on every one of them mutated at random: whenever the fast path answers, the decoder must accept
/// the same body and decode exactly the same requests; it may decline anything, but not the plain bodies.
@Suite struct TransferBodyFastPathTests {
    /// SplitMix64: deterministic bodies from a seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func strict(_ body: String) -> [TransferRequest]? {
        try? JSONDecoder().decode(LedgerDTO.CreateTransfers.self, from: Data(body.utf8)).transfers
    }

    static func fast(_ body: String) -> [TransferRequest]? {
        Array(body.utf8).withUnsafeBytes { TransferBodyFastPath.parse($0) }
    }

    static func space(_ g: inout Generator) -> String { ["", "", " ", "\n  ", "\t"].randomElement(using: &g)! }

    /// A plain valid body: 1–3 transfers, fields in random order, optional fields sometimes present.
    static func body(_ g: inout Generator) -> String {
        let transfers = (0..<Int.random(in: 1...3, using: &g)).map { _ -> String in
            var fields: [String] = []
            let uuid = { (g: inout Generator) -> String in
                let id = UUID(uuid: (UInt8.random(in: 0...255, using: &g), 1, 2, 3, 4, 5, 0x40, 7, 0x80, 9, 10, 11, 12, 13, 14, UInt8.random(in: 0...255, using: &g)))
                return Bool.random(using: &g) ? id.uuidString.lowercased() : id.uuidString
            }
            let pendingResolution = Int.random(in: 0..<6, using: &g) == 0
            fields.append(#""id":"\#(uuid(&g))""#)
            if pendingResolution {
                fields.append(#""pending_id":"\#(uuid(&g))""#)
                fields.append(#""flags":["\#(Bool.random(using: &g) ? "post_pending_transfer" : "void_pending_transfer")"]"#)
            } else {
                fields.append(#""debit_account_id":"\#(uuid(&g))""#)
                fields.append(#""credit_account_id":"\#(uuid(&g))""#)
                fields.append(#""amount":\#([0, 7_000, 1_000_000_000_000_000, Int64.random(in: 1...99_999_999, using: &g)].randomElement(using: &g)!)"#)
                fields.append(#""code":"\#(["bus_fare", "parking_fee", "adjustment", "refund"].randomElement(using: &g)!)""#)
                if Bool.random(using: &g) { fields.append(#""flags":[\#(["", #""linked""#, #""pending""#, #""linked", "pending""#].randomElement(using: &g)!)]"#) }
            }
            if Bool.random(using: &g) { fields.append(#""reference":"\#(["route 32", "Xe buýt 09 – Hà Nội", "", "a/b:c"].randomElement(using: &g)!)""#) }
            if Bool.random(using: &g) { fields.append(#""timeout":\#([0, 30, 4_294_967_295].randomElement(using: &g)!)"#) }
            if Bool.random(using: &g) { fields.append(#""ledger":704"#) }
            fields.shuffle(using: &g)
            return "{" + fields.map { space(&g) + $0 + space(&g) }.joined(separator: ",") + "}"
        }
        return space(&g) + #"{"transfers":["# + transfers.joined(separator: "," + space(&g)) + "]}" + space(&g)
    }

    /// Small edits that often make a body invalid or change its meaning: the fast path must never disagree.
    static func mutate(_ body: String, _ g: inout Generator) -> String {
        var bytes = Array(body.utf8)
        let snippets = ["\\", "\"", "-", ".5", "e3", "null", "0", "00", "9999999999999999999999", ",", "}", "]", "{", " ", "\u{01}",
                        #""id":"0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b","#, #""amount":5,"#, #""extra":1,"#, "\\u0041", "\u{FF}"]
        for _ in 0..<Int.random(in: 1...3, using: &g) {
            let at = Int.random(in: 0...bytes.count, using: &g)
            switch Int.random(in: 0..<3, using: &g) {
            case 0 where at < bytes.count: bytes.remove(at: at)
            case 1: bytes.insert(contentsOf: Array(snippets.randomElement(using: &g)!.utf8), at: at)
            default: if at < bytes.count { bytes[at] = UInt8.random(in: 0x20...0x7E, using: &g) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func neverDisagreesWithTheStrictDecoder() {
        var g = Generator(state: 20_261_121)
        var plainTaken = 0, mutatedTaken = 0, mutatedDeclined = 0
        for _ in 0..<3_000 {
            let body = Self.body(&g)
            let strict = Self.strict(body)
            #expect(strict != nil, "generated body must be valid: \(body)")
            let fast = Self.fast(body)
            #expect(fast == strict, "plain body decoded differently: \(body)")
            if fast != nil { plainTaken += 1 }
            for _ in 0..<5 {
                let mutated = Self.mutate(body, &g)
                guard let fastMutated = Self.fast(mutated) else {
                    mutatedDeclined += 1
                    continue
                }
                mutatedTaken += 1
                #expect(Self.strict(mutated) == fastMutated, "fast path accepted or read differently: \(mutated)")
            }
        }
        // Not vacuous: every plain body takes the fast path, and mutations both pass and fail it.
        #expect(plainTaken == 3_000)
        #expect(mutatedTaken > 100 && mutatedDeclined > 1_000)
    }

    @Test func declinesWhatOnlyTheStrictPathMayJudge() {
        let id = "0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b", a = "11111111-1111-4111-8111-111111111111", b = "22222222-2222-4222-8222-222222222222"
        let declined = [
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":-5,"code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5.0,"code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":1000000000000001,"code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"bus_fare","color":"red"}]}"#,
            #"{"transfers":[{"id":"\#(id)","id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"bus_fare","reference":"a\"b"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"tip"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"bus_fare","flags":["fast"]}]}"#,
            #"{"transfers":[{"id":"not-a-uuid","debit_account_id":"\#(a)","credit_account_id":"\#(b)","amount":5,"code":"bus_fare"}]}"#,
            #"{"transfers":[{"id":"\#(id)","debit_account_id":null,"credit_account_id":"\#(b)","amount":5,"code":"bus_fare"}]}"#,
            #"{"transfers":[],"extra":true}"#,
            #"{"transfers":[]} x"#,
        ]
        for body in declined { #expect(Self.fast(body) == nil, "\(body)") }
        #expect(Self.fast(#"{"transfers":[]}"#) == [])  // the controller answers 422 for an empty batch
    }
}
