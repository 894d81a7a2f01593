import AsyncHTTPClient
import FeeGateTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Testing

/// Runs the built `feegate` executable and external tools.
enum Tools {
    /// `$FEEGATE_BIN`, else `feegate` beside the test bundle (`swift build --build-tests` builds both).
    static var feegate: String {
        if let path = ProcessInfo.processInfo.environment["FEEGATE_BIN"] { return path }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("feegate").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/feegate").path
    }

    /// Runs a program to completion. A missing program is a test failure naming the package to install.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try ExternalTool.run(executable, arguments, environment: environment, install: executable.contains("/") ? "swift build --build-tests" : nil)
    }

    static func feegate(_ arguments: [String]) throws -> CommandResult { try run(feegate, arguments) }

    static func sqlite3(_ db: String, _ sql: String) throws -> CommandResult { try run("sqlite3", [db, sql]) }
}

/// A `feegate serve` child process on a loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL

    init(db: String, directory: URL, extraArguments: [String] = []) async throws {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            let log = directory.appendingPathComponent("serve-\(port).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Tools.feegate)
            process.arguments = ["serve", "--db", db, "--port", "\(port)", "--log-level", "warning",
                                 "--tariffs", packageRoot.appendingPathComponent("Tariffs").path] + extraArguments
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            if await Self.waitForHealth(port: port, process: process) {
                self.port = port
                self.log = log
                self.processRef = process
                return
            }
            process.terminate()
            lastError = ToolMissing(message: "server did not start on port \(port): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        throw lastError ?? ToolMissing(message: "server did not start")
    }

    private var processRef: Process?

    var base: String { "http://127.0.0.1:\(port)" }

    /// SIGKILL: no graceful shutdown, no chance to flush anything.
    func kill9() {
        guard let p = processRef else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    func stop() {
        guard let p = processRef, p.isRunning else { return }
        p.terminate()
        p.waitUntilExit()
    }

    private static func waitForHealth(port: Int, process: Process) async -> Bool {
        for _ in 0..<200 {
            if !process.isRunning { return false }
            if let response = try? await HTTP.send(.GET, "http://127.0.0.1:\(port)/health"), response.status == 200 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// Minimal JSON-over-HTTP helper on AsyncHTTPClient.
enum HTTP {
    struct Reply: Sendable {
        let status: Int
        let body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    enum Method { case GET, POST }

    static func send(
        _ method: Method, _ url: String, key: String? = nil, json: String? = nil, headers: [String: String] = [:], timeoutSeconds: Int64 = 10
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method == .GET ? .GET : .POST
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), body: Data(buffer: body))
    }
}

typealias Scratch = TemporaryDirectory
