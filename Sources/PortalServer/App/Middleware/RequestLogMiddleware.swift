import Foundation
import Vapor

/// One log line per request with its id, method, path, status and time taken, and the id echoed
/// in `X-Request-Id` so a person reporting a problem can quote it. Vapor already puts the id
/// (taken from an incoming `X-Request-Id`, or new) in `request.logger`'s metadata.
struct RequestLogMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            log(request, status: (error as? any AbortError)?.status ?? .internalServerError, started: started)
            throw error
        }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: request.id)
        log(request, status: response.status, started: started)
        return response
    }

    /// Paths that carry a secret, and what the log writes instead of it.
    static let secretPaths = ["/password-reset/", "/partner-outcome/"]

    /// The path with any secret it carries (a password-reset or partner outcome token) replaced,
    /// so logs never hold a link that would unlock an account or record an outcome.
    static func loggedPath(_ path: String) -> String {
        for prefix in secretPaths where path.hasPrefix(prefix) && path.count > prefix.count { return prefix + "[redacted]" }
        return path
    }

    private func log(_ request: Request, status: HTTPResponseStatus, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        request.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(Self.loggedPath(request.url.path)),
            "status": .stringConvertible(status.code),
            "ms": .string(String(format: "%.2f", milliseconds)),
        ])
    }
}
