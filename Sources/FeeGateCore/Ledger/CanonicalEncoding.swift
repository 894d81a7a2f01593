import Foundation

/// The exact bytes each journal row contributes to its table's hash chain.
///
/// `hash(row) = SHA-256(hash(previous row) ‖ canonical bytes of row)`, with 32 zero bytes before
/// the first row. The layout is fixed and versioned by its 4-byte tag; it never changes for rows
/// already written (a new layout gets a new tag). Integers are big-endian; optional ids are 16 zero
/// bytes when absent; strings are a 4-byte length then UTF-8.
public enum CanonicalEncoding {
    /// Bytes of a transfer at journal position `seq`.
    public static func transfer(_ t: Transfer, seq: Int64) -> [UInt8] {
        var w = Writer(tag: "FGT1")
        w.int64(seq)
        w.uuid(t.id)
        w.uuid(t.debitAccountID)
        w.uuid(t.creditAccountID)
        w.int64(t.amount)
        w.uuid(t.pendingID ?? .zero)
        w.uint32(t.timeoutSeconds)
        w.uint32(t.ledger)
        w.uint16(t.code.rawValue)
        w.uint16(t.flags.rawValue)
        w.int64(t.timestamp)
        w.string(t.reference)
        return w.bytes
    }

    /// Bytes of an account's immutable fields at position `seq` (balance counters are not chained:
    /// they are checked against the transfer journal instead).
    public static func account(_ a: Account, seq: Int64) -> [UInt8] {
        var w = Writer(tag: "FGA1")
        w.int64(seq)
        w.uuid(a.id)
        w.uint32(a.ledger)
        w.uint16(a.code.rawValue)
        w.uint16(a.flags.rawValue)
        w.string(a.operatorCode)
        w.string(a.name)
        w.int64(a.timestamp)
        return w.bytes
    }

    /// Bytes of a sticky transfer failure at position `seq`.
    public static func failure(_ f: TransferFailure, seq: Int64) -> [UInt8] {
        var w = Writer(tag: "FGF1")
        w.int64(seq)
        w.uuid(f.id)
        w.string(f.result.rawValue)
        w.int64(f.timestamp)
        return w.bytes
    }

    /// Bytes of an issued document at position `seq`: its identity, totals and the SHA-256 of its XML
    /// (`xmlDigest`), so changing one character of a stored document breaks the chain.
    public static func document(_ d: IssuedDocument, seq: Int64, xmlDigest: [UInt8]) -> [UInt8] {
        var w = Writer(tag: "FGD1")
        w.int64(seq)
        w.uuid(d.id)
        w.string(d.operatorCode)
        w.string(d.kind)
        w.string(d.template)
        w.string(d.series)
        w.int64(Int64(d.year))
        w.int64(d.number)
        w.string(d.authorityCode)
        w.string(d.source)
        w.int64(d.issuedAt)
        w.int64(d.total)
        w.int64(d.vat)
        w.bytes.append(contentsOf: xmlDigest)
        return w.bytes
    }

    /// Appends fields in a fixed binary layout.
    public struct Writer {
        public var bytes: [UInt8]

        public init(tag: String) {
            bytes = Array(tag.utf8)
            bytes.reserveCapacity(160)
        }

        public mutating func int64(_ v: Int64) { uint64(UInt64(bitPattern: v)) }
        public mutating func uint64(_ v: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) } }
        public mutating func uint32(_ v: UInt32) { for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) } }
        public mutating func uint16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
        public mutating func uuid(_ id: UUID) { bytes.append(contentsOf: id.bytes) }
        /// `nil` and "" are distinguished: `nil` is length 0xFFFFFFFF.
        public mutating func string(_ s: String?) {
            guard let s else { return uint32(UInt32.max) }
            let utf8 = Array(s.utf8)
            uint32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }
}
