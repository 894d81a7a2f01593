import Foundation

/// One tariff file's text and its path relative to the tariff directory.
public struct TariffSourceFile: Sendable, Hashable {
    public let path: String
    public let contents: String

    public init(path: String, contents: String) {
        self.path = path
        self.contents = contents
    }
}

/// Every tariff version found in a tariff directory, plus every problem found in it.
///
/// Building a catalog never throws for bad content: problems become `diagnostics` (`file:line:
/// message`). `TariffEngine` refuses to quote from a catalog that has any.
public struct TariffCatalog: Sendable {
    /// All versions that could be read, ordered by file path.
    public let documents: [TariffDocument]
    /// Schema, overlap and reference problems, ordered by file and line.
    public let diagnostics: [TariffDiagnostic]
    /// Number of tariff files read.
    public let fileCount: Int
    /// `documents` by kind, ordered by id then start date: a quote looks up several kinds, so it must not scan
    /// and sort the whole catalog each time.
    private let byKind: [TariffKind: [TariffDocument]]

    /// Parses and validates the given files. Pure: no file system access.
    public init(files: [TariffSourceFile]) {
        var documents: [TariffDocument] = []
        var diagnostics: [TariffDiagnostic] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let (document, problems) = TariffFileParser.parse(path: file.path, contents: file.contents)
            diagnostics += problems
            if let document { documents.append(document) }
        }
        diagnostics += TariffValidator.validate(documents)
        self.documents = documents
        self.diagnostics = diagnostics.sorted {
            ($0.file, $0.line, $0.message) < ($1.file, $1.line, $1.message)
        }
        self.fileCount = files.count
        self.byKind = Self.index(documents)
    }

    /// Reads every `*.yaml` / `*.yml` file under `directory` (recursively, skipping hidden entries)
    /// and builds the catalog. Throws only when the directory itself cannot be read.
    public static func load(directory: String) throws(TariffError) -> TariffCatalog {
        // Resolve links first: the enumerator does not descend into a symlinked root (it would find no files).
        let root = URL(fileURLWithPath: directory, isDirectory: true).resolvingSymlinksInPath().standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .tariffDirectoryUnreadable(path: directory, reason: "no such directory")
        }
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            throw .tariffDirectoryUnreadable(path: directory, reason: "cannot list its contents")
        }
        var files: [TariffSourceFile] = []
        var unreadable: [TariffDiagnostic] = []
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let url as URL in enumerator {
            let ext = url.pathExtension.lowercased()
            guard ext == "yaml" || ext == "yml" else { continue }
            let full = url.standardizedFileURL.path
            let relative = full.hasPrefix(rootPath) ? String(full.dropFirst(rootPath.count)) : url.lastPathComponent
            guard let data = FileManager.default.contents(atPath: full) else {
                unreadable.append(TariffDiagnostic(file: relative, line: 1, message: "cannot read the file"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                unreadable.append(TariffDiagnostic(file: relative, line: 1, message: "file is not valid UTF-8 text"))
                continue
            }
            files.append(TariffSourceFile(path: relative, contents: text))
        }
        if files.isEmpty && unreadable.isEmpty {
            throw .tariffDirectoryUnreadable(path: directory, reason: "it holds no tariff files (*.yaml)")
        }
        let catalog = TariffCatalog(files: files)
        guard !unreadable.isEmpty else { return catalog }
        return TariffCatalog(documents: catalog.documents, diagnostics: (catalog.diagnostics + unreadable).sorted {
            ($0.file, $0.line, $0.message) < ($1.file, $1.line, $1.message)
        }, fileCount: catalog.fileCount + unreadable.count)
    }

    private init(documents: [TariffDocument], diagnostics: [TariffDiagnostic], fileCount: Int) {
        self.documents = documents
        self.diagnostics = diagnostics
        self.fileCount = fileCount
        self.byKind = Self.index(documents)
    }

    private static func index(_ documents: [TariffDocument]) -> [TariffKind: [TariffDocument]] {
        Dictionary(grouping: documents, by: \.meta.kind).mapValues { versions in
            versions.sorted { ($0.meta.id, $0.meta.effective.from) < ($1.meta.id, $1.meta.effective.from) }
        }
    }

    /// The versions of `kind` in force on `date`, ordered by tariff id.
    public func documents(_ kind: TariffKind, on date: LocalDate) -> [TariffDocument] {
        (byKind[kind] ?? []).filter { $0.meta.effective.contains(date) }
    }

    /// All versions of `kind`, ordered by id then start date.
    public func documents(_ kind: TariffKind) -> [TariffDocument] {
        byKind[kind] ?? []
    }
}
