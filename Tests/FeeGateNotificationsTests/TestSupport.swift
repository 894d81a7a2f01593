import Foundation
import Testing

/// Output of an external command.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `arguments[0]` found on PATH. A missing tool makes the calling test fail with `installHint`.
func runTool(_ arguments: [String], stdin: String? = nil, installHint: String) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let result = CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self)
    )
    if result.status == 127 {
        Issue.record("\(arguments[0]) is not installed: \(installHint)")
    }
    return result
}

/// Runs a Python 3 snippet with arguments (`sys.argv[1...]`).
func runPython(_ script: String, _ arguments: [String] = [], installHint: String = "apt-get install python3") throws -> CommandResult {
    try runTool(["python3", "-c", script] + arguments, installHint: installHint)
}

/// The package root (…/Tests/<target>/<file> → …).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The shared vectors folder: the first `shared/vectors` found beside the package or an ancestor
/// (`/work/shared` on developer machines, `<clone>/../shared` in CI).
func sharedVectorsDirectory() -> URL? {
    var directory = packageRoot
    for _ in 0..<6 {
        let candidate = directory.appendingPathComponent("shared/vectors")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("vietqr.tsv").path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// A small deterministic PRNG (SplitMix64) so fuzz and property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
