import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML document as a tree, for reading answers; nil for text that is not well-formed.
final class XMLTree: NSObject, XMLParserDelegate {
    let name: String
    private(set) var text = ""
    private(set) var children: [XMLTree] = []
    private var stack: [XMLTree] = []

    init(name: String) { self.name = name }

    static func parse(_ text: String) -> XMLTree? {
        let builder = XMLTree(name: "")
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = builder
        guard parser.parse(), builder.stack.isEmpty else { return nil }
        return builder.children.first
    }

    /// The first child element of that name.
    func first(_ name: String) -> XMLTree? { children.first { $0.name == name } }
    func all(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }
    /// A child element's text; nil when there is no such element.
    subscript(_ name: String) -> String? { first(name)?.text }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let node = XMLTree(name: elementName)
        (stack.last ?? self).children.append(node)
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
}
