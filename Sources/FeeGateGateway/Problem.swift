import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem detail, rendered as `application/problem+json`.
///
/// `code` is stable and machine-readable (clients switch on it); `type` is `urn:feegate:problem:<code>`;
/// `detail` is a sentence a person can act on. Field errors carry a JSON Pointer to the offending input.
public struct Problem: HTTPResponseError, Sendable {
    public struct FieldError: Codable, Sendable, Equatable {
        /// JSON Pointer (RFC 6901) into the request body, e.g. `/transfers/3/amount`.
        public let pointer: String
        public let detail: String
    }

    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String
    public var errors: [FieldError] = []
    public var extra: [String: String] = [:]
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, code: String, detail: String, errors: [FieldError] = [], extra: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.extra = extra
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(status: .unauthorized, code: "unauthorized", detail: "\(detail): send `Authorization: Bearer <key>` with a key from `feegate keys create`")
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"feegate\""
        return problem
    }

    static func notFound(_ what: String) -> Problem {
        Problem(status: .notFound, code: "not_found", detail: "\(what) not found")
    }

    /// The standard reason phrase; statuses built from a bare code carry none.
    static func title(for status: HTTPResponse.Status) -> String {
        if !status.reasonPhrase.isEmpty { return status.reasonPhrase }
        let phrases = [400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                       422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"]
        return phrases[status.code] ?? "HTTP \(status.code)"
    }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let code: String
        let instance: String?
        let errors: [FieldError]?
        let extra: [String: String]

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(type, forKey: AnyKey("type"))
            try c.encode(title, forKey: AnyKey("title"))
            try c.encode(status, forKey: AnyKey("status"))
            try c.encode(detail, forKey: AnyKey("detail"))
            try c.encode(code, forKey: AnyKey("code"))
            try c.encodeIfPresent(instance, forKey: AnyKey("instance"))
            try c.encodeIfPresent(errors, forKey: AnyKey("errors"))
            for (key, value) in extra.sorted(by: { $0.key < $1.key }) { try c.encode(value, forKey: AnyKey(key)) }
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "urn:feegate:problem:\(code)", title: Self.title(for: status), status: status.code, detail: detail, code: code,
            instance: request.uri.path, errors: errors.isEmpty ? nil : errors, extra: extra)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A coding key built from any string (unknown-field checks, dynamic objects).
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { Int(stringValue) }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue) }
}
