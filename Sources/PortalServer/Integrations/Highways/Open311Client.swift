import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PortalCore

/// The portal's calls to the highways system over Open311 GeoReport v2 and its update extension.
/// Every call has the settings' timeout and reads at most `maximumAnswer` bytes back; what comes
/// back is checked before anything is made of it.
struct Open311Client: Sendable {
    let settings: HighwaysSettings
    let http: HTTPClient

    /// Ten thousand updates come to a few megabytes; anything far bigger is not an answer.
    static let maximumAnswer = 16 * 1_024 * 1_024
    static let tooLarge = "The answer was larger than \(maximumAnswer / 1_048_576) MB and was not read"

    /// What became of a call.
    enum Outcome: Sendable {
        /// A 2xx answer's body.
        case answered(Data)
        /// A complete non-2xx answer: the system said no, or is failing. `definite` is true for
        /// 4xx, where the same request will be refused again.
        case refused(status: Int, message: String, definite: Bool)
        /// The request never reached the system (refused connection, no route, name not found).
        case notReached(String)
        /// The request may have reached it, but no complete answer came back: a timeout, a
        /// dropped connection, an answer too big to read.
        case noAnswer(String)

        /// An answer left unread for its size.
        var wasTooLarge: Bool {
            if case .noAnswer(let words) = self { return words == Open311Client.tooLarge }
            return false
        }
    }

    // MARK: The calls

    func services() async -> Outcome {
        await call(.GET, "services", [])
    }

    func definition(of code: String) async -> Outcome {
        await call(.GET, "services/\(Open311.escape(code))", [])
    }

    func post(_ fields: [(String, String)]) async -> Outcome {
        await call(.POST, "requests", fields + [("api_key", settings.apiKey)])
    }

    func token(_ token: String) async -> Outcome {
        await call(.GET, "tokens/\(Open311.escape(token))", [])
    }

    func requests(_ filters: [(String, String)]) async -> Outcome {
        await call(.GET, "requests", filters)
    }

    func updates(from start: Date, to end: Date) async -> Outcome {
        await call(.GET, "servicerequestupdates",
                   [("start_date", W3CDate.string(start)), ("end_date", W3CDate.string(end)), ("api_key", settings.apiKey)])
    }

    // MARK: Making a call

    private func call(_ method: HTTPMethod, _ resource: String, _ fields: [(String, String)]) async -> Outcome {
        var fields = fields
        if let jurisdiction = settings.jurisdiction { fields.append(("jurisdiction_id", jurisdiction)) }
        let base = settings.endpoint.hasSuffix("/") ? String(settings.endpoint.dropLast()) : settings.endpoint
        let url = "\(base)/\(resource).\(settings.format.rawValue)"
        var request = HTTPClientRequest(url: method == .POST ? url : url + Open311.query(fields))
        request.method = method
        request.headers.add(name: "Accept", value: settings.format == .xml ? "text/xml" : "application/json")
        request.headers.add(name: "User-Agent", value: "Member Portal")
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
            request.body = .bytes(ByteBuffer(string: Open311.formBody(fields)))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(Int64(settings.timeoutSeconds)))
        } catch {
            return Self.neverReached(error) ? .notReached(Self.words(error)) : .noAnswer(Self.words(error))
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maximumAnswer)
        } catch is NIOTooManyBytesError {
            return .noAnswer(Self.tooLarge)
        } catch {
            return .noAnswer(Self.words(error))
        }
        let data = Data(buffer: body)
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return .answered(data) }
        let message = Open311.errors(data, format: settings.format)
            ?? "HTTP \(status) \(response.status.reasonPhrase)" + (Self.looksLikeHTML(data) ? " (a web page, not an Open311 answer)" : "")
        return .refused(status: status, message: message, definite: (400..<500).contains(status) && status != 408 && status != 429)
    }

    /// Errors raised before any byte of the request could have been written.
    static func neverReached(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout || error == .invalidURL || error == .emptyHost { return true }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) { return true }
        let text = String(describing: error)
        return text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("connectTimeout")
    }

    static func words(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "No answer within the time allowed"
            case .remoteConnectionClosed: return "The connection closed before an answer came"
            case .connectTimeout: return "Could not connect in time"
            default: break
            }
        }
        if error is NIOConnectionError || (error as? IOError)?.errnoCode == ECONNREFUSED { return "The highways system refused the connection (is it down?)" }
        return String(String(describing: error).prefix(200))
    }

    static func looksLikeHTML(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(512), as: UTF8.self).lowercased()
        return head.contains("<html") || head.contains("<!doctype html")
    }
}
