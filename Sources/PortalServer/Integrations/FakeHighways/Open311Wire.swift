import Foundation
import PortalCore

/// One value of an Open311 GeoReport v2 answer, written as XML or as JSON by the same rules: JSON
/// mirrors the XML, a list's wrapper element becomes an array and an empty element becomes null.
indirect enum Open311Value: Sendable, Equatable {
    case text(String)
    /// Already valid as a JSON number.
    case number(String)
    case bool(Bool)
    /// An empty element in XML, `null` in JSON.
    case absent
    case record([Field])
    /// Each item is written inside an element named `item` in XML.
    case list(item: String, [Open311Value])

    struct Field: Sendable, Equatable {
        let name: String
        let value: Open311Value
    }

    static func integer(_ value: Int) -> Open311Value { .number(String(value)) }
    static func decimal(_ value: Double) -> Open311Value { value.isFinite ? .number(String(value)) : .absent }
    static func optional(_ value: String?) -> Open311Value { value.map(Open311Value.text) ?? .absent }
    static func date(_ value: Date?) -> Open311Value { value.map { .text(Open311Date.format($0)) } ?? .absent }
}

extension Open311Value.Field {
    init(_ name: String, _ value: Open311Value) { self.init(name: name, value: value) }
}

/// The two formats of the standard, chosen by the ending of the resource's name.
extension Open311Format {
    var contentType: String { self == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8" }

    /// A whole answer: in XML the root element wraps the value; in JSON the value stands alone
    /// (a list is a top-level array).
    func document(root: String, _ value: Open311Value) -> String {
        var out = ""
        switch self {
        case .xml:
            out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<\(root)>"
            Self.writeXML(value, into: &out)
            out += "</\(root)>\n"
        case .json:
            Self.writeJSON(value, into: &out)
            out += "\n"
        }
        return out
    }

    private static func writeXML(_ value: Open311Value, into out: inout String) {
        switch value {
        case .text(let text): escapeXML(text, into: &out)
        case .number(let text): out += text
        case .bool(let flag): out += flag ? "true" : "false"
        case .absent: break
        case .record(let fields):
            for field in fields {
                out += "<\(field.name)>"
                writeXML(field.value, into: &out)
                out += "</\(field.name)>"
            }
        case .list(let item, let values):
            for element in values {
                out += "<\(item)>"
                writeXML(element, into: &out)
                out += "</\(item)>"
            }
        }
    }

    private static func writeJSON(_ value: Open311Value, into out: inout String) {
        switch value {
        case .text(let text): escapeJSON(text, into: &out)
        case .number(let text): out += text
        case .bool(let flag): out += flag ? "true" : "false"
        case .absent: out += "null"
        case .record(let fields):
            out += "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { out += "," }
                escapeJSON(field.name, into: &out)
                out += ":"
                writeJSON(field.value, into: &out)
            }
            out += "}"
        case .list(_, let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                writeJSON(element, into: &out)
            }
            out += "]"
        }
    }

    /// Escapes markup characters, keeps a carriage return as a character reference (a parser would
    /// otherwise turn it into a line feed) and replaces what XML 1.0 cannot carry at all.
    static func escapeXML(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    static func escapeJSON(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// Dates as the standard writes them: the W3C profile of ISO 8601, always with a time zone.
enum Open311Date {
    static func format(_ date: Date) -> String { date.formatted(.iso8601) }

    /// Reads `2026-12-02T16:59:50Z`, `2026-12-02T16:59:50.25+01:00` and the like; nil for anything
    /// else, including a time without a zone.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func at(_ index: Int, _ character: Character) -> Bool { index < bytes.count && bytes[index] == character.asciiValue }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
              at(10, "T"), let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if at(index, ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, let digit = number(index, 1), index - start < 9 {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if at(index, "Z"), index + 1 == bytes.count {
            offset = 0
        } else if at(index, "+") || at(index, "-"), index + 6 == bytes.count, let zoneHour = number(index + 1, 2), at(index + 3, ":"),
                  let zoneMinute = number(index + 4, 2), zoneHour < 24, zoneMinute < 60 {
            offset = (zoneHour * 3600 + zoneMinute * 60) * (at(index, "-") ? -1 : 1)
        } else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard year >= 1, hour < 24, minute < 60, second < 60, components.isValidDate(in: calendar),
              let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}

/// Name and value pairs of an `application/x-www-form-urlencoded` body or a query string.
enum Open311Form {
    /// The most pairs read from one request.
    static let maximumPairs = 500

    /// The pairs in order; nil when the text is not validly encoded UTF-8 or has too many pairs.
    static func decode(_ text: Substring) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < maximumPairs else { return nil }
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = unescape(parts[0]), let value = unescape(parts.count > 1 ? parts[1] : "") else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// Undoes percent-encoding; a `+` is a space in a form but itself in a path.
    static func unescape(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
