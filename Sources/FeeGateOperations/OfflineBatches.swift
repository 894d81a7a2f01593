import FeeGateCore
import FeeGateStore
import Foundation

/// One event of an offline meter's upload.
public struct ParkingDeviceEvent: Sendable {
    public enum Kind: Sendable {
        case start(StartParking)
        case stop(StopParking)
    }
    /// The device's own sequence number, from 1, without gaps.
    public let seq: Int64
    public let kind: Kind

    public init(seq: Int64, kind: Kind) {
        self.seq = seq
        self.kind = kind
    }
}

/// The result of one uploaded event.
public struct DeviceEventResult: Codable, Sendable {
    public let seq: Int64
    public let sessionID: String
    /// `ok`, `duplicate` (already uploaded: nothing changed) or `error`.
    public let result: String
    public let status: Int
    public let code: String?
    public let detail: String?
    public let session: ParkingSessionView?

    enum CodingKeys: String, CodingKey { case seq, sessionID = "session_id", result, status, code, detail, session }
}

/// What a device's uploads show: counts and the missing sequence numbers.
public struct DeviceView: Codable, Sendable {
    public let deviceID: String
    public let received: Int
    public let lastSeq: Int64?
    public let gaps: [[Int64]]

    enum CodingKeys: String, CodingKey { case deviceID = "device_id", received, lastSeq = "last_seq", gaps }

    init(_ report: DeviceReport) {
        deviceID = report.deviceID
        received = report.received
        lastSeq = report.lastSeq
        gaps = report.gaps.map { [$0.lowerBound, $0.upperBound] }
    }
}

/// The response to a batch upload.
public struct DeviceBatchView: Codable, Sendable {
    public let device: DeviceView
    public let results: [DeviceEventResult]
}

extension OperatorServices {
    /// Applies an offline meter's events in order, each with its own result; re-uploading changes
    /// nothing; the device's sequence gaps are reported so a dropped session cannot go unnoticed.
    public func uploadParkingEvents(deviceID: String, events: [ParkingDeviceEvent], operatorCode: String) async throws -> DeviceBatchView {
        var results: [DeviceEventResult] = []
        var recorded: [(seq: Int64, eventID: UUID, kind: String, result: String)] = []
        for event in events.sorted(by: { $0.seq < $1.seq }) {
            let sessionID: UUID, kind: String
            let outcome: Result<OperationResponse, any Error>
            switch event.kind {
            case .start(let start):
                sessionID = start.id
                kind = "start"
                do { outcome = .success(try await startParking(start, operatorCode: operatorCode)) } catch { outcome = .failure(error) }
            case .stop(let stop):
                sessionID = stop.sessionID
                kind = "stop"
                do { outcome = .success(try await stopParking(stop, operatorCode: operatorCode)) } catch { outcome = .failure(error) }
            }
            let result: DeviceEventResult
            switch outcome {
            case .success(let response):
                let view = try? JSONDecoder().decode(ParkingSessionView.self, from: Data(response.body.utf8))
                result = DeviceEventResult(seq: event.seq, sessionID: sessionID.lowercasedString, result: response.replayed ? "duplicate" : "ok",
                                           status: response.status, code: nil, detail: nil, session: view)
            case .failure(let error):
                let (status, code) = Self.classify(error)
                result = DeviceEventResult(seq: event.seq, sessionID: sessionID.lowercasedString, result: "error", status: status, code: code,
                                           detail: "\(error)", session: nil)
            }
            results.append(result)
            recorded.append((event.seq, sessionID, kind, result.result))
        }
        try await store.recordDeviceEvents(operatorCode: operatorCode, deviceID: deviceID, events: recorded)
        guard let report = try await store.deviceReport(operatorCode: operatorCode, deviceID: deviceID) else {
            return DeviceBatchView(device: DeviceView(DeviceReport(deviceID: deviceID, received: 0, lastSeq: nil, gaps: [])), results: results)
        }
        return DeviceBatchView(device: DeviceView(report), results: results)
    }

    /// A device's upload history and gaps.
    public func device(id: String, operatorCode: String) async throws -> DeviceView {
        guard let report = try await store.deviceReport(operatorCode: operatorCode, deviceID: id) else {
            throw OperationsError.notFound("device \(id) has uploaded nothing for this operator")
        }
        return DeviceView(report)
    }

    /// HTTP status and stable code of a flow error (shared by batch results and the gateway).
    public static func classify(_ error: any Error) -> (status: Int, code: String) {
        switch error {
        case OperationsError.invalid: return (422, "invalid")
        case OperationsError.conflict: return (409, "conflict")
        case OperationsError.notFound: return (404, "not_found")
        case OperationsError.denied: return (402, "token_denied")
        case OperationsError.unavailable: return (503, "unavailable")
        case OperationsError.ledgerRejected: return (409, "ledger_rejected")
        default: return (500, "internal_error")
        }
    }
}
