/// Strict EMVCo Merchant-Presented Mode TLV parsing and serialisation, independent of any scheme.
///
/// Rules enforced: every ID and length is two decimal digits; every declared length fits its
/// template exactly (no stray characters, no overrun); lengths are 01–99; an ID appears at most once
/// per template; tag 00 is first and `01`; tag 63 is last, four hex digits and equal (ignoring case)
/// to the CRC-16/CCITT-FALSE of everything before its value. Object order is otherwise free.
/// Templates parsed strictly: root 26–51 (merchant account information), 62 and 64, and the
/// beneficiary template `01` inside any account template whose GUID is NAPAS `A000000727`.
/// Root 80–99 are parsed as templates only when their content reads exactly as TLV; otherwise
/// they are kept as primitive values, as wallets emit them.
public enum EMVCodec {
    /// Parses and checks a payload; see the type documentation for the rules.
    public static func parse(_ payload: String) throws(VietQRError) -> EMVPayload {
        guard !payload.isEmpty else { throw .emptyPayload }
        let scalars = Array(payload.unicodeScalars)
        // The CRC comes first: a corrupted payload is reported as such, not as whatever
        // structural damage the corruption happens to cause.
        if scalars.count >= 8, String(String.UnicodeScalarView(scalars[(scalars.count - 8)..<(scalars.count - 4)])) == "6304",
           scalars[(scalars.count - 4)...].allSatisfy(\.isHexDigit) {
            let found = String(String.UnicodeScalarView(scalars[(scalars.count - 4)...]))
            let body = String(String.UnicodeScalarView(scalars[..<(scalars.count - 4)]))
            let expected = CRC16.hex(of: body)
            guard found.uppercased() == expected else { throw .crcMismatch(found: found, expected: expected) }
        } else {
            // No well-formed CRC at the end: explain why from the structure.
            let objects = try parseWithFallback(payload).objects
            guard let crcIndex = objects.firstIndex(where: { $0.tag == "63" }) else {
                throw .missingTag(path: "63", name: "CRC")
            }
            if crcIndex != objects.count - 1 { throw .crcNotLast }
            throw .invalidValue(path: "63", value: objects[crcIndex].value, reason: "the CRC must be four hex digits")
        }
        let (objects, unit) = try parseWithFallback(payload)
        try checkRoot(objects)
        return EMVPayload(objects: objects, lengthUnit: unit)
    }

    /// `body` (every object except the CRC) followed by `6304` and its upper-case CRC.
    public static func sealed(_ body: String) -> String {
        let withHeader = body + "6304"
        return withHeader + CRC16.hex(of: withHeader)
    }

    /// Serialises `objects` (which must not include tag 63) and appends the CRC.
    public static func sealed(_ objects: [EMVDataObject]) -> String {
        sealed(objects.map(\.serialized).joined())
    }

    // MARK: - Parsing

    private static func parseWithFallback(_ payload: String) throws(VietQRError) -> (objects: [EMVDataObject], unit: TLVLengthUnit) {
        do {
            return (try parseRoot(payload, unit: .characters), .characters)
        } catch {
            // Some generators count UTF-8 bytes for non-ASCII text; accept that reading only when
            // it makes every length match, and report the spec-conformant reading's error otherwise.
            guard payload.utf8.count != payload.unicodeScalars.count,
                  let objects = try? parseRoot(payload, unit: .utf8Bytes)
            else { throw error }
            return (objects, .utf8Bytes)
        }
    }

    private static func parseRoot(_ payload: String, unit: TLVLengthUnit) throws(VietQRError) -> [EMVDataObject] {
        var root = try parseTemplate(payload, path: "", unit: unit)
        for index in root.indices {
            let object = root[index]
            if isUnreservedTemplate(object.tag) {
                // 80–99 "should" be templates, but wallets emit primitives there (MoMo's `80` = `046`):
                // parse them as a template only when that reading is exact, otherwise keep the value.
                if let children = try? parseTemplate(object.value, path: object.tag, unit: unit) {
                    root[index] = EMVDataObject(tag: object.tag, value: object.value, children: children)
                }
                continue
            }
            guard isRootTemplate(object.tag) else { continue }
            var children = try parseTemplate(object.value, path: object.tag, unit: unit)
            if isAccountTemplate(object.tag), children.first(where: { $0.tag == "00" })?.value == VietQR.napasGUID,
               let beneficiary = children.firstIndex(where: { $0.tag == "01" }) {
                let path = object.tag + "/01"
                let grandChildren = try parseTemplate(children[beneficiary].value, path: path, unit: unit)
                children[beneficiary] = EMVDataObject(tag: "01", value: children[beneficiary].value, children: grandChildren)
            }
            root[index] = EMVDataObject(tag: object.tag, value: object.value, children: children)
        }
        return root
    }

    static func isAccountTemplate(_ tag: String) -> Bool {
        guard let id = Int(tag) else { return false }
        return (26...51).contains(id)
    }

    private static func isRootTemplate(_ tag: String) -> Bool {
        guard let id = Int(tag) else { return false }
        return (26...51).contains(id) || id == 62 || id == 64
    }

    private static func isUnreservedTemplate(_ tag: String) -> Bool {
        guard let id = Int(tag) else { return false }
        return (80...99).contains(id)
    }

    /// Parses one template's content into objects, with exact length accounting.
    private static func parseTemplate(_ content: String, path: String, unit: TLVLengthUnit) throws(VietQRError) -> [EMVDataObject] {
        let bytes = Array(content.utf8)
        var objects: [EMVDataObject] = []
        var seen: Set<String> = []
        var index = 0
        func childPath(_ tag: String) -> String { path.isEmpty ? tag : path + "/" + tag }

        while index < bytes.count {
            let remaining = bytes.count - index
            let header = bytes[index..<min(bytes.count, index + 4)]
            guard remaining >= 4, header.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                if remaining < 4, let last = objects.last {
                    // Too few characters left for another object: the previous length was short.
                    let declared = last.value.unicodeScalars.count
                    throw .lengthMismatch(path: childPath(last.tag), declared: declared,
                                          actual: declared + characterCount(bytes[index...], unit: unit))
                }
                throw .malformedHeader(path: path, offset: characterCount(bytes[..<index], unit: unit),
                                       found: String(decoding: header, as: UTF8.self))
            }
            let tag = String(decoding: bytes[index..<(index + 2)], as: UTF8.self)
            let declared = Int(bytes[index + 2] - 0x30) * 10 + Int(bytes[index + 3] - 0x30)
            let start = index + 4
            guard declared > 0 else { throw .emptyValue(path: childPath(tag)) }
            guard let end = advance(bytes, from: start, by: declared, unit: unit) else {
                throw .lengthMismatch(path: childPath(tag), declared: declared,
                                      actual: characterCount(bytes[start...], unit: unit))
            }
            guard let value = String(validating: bytes[start..<end], as: UTF8.self) else {
                throw .invalidUTF8(path: childPath(tag))
            }
            guard seen.insert(tag).inserted else { throw .duplicateTag(path: childPath(tag)) }
            objects.append(EMVDataObject(tag: tag, value: value))
            index = end
        }
        return objects
    }

    /// The byte index `count` units after `start`, or `nil` if the content ends first.
    private static func advance(_ bytes: [UInt8], from start: Int, by count: Int, unit: TLVLengthUnit) -> Int? {
        switch unit {
        case .utf8Bytes:
            return start + count <= bytes.count ? start + count : nil
        case .characters:
            var index = start
            for _ in 0..<count {
                guard index < bytes.count else { return nil }
                index += 1
                while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
            }
            return index
        }
    }

    private static func characterCount(_ bytes: ArraySlice<UInt8>, unit: TLVLengthUnit) -> Int {
        switch unit {
        case .utf8Bytes: return bytes.count
        case .characters: return bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        }
    }

    private static func checkRoot(_ objects: [EMVDataObject]) throws(VietQRError) {
        guard let first = objects.first else { throw .emptyPayload }
        guard first.tag == "00" else { throw .formatIndicatorNotFirst(found: first.tag) }
        guard first.value == "01" else { throw .unsupportedFormatIndicator(first.value) }
        guard let last = objects.last, last.tag == "63" else { throw .crcNotLast }
        guard last.value.count == 4 else {
            throw .invalidValue(path: "63", value: last.value, reason: "the CRC must be four hex digits")
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isHexDigit: Bool {
        switch value {
        case 0x30...0x39, 0x41...0x46, 0x61...0x66: return true
        default: return false
        }
    }
}
