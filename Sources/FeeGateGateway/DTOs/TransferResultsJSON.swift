import FeeGateCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension LedgerDTO {
    /// The answer of `POST /v1/ledger/transfers`, written straight to bytes: the same JSON as
    /// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` gives for ``Results`` of
    /// ``TransferResultOutput`` (keys in sorted order, `nil` fields left out), without the generic
    /// `Encodable` machinery on the hottest route. A test compares both encodings byte for byte.
    struct TransferResultsResponse: ResponseGenerator {
        let results: [TransferResultOutput]

        func response(from request: Request, context: some RequestContext) throws -> Response { JSONBytes.response(json) }

        var json: [UInt8] {
            JSONBytes.writing(reserve: 64 + results.count * 560) { w in
                w.raw("{\"results\":[")
                for (i, r) in results.enumerated() {
                    if i > 0 { w.raw(",") }
                    w.raw("{\"committed\":")
                    w.raw(r.committed ? "true" : "false")
                    if let detail = r.detail { w.key("detail"); w.string(detail) }
                    w.key("id"); w.string(r.id)
                    w.key("index"); w.int(Int64(r.index))
                    w.key("result"); w.string(r.result)
                    if let t = r.transfer { w.key("transfer"); w.transfer(t) }
                    w.raw("}")
                }
                w.raw("]}")
            }
        }
    }
}

extension LedgerDTO.AccountOutput {
    /// `GET /v1/ledger/accounts/{id}` written straight to bytes (the same JSON as the response encoder; tested).
    func response(from request: Request, context: some RequestContext) throws -> Response { JSONBytes.response(json) }
    var json: [UInt8] { JSONBytes.writing(reserve: 400) { $0.account(self) } }
}

extension LedgerDTO.TransferOutput {
    /// `GET /v1/ledger/transfers/{id}` written straight to bytes (the same JSON as the response encoder; tested).
    func response(from request: Request, context: some RequestContext) throws -> Response { JSONBytes.response(json) }
    var json: [UInt8] { JSONBytes.writing(reserve: 560) { $0.transfer(self) } }
}

/// A minimal JSON writer matching Foundation's `JSONEncoder` output for strings and integers.
struct JSONBytes {
    var bytes: [UInt8] = []

    /// The bytes `write` produces.
    static func writing(reserve capacity: Int, _ write: (inout JSONBytes) -> Void) -> [UInt8] {
        var w = JSONBytes()
        w.bytes.reserveCapacity(capacity)
        write(&w)
        return w.bytes
    }

    /// A 200 answer carrying `bytes` as JSON.
    static func response(_ bytes: [UInt8]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(bytes.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `,"name":` (every key but an object's first).
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func int(_ v: Int64) {
        bytes.append(contentsOf: String(v).utf8)
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0x0F)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Keys in `JSONEncoder`'s sorted order; `operator` left out when `nil`.
    mutating func account(_ a: LedgerDTO.AccountOutput) {
        raw("{\"code\":")
        string(a.code)
        key("created_at"); string(a.createdAt)
        key("credits_pending"); int(a.creditsPending)
        key("credits_posted"); int(a.creditsPosted)
        key("debits_pending"); int(a.debitsPending)
        key("debits_posted"); int(a.debitsPosted)
        key("flags"); strings(a.flags)
        key("id"); string(a.id)
        key("ledger"); int(Int64(a.ledger))
        key("name"); string(a.name)
        if let op = a.operator { key("operator"); string(op) }
        key("timestamp"); int(a.timestamp)
        raw("}")
    }

    mutating func strings(_ values: [String]) {
        raw("[")
        for (i, v) in values.enumerated() {
            if i > 0 { raw(",") }
            string(v)
        }
        raw("]")
    }

    mutating func transfer(_ t: LedgerDTO.TransferOutput) {
        raw("{\"amount\":")
        int(t.amount)
        key("code"); string(t.code)
        key("created_at"); string(t.createdAt)
        key("credit_account_id"); string(t.creditAccountID)
        key("debit_account_id"); string(t.debitAccountID)
        key("flags"); strings(t.flags)
        key("id"); string(t.id)
        key("ledger"); int(Int64(t.ledger))
        if let p = t.pendingID { key("pending_id"); string(p) }
        if let r = t.reference { key("reference"); string(r) }
        if let r = t.resolution { key("resolution"); string(r) }
        if let s = t.seq { key("seq"); int(s) }
        key("timeout"); int(Int64(t.timeout))
        key("timestamp"); int(t.timestamp)
        raw("}")
    }
}
