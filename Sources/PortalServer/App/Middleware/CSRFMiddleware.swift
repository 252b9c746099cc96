import Foundation
import Vapor

/// Refuses a state-changing request unless it comes from one of the portal's own pages.
///
/// Two checks, both required: the browser's own word on where the request came from
/// (`Sec-Fetch-Site`, else `Origin`), and a token that only the portal's pages know. Signed-in
/// sessions keep their token in the session row; before sign-in it lives in a cookie, and the
/// sign-in form must echo it (the double-submit pattern). `SameSite=Lax` cookies are a third layer.
struct CSRFMiddleware: AsyncMiddleware {
    static let formField = "_csrf"
    static let header = "X-CSRF-Token"
    static let cookieName = "portal_csrf"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            // A route that streams its body (a new enquiry, which may carry documents) still
            // receives plain forms: those are small, so read them now to find their token.
            if request.body.data == nil, request.headers.contentType == .urlEncodedForm {
                _ = try await request.body.collect(max: 64 * 1024).get()
            }
            try check(request)
        }
        let response = try await next.respond(to: request)
        if let fresh = request.storage[NewCSRFCookieKey.self] {
            response.cookies[Self.cookieName] = request.application.portal.cookie(fresh)
        }
        return response
    }

    private func check(_ request: Request) throws {
        if let site = request.headers.first(name: "Sec-Fetch-Site")?.lowercased() {
            guard site == "same-origin" || site == "none" else { throw CSRFRefusal() }
        } else if let origin = request.headers.first(name: .origin) {
            guard sameOrigin(origin, request: request) else { throw CSRFRefusal() }
        }
        let expected = request.signedIn?.csrfToken ?? request.cookies[Self.cookieName]?.string
        // A streamed upload's body cannot be read here, so its form carries the token in its address.
        let streamed = request.headers.contentType?.type == "multipart" && request.headers.contentType?.subType == "form-data"
        let given = request.headers.first(name: Self.header)
            ?? (streamed ? request.query[String.self, at: Self.formField] : (try? request.content.get(String.self, at: Self.formField)))
        guard let expected, !expected.isEmpty, let given, SecureToken.equal(expected, given) else {
            throw CSRFRefusal()
        }
    }

    /// The Origin must be the configured public address, or the host the request was sent to.
    private func sameOrigin(_ origin: String, request: Request) -> Bool {
        let origin = origin.lowercased()
        if let base = request.application.portal.publicBaseURL?.lowercased(), origin == base { return true }
        guard let url = URL(string: origin), let host = url.host,
              let requestHost = request.headers.first(name: .host)?.lowercased()
        else { return false }
        return requestHost == (url.port.map { "\(host):\($0)" } ?? host)
    }
}

/// A refused form, explained on the page it returns.
struct CSRFRefusal: AbortError {
    var status: HTTPResponseStatus { .forbidden }
    var reason: String {
        "This form could not be sent, because it had expired or did not come from this site. Go back, reload the page and try again."
    }
}

private struct NewCSRFCookieKey: StorageKey { typealias Value = String }

extension Request {
    /// The token to put in this page's forms.
    var csrfToken: String {
        if let signedIn { return signedIn.csrfToken }
        if let existing = cookies[CSRFMiddleware.cookieName]?.string, existing.count >= 32 { return existing }
        if let fresh = storage[NewCSRFCookieKey.self] { return fresh }
        let fresh = SecureToken.make()
        storage[NewCSRFCookieKey.self] = fresh
        return fresh
    }
}
