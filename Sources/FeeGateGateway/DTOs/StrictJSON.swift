import FeeGateCore
import Foundation
import Hummingbird
import NIOCore

/// Strict request-body decoding: malformed JSON, unknown fields, wrong types and bad amounts all
/// become a ``Problem`` naming the exact field, before anything is written.
enum StrictJSON {
    /// Decodes the whole body as `T`, or throws a 400/422 ``Problem``.
    /// `fastPath`, when given, may answer first from the raw bytes; it must answer `nil` for anything the
    /// decoder would reject or read differently (see ``TransferBodyFastPath``).
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, context: AppRequestContext, fastPath: ((UnsafeRawBufferPointer) -> T?)? = nil
    ) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        if let fastPath, let value = buffer.withUnsafeReadableBytes(fastPath) { return value }
        let data = Data(buffer.readableBytesView)
        if data.isEmpty { throw Problem(status: .badRequest, code: "malformed_json", detail: "the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let problem as Problem {
            throw problem
        } catch let error as DecodingError {
            throw problem(for: error)
        }
    }

    static func pointer(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "/" : path.map { "/" + ($0.intValue.map(String.init) ?? $0.stringValue) }.joined()
    }

    private static func problem(for error: DecodingError) -> Problem {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return Problem(status: .badRequest, code: "malformed_json", detail: "the request body is not valid JSON")
        case .dataCorrupted(let context):
            return field(.unprocessableContent, "invalid_field", context.codingPath, context.debugDescription)
        case .keyNotFound(let key, let context):
            return field(.unprocessableContent, "missing_field", context.codingPath + [key], "required field '\(key.stringValue)' is missing")
        case .typeMismatch(let type, let context):
            return field(.badRequest, "invalid_field", context.codingPath, "wrong JSON type: expected \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return field(.badRequest, "invalid_field", context.codingPath, "must not be null (expected \(jsonTypeName(type)))")
        @unknown default:
            return Problem(status: .badRequest, code: "malformed_json", detail: "the request body could not be decoded")
        }
    }

    static func field(_ status: HTTPResponse.Status, _ code: String, _ path: [any CodingKey], _ detail: String) -> Problem {
        let pointer = pointer(path)
        return Problem(status: status, code: code, detail: "\(pointer): \(detail)", errors: [.init(pointer: pointer, detail: detail)])
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int64.Type, is Int.Type, is UInt32.Type, is Int32.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is [Any].Type: return "an array"
        default: return "an object"
        }
    }
}

extension Decoder {
    /// Throws a 400 naming the first field of this object that `Keys` does not list.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        // `Keys(stringValue:)` matches exactly the names of `Keys.allCases`, without building a set per object.
        // Only when a key is unknown are the keys sorted, so the error names the same (first sorted) field.
        guard container.allKeys.contains(where: { Keys(stringValue: $0.stringValue) == nil }) else { return }
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where Keys(stringValue: key.stringValue) == nil {
            throw StrictJSON.field(
                .badRequest, "unknown_field", codingPath + [key],
                "unknown field '\(key.stringValue)'; allowed: \(Keys.allCases.map(\.stringValue).joined(separator: ", "))")
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an amount in VND: a JSON integer from 0 to 10^15. Anything else is a 422 naming the field.
    func decodeAmount(forKey key: Key, required: Bool) throws -> Int64? {
        guard contains(key) else {
            if required { throw StrictJSON.field(.unprocessableContent, "missing_field", codingPath + [key], "required field '\(key.stringValue)' is missing") }
            return nil
        }
        let path = codingPath + [key]
        if try decodeNil(forKey: key) { throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must not be null") }
        if let value = try? decode(Int64.self, forKey: key) {
            if value < 0 { throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must not be negative (got \(value))") }
            if value > Money.maximum.vnd {
                throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount \(value) exceeds the maximum of 1000000000000000 VND (10^15)")
            }
            return value
        }
        if let decimal = try? decode(Decimal.self, forKey: key) {
            var rounded = decimal
            var source = decimal
            NSDecimalRound(&rounded, &source, 0, .plain)
            if rounded != decimal {
                throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must be a whole number of đồng (VND has no minor unit); got \(decimal)")
            }
            if decimal < 0 { throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must not be negative (got \(decimal))") }
            throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount \(decimal) exceeds the maximum of 1000000000000000 VND (10^15)")
        }
        if (try? decode(String.self, forKey: key)) != nil {
            throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must be a JSON integer, not a string")
        }
        throw StrictJSON.field(.unprocessableContent, "invalid_amount", path, "amount must be a JSON integer number of VND")
    }

    /// Decodes a UUID string with a precise error.
    func decodeUUID(forKey key: Key) throws -> UUID {
        let text = try decode(String.self, forKey: key)
        guard let id = UUID(text: text) else {
            throw StrictJSON.field(.badRequest, "invalid_field", codingPath + [key], "'\(text)' is not a UUID (e.g. 0192f0c4-6d3a-7b8e-9a1b-2c3d4e5f6a7b)")
        }
        return id
    }

    func decodeUUIDIfPresent(forKey key: Key) throws -> UUID? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeUUID(forKey: key)
    }
}
