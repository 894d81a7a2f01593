import FeeGateCore

/// Decoding and encoding of NAPAS VietQR payloads.
public enum VietQRCodec {
    /// The longest amount tag 54 may carry.
    public static let maximumAmountDigits = 13

    /// Decodes any EMVCo MPM payload strictly (see `EMVCodec`), recognises its scheme and, for a
    /// VietQR, checks and interprets the NAPAS fields.
    /// - Throws: `VietQRError` naming the first problem found (CRC, structure, then VietQR rules).
    public static func decode(_ payload: String) throws(VietQRError) -> DecodedQR {
        let parsed = try EMVCodec.parse(payload)
        let scheme = scheme(of: parsed)
        let vietQR: VietQR? = scheme == .vietQR ? try interpret(parsed) : nil
        return DecodedQR(payload: parsed, scheme: scheme, vietQR: vietQR)
    }

    /// Decodes a payload that must be a VietQR.
    /// - Throws: `.notVietQR` for a valid payload of another scheme, or any decoding error.
    public static func decodeVietQR(_ payload: String) throws(VietQRError) -> VietQR {
        let decoded = try decode(payload)
        guard let qr = decoded.vietQR else { throw .notVietQR(scheme: decoded.scheme) }
        return qr
    }

    /// The scheme of a parsed payload: VietQR when tag 38 carries the NAPAS GUID (even if other
    /// account templates are present too), VNPAY-QR when an account template carries VNPAY's.
    public static func scheme(of payload: EMVPayload) -> PaymentScheme {
        if payload.object(at: "38")?.child("00")?.value == VietQR.napasGUID { return .vietQR }
        let guids = payload.objects
            .filter { EMVCodec.isAccountTemplate($0.tag) }
            .compactMap { $0.child("00")?.value }
        if guids.contains(PaymentScheme.vnpayGUID) { return .vnpayQR }
        return .otherEMVCo(guids: guids)
    }

    // MARK: - Decoding

    private static let modelRootTags: Set<String> = ["00", "01", "38", "52", "53", "54", "58", "59", "60", "61", "62", "63"]

    private static func interpret(_ payload: EMVPayload) throws(VietQRError) -> VietQR {
        guard let initiationValue = payload.value(at: "01") else {
            throw .missingTag(path: "01", name: "point of initiation method")
        }
        guard let initiation = VietQR.Initiation(rawValue: initiationValue) else {
            throw .invalidValue(path: "01", value: initiationValue, reason: "must be 11 (static) or 12 (dynamic)")
        }
        guard let beneficiary = payload.object(at: "38/01") else {
            throw .missingTag(path: "38/01", name: "beneficiary organization")
        }
        guard let bin = beneficiary.child("00")?.value else { throw .missingTag(path: "38/01/00", name: "acquirer BIN") }
        guard bin.utf8.count == 6, bin.utf8.allSatisfy(isDigit) else {
            throw .invalidValue(path: "38/01/00", value: bin, reason: "a bank BIN is six digits")
        }
        guard let account = beneficiary.child("01")?.value else {
            throw .missingTag(path: "38/01/01", name: "account or card number")
        }
        guard account.unicodeScalars.count <= 19 else {
            throw .invalidValue(path: "38/01/01", value: account, reason: "an account or card number has at most 19 characters")
        }
        guard let currency = payload.value(at: "53") else { throw .missingTag(path: "53", name: "transaction currency") }
        guard currency == "704" else {
            throw .invalidValue(path: "53", value: currency, reason: "VietQR transfers are in VND (704)")
        }
        guard let country = payload.value(at: "58") else { throw .missingTag(path: "58", name: "country code") }
        guard country == "VN" else { throw .invalidValue(path: "58", value: country, reason: "the country code must be VN") }
        let amount: Money? = try payload.value(at: "54").map { (text: String) throws(VietQRError) -> Money in try parseAmount(text) }
        if let mcc = payload.value(at: "52"), !(mcc.utf8.count == 4 && mcc.utf8.allSatisfy(isDigit)) {
            throw .invalidValue(path: "52", value: mcc, reason: "a merchant category code is four digits")
        }

        var extras: [VietQR.ExtraObject] = []
        var additional = VietQR.AdditionalData()
        for object in payload.objects where !modelRootTags.contains(object.tag) {
            extras.append(VietQR.ExtraObject(parent: "", object: object))
        }
        for child in payload.object(at: "38")?.children ?? [] where !["00", "01", "02"].contains(child.tag) {
            extras.append(VietQR.ExtraObject(parent: "38", object: child))
        }
        for child in beneficiary.children ?? [] where !["00", "01"].contains(child.tag) {
            extras.append(VietQR.ExtraObject(parent: "38/01", object: child))
        }
        for child in payload.object(at: "62")?.children ?? [] where !additional.set(child.tag, child.value) {
            extras.append(VietQR.ExtraObject(parent: "62", object: child))
        }

        return VietQR(
            bin: bin,
            account: account,
            service: payload.value(at: "38/02").map(VietQR.Service.init(code:)),
            amount: amount,
            initiation: initiation,
            additionalData: additional,
            merchantCategoryCode: payload.value(at: "52"),
            merchantName: payload.value(at: "59"),
            merchantCity: payload.value(at: "60"),
            postalCode: payload.value(at: "61"),
            extraObjects: extras
        )
    }

    /// Tag 54: digits with at most one trailing "." (VND has no decimals), non-zero, ≤ 13 characters.
    private static func parseAmount(_ text: String) throws(VietQRError) -> Money {
        let digits = text.hasSuffix(".") ? String(text.dropLast()) : text
        guard text.utf8.count <= maximumAmountDigits, !digits.isEmpty, digits.utf8.allSatisfy(isDigit),
              let value = Int64(digits)
        else {
            throw .invalidValue(path: "54", value: text, reason: "an amount is at most 13 characters of digits (VND has no decimals)")
        }
        guard value > 0 else { throw .invalidValue(path: "54", value: text, reason: "the amount must not be zero") }
        return Money(value)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    // MARK: - Encoding

    /// Encodes `qr` canonically: objects in ascending ID order (which is NAPAS's order
    /// 00, 01, 38, 52, 53, 54, 58, 59, 60, 61, 62, …) with 63 last, amount as integer VND, ASCII
    /// only (Vietnamese diacritics removed from free text), CRC in upper-case hex.
    /// - Throws: `VietQRError` for any field that does not fit; nothing is truncated.
    public static func encode(_ qr: VietQR) throws(VietQRError) -> String {
        guard qr.bin.utf8.count == 6, qr.bin.utf8.allSatisfy(isDigit) else {
            throw .invalidField(field: "bin", value: qr.bin, reason: "a bank BIN is six digits")
        }
        guard !qr.account.isEmpty else { throw .emptyField(field: "account") }
        guard qr.account.utf8.allSatisfy(isAlphanumeric) else {
            throw .invalidField(field: "account", value: qr.account, reason: "only ASCII letters and digits are allowed")
        }
        let accountLength = qr.account.utf8.count
        guard accountLength <= 19 else { throw .fieldTooLong(field: "account", length: accountLength, maximum: 19) }

        var beneficiary = [EMVDataObject(tag: "00", value: qr.bin), EMVDataObject(tag: "01", value: qr.account)]
        var account = [EMVDataObject(tag: "00", value: VietQR.napasGUID)]
        if let service = qr.service {
            let code = service.code
            guard !code.isEmpty, code.utf8.count <= 10, code.utf8.allSatisfy(isAlphanumeric) else {
                throw .invalidField(field: "service", value: code, reason: "a service code is 1–10 ASCII letters or digits")
            }
            account.append(EMVDataObject(tag: "02", value: code))
        }

        var root = [EMVDataObject(tag: "00", value: "01"), EMVDataObject(tag: "01", value: qr.initiation.rawValue)]
        root.append(EMVDataObject(tag: "53", value: "704"))
        root.append(EMVDataObject(tag: "58", value: "VN"))
        if let amount = qr.amount {
            let text = String(amount.vnd)
            guard amount.vnd > 0, text.utf8.count <= maximumAmountDigits else {
                throw .invalidField(field: "amount", value: text, reason: "must be a positive whole number of VND of at most 13 digits")
            }
            root.append(EMVDataObject(tag: "54", value: text))
        }
        if let mcc = qr.merchantCategoryCode {
            guard mcc.utf8.count == 4, mcc.utf8.allSatisfy(isDigit) else {
                throw .invalidField(field: "merchant category code (52)", value: mcc, reason: "must be four digits")
            }
            root.append(EMVDataObject(tag: "52", value: mcc))
        }
        if let name = qr.merchantName {
            root.append(EMVDataObject(tag: "59", value: try ASCIIText.field(name, name: "merchant name (59)", maximum: 25)))
        }
        if let city = qr.merchantCity {
            root.append(EMVDataObject(tag: "60", value: try ASCIIText.field(city, name: "merchant city (60)", maximum: 15)))
        }
        if let postal = qr.postalCode {
            root.append(EMVDataObject(tag: "61", value: try ASCIIText.field(postal, name: "postal code (61)", maximum: 10)))
        }

        var additional: [EMVDataObject] = []
        for field in qr.additionalData.fields {
            guard let value = field.value else { continue }
            if field.tag == "09" {
                let letters = Array(value.utf8)
                guard !letters.isEmpty, letters.count <= 3, Set(letters).count == letters.count,
                      letters.allSatisfy({ $0 == UInt8(ascii: "A") || $0 == UInt8(ascii: "M") || $0 == UInt8(ascii: "E") })
                else {
                    throw .invalidField(field: field.name, value: value, reason: "any of A, M, E, each at most once")
                }
                additional.append(EMVDataObject(tag: "09", value: value))
            } else {
                additional.append(EMVDataObject(tag: field.tag, value: try ASCIIText.field(value, name: field.name, maximum: 25)))
            }
        }

        // Kept objects go back into their templates; they may not shadow a field the model owns.
        for extra in qr.extraObjects {
            let object = try checkedExtra(extra)
            let owned: Set<String>
            switch extra.parent {
            case "": owned = modelRootTags
            case "38": owned = ["00", "01", "02"]
            case "38/01": owned = ["00", "01"]
            case "62": owned = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]
            default:
                throw .invalidField(field: "extra object \(extra.path)", value: extra.object.value,
                                    reason: "kept objects may only sit at the root or in 38, 38/01 or 62")
            }
            guard !owned.contains(object.tag) else {
                throw .invalidField(field: "extra object \(extra.path)", value: object.value,
                                    reason: "this ID is set through its own field")
            }
            switch extra.parent {
            case "": root.append(object)
            case "38": account.append(object)
            case "38/01": beneficiary.append(object)
            default: additional.append(object)
            }
        }

        account.insert(try template("01", beneficiary, path: "38/01"), at: 1)
        root.append(try template("38", account, path: "38"))
        if !additional.isEmpty { root.append(try template("62", additional, path: "62")) }
        try rejectDuplicates(root, path: "")
        root.sort { $0.tag < $1.tag }
        return EMVCodec.sealed(root)
    }

    private static func template(_ tag: String, _ children: [EMVDataObject], path: String) throws(VietQRError) -> EMVDataObject {
        try rejectDuplicates(children, path: path)
        let object = EMVDataObject(tag: tag, children: children.sorted { $0.tag < $1.tag })
        let length = object.value.unicodeScalars.count
        guard length <= 99 else { throw .templateTooLong(tag: path, length: length) }
        return object
    }

    private static func rejectDuplicates(_ objects: [EMVDataObject], path: String) throws(VietQRError) {
        var seen: Set<String> = []
        for object in objects where !seen.insert(object.tag).inserted {
            throw .invalidField(field: path.isEmpty ? "tag \(object.tag)" : "tag \(path)/\(object.tag)",
                                value: object.value, reason: "appears twice")
        }
    }

    /// Re-checks a kept object before it is emitted: two-digit ID, 1–99 printable ASCII characters.
    private static func checkedExtra(_ extra: VietQR.ExtraObject) throws(VietQRError) -> EMVDataObject {
        let name = "extra object \(extra.path)"
        let object = extra.object
        guard object.tag.utf8.count == 2, object.tag.utf8.allSatisfy(isDigit) else {
            throw .invalidField(field: name, value: object.tag, reason: "an ID is two digits")
        }
        if let children = object.children {
            var checked: [EMVDataObject] = []
            for child in children {
                checked.append(try checkedExtra(VietQR.ExtraObject(parent: extra.path, object: child)))
            }
            return try template(object.tag, checked, path: extra.path)
        }
        return EMVDataObject(tag: object.tag, value: try ASCIIText.field(object.value, name: name, maximum: 99))
    }
}
