import Foundation
import PortalCore
import NIOHTTP1

/// One HTTP request as the fake highways system read it off the connection.
struct FakeHighwaysCall: Sendable {
    let method: HTTPMethod
    /// The path as sent, still percent-encoded, without the query.
    let path: String
    /// The query string's pairs, then the form body's, in order.
    let parameters: [ReceivedRequest.Field]
    /// The form body's pairs alone.
    let form: [ReceivedRequest.Field]

    /// A parameter's first non-empty value: the standard treats an empty argument as one not given.
    func value(_ name: String) -> String? {
        let values = form.filter { $0.name == name } + parameters.filter { $0.name == name }
        return values.first { !$0.value.isEmpty }?.value
    }

    /// Whether the parameter was sent at all, even empty.
    func has(_ name: String) -> Bool { parameters.contains { $0.name == name } || form.contains { $0.name == name } }

    /// A comma-separated list parameter's items, trimmed, without empty ones.
    func list(_ name: String) -> [String]? {
        value(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// The path's segments after `prefix`, percent-decoded; nil when the path is elsewhere or badly encoded.
    func segments(after prefix: String) -> [String]? {
        guard path.hasPrefix(prefix) else { return nil }
        var decoded: [String] = []
        for piece in path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = Open311Form.unescape(piece, plusIsSpace: false) else { return nil }
            decoded.append(segment)
        }
        return decoded
    }
}

/// What the fake answers: a status, a content type and a body.
struct FakeHighwaysAnswer: Sendable {
    let status: HTTPResponseStatus
    let contentType: String
    let body: String

    /// The standard's error list, one error or several, in the format asked for.
    static func errors(_ status: HTTPResponseStatus, _ descriptions: [String], format: Open311Format) -> FakeHighwaysAnswer {
        let list = Open311Value.list(item: "error", descriptions.map {
            .record([.init("code", .integer(Int(status.code))), .init("description", .text($0))])
        })
        return FakeHighwaysAnswer(status: status, contentType: format.contentType, body: format.document(root: "errors", list))
    }

    static func error(_ status: HTTPResponseStatus, _ description: String, format: Open311Format) -> FakeHighwaysAnswer {
        errors(status, [description], format: format)
    }

    static func document(_ root: String, _ value: Open311Value, format: Open311Format, status: HTTPResponseStatus = .ok) -> FakeHighwaysAnswer {
        FakeHighwaysAnswer(status: status, contentType: format.contentType, body: format.document(root: root, value))
    }

    /// A proxy's own error page, as a load balancer in front of a back office answers when the
    /// back office is away.
    static let proxyErrorPage = FakeHighwaysAnswer(
        status: .badGateway, contentType: "text/html; charset=utf-8",
        body: "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1>\n<p>The server did not answer in time.</p>\n<hr><p>proxy</p></body></html>\n")

    /// The same answer cut short and broken, so that no parser can read it.
    var malformed: FakeHighwaysAnswer {
        let half = String(body.prefix(body.count / 2))
        let broken = contentType.hasPrefix("application/json") ? half + "{\"service_request_id\":\"" : half + "<service_request_id attr=\""
        return FakeHighwaysAnswer(status: .ok, contentType: contentType, body: broken)
    }
}
