import FeeGateCore
import FeeGateNotifications
import FeeGateVietQR
import Foundation

/// Collection accounts and payment-provider credentials per operator, read from a JSON file
/// (`feegate serve --payments-config FILE` or `$FEEGATE_PAYMENTS_CONFIG`).
///
/// ```json
/// {"operators": {"HN-PARK-01": {
///     "collection_account": {"bin": "970436", "account": "0011001234567", "merchant_name": "HAPARK"},
///     "payos":  {"checksum_key": "…"},
///     "casso":  {"checksum_key": "…", "timestamp_tolerance_seconds": 300},
///     "vnpay":  {"hash_secret": "…"},
///     "sepay":  {"api_key": "…"}            // or {"hmac_secret": "…", "timestamp_tolerance_seconds": 300}
/// }}}
/// ```
/// Every key is checked: an unknown key is an error (a typo must not silently disable a check).
/// Secrets are never printed: ``summary`` names only operators and providers.
public struct PaymentsConfiguration: Sendable {
    /// The bank account an operator collects VietQR payments on.
    public struct CollectionAccount: Sendable, Hashable {
        /// Six-digit bank BIN (38/01/00).
        public let bin: String
        /// Account number (38/01/01), at most 19 letters or digits.
        public let account: String
        /// Optional merchant name (tag 59, ≤ 25 ASCII characters after folding).
        public let merchantName: String?

        public init(bin: String, account: String, merchantName: String? = nil) {
            self.bin = bin
            self.account = account
            self.merchantName = merchantName
        }

        /// The account number with all but the last four characters masked, for logs and listings.
        public var masked: String { String(repeating: "*", count: max(0, account.count - 4)) + account.suffix(4) }
    }

    /// One operator's settings.
    public struct OperatorSettings: Sendable {
        public var collectionAccount: CollectionAccount?
        /// payOS checksum key.
        public var payOSChecksumKey: String?
        /// Casso webhook V2 key and timestamp window (`nil` = no window).
        public var casso: (checksumKey: String, tolerance: Duration?)?
        /// VNPAY terminal hash secret.
        public var vnpayHashSecret: String?
        /// SePay authentication (API key or HMAC).
        public var sepay: SePayWebhookVerifier.Authentication?

        public init(
            collectionAccount: CollectionAccount? = nil, payOSChecksumKey: String? = nil, casso: (checksumKey: String, tolerance: Duration?)? = nil,
            vnpayHashSecret: String? = nil, sepay: SePayWebhookVerifier.Authentication? = nil
        ) {
            self.collectionAccount = collectionAccount
            self.payOSChecksumKey = payOSChecksumKey
            self.casso = casso
            self.vnpayHashSecret = vnpayHashSecret
            self.sepay = sepay
        }

        /// The providers with credentials.
        public var providers: [NotificationProvider] {
            var out: [NotificationProvider] = []
            if payOSChecksumKey != nil { out.append(.payOS) }
            if casso != nil { out.append(.casso) }
            if vnpayHashSecret != nil { out.append(.vnpay) }
            if sepay != nil { out.append(.sepay) }
            return out
        }
    }

    /// Settings by operator code.
    public var operators: [String: OperatorSettings]

    public init(operators: [String: OperatorSettings] = [:]) {
        self.operators = operators
    }

    /// No operators: intents and notifications are refused until a file is given.
    public static let none = PaymentsConfiguration()

    /// A line for the start-up log: operators and providers, never secrets or full account numbers.
    public var summary: String {
        guard !operators.isEmpty else { return "no operators configured" }
        return operators.keys.sorted().map { code in
            let settings = operators[code] ?? OperatorSettings()
            let account = settings.collectionAccount.map { "\($0.bin)/\($0.masked)" } ?? "no collection account"
            return "\(code) [\(account); \(settings.providers.map(\.rawValue).joined(separator: ",").nilIfEmpty ?? "no providers")]"
        }.joined(separator: "; ")
    }

    /// Reads and validates the file at `path`.
    public static func load(path: String) throws -> PaymentsConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PaymentsConfigurationError("payments configuration \(path) cannot be read")
        }
        return try parse(data, source: path)
    }

    /// Parses and validates a configuration document; `source` names it in error messages.
    public static func parse(_ data: Data, source: String) throws -> PaymentsConfiguration {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PaymentsConfigurationError("\(source): not valid JSON")
        }
        let top = try object(root, "\(source)", allowed: ["operators"])
        let operators = try object(top["operators"] ?? [String: Any](), "\(source): operators", allowed: nil)
        var result = PaymentsConfiguration()
        for (code, value) in operators {
            let path = "\(source): operators.\(code)"
            let entry = try object(value, path, allowed: ["collection_account", "payos", "casso", "vnpay", "sepay"])
            var settings = OperatorSettings()
            if let raw = entry["collection_account"] {
                let account = try object(raw, "\(path).collection_account", allowed: ["bin", "account", "merchant_name"])
                let collection = CollectionAccount(
                    bin: try string(account, "bin", "\(path).collection_account"),
                    account: try string(account, "account", "\(path).collection_account"),
                    merchantName: try optionalString(account, "merchant_name", "\(path).collection_account"))
                do {
                    // The account must be encodable as a VietQR before the server accepts traffic.
                    _ = try VietQRCodec.encode(
                        VietQR(bin: collection.bin, account: collection.account, amount: 1, merchantName: collection.merchantName))
                } catch {
                    throw PaymentsConfigurationError("\(path).collection_account: \(error)")
                }
                settings.collectionAccount = collection
            }
            if let raw = entry["payos"] {
                let payos = try object(raw, "\(path).payos", allowed: ["checksum_key"])
                settings.payOSChecksumKey = try string(payos, "checksum_key", "\(path).payos")
            }
            if let raw = entry["casso"] {
                let casso = try object(raw, "\(path).casso", allowed: ["checksum_key", "timestamp_tolerance_seconds"])
                settings.casso = (
                    try string(casso, "checksum_key", "\(path).casso"), try tolerance(casso, "\(path).casso", defaultSeconds: 300)
                )
            }
            if let raw = entry["vnpay"] {
                let vnpay = try object(raw, "\(path).vnpay", allowed: ["hash_secret"])
                settings.vnpayHashSecret = try string(vnpay, "hash_secret", "\(path).vnpay")
            }
            if let raw = entry["sepay"] {
                let sepay = try object(raw, "\(path).sepay", allowed: ["api_key", "hmac_secret", "timestamp_tolerance_seconds"])
                switch (try optionalString(sepay, "api_key", "\(path).sepay"), try optionalString(sepay, "hmac_secret", "\(path).sepay")) {
                case (let key?, nil): settings.sepay = .apiKey(key)
                case (nil, let secret?):
                    settings.sepay = .hmacSHA256(
                        secret: secret, tolerance: try tolerance(sepay, "\(path).sepay", defaultSeconds: 300) ?? .seconds(100 * 365 * 86_400))  // 0: no window
                default: throw PaymentsConfigurationError("\(path).sepay: give exactly one of api_key or hmac_secret")
                }
            }
            result.operators[code] = settings
        }
        return result
    }

    private static func object(_ value: Any, _ path: String, allowed: Set<String>?) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw PaymentsConfigurationError("\(path): must be a JSON object") }
        if let allowed {
            for key in object.keys.sorted() where !allowed.contains(key) {
                throw PaymentsConfigurationError("\(path): unknown key '\(key)'; allowed: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        return object
    }

    private static func string(_ object: [String: Any], _ key: String, _ path: String) throws -> String {
        guard let value = try optionalString(object, key, path) else { throw PaymentsConfigurationError("\(path): '\(key)' is required") }
        return value
    }

    private static func optionalString(_ object: [String: Any], _ key: String, _ path: String) throws -> String? {
        guard let raw = object[key] else { return nil }
        guard let text = raw as? String, !text.isEmpty else { throw PaymentsConfigurationError("\(path).\(key): must be a non-empty string") }
        return text
    }

    /// `timestamp_tolerance_seconds`: absent → the default; 0 → no window.
    private static func tolerance(_ object: [String: Any], _ path: String, defaultSeconds: Int64) throws -> Duration? {
        guard let raw = object["timestamp_tolerance_seconds"] else { return .seconds(defaultSeconds) }
        guard let number = raw as? NSNumber, let seconds = Int64(exactly: number.doubleValue), seconds >= 0 else { throw PaymentsConfigurationError("\(path).timestamp_tolerance_seconds: must be a whole number of seconds ≥ 0") }
        return seconds == 0 ? nil : .seconds(seconds)
    }
}

/// A payments configuration file that cannot be used, with the path of the offending key.
public struct PaymentsConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
