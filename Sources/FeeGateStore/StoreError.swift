import FeeGateCore

/// Errors of the store module, with messages a person can act on. GRDB errors never leave this module.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The database file could not be opened or prepared.
    case cannotOpen(path: String, reason: String)
    /// The database was migrated by a newer FeeGate than this one.
    case newerSchema(path: String)
    /// The database has not been migrated (`feegate migrate`).
    case notMigrated(path: String)
    /// A uniqueness rule was violated (e.g. an operator code already taken).
    case conflict(String)
    /// A referenced record does not exist.
    case notFound(String)
    /// Input the store refuses (a malformed operator code, tax code …).
    case invalid(String)
    /// An unexpected database failure; the message carries SQLite's reason, never statement arguments.
    case database(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open database \(path): \(reason)"
        case .newerSchema(let path): return "database \(path) was written by a newer FeeGate; upgrade this binary before using it"
        case .notMigrated(let path): return "database \(path) is not migrated; run `feegate migrate --db \(path)`"
        case .conflict(let message): return message
        case .notFound(let message): return message
        case .invalid(let message): return message
        case .database(let message): return "database error: \(message)"
        }
    }
}
