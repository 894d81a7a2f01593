import ArgumentParser
import FeeGateStore
import Foundation

/// `--db PATH`, shared by every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite database file.", discussion: "Default: $FEEGATE_DB, else ./feegate.sqlite.", valueName: "path"))
    var path: String?

    /// The path actually used.
    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["FEEGATE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "./feegate.sqlite"
    }

    /// Opens (and migrates) the database.
    func open(migrate: Bool = true) throws -> GatewayStore {
        let path = resolvedPath
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory) else {
            throw CLIError("the directory of \(path) does not exist; create it or pass another --db")
        }
        if !migrate && !FileManager.default.fileExists(atPath: path) {
            throw CLIError("no database at \(path); pass --db PATH or set FEEGATE_DB")
        }
        return try GatewayStore.open(path: path, migrate: migrate)
    }
}

/// An error reported to the person at the terminal, then exit 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
