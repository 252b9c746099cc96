import Foundation
import Vapor

/// The call the API is answering: its request and the client that made it.
struct ApiCall: Sendable {
    let request: Request
    let client: ApiClients.Client

    /// The call being answered, set by `ApiAuthentication` around the generated handlers.
    @TaskLocal static var current: ApiCall?

    static func require() throws -> ApiCall {
        guard let current else { throw ApiProblem(.unauthorized, "Send the client's token in an Authorization header: Bearer followed by the token.") }
        return current
    }

    /// Refuses a call without this scope.
    func require(_ scope: ApiScope) throws {
        guard client.scopeSet.contains(scope) else {
            throw ApiProblem(.forbidden, "This client may not do this: it needs the \(scope.rawValue) scope, which an administrator gives at /admin/api.")
        }
    }

    /// Refuses a call whose client has no scope at all (reference data needs any one).
    func requireAnyScope() throws {
        guard !client.scopeSet.isEmpty else { throw ApiProblem(.forbidden, "This client has no scopes.") }
    }

    func actor() async throws -> EnquiryActor {
        try await ApiClients.actor(for: client, at: request.now, on: request.db)
    }
}

/// Lets a call through with a valid token, counted against its client's rate limit; the API's
/// description alone is open to all. A session cookie counts for nothing here: the API never
/// reads it, and pages never read a token.
struct ApiAuthentication: AsyncMiddleware {
    static let openPaths: Set<String> = ["/api/v1/openapi.json"]
    /// The most a JSON body may hold: an enquiry's longest texts many times over.
    static let bodyLimit = 256 * 1024

    /// Reads a JSON body whole, refusing any other kind of body, and one past the limit before
    /// it is read (by its length) or as soon as it passes it: the generated server would read any
    /// length into memory.
    static func collectBody(_ request: Request) async throws {
        guard request.method == .POST || request.method == .PUT || request.method == .PATCH else { return }
        guard let type = request.headers.contentType, type.type == "application", type.subType == "json" else {
            throw ApiProblem(.unsupportedMediaType, "Send the body as JSON, with Content-Type: application/json.")
        }
        let refusal = ApiProblem(.payloadTooLarge, "The body is larger than \(bodyLimit / 1024) KB.")
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > bodyLimit { throw refusal }
        do {
            _ = try await request.body.collect(max: bodyLimit).get()
        } catch let abort as any AbortError where abort.status == .payloadTooLarge {
            throw refusal
        }
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if Self.openPaths.contains(request.url.path) { return try await next.respond(to: request) }
        switch try await ApiClients.authenticate(request.headers.first(name: .authorization), at: request.now, on: request.db) {
        case .refused(let reason):
            throw ApiProblem(.unauthorized, reason, headers: [("WWW-Authenticate", "Bearer")])
        case .overLimit(let client, let seconds):
            throw ApiProblem(.tooManyRequests, "This client has made more than \(client.per_minute) calls this minute. Try again in \(seconds) seconds.",
                             headers: [("Retry-After", String(seconds))])
        case .allowed(let client):
            try await Self.collectBody(request)
            return try await ApiCall.$current.withValue(ApiCall(request: request, client: client)) {
                try await next.respond(to: request)
            }
        }
    }
}
