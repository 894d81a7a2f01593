import Foundation

/// A minimal, strict XML reader and inclusive-C14N writer for the documents FeeGate produces and verifies.
///
/// It accepts XML 1.0 in UTF-8 with elements, attributes, text, the five predefined entities and character
/// references, an optional XML declaration and whitespace around the root. It **rejects** everything FeeGate
/// never writes — DTDs, comments, processing instructions, CDATA, namespace prefixes — with a message saying so,
/// because a verifier that silently accepted them would have to canonicalise them too.
public struct XMLElement: Sendable, Hashable {
    public let name: String
    /// Attributes in document order; `xmlns` (the default-namespace declaration) is kept here too.
    public let attributes: [XMLAttribute]
    public let children: [XMLNode]
    /// Byte offset of the `<` that opened it, for error messages.
    public let offset: Int

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

    /// Child elements, in order.
    public var elementChildren: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { return e } else { return nil } }
    }

    /// The first child element called `name`, or `nil`.
    public func child(_ name: String) -> XMLElement? { elementChildren.first { $0.name == name } }

    /// The element's own text (its text children joined; text inside child elements is not included).
    public var text: String { children.map { if case .text(let t) = $0 { t } else { "" } }.joined() }
}

public struct XMLAttribute: Sendable, Hashable {
    public let name: String
    public let value: String
}

public indirect enum XMLNode: Sendable, Hashable {
    case element(XMLElement)
    case text(String)
}

public enum XMLTree {
    /// Deepest nesting accepted (FeeGate documents are ~8 deep); guards the recursive parser.
    static let maxDepth = 64

    /// Parses `bytes` into the root element.
    ///
    /// - Throws: ``InvoicingError/malformedXML(offset:reason:)``.
    public static func parse(_ bytes: [UInt8]) throws(InvoicingError) -> XMLElement {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformedXML(offset: 0, reason: "the document is not valid UTF-8")
        }
        var p = Parser(bytes: bytes)
        return try p.document()
    }

    /// The element whose `Id` attribute is `id`, with the default namespace in scope at its parent.
    ///
    /// - Throws: ``InvoicingError/structure(path:reason:)`` when no element or more than one has that `Id`
    ///   (a duplicate `Id` is how signature-wrapping attacks hide a second, unsigned copy).
    public static func element(withID id: String, in root: XMLElement) throws(InvoicingError) -> (element: XMLElement, inheritedNamespace: String) {
        var found: [(XMLElement, String)] = []
        func walk(_ e: XMLElement, _ inherited: String) {
            if e.attribute("Id") == id { found.append((e, inherited)) }
            let scope = e.attribute("xmlns") ?? inherited
            for child in e.elementChildren { walk(child, scope) }
        }
        walk(root, "")
        guard found.count == 1, let only = found.first else {
            throw .structure(path: "#\(id)", reason: found.isEmpty ? "no element has Id=\"\(id)\"" : "\(found.count) elements have Id=\"\(id)\"; Ids must be unique")
        }
        return only
    }

    /// Inclusive Canonical XML 1.0 (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`) of the subtree rooted
    /// at `element`, as UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - inheritedNamespace: the default namespace in scope at the element's parent; inclusive C14N
    ///   renders it on the apex element (e.g. `SignedInfo` gets the XMLDSig `xmlns` declared on `Signature`).
    ///   - excluding: byte offset of an element to leave out with its subtree — the enveloped-signature transform
    ///     removes the `Signature` element this way when it lies inside the signed element.
    public static func canonicalize(_ element: XMLElement, inheritedNamespace: String, excluding: Int? = nil) -> [UInt8] {
        var out = ""
        render(element, parentScope: inheritedNamespace, isApex: true, excluding: excluding, into: &out)
        return Array(out.utf8)
    }

    /// `true` when the element starting at byte `offset` lies within `element`'s subtree.
    public static func contains(_ element: XMLElement, offset: Int) -> Bool {
        element.offset == offset || element.elementChildren.contains { contains($0, offset: offset) }
    }

    private static func render(_ e: XMLElement, parentScope: String, isApex: Bool, excluding: Int?, into out: inout String) {
        let scope = e.attribute("xmlns") ?? parentScope
        out += "<" + e.name
        // Namespace node first: at the apex only a non-empty default namespace is output; below it, only a change.
        if isApex ? !scope.isEmpty : scope != parentScope {
            out += " xmlns=\"\(CanonicalXMLWriter.escapeAttribute(scope))\""
        }
        // Unprefixed attributes have no namespace URI, so C14N orders them by local name (code point order).
        let attributes = e.attributes.filter { $0.name != "xmlns" }
            .sorted { Array($0.name.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.name.unicodeScalars.map(\.value)) }
        for a in attributes { out += " \(a.name)=\"\(CanonicalXMLWriter.escapeAttribute(a.value))\"" }
        out += ">"
        for child in e.children {
            switch child {
            case .text(let t): out += CanonicalXMLWriter.escapeText(t)
            case .element(let c):
                if c.offset != excluding { render(c, parentScope: scope, isApex: false, excluding: excluding, into: &out) }
            }
        }
        out += "</\(e.name)>"
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String, at offset: Int? = nil) -> InvoicingError { .malformedXML(offset: offset ?? i, reason: reason) }

        func peek(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
        }

        mutating func skipWhitespace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func document() throws(InvoicingError) -> XMLElement {
            if peek("\u{FEFF}") { i += 3 }
            if peek("<?xml") {
                guard let end = find("?>") else { throw fail("unterminated XML declaration") }
                let decl = String(decoding: bytes[i..<end], as: UTF8.self)
                if let range = decl.range(of: "encoding=") {
                    let value = decl[range.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
                    guard value.uppercased() == "UTF-8" else { throw fail("encoding '\(value)' is not supported; FeeGate documents are UTF-8") }
                }
                i = end + 2
            }
            skipWhitespace()
            try rejectMarkupDeclarations()
            guard peek("<") else { throw fail("expected the root element") }
            let root = try element(depth: 0)
            skipWhitespace()
            if i < bytes.count {
                try rejectMarkupDeclarations()
                throw fail("content after the root element")
            }
            return root
        }

        func find(_ s: String) -> Int? {
            let u = Array(s.utf8)
            var j = i
            while j + u.count <= bytes.count {
                if Array(bytes[j..<(j + u.count)]) == u { return j }
                j += 1
            }
            return nil
        }

        func rejectMarkupDeclarations() throws(InvoicingError) {
            if peek("<!--") { throw fail("comments are not allowed in FeeGate documents") }
            if peek("<![CDATA[") { throw fail("CDATA sections are not allowed in FeeGate documents") }
            if peek("<!") { throw fail("DTDs and markup declarations are not allowed in FeeGate documents") }
            if peek("<?") { throw fail("processing instructions are not allowed in FeeGate documents") }
        }

        static func isNameStart(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E }

        mutating func name() throws(InvoicingError) -> String {
            let start = i
            guard i < bytes.count, Self.isNameStart(bytes[i]) else { throw fail("expected a name (ASCII letter or '_')") }
            while i < bytes.count, Self.isNameChar(bytes[i]) { i += 1 }
            if i < bytes.count, bytes[i] == 0x3A {
                throw fail("namespace prefixes ('\(String(decoding: bytes[start..<i], as: UTF8.self)):…') are not supported; FeeGate documents use default namespaces only")
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func element(depth: Int) throws(InvoicingError) -> XMLElement {
            guard depth < XMLTree.maxDepth else { throw fail("elements nested deeper than \(XMLTree.maxDepth)") }
            let start = i
            i += 1  // '<'
            let tag = try name()
            var attributes: [XMLAttribute] = []
            while true {
                let before = i
                skipWhitespace()
                guard i < bytes.count else { throw fail("unterminated start tag <\(tag)>") }
                if peek("/>") {
                    i += 2
                    return XMLElement(name: tag, attributes: attributes, children: [], offset: start)
                }
                if bytes[i] == 0x3E { i += 1; break }
                guard i > before else { throw fail("expected whitespace before an attribute in <\(tag)>") }
                let attrName = try name()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == 0x3D else { throw fail("expected '=' after attribute \(attrName)") }
                i += 1
                skipWhitespace()
                let value = try attributeValue()
                guard !attributes.contains(where: { $0.name == attrName }) else {
                    throw fail("duplicate attribute \(attrName) in <\(tag)>")
                }
                attributes.append(XMLAttribute(name: attrName, value: value))
            }
            var children: [XMLNode] = []
            var text = ""
            while true {
                guard i < bytes.count else { throw fail("element <\(tag)> opened at byte \(start) is never closed") }
                if bytes[i] == 0x3C {
                    if peek("</") {
                        i += 2
                        let closing = try name()
                        guard closing == tag else { throw fail("</\(closing)> closes <\(tag)> opened at byte \(start)") }
                        skipWhitespace()
                        guard i < bytes.count, bytes[i] == 0x3E else { throw fail("expected '>' after </\(closing)") }
                        i += 1
                        if !text.isEmpty { children.append(.text(text)) }
                        return XMLElement(name: tag, attributes: attributes, children: children, offset: start)
                    }
                    try rejectMarkupDeclarations()
                    if !text.isEmpty { children.append(.text(text)); text = "" }
                    children.append(.element(try element(depth: depth + 1)))
                } else if bytes[i] == 0x26 {
                    text.unicodeScalars.append(try reference())
                } else {
                    try appendCharacter(into: &text, inAttribute: false)
                }
            }
        }

        mutating func attributeValue() throws(InvoicingError) -> String {
            guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else { throw fail("attribute value must be quoted") }
            let quote = bytes[i]
            i += 1
            var value = ""
            while true {
                guard i < bytes.count else { throw fail("unterminated attribute value") }
                let b = bytes[i]
                if b == quote { i += 1; return value }
                if b == 0x3C { throw fail("'<' is not allowed in an attribute value") }
                if b == 0x26 { value.unicodeScalars.append(try reference()); continue }
                try appendCharacter(into: &value, inAttribute: true)
            }
        }

        /// Appends one UTF-8 character, applying XML line-end normalisation (CRLF/CR → LF) and, in attributes,
        /// attribute-value normalisation (TAB/LF → space).
        mutating func appendCharacter(into s: inout String, inAttribute: Bool) throws(InvoicingError) {
            let b = bytes[i]
            if b == 0x0D {
                i += 1
                if i < bytes.count, bytes[i] == 0x0A { i += 1 }
                s += inAttribute ? " " : "\n"
                return
            }
            if b < 0x20 && b != 0x09 && b != 0x0A { throw fail("control character 0x\(String(b, radix: 16)) is not allowed in XML") }
            if b < 0x80 {
                i += 1
                s.unicodeScalars.append(Unicode.Scalar(inAttribute && (b == 0x09 || b == 0x0A) ? 0x20 : b))
                return
            }
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            let end = min(i + length, bytes.count)
            s += String(decoding: bytes[i..<end], as: UTF8.self)
            i = end
        }

        mutating func reference() throws(InvoicingError) -> Unicode.Scalar {
            let start = i
            guard let semicolon = bytes[i...].prefix(12).firstIndex(of: 0x3B) else { throw fail("'&' must start an entity or character reference") }
            let body = String(decoding: bytes[(i + 1)..<semicolon], as: UTF8.self)
            i = semicolon + 1
            switch body {
            case "amp": return "&"
            case "lt": return "<"
            case "gt": return ">"
            case "quot": return "\""
            case "apos": return "'"
            default:
                var code: UInt32?
                if body.hasPrefix("#x") { code = UInt32(body.dropFirst(2), radix: 16) }
                else if body.hasPrefix("#") { code = UInt32(body.dropFirst(1)) }
                guard let code, let scalar = Unicode.Scalar(code),
                      code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code != 0xFFFE && code != 0xFFFF)
                else { throw fail("unknown entity or invalid character reference &\(body);", at: start) }
                return scalar
            }
        }
    }
}
