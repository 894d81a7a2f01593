import ArgumentParser
import FeeGateOperations
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

/// `--documents-config FILE`, shared by the commands that sign documents, closings and exports.
struct DocumentsOptions: ParsableArguments {
    @Option(name: .customLong("documents-config"),
            help: ArgumentHelp("Documents configuration (JSON: per operator PKCS#12 key, address, series; the gateway's key).",
                               discussion: "Default: $FEEGATE_DOCUMENTS_CONFIG; without it no documents are issued.", valueName: "file"))
    var path: String?

    var resolvedPath: String? { path ?? ProcessInfo.processInfo.environment["FEEGATE_DOCUMENTS_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The parsed file, or `nil` when none is configured.
    func load() throws -> DocumentsConfiguration? {
        guard let path = resolvedPath else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read documents configuration \(path)") }
        do { return try JSONDecoder().decode(DocumentsConfiguration.self, from: data) } catch {
            throw CLIError("documents configuration \(path) is not valid: \(error)")
        }
    }

    /// The configuration, required.
    func require(for what: String) throws -> DocumentsConfiguration {
        guard let config = try load() else {
            throw CLIError("\(what) needs the documents configuration (operators' keys): pass --documents-config FILE or set FEEGATE_DOCUMENTS_CONFIG")
        }
        return config
    }
}
