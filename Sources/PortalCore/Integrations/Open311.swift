import Foundation

/// The parts of Open311 GeoReport v2, and of its update extension, that the portal speaks: what
/// it sends and what it reads back, as plain values. The calls themselves are made by the
/// server's `Open311Client`.
public enum Open311 {
    /// One of the system's request types (`GET services`).
    public struct Service: Sendable, Equatable {
        public let code: String
        public let name: String
        public let description: String
        /// The service has a definition with attributes to fill.
        public let metadata: Bool
        /// `realtime` (an id at once), `batch` (a token to resolve later) or `blackbox` (nothing).
        public let type: String
        public let group: String
    }

    /// One field a service asks for (`GET services/{code}`).
    public struct Attribute: Sendable, Equatable {
        public let code: String
        /// False: information only, nothing to send.
        public let variable: Bool
        public let datatype: String
        public let required: Bool
        public let description: String
        public let order: Int
        /// `server_set` or `hidden_field` (the update extension), else nil.
        public let automated: String?
        public let values: [Choice]

        public struct Choice: Sendable, Equatable {
            public let key: String
            public let name: String
        }
    }

    /// What a `POST requests` answered.
    public enum Created: Sendable, Equatable {
        case id(String)
        case token(String)
    }

    /// One request as `GET requests` lists it.
    public struct Request: Sendable, Equatable {
        public let id: String?
        public let status: String
        public let statusNotes: String?
        public let serviceCode: String?
        public let description: String?
        public let updated: Date?
    }

    /// One change the system made to a request (`GET servicerequestupdates`).
    public struct Update: Sendable, Equatable {
        public let updateID: String
        public let requestID: String
        /// Lower case, as the extension gives it (`fixed`, `action_scheduled`, …).
        public let status: String
        public let updated: Date
        public let description: String
        public let externalStatusCode: String?

        public init(updateID: String, requestID: String, status: String, updated: Date, description: String, externalStatusCode: String?) {
            self.updateID = updateID
            self.requestID = requestID
            self.status = status
            self.updated = updated
            self.description = description
            self.externalStatusCode = externalStatusCode
        }
    }

    /// The longest id, code or status the portal keeps from an answer; anything longer is refused
    /// as a bad answer rather than cut.
    public static let maximumIdentifierLength = 100
    /// The standard's limit on a description.
    public static let maximumDescriptionLength = 4_000

    // MARK: Reading answers

    public static func services(_ data: Data, format: Open311Format) throws -> [Service] {
        try Open311Document.items(data, format: format).map { item in
            Service(code: try identifier(item, "service_code"), name: item.text("service_name") ?? "", description: item.text("description") ?? "",
                    metadata: item.flag("metadata") ?? false, type: item.text("type")?.lowercased() ?? "realtime", group: item.text("group") ?? item.text("groups") ?? "")
        }
    }

    public static func attributes(_ data: Data, format: Open311Format) throws -> [Attribute] {
        let items = try Open311Document.items(data, format: format)
        // XML gives the definition as the root; JSON as an object, or a list of one.
        guard let definition = items.first else { throw Open311FormatError("The service definition is empty") }
        return try definition.records("attributes").map { item in
            Attribute(code: try identifier(item, "code"), variable: item.flag("variable") ?? true, datatype: item.text("datatype") ?? "string",
                      required: item.flag("required") ?? false, description: item.text("description") ?? "",
                      order: item.text("order").flatMap { Int($0) } ?? 0, automated: item.text("automated"),
                      values: item.records("values").compactMap { value in
                          guard let key = value.text("key") else { return nil }
                          return Attribute.Choice(key: key, name: value.text("name") ?? key)
                      })
        }.sorted { ($0.order, $0.code) < ($1.order, $1.code) }
    }

    public static func created(_ data: Data, format: Open311Format) throws -> Created {
        guard let item = try Open311Document.items(data, format: format).first else { throw Open311FormatError("The answer holds no request") }
        if item.text("service_request_id") != nil { return .id(try identifier(item, "service_request_id")) }
        if item.text("token") != nil { return .token(try identifier(item, "token")) }
        throw Open311FormatError("The answer holds neither a service_request_id nor a token")
    }

    /// A token's request id, or nil while the system has not given it one yet.
    public static func resolvedToken(_ data: Data, format: Open311Format) throws -> String? {
        guard let item = try Open311Document.items(data, format: format).first, item.text("service_request_id") != nil else { return nil }
        return try identifier(item, "service_request_id")
    }

    public static func requests(_ data: Data, format: Open311Format) throws -> [Request] {
        try Open311Document.items(data, format: format).map { item in
            Request(id: item.text("service_request_id") == nil ? nil : try identifier(item, "service_request_id"),
                    status: item.text("status") == nil ? "open" : try identifier(item, "status").lowercased(), statusNotes: item.text("status_notes"),
                    serviceCode: item.text("service_code"), description: item.text("description"),
                    updated: item.text("updated_datetime").flatMap(W3CDate.parse))
        }
    }

    /// The updates of an answer. An update missing a required field, or with a date that cannot
    /// be read, makes the whole answer bad: nothing of it is applied.
    public static func updates(_ data: Data, format: Open311Format) throws -> [Update] {
        try Open311Document.items(data, format: format).map { item in
            guard let text = item.text("updated_datetime"), let updated = W3CDate.parse(text) else {
                throw Open311FormatError("An update has no updated_datetime with a time zone")
            }
            let description = item.text("description") ?? ""
            guard description.count <= maximumDescriptionLength * 2 else { throw Open311FormatError("An update's description is too long") }
            return Update(updateID: try identifier(item, "update_id"), requestID: try identifier(item, "service_request_id"),
                          status: try identifier(item, "status").lowercased(), updated: updated, description: description,
                          externalStatusCode: item.text("external_status_code").map { String($0.prefix(maximumIdentifierLength)) })
        }
    }

    /// The system's own error list (`<errors><error><code/><description/>`), as one line.
    public static func errors(_ data: Data, format: Open311Format) -> String? {
        guard let items = try? Open311Document.items(data, format: format), !items.isEmpty else { return nil }
        let lines = items.compactMap { item -> String? in
            guard let description = item.text("description") else { return nil }
            return item.text("code").map { "\($0): \(description)" } ?? description
        }
        return lines.isEmpty ? nil : String(TextRules.oneLine(lines.joined(separator: "; ")).prefix(300))
    }

    /// A required short field: present, one line, printable, and not absurdly long.
    static func identifier(_ item: Open311Record, _ name: String) throws -> String {
        guard let value = item.text(name) else { throw Open311FormatError("An item has no \(name)") }
        guard value.count <= maximumIdentifierLength, TextRules.isSingleLine(value), !value.contains(where: { $0.isNewline }) else {
            throw Open311FormatError("An item's \(name) is not a short single line")
        }
        return value
    }

    // MARK: Writing requests

    /// `application/x-www-form-urlencoded`, every byte outside the unreserved set escaped.
    public static func formBody(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func query(_ fields: [(String, String)]) -> String {
        fields.isEmpty ? "" : "?" + formBody(fields)
    }

    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    public static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.append(Character(Unicode.Scalar(byte))) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}

/// Dates as Open311 writes them: W3C date-times, `2026-12-02T16:59:50Z` or with an offset
/// (`+01:00`) and optional fractions of a second; a time without a zone is refused, since it
/// could be either side of a clock change. Read by hand: an answer of ten thousand updates reads
/// ten thousand dates.
public enum W3CDate {
    public static func parse(_ text: some StringProtocol) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let date = CivilDate(iso: String(decoding: bytes[0..<10], as: UTF8.self)),
              let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, let digit = number(bytes[index..<(index + 1)]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index - start <= 9 else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                  let hours = number(bytes[(index + 1)..<(index + 3)]), let minutes = number(bytes[(index + 4)..<(index + 6)]),
                  hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default: return nil
        }
        let seconds = date.dayNumber * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    /// In UTC, to the second: `2026-12-02T16:59:50Z`.
    public static func string(_ date: Date) -> String {
        let whole = Int(date.timeIntervalSince1970.rounded(.down))
        let day = CivilDate(dayNumber: Int((Double(whole) / 86_400).rounded(.down)))
        let seconds = whole - day.dayNumber * 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day.iso)T\(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
