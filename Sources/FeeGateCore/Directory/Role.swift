/// What an API key may do.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Everything, including the raw ledger API and key management.
    case admin
    /// One operator's own data: its sessions, taps, payments, documents.
    case `operator`
    /// Read-only exports for the tax office.
    case tax
    /// Read, settle and reconcile.
    case finance
}

/// The authenticated caller of a request.
public struct Principal: Sendable, Hashable {
    /// The API key's public id (never the secret).
    public let keyID: String
    public let role: Role
    /// Set for `operator` keys: the only operator whose data the key sees.
    public let operatorCode: String?

    public init(keyID: String, role: Role, operatorCode: String?) {
        self.keyID = keyID
        self.role = role
        self.operatorCode = operatorCode
    }
}
