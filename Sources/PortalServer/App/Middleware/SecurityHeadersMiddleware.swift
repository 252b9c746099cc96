import Vapor

/// Headers that make the browser refuse what the portal never does: scripts or styles from
/// elsewhere, inline script, being framed, sniffing content types, leaking the path to other sites.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    /// The policy, with the council's tile server (`MapSettings.tiles`) the one other place
    /// images may come from.
    static func contentSecurityPolicy(tileOrigin: String? = nil) -> String {
        [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:" + (tileOrigin.map { " " + $0 } ?? ""),
            "font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
            "base-uri 'none'", "object-src 'none'",
        ].joined(separator: "; ")
    }

    let strictTransport: Bool
    let contentSecurityPolicy: String

    init(strictTransport: Bool, tileOrigin: String? = nil) {
        self.strictTransport = strictTransport
        self.contentSecurityPolicy = Self.contentSecurityPolicy(tileOrigin: tileOrigin)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = [
            ("Content-Security-Policy", contentSecurityPolicy),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), payment=(), usb=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        if strictTransport {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000")
        }
        if response.headers.first(name: .cacheControl) == nil {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
