import NIOCore

/// Server-rendered HTML as a Swift value: pages are functions from a model to an `HTMLNode`,
/// so the compiler checks every page and every piece of text is escaped unless a view says
/// otherwise with `.raw`.
///
/// Why not Plot: Plot 0.14 writes attribute values without escaping them, so a resident's name
/// in `value="…"` could break out of the attribute; and its text escaping passes through
/// anything that looks like an entity. This type is small, escapes both, and renders into one
/// string buffer.
enum HTMLNode: Sendable {
    case element(String, [HTMLAttribute], [HTMLNode])
    /// An element with no closing tag (`input`, `meta`, `link`, `br`).
    case void(String, [HTMLAttribute])
    case text(String)
    /// Trusted markup written by the portal itself. Never user input.
    case raw(String)
    case group([HTMLNode])

    static let empty = HTMLNode.group([])

    func render() -> String {
        String(buffer: renderBytes())
    }

    /// The markup as bytes, ready to send: rendering straight into the response's buffer
    /// saves building a string and copying it.
    func renderBytes() -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: 16 * 1024)
        render(into: &output)
        return output
    }

    func render(into output: inout ByteBuffer) {
        switch self {
        case .element(let name, let attributes, let children):
            output.writeInteger(UInt8(ascii: "<"))
            output.writeString(name)
            for attribute in attributes { attribute.render(into: &output) }
            output.writeInteger(UInt8(ascii: ">"))
            for child in children { child.render(into: &output) }
            output.writeStaticString("</")
            output.writeString(name)
            output.writeInteger(UInt8(ascii: ">"))
        case .void(let name, let attributes):
            output.writeInteger(UInt8(ascii: "<"))
            output.writeString(name)
            for attribute in attributes { attribute.render(into: &output) }
            output.writeInteger(UInt8(ascii: ">"))
        case .text(let text):
            HTMLEscaping.append(text, to: &output, inAttribute: false)
        case .raw(let markup):
            output.writeString(markup)
        case .group(let nodes):
            for node in nodes { node.render(into: &output) }
        }
    }
}

struct HTMLAttribute: Sendable {
    let name: String
    /// nil renders a boolean attribute (`required`, `checked`).
    let value: String?

    init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }

    func render(into output: inout ByteBuffer) {
        output.writeInteger(UInt8(ascii: " "))
        output.writeString(name)
        if let value {
            output.writeStaticString("=\"")
            HTMLEscaping.append(value, to: &output, inAttribute: true)
            output.writeInteger(UInt8(ascii: "\""))
        }
    }
}

enum HTMLEscaping {
    /// Writes the text with `<`, `>` and `&` (and, in an attribute, both quotes) escaped, copying
    /// the runs between them whole.
    static func append(_ text: String, to output: inout ByteBuffer, inAttribute: Bool) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let escaped: StaticString
                switch bytes[index] {
                case UInt8(ascii: "<"): escaped = "&lt;"
                case UInt8(ascii: ">"): escaped = "&gt;"
                case UInt8(ascii: "&"): escaped = "&amp;"
                case UInt8(ascii: "\"") where inAttribute: escaped = "&quot;"
                case UInt8(ascii: "'") where inAttribute: escaped = "&#39;"
                default: continue
                }
                if index > runStart { output.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))) }
                output.writeStaticString(escaped)
                runStart = index + 1
            }
            if runStart < bytes.count { output.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[runStart...]))) }
        }
    }
}

/// Lets a view mix elements, text and conditionals as plain Swift statements.
@resultBuilder
enum HTMLBuilder {
    static func buildBlock(_ parts: [HTMLNode]...) -> [HTMLNode] { parts.flatMap { $0 } }
    static func buildExpression(_ node: HTMLNode) -> [HTMLNode] { [node] }
    static func buildExpression(_ text: String) -> [HTMLNode] { [.text(text)] }
    static func buildExpression(_ nodes: [HTMLNode]) -> [HTMLNode] { nodes }
    static func buildOptional(_ part: [HTMLNode]?) -> [HTMLNode] { part ?? [] }
    static func buildEither(first: [HTMLNode]) -> [HTMLNode] { first }
    static func buildEither(second: [HTMLNode]) -> [HTMLNode] { second }
    static func buildArray(_ parts: [[HTMLNode]]) -> [HTMLNode] { parts.flatMap { $0 } }
}
