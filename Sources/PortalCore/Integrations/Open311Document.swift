import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An Open311 GeoReport v2 answer read into one shape, whichever format it came in. XML answers
/// are a root element holding repeated items (`<services><service>…`); JSON answers are the
/// same items as a top-level array. Either way the portal sees a list of records whose fields
/// are text, or lists of records (a service definition's attributes and their values).
public struct Open311Record: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case records([Open311Record])
    }

    public var fields: [String: Value]

    public init(_ fields: [String: Value] = [:]) { self.fields = fields }

    /// A field's text, trimmed; nil when absent or empty (the standard treats an empty optional
    /// field as absent).
    public func text(_ name: String) -> String? {
        guard case .text(let value)? = fields[name] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// "true"/"false" in any case; nil when absent or anything else.
    public func flag(_ name: String) -> Bool? {
        switch text(name)?.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// The records under a field (`<attributes><attribute>…` or `"attributes": [{…}]`).
    public func records(_ name: String) -> [Open311Record] {
        guard case .records(let list)? = fields[name] else { return [] }
        return list
    }
}

/// Why an answer could not be read.
public struct Open311FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Open311Document {
    /// Reads an answer into its items. Refuses anything with a document type declaration (the
    /// standard needs none, and entities are how XML is made to explode or to read local files),
    /// anything nested deeper than Open311 ever is, and malformed text.
    public static func items(_ data: Data, format: Open311Format) throws -> [Open311Record] {
        switch format {
        case .xml: try xmlItems(data)
        case .json: try jsonItems(data)
        }
    }

    static let maximumDepth = 8

    // MARK: XML

    static func xmlItems(_ data: Data) throws -> [Open311Record] {
        // UTF-8 only, as the standard says: a document in another encoding could hide its
        // declarations from the search below.
        guard let text = String(validating: data, as: UTF8.self) else { throw Open311FormatError("The answer is not UTF-8 text") }
        let head = text.prefix(200).lowercased()
        if head.contains("encoding="), !head.contains("encoding=\"utf-8\""), !head.contains("encoding='utf-8'") {
            throw Open311FormatError("The answer declares an encoding other than UTF-8")
        }
        if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") || text.contains("<!doctype") {
            throw Open311FormatError("The answer declares a document type, which Open311 never does")
        }
        let reader = TreeReader()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        // Every element closed: a parser that recovers would take a cut-off answer for a whole one.
        guard parser.parse(), reader.failure == nil, reader.stack.isEmpty, let root = reader.root else {
            throw Open311FormatError(reader.failure ?? "The answer is not well-formed XML"
                + (parser.parserError.map { " (\(($0 as NSError).code))" } ?? ""))
        }
        // `<errors>` and `<service_requests>` alike: the root's children are the items. A single
        // service definition is the one exception, answered as the root itself.
        if root.name == "service_definition" { return [record(from: root)] }
        return root.children.map(record(from:))
    }

    /// An element's children become fields: a leaf is text; an element whose children are all
    /// leaves of one name (`<groups><group>…`) is their texts joined by commas; any other element
    /// with children is a list of records (attributes, their values).
    static func record(from element: Element) -> Open311Record {
        var fields: [String: Open311Record.Value] = [:]
        for child in element.children where fields[child.name] == nil {
            if child.children.isEmpty {
                fields[child.name] = .text(child.text)
            } else if child.children.allSatisfy({ $0.children.isEmpty && $0.name == child.children[0].name }) {
                fields[child.name] = .text(child.children.map(\.text).joined(separator: ","))
            } else {
                fields[child.name] = .records(child.children.map(record(from:)))
            }
        }
        return Open311Record(fields)
    }

    final class Element {
        let name: String
        var text = ""
        var children: [Element] = []
        init(name: String) { self.name = name }
    }

    final class TreeReader: NSObject, XMLParserDelegate {
        var root: Element?
        var stack: [Element] = []
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            guard stack.count < Open311Document.maximumDepth else {
                failure = "The answer is nested deeper than Open311 ever is"
                parser.abortParsing()
                return
            }
            let element = Element(name: name)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            stack.last?.text += String(decoding: block, as: UTF8.self)
        }
    }

    // MARK: JSON

    static func jsonItems(_ data: Data) throws -> [Open311Record] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw Open311FormatError("The answer is not valid JSON")
        }
        // A top-level array by the standard; some servers wrap it in an object of one key.
        if let list = value as? [Any] { return try list.map { try jsonRecord($0, depth: 1) } }
        if let object = value as? [String: Any] {
            if object.count == 1, let list = object.values.first as? [Any] { return try list.map { try jsonRecord($0, depth: 1) } }
            return [try jsonRecord(object, depth: 1)]
        }
        throw Open311FormatError("The answer is neither a list nor an object")
    }

    static func jsonRecord(_ value: Any, depth: Int) throws -> Open311Record {
        guard depth < maximumDepth else { throw Open311FormatError("The answer is nested deeper than Open311 ever is") }
        guard let object = value as? [String: Any] else { throw Open311FormatError("An item of the answer is not an object") }
        var fields: [String: Open311Record.Value] = [:]
        for (key, item) in object {
            if let list = item as? [Any] {
                fields[key] = list.allSatisfy({ !($0 is [String: Any]) })
                    ? .text(list.compactMap(jsonText).joined(separator: ","))
                    : .records(try list.map { try jsonRecord($0, depth: depth + 1) })
            } else if let nested = item as? [String: Any] {
                fields[key] = .records([try jsonRecord(nested, depth: depth + 1)])
            } else if let text = jsonText(item) {
                fields[key] = .text(text)
            }
        }
        return Open311Record(fields)
    }

    /// Numbers and booleans as the XML form would write them; null as absent.
    static func jsonText(_ value: Any) -> String? {
        if value is NSNull { return nil }
        if let string = value as? String { return string }
        if let number = value as? NSNumber {
            // A JSON true or false arrives as a number whose type is a C char.
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            if let exact = Int64(exactly: number.doubleValue) { return String(exact) }
            return number.stringValue
        }
        return nil
    }
}

public enum Open311Format: String, CaseIterable, Sendable, Codable {
    case xml, json

    public var label: String { self == .xml ? "XML" : "JSON" }
}
