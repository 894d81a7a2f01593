import Foundation

// Helpers shared by every test target: a seeded generator, a runner for the external tools the
// tests check against, and paths. Test-only: no product links it.

/// SplitMix64: a tiny deterministic generator, so every property, fuzz and differential test
/// replays exactly from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What an external command printed and how it exited.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Standard output followed by standard error.
    public var output: String { stdout + stderr }
}

/// A tool a test needs is not installed: the test fails (never skips) with the line that installs it.
public struct ToolMissing: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Runs external programs (the built `feegate`, `sqlite3`, `xmlsec1`, `openssl`, `zbarimg`, Python checkers).
public enum ExternalTool {
    /// The absolute path of `name` on `PATH`, or `ToolMissing` naming the install command.
    public static func path(_ name: String, install: String) throws -> String {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw ToolMissing(message: "\(name) is missing: \(install)") }
            return name
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        for dir in dirs where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        throw ToolMissing(message: "'\(name)' is required by this test and was not found on PATH; install it with: \(install)")
    }

    /// Runs `executable` (a path, or a name looked up on `PATH`) to completion.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        in directory: URL? = nil, install: String? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(executable, install: install ?? "apt-get install -y \(executable)"))
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = directory }
        // Output goes to files, not pipes, so a chatty child can never block on a full pipe.
        let scratch = try TemporaryDirectory()
        let outURL = scratch.url.appendingPathComponent("stdout"), errURL = scratch.url.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Runs `arguments[0]` (found on PATH) with the rest as arguments.
public func runTool(_ arguments: [String], stdin: String? = nil, installHint: String) throws -> CommandResult {
    try ExternalTool.run(arguments[0], Array(arguments.dropFirst()), stdin: stdin, install: installHint)
}

/// Runs a Python 3 snippet with arguments (`sys.argv[1...]`).
public func runPython(_ script: String, _ arguments: [String] = [], installHint: String = "apt-get install -y python3") throws -> CommandResult {
    try runTool(["python3", "-c", script] + arguments, installHint: installHint)
}

/// The package root (…/Tests/FeeGateTestSupport/TestSupport.swift → …).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `feegate` executable: `$FEEGATE_BIN`, else `.build/debug/feegate` (built by `swift build --build-tests`).
public var feegateExecutable: String {
    ProcessInfo.processInfo.environment["FEEGATE_BIN"] ?? packageRoot.appendingPathComponent(".build/debug/feegate").path
}

/// The shared reference folder's `vectors/`: the first `shared/vectors` beside the package or an ancestor
/// (`/work/shared` on developer machines, `<clone>/../shared` in CI).
public func sharedVectorsDirectory() -> URL? {
    var directory = packageRoot
    for _ in 0..<6 {
        let candidate = directory.appendingPathComponent("shared/vectors")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("vietqr.tsv").path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// A temporary directory removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("feegate-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
