import FeeGateCore
import FeeGateTariffs
import Foundation
import Testing

/// The shipped `Tariffs/` directory of this package.
let shippedTariffs: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Tariffs")

/// Engine over the shipped tariffs (fails the test if they do not validate).
func shippedEngine() throws -> TariffEngine {
    let catalog = try TariffCatalog.load(directory: shippedTariffs.path)
    #expect(catalog.diagnostics.isEmpty, "shipped tariffs have problems: \(catalog.diagnostics)")
    return try TariffEngine(catalog: catalog)
}

/// A Hanoi-local or offset ISO 8601 instant; fails the test on a typo.
func t(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> HanoiDateTime {
    try #require(HanoiDateTime.parse(text), "bad test timestamp \(text)", sourceLocation: sourceLocation)
}

/// A temporary copy of the shipped tariff directory that a test may break; removed on deinit.
final class TariffSandbox {
    let root: URL

    init(copyShipped: Bool = true) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("feegate-tariffs-\(UUID().uuidString)", isDirectory: true)
        if copyShipped {
            try FileManager.default.copyItem(at: shippedTariffs, to: root)
        } else {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes (or overwrites) `path` relative to the sandbox root.
    func write(_ path: String, _ contents: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: root.appendingPathComponent(path)), as: UTF8.self)
    }

    /// Replaces exactly one occurrence of `old` in `path` (fails the test otherwise).
    func replace(_ path: String, _ old: String, with new: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try read(path)
        let count = text.components(separatedBy: old).count - 1
        try #require(count == 1, "expected exactly one '\(old)' in \(path), found \(count)", sourceLocation: sourceLocation)
        try write(path, text.replacingOccurrences(of: old, with: new))
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(path))
    }

    func catalog() throws -> TariffCatalog { try TariffCatalog.load(directory: root.path) }

    func engine() throws -> TariffEngine { try TariffEngine(catalog: catalog()) }

    /// The diagnostics as `file:line: message` strings.
    func problems() throws -> [String] { try catalog().diagnostics.map(\.description) }
}

/// Runs `body` and returns the `TariffError` it throws (fails the test if it does not throw one).
func tariffError<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(TariffError) -> T) -> TariffError? {
    do {
        let value = try body()
        Issue.record("expected a TariffError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
