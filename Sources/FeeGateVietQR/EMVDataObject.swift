/// One EMVCo MPM data object: a two-digit ID, its value and, for templates, the parsed children.
public struct EMVDataObject: Sendable, Hashable {
    /// The two-digit ID ("00" … "99"). Its meaning depends on the enclosing template.
    public let tag: String
    /// The value exactly as carried. For a template this is the concatenation of its children.
    public let value: String
    /// The parsed children when the object is a template, `nil` for a primitive value.
    public let children: [EMVDataObject]?

    /// A primitive object.
    public init(tag: String, value: String) {
        self.tag = tag
        self.value = value
        self.children = nil
    }

    /// An object with already parsed children; `value` must be their serialisation.
    public init(tag: String, value: String, children: [EMVDataObject]?) {
        self.tag = tag
        self.value = value
        self.children = children
    }

    /// A template built from `children`, its value being their serialisation in the given order.
    public init(tag: String, children: [EMVDataObject]) {
        self.tag = tag
        self.value = children.map(\.serialized).joined()
        self.children = children
    }

    /// `ID` + two-digit length + value. Lengths count Unicode scalars, as EMVCo specifies for
    /// the "S" format; for the ASCII payloads FeeGate emits that is also the byte count.
    public var serialized: String {
        let count = value.unicodeScalars.count
        return tag + (count < 10 ? "0\(count)" : "\(count)") + value
    }

    /// The child with ID `tag`, if this object is a template that has one.
    public func child(_ tag: String) -> EMVDataObject? {
        children?.first { $0.tag == tag }
    }
}

/// How a payload's TLV lengths were counted.
public enum TLVLengthUnit: String, Sendable, Hashable {
    /// Unicode characters, as EMVCo specifies (the norm; identical to bytes for ASCII payloads).
    case characters
    /// UTF-8 bytes: some generators emit this for non-ASCII text; accepted only when the payload
    /// does not parse with character lengths.
    case utf8Bytes = "utf8_bytes"
}

/// A structurally valid EMVCo MPM payload: every length matched exactly, 00 first, 63 last, CRC good.
public struct EMVPayload: Sendable, Hashable {
    /// The root data objects in payload order (00 first, 63 last).
    public let objects: [EMVDataObject]
    /// How the lengths were counted.
    public let lengthUnit: TLVLengthUnit

    public init(objects: [EMVDataObject], lengthUnit: TLVLengthUnit) {
        self.objects = objects
        self.lengthUnit = lengthUnit
    }

    /// The object at a `/`-separated path of IDs, e.g. `"38/01/00"`.
    public func object(at path: String) -> EMVDataObject? {
        let tags = path.split(separator: "/").map(String.init)
        guard let first = tags.first, var current = objects.first(where: { $0.tag == first }) else { return nil }
        for tag in tags.dropFirst() {
            guard let next = current.child(tag) else { return nil }
            current = next
        }
        return current
    }

    /// The value at a `/`-separated path of IDs.
    public func value(at path: String) -> String? { object(at: path)?.value }

    /// The root objects serialised back (including tag 63 as found).
    public var serialized: String { objects.map(\.serialized).joined() }
}
