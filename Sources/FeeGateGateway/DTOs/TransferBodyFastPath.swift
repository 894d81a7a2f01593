import FeeGateCore
import Foundation

/// A parser for the body shape that dominates ledger traffic (`{"transfers":[{…}]}` with plain values),
/// taken before `JSONDecoder` on `POST /v1/ledger/transfers`: decoding was ≈ 14 % of the server's CPU
/// per single-transfer request.
///
/// It answers `nil` for anything it is not sure of (escapes in strings, `null`, numbers with a sign,
/// fraction or exponent, unknown or repeated keys, invalid UUIDs, codes or flags, values out of range,
/// a missing required field), and the strict `JSONDecoder` path then decides and names the error. So it
/// never accepts a body that path rejects and never decodes one differently (a differential test checks
/// both on generated and mutated bodies).
enum TransferBodyFastPath {
    static func parse(_ bytes: UnsafeRawBufferPointer) -> [TransferRequest]? {
        var parser = Parser(bytes: bytes)
        return parser.body()
    }

    /// The keys of a transfer object: the strict decoder's own, so both paths know the same fields.
    private typealias Key = LedgerDTO.TransferInput.CodingKeys

    /// Each key with its bytes and its bit in the set of keys seen (a repeated key is declined).
    private static let keys: [(key: Key, name: [UInt8], bit: UInt16)] = {
        precondition(Key.allCases.count <= 16, "one bit per key in a UInt16")
        return Key.allCases.enumerated().map { (key: $1, name: Array($1.rawValue.utf8), bit: 1 << UInt16($0)) }
    }()

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default: return
                }
            }
        }

        /// Consumes `byte` (after optional whitespace) if it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        /// The bytes of a string without escapes or control characters (UTF-8 not yet checked).
        mutating func stringBytes() -> UnsafeRawBufferPointer? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return UnsafeRawBufferPointer(rebasing: bytes[start..<(i - 1)])
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        /// A string without escapes or control characters, valid UTF-8.
        mutating func string() -> String? {
            stringBytes().flatMap { String(validating: $0, as: UTF8.self) }
        }

        /// A key of a transfer object, matched on its bytes (an unknown key, or invalid UTF-8, is `nil`).
        mutating func key() -> (key: Key, name: [UInt8], bit: UInt16)? {
            guard let raw = stringBytes() else { return nil }
            return TransferBodyFastPath.keys.first { $0.name.elementsEqual(raw) }
        }

        /// A non-negative JSON integer in plain digits (no sign, fraction or exponent) not above `limit`.
        mutating func unsigned(limit: UInt64) -> UInt64? {
            skipSpace()
            let start = i
            var value: UInt64 = 0
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                guard i - start < 19 else { return nil }
                value = value * 10 + UInt64(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            let digits = i - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0"), value <= limit else { return nil }
            if i < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i]) { return nil }
            return value
        }

        mutating func uuid() -> UUID? { stringBytes().flatMap { UUID(utf8: $0) } }

        /// `[element, …]` (possibly empty); `nil` if any element is declined.
        mutating func array<T>(_ element: (inout Parser) -> T?) -> [T]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var items: [T] = []
            if take(UInt8(ascii: "]")) { return items }
            repeat {
                guard let item = element(&self) else { return nil }
                items.append(item)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? items : nil
        }

        mutating func body() -> [TransferRequest]? {
            guard take(UInt8(ascii: "{")), let name = stringBytes(), name.elementsEqual("transfers".utf8), take(UInt8(ascii: ":")),
                let transfers = array({ $0.transfer() }), take(UInt8(ascii: "}"))
            else { return nil }
            skipSpace()
            return i == bytes.count ? transfers : nil
        }

        mutating func transfer() -> TransferRequest? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var id: UUID?, debit: UUID?, credit: UUID?, pending: UUID?
            var amount: Int64?, timeout: UInt32?, ledger: UInt32?
            var code: TransferCode?, flagNames: [String]?, reference: String?
            var seen: UInt16 = 0
            if !take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = key(), seen & key.bit == 0, take(UInt8(ascii: ":")) else { return nil }
                    seen |= key.bit
                    switch key.key {
                    case .id: id = uuid(); if id == nil { return nil }
                    case .debitAccountID: debit = uuid(); if debit == nil { return nil }
                    case .creditAccountID: credit = uuid(); if credit == nil { return nil }
                    case .pendingID: pending = uuid(); if pending == nil { return nil }
                    case .amount:
                        guard let value = unsigned(limit: UInt64(Money.maximum.vnd)) else { return nil }
                        amount = Int64(value)
                    case .timeout:
                        guard let value = unsigned(limit: UInt64(UInt32.max)) else { return nil }
                        timeout = UInt32(value)
                    case .ledger:
                        guard let value = unsigned(limit: UInt64(UInt32.max)) else { return nil }
                        ledger = UInt32(value)
                    case .code:
                        guard let name = string(), let parsed = TransferCode(name: name) else { return nil }
                        code = parsed
                    case .reference:
                        guard let text = string() else { return nil }
                        reference = text
                    case .flags:
                        guard let names = array({ $0.string() }) else { return nil }
                        flagNames = names
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            guard let id, case .success(let flags) = TransferFlags.parse(flagNames ?? []) else { return nil }
            let resolving = flags.contains(.postPendingTransfer) || flags.contains(.voidPendingTransfer)
            if amount == nil && !resolving { return nil }
            return TransferRequest(
                id: id, debitAccountID: debit, creditAccountID: credit, amount: amount, pendingID: pending, timeoutSeconds: timeout ?? 0,
                ledger: ledger, code: code, flags: flags, reference: reference)
        }
    }
}
