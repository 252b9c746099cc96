import Vapor

/// Turns every error into a page a person can act on (or JSON for API clients), never a stack
/// trace. Unexpected errors are logged in full with the request id, and the page quotes the id.
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await response(for: error, request: request)
        }
    }

    func response(for error: any Error, request: Request) async -> Response {
        let status: HTTPResponseStatus
        let message: String
        if let abort = error as? any AbortError {
            status = abort.status
            // A plain Abort carries only the status's phrase, so people get our wording for it; an
            // error of the portal's own carries a sentence meant for them.
            let generic = (abort as? Abort).map { $0.reason == $0.status.reasonPhrase } ?? false
            message = abort.status == .internalServerError ? Self.unexpected
                : generic ? (Self.messages[abort.status.code] ?? abort.reason) : abort.reason
            if status.code >= 500 { request.logger.error("\(String(reflecting: error))") }
            if status == .unauthorized, request.method == .GET, !wantsJSON(request) {
                let next = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
                return request.seeOther("/sign-in?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_.~"))) ?? "/")")
            }
            return await page(request, status: status, message: message, headers: abort.headers)
        }
        request.logger.error("Unexpected error: \(String(reflecting: error))")
        status = .internalServerError
        return await page(request, status: status, message: Self.unexpected, headers: [:])
    }

    static let unexpected = "Sorry, there is a problem with the service. Nothing you sent has been lost; try again in a few minutes."
    static let messages: [UInt: String] = [
        404: "Page not found. If you typed the web address, check it is correct. If you followed a link, the page may have moved or you may not have access to it.",
        403: "You do not have access to this page. If you think you should, ask your portal administrator.",
        401: "Sign in to use this page.",
    ]

    private func wantsJSON(_ request: Request) -> Bool {
        request.url.path.hasPrefix("/api/") || request.headers.accept.mediaTypes.contains(.json) && !request.headers.accept.mediaTypes.contains(.html)
    }

    private func page(_ request: Request, status: HTTPResponseStatus, message: String, headers: HTTPHeaders) async -> Response {
        if wantsJSON(request) {
            let response = Response(status: status)
            try? response.content.encode(["error": message, "requestId": request.id])
            return response
        }
        let response = request.render(ErrorPage.page(.init(status: status, message: message, requestID: request.id)))
        // The error may be the database's own: then the header goes without the count rather
        // than the page failing too.
        response.drawPage(for: request, unreadNotifications: (try? await request.unreadNotifications()) ?? 0)
        for (name, value) in headers where name.lowercased() == "retry-after" { response.headers.add(name: name, value: value) }
        return response
    }
}

enum ErrorPage {
    struct Model {
        var status: HTTPResponseStatus
        /// A sentence the person can act on (`ErrorPageMiddleware.messages`, or the error's own).
        var message: String
        /// Quoted on a server error, so support can find its lines in the log.
        var requestID: String
    }

    static func page(_ model: Model) -> Page {
        let title = switch model.status.code {
        case 404: "Page not found"
        case 403: "Access refused"
        case 500...: "Sorry, there is a problem with the service"
        default: "There is a problem"
        }
        return Page(title: title, status: model.status) {
            h1 { title }
            para { model.message }
            if model.status.code >= 500 {
                para(.class("secondary-text")) { "If you contact support, quote reference \(model.requestID)." }
            }
            para { link("/") { "Go to the home page" } }
        }
    }
}
