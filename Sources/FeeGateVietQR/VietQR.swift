import FeeGateCore

/// A NAPAS VietQR (EMVCo MPM profile for NAPAS247 transfers), as decoded or to be encoded.
///
/// Field names follow NAPAS "QR Format T&C v1.0" (09/2021). Values are kept as carried; only the
/// amount is interpreted (integer VND). Objects the model does not name are kept in `extraObjects`
/// so nothing a bank put in the payload is lost.
public struct VietQR: Sendable, Hashable {
    /// The NAPAS application identifier carried in 38/00.
    public static let napasGUID = "A000000727"

    /// Point of Initiation Method (tag 01).
    public enum Initiation: String, Sendable, Hashable, CaseIterable {
        /// `11`: the code may be paid many times (printed on a counter, a bus, a sign).
        case staticQR = "11"
        /// `12`: the code is for one transaction (usually carries an amount).
        case dynamicQR = "12"
    }

    /// Service code (38/02).
    public enum Service: Sendable, Hashable {
        /// `QRIBFTTA`: NAPAS247 transfer to an account number.
        case accountTransfer
        /// `QRIBFTTC`: NAPAS247 transfer to a card number.
        case cardTransfer
        /// `QRPUSH`: payment to an acquirer-onboarded merchant.
        case merchantPayment
        /// `QRCASH`: ATM cash withdrawal.
        case cashWithdrawal
        /// Any other code, kept verbatim.
        case other(String)

        /// The service for a code as carried in 38/02.
        public init(code: String) {
            switch code {
            case "QRIBFTTA": self = .accountTransfer
            case "QRIBFTTC": self = .cardTransfer
            case "QRPUSH": self = .merchantPayment
            case "QRCASH": self = .cashWithdrawal
            default: self = .other(code)
            }
        }

        /// The code carried in 38/02.
        public var code: String {
            switch self {
            case .accountTransfer: return "QRIBFTTA"
            case .cardTransfer: return "QRIBFTTC"
            case .merchantPayment: return "QRPUSH"
            case .cashWithdrawal: return "QRCASH"
            case .other(let code): return code
            }
        }
    }

    /// Additional Data Field Template (tag 62). Each value is at most 25 characters when encoded.
    public struct AdditionalData: Sendable, Hashable {
        /// 62/01 Bill Number: invoice or order number.
        public var billNumber: String?
        /// 62/02 Mobile Number.
        public var mobileNumber: String?
        /// 62/03 Store Label (e.g. parking lot).
        public var storeLabel: String?
        /// 62/04 Loyalty Number.
        public var loyaltyNumber: String?
        /// 62/05 Reference Label: the merchant's transaction reference.
        public var referenceLabel: String?
        /// 62/06 Customer Label.
        public var customerLabel: String?
        /// 62/07 Terminal Label (gate, bus, kiosk).
        public var terminalLabel: String?
        /// 62/08 Purpose of Transaction: the memo bank apps pre-fill as the transfer content.
        public var purpose: String?
        /// 62/09 Additional Consumer Data Request: any of `A`, `M`, `E`.
        public var consumerDataRequest: String?

        public init(
            billNumber: String? = nil, mobileNumber: String? = nil, storeLabel: String? = nil,
            loyaltyNumber: String? = nil, referenceLabel: String? = nil, customerLabel: String? = nil,
            terminalLabel: String? = nil, purpose: String? = nil, consumerDataRequest: String? = nil
        ) {
            self.billNumber = billNumber
            self.mobileNumber = mobileNumber
            self.storeLabel = storeLabel
            self.loyaltyNumber = loyaltyNumber
            self.referenceLabel = referenceLabel
            self.customerLabel = customerLabel
            self.terminalLabel = terminalLabel
            self.purpose = purpose
            self.consumerDataRequest = consumerDataRequest
        }

        /// The fields by sub-ID, in ID order, with a human name for error messages.
        var fields: [(tag: String, name: String, value: String?)] {
            [
                ("01", "bill number (62/01)", billNumber), ("02", "mobile number (62/02)", mobileNumber),
                ("03", "store label (62/03)", storeLabel), ("04", "loyalty number (62/04)", loyaltyNumber),
                ("05", "reference label (62/05)", referenceLabel), ("06", "customer label (62/06)", customerLabel),
                ("07", "terminal label (62/07)", terminalLabel), ("08", "purpose (62/08)", purpose),
                ("09", "consumer data request (62/09)", consumerDataRequest),
            ]
        }

        mutating func set(_ tag: String, _ value: String) -> Bool {
            switch tag {
            case "01": billNumber = value
            case "02": mobileNumber = value
            case "03": storeLabel = value
            case "04": loyaltyNumber = value
            case "05": referenceLabel = value
            case "06": customerLabel = value
            case "07": terminalLabel = value
            case "08": purpose = value
            case "09": consumerDataRequest = value
            default: return false
            }
            return true
        }

        /// `true` when no field is set.
        public var isEmpty: Bool { fields.allSatisfy { $0.value == nil } }
    }

    /// A data object the model does not name, with the template it sits in.
    public struct ExtraObject: Sendable, Hashable {
        /// The enclosing template's path: `""` (root), `"38"`, `"38/01"` or `"62"`.
        public let parent: String
        /// The object, children included when it is a template.
        public let object: EMVDataObject

        public init(parent: String, object: EMVDataObject) {
            self.parent = parent
            self.object = object
        }

        /// The object's full path, e.g. `62/09` or `80`.
        public var path: String { parent.isEmpty ? object.tag : parent + "/" + object.tag }
    }

    /// Tag 01.
    public var initiation: Initiation
    /// 38/01/00: the bank's BIN (BNB ID), six digits.
    public var bin: String
    /// 38/01/01: account number (QRIBFTTA) or card number (QRIBFTTC), at most 19 characters.
    public var account: String
    /// 38/02, absent in some payloads.
    public var service: Service?
    /// Tag 54 in integer VND; `nil` lets the payer type the amount.
    public var amount: Money?
    /// Tag 52 (ISO 18245), four digits.
    public var merchantCategoryCode: String?
    /// Tag 59, at most 25 characters.
    public var merchantName: String?
    /// Tag 60, at most 15 characters.
    public var merchantCity: String?
    /// Tag 61, at most 10 characters.
    public var postalCode: String?
    /// Tag 62.
    public var additionalData: AdditionalData
    /// Objects kept verbatim (tip indicator, language template, unreserved templates 80–99, …).
    public var extraObjects: [ExtraObject]

    /// A VietQR; the initiation method defaults to dynamic (`12`) when an amount is set and
    /// static (`11`) otherwise.
    public init(
        bin: String,
        account: String,
        service: Service? = .accountTransfer,
        amount: Money? = nil,
        initiation: Initiation? = nil,
        additionalData: AdditionalData = AdditionalData(),
        merchantCategoryCode: String? = nil,
        merchantName: String? = nil,
        merchantCity: String? = nil,
        postalCode: String? = nil,
        extraObjects: [ExtraObject] = []
    ) {
        self.bin = bin
        self.account = account
        self.service = service
        self.amount = amount
        self.initiation = initiation ?? (amount == nil ? .staticQR : .dynamicQR)
        self.additionalData = additionalData
        self.merchantCategoryCode = merchantCategoryCode
        self.merchantName = merchantName
        self.merchantCity = merchantCity
        self.postalCode = postalCode
        self.extraObjects = extraObjects
    }
}

/// Which payment scheme an EMVCo MPM payload belongs to.
public enum PaymentScheme: Sendable, Hashable {
    /// NAPAS VietQR: tag 38 with GUID `A000000727`.
    case vietQR
    /// VNPAY-QR: an account template (26–51) with GUID `A000000775`.
    case vnpayQR
    /// Another EMVCo payload; the GUIDs (or reverse domains) of its account templates 26–51.
    case otherEMVCo(guids: [String])

    /// The GUID of VNPAY-QR merchant account templates.
    public static let vnpayGUID = "A000000775"

    /// A stable identifier for JSON: `vietqr`, `vnpay_qr` or `emvco`.
    public var identifier: String {
        switch self {
        case .vietQR: return "vietqr"
        case .vnpayQR: return "vnpay_qr"
        case .otherEMVCo: return "emvco"
        }
    }

    /// A name for people.
    public var displayName: String {
        switch self {
        case .vietQR: return "VietQR (NAPAS)"
        case .vnpayQR: return "VNPAY-QR"
        case .otherEMVCo(let guids):
            return guids.isEmpty ? "EMVCo (no account template GUID)" : "EMVCo (account GUID \(guids.joined(separator: ", ")))"
        }
    }
}

/// A decoded payload: its TLV structure, its scheme and, for VietQR, the interpreted fields.
public struct DecodedQR: Sendable, Hashable {
    /// The structure exactly as parsed.
    public let payload: EMVPayload
    /// The scheme.
    public let scheme: PaymentScheme
    /// The VietQR fields when `scheme == .vietQR`.
    public let vietQR: VietQR?
}
