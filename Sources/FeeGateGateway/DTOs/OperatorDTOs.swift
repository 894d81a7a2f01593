import FeeGateOperations
import FeeGateTariffs
import Foundation
import HTTPTypes

/// Strict wire formats of the operator API, decoded into the operations module's request types.
enum OperatorDTO {
    struct StartSession: Decodable {
        let request: StartParking
        enum CodingKeys: String, CodingKey, CaseIterable { case id, zone, plate, vehicle, startedAt = "started_at", source, deviceID = "device_id" }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            request = StartParking(
                id: try c.decodeUUID(forKey: .id), zone: try c.decode(String.self, forKey: .zone), plate: try c.decode(String.self, forKey: .plate),
                vehicle: try c.decode(String.self, forKey: .vehicle), startedAt: try c.decodeInstant(forKey: .startedAt),
                source: try c.decode(String.self, forKey: .source), deviceID: try c.decodeIfPresent(String.self, forKey: .deviceID))
        }
    }

    struct Payment: Decodable {
        let value: ParkingPayment
        enum CodingKeys: String, CodingKey, CaseIterable { case method, authorization, reason, funder }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            value = ParkingPayment(method: try c.decode(String.self, forKey: .method), authorization: try c.decodeIfPresent(String.self, forKey: .authorization),
                                   reason: try c.decodeIfPresent(String.self, forKey: .reason), funder: try c.decodeIfPresent(String.self, forKey: .funder))
        }
    }

    struct StopSession: Decodable {
        let endedAt: Int64
        let payment: ParkingPayment
        enum CodingKeys: String, CodingKey, CaseIterable { case endedAt = "ended_at", payment }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            endedAt = try c.decodeInstant(forKey: .endedAt)
            payment = try c.decode(Payment.self, forKey: .payment).value
        }
    }

    /// One event of an offline upload: `type` start (with the start fields) or stop (with `session_id` and the stop fields).
    struct DeviceEvent: Decodable {
        let event: ParkingDeviceEvent
        enum CodingKeys: String, CodingKey, CaseIterable {
            case seq, type, id, zone, plate, vehicle, startedAt = "started_at", source, sessionID = "session_id", endedAt = "ended_at", payment
        }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let seq = try c.decode(Int64.self, forKey: .seq)
            guard seq >= 1 else { throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.seq], "seq starts at 1") }
            switch try c.decode(String.self, forKey: .type) {
            case "start":
                event = ParkingDeviceEvent(seq: seq, kind: .start(StartParking(
                    id: try c.decodeUUID(forKey: .id), zone: try c.decode(String.self, forKey: .zone), plate: try c.decode(String.self, forKey: .plate),
                    vehicle: try c.decode(String.self, forKey: .vehicle), startedAt: try c.decodeInstant(forKey: .startedAt),
                    source: try c.decodeIfPresent(String.self, forKey: .source) ?? "meter", deviceID: nil)))
            case "stop":
                event = ParkingDeviceEvent(seq: seq, kind: .stop(StopParking(
                    sessionID: try c.decodeUUID(forKey: .sessionID), endedAt: try c.decodeInstant(forKey: .endedAt),
                    payment: try c.decode(Payment.self, forKey: .payment).value)))
            case let other:
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.type], "type must be start or stop, not '\(other)'")
            }
        }
    }

    struct DeviceBatch: Decodable {
        let deviceID: String
        let events: [ParkingDeviceEvent]
        enum CodingKeys: String, CodingKey, CaseIterable { case deviceID = "device_id", events }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            deviceID = try c.decode(String.self, forKey: .deviceID)
            events = try c.decode([DeviceEvent].self, forKey: .events).map(\.event)
        }
    }

    struct Token: Decodable {
        let value: TokenInput
        enum CodingKeys: String, CodingKey, CaseIterable { case type, value }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            value = TokenInput(type: try c.decode(String.self, forKey: .type), value: try c.decode(String.self, forKey: .value))
        }
    }

    struct Tap: Decodable {
        let request: TapRequest
        enum CodingKeys: String, CodingKey, CaseIterable { case id, token, route, vehicle, validatorID = "validator_id", at }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            request = TapRequest(
                id: try c.decodeUUID(forKey: .id), token: try c.decode(Token.self, forKey: .token).value, route: try c.decode(String.self, forKey: .route),
                vehicle: try c.decode(String.self, forKey: .vehicle), validatorID: try c.decode(String.self, forKey: .validatorID),
                at: try c.decodeInstant(forKey: .at))
        }
    }

    struct TapBatch: Decodable {
        let taps: [TapRequest]
        enum CodingKeys: String, CodingKey, CaseIterable { case taps }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            taps = try decoder.container(keyedBy: CodingKeys.self).decode([Tap].self, forKey: .taps).map(\.request)
        }
    }

    struct Rider: Decodable {
        let request: RiderRegistration
        enum CodingKeys: String, CodingKey, CaseIterable { case id, token, category, validFrom = "valid_from", validTo = "valid_to" }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            request = RiderRegistration(
                id: try c.decodeUUID(forKey: .id), token: try c.decode(Token.self, forKey: .token).value, category: try c.decode(String.self, forKey: .category),
                validFrom: try c.decode(String.self, forKey: .validFrom), validTo: try c.decode(String.self, forKey: .validTo))
        }
    }

    struct Pass: Decodable {
        let request: PassPurchase
        enum CodingKeys: String, CodingKey, CaseIterable { case id, token, product, category, route, validMonth = "valid_month", payment }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            request = PassPurchase(
                id: try c.decodeUUID(forKey: .id), token: try c.decode(Token.self, forKey: .token).value, product: try c.decode(String.self, forKey: .product),
                category: try c.decode(String.self, forKey: .category), route: try c.decodeIfPresent(String.self, forKey: .route),
                validMonth: try c.decode(String.self, forKey: .validMonth), payment: try c.decode(Payment.self, forKey: .payment).value)
        }
    }

    struct DenyList: Decodable {
        let token: TokenInput
        let deny: Bool
        let reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case token, action, reason }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            token = try c.decode(Token.self, forKey: .token).value
            let action = try c.decode(String.self, forKey: .action)
            guard action == "deny" || action == "allow" else {
                throw StrictJSON.field(.unprocessableContent, "invalid_field", c.codingPath + [CodingKeys.action], "action must be deny or allow")
            }
            deny = action == "deny"
            reason = try c.decode(String.self, forKey: .reason)
        }
    }

    struct Payer: Decodable {
        let name: String
        let idNumber: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case name, idNumber = "id_number" }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            idNumber = try c.decodeIfPresent(String.self, forKey: .idNumber)
        }
    }

    struct FeePayment: Decodable {
        let id: UUID
        let feeCode: String
        let payer: Payer
        let payment: ParkingPayment
        let amount: Int64?
        enum CodingKeys: String, CodingKey, CaseIterable { case id, feeCode = "fee_code", payer, payment, amount }
        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeUUID(forKey: .id)
            feeCode = try c.decode(String.self, forKey: .feeCode)
            payer = try c.decode(Payer.self, forKey: .payer)
            payment = try c.decode(Payment.self, forKey: .payment).value
            amount = try c.decodeAmount(forKey: .amount, required: false)
        }
    }
}

extension KeyedDecodingContainer {
    /// An ISO 8601 instant with an explicit offset (`2026-11-21T08:00:00+07:00` or `…Z`), as Unix seconds.
    func decodeInstant(forKey key: Key) throws -> Int64 {
        let text = try decode(String.self, forKey: key)
        guard let seconds = RequestTime.epochSeconds(text) else {
            throw StrictJSON.field(.badRequest, "invalid_field", codingPath + [key], "'\(text)' is not an ISO 8601 time with offset (e.g. 2026-11-21T08:00:00+07:00)")
        }
        guard RequestTime.isInRange(seconds) else {
            throw StrictJSON.field(.unprocessableContent, "invalid_field", codingPath + [key], "'\(text)' is outside 2000–2099")
        }
        return seconds
    }
}

/// Times in requests (bodies and query parameters): ISO 8601 with an explicit offset, within 2000–2099.
enum RequestTime {
    /// Unix seconds of `text`, or `nil` unless it is an ISO 8601 date-time with `Z` or `±hh:mm`.
    static func epochSeconds(_ text: String) -> Int64? {
        guard text.contains("T"), text.hasSuffix("Z") || text.dropFirst(10).contains("+") || text.dropFirst(10).contains("-") else { return nil }
        return HanoiDateTime.parse(text)?.epochSeconds
    }

    /// Invoice series and MTT codes carry two-digit years, and ledger time is Int64 nanoseconds: 2000–2099 only.
    static func isInRange(_ seconds: Int64) -> Bool { seconds >= 946_684_800 && seconds < 4_102_444_800 }
}
