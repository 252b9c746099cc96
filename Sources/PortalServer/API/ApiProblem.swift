import Foundation
import OpenAPIRuntime
import Vapor

/// An answer of the API that says what went wrong, as problem details (RFC 9457): a status, a
/// title, and in `detail` what to do about it. Field errors go in `errors`, by field.
struct ApiProblem: Error, Sendable {
    var status: HTTPResponseStatus
    var detail: String
    var errors: [String: String] = [:]
    var headers: [(String, String)] = []

    init(_ status: HTTPResponseStatus, _ detail: String, errors: [String: String] = [:], headers: [(String, String)] = []) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let errors: [String: String]?
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(type: "about:blank", title: status.reasonPhrase, status: Int(status.code), detail: detail, errors: errors.isEmpty ? nil : errors)
        var headers = HTTPHeaders([("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")])
        for (name, value) in self.headers { headers.replaceOrAdd(name: name, value: value) }
        return Response(status: status, headers: headers, body: .init(data: (try? encoder.encode(body)) ?? Data()))
    }
}

/// Turns every error under `/api` into problem details: the API's own refusals as they are, the
/// generated server's refusals of a request it could not read as 400, Vapor's as their status,
/// and anything else as a 500 whose words never leave the server's log.
struct ApiProblemMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return Self.problem(for: error, request: request).response()
        }
    }

    static func problem(for error: any Error, request: Request) -> ApiProblem {
        switch error {
        case let problem as ApiProblem:
            return problem
        case let server as ServerError:
            if let inner = server.underlyingError as? ApiProblem { return inner }
            if let abort = server.underlyingError as? any AbortError { return problem(for: abort, request: request) }
            // The generated server could not read the request: a parameter, header or body that
            // does not fit the API's description.
            return ApiProblem(.badRequest, "The request does not fit the API's description (\(server.operationID)): \(Self.reason(server.underlyingError))")
        case let abort as any AbortError:
            return ApiProblem(abort.status, abort.status == .notFound ? "Nothing is found at this address." : abort.reason)
        default:
            request.logger.report(error: error)
            return ApiProblem(.internalServerError, "Something went wrong on the server; it has been logged.")
        }
    }

    /// Words about a request that could not be read, without echoing what was sent.
    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "it is not valid JSON of the right shape" : "\(context.codingPath.map(\.stringValue).joined(separator: ".")) is not of the right kind"
        default: "a value is missing or not of the right kind"
        }
    }
}
