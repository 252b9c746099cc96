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
        var output = ""
        output.reserveCapacity(8 * 1024)
        render(into: &output)
        return output
    }

    func render(into output: inout String) {
        switch self {
        case .element(let name, let attributes, let children):
            output += "<"
            output += name
            for attribute in attributes { attribute.render(into: &output) }
            output += ">"
            for child in children { child.render(into: &output) }
            output += "</"
            output += name
            output += ">"
        case .void(let name, let attributes):
            output += "<"
            output += name
            for attribute in attributes { attribute.render(into: &output) }
            output += ">"
        case .text(let text):
            HTMLEscaping.append(text, to: &output, inAttribute: false)
        case .raw(let markup):
            output += markup
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

    func render(into output: inout String) {
        output += " "
        output += name
        if let value {
            output += "=\""
            HTMLEscaping.append(value, to: &output, inAttribute: true)
            output += "\""
        }
    }
}

enum HTMLEscaping {
    static func append(_ text: String, to output: inout String, inAttribute: Bool) {
        let needsWork = text.utf8.contains { byte in
            byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
                || (inAttribute && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")))
        }
        guard needsWork else {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "&": output += "&amp;"
            case "\"" where inAttribute: output += "&quot;"
            case "'" where inAttribute: output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
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
