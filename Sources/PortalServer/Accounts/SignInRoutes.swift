import Fluent
import Foundation
import PortalCore
import Vapor

/// Signing in and out. Wrong passwords and unknown emails get the same answer in the same time,
/// so the form reveals nobody's address; repeated failures are throttled (`SignInThrottle`).
enum SignInRoutes {
    struct Form: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    static let throttle = SignInThrottle()

    @Sendable static func show(_ request: Request) async throws -> Response {
        if request.currentUser != nil { return request.seeOther("/") }
        let next = safeNext(request.query[String.self, at: "next"])
        return request.render(SignInPage.page(model(request, email: "", next: next, errors: FormErrors())))
    }

    @Sendable static func submit(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let next = safeNext(form.next)
        var errors = FormErrors()
        let emailText = (form.email ?? "").trimmingWhitespace()
        if emailText.isEmpty { errors.add("email", "Enter your email address") }
        if (form.password ?? "").isEmpty { errors.add("password", "Enter your password") }
        guard errors.isEmpty else {
            return request.render(SignInPage.page(model(request, email: emailText, next: next, errors: errors)))
        }
        let email = emailText.lowercased()
        let address = clientAddress(request)
        let now = request.now

        // The attempt takes its place under the limits before bcrypt runs (`SignInAttempts`).
        switch try await SignInAttempts.reserve(email: email, address: address, at: now, throttle: throttle, on: request.db) {
        case .reserved: break
        case .refused(let wait):
            errors.add("email", "Too many failed attempts to sign in. Wait \(SignInThrottle.describe(wait)) and try again.")
            return tooMany(request, wait: wait, page: SignInPage.page(model(request, email: emailText, next: next, errors: errors, status: .tooManyRequests)))
        }

        let user = try await User.query(on: request.db).filter(\.$email == email).first()
        let verified = try await request.password.async.verify(form.password ?? "", created: user?.passwordHash ?? request.application.decoyPasswordHash)
        guard let user, verified, user.isActive else {
            // The reserved place stands as the failure.
            request.logger.notice("Sign-in failed", metadata: ["email": .string(String(TextRules.oneLine(email).prefix(254)))])
            errors.add("email", "Enter the email address and password of an active account")
            return request.render(SignInPage.page(model(request, email: emailText, next: next, errors: errors, status: .unauthorized)))
        }
        try await SignInFailure.query(on: request.db).filter(\.$email == email).delete()
        if user.roles(on: CouncilTime.local(now).date).isEmpty {
            let today = CouncilTime.local(now).date
            if let ended = user.term.ends, ended < today {
                errors.add("email", "Your term of office as a Member ended on \(ended.longText). The portal no longer gives you access.")
            } else {
                errors.add("email", "Your term of office as a Member has not begun yet. You can sign in from \(user.term.starts?.longText ?? "its first day").")
            }
            return request.render(SignInPage.page(model(request, email: emailText, next: next, errors: errors, status: .forbidden)))
        }
        let response = request.seeOther(next ?? "/")
        try await SessionStore.start(for: user, on: request, response: response)
        request.logger.info("Signed in", metadata: ["user": .string(user.id?.uuidString ?? "")])
        return response
    }

    static func model(_ request: Request, email: String, next: String?, errors: FormErrors, status: HTTPResponseStatus = .ok) -> SignInPage.Model {
        SignInPage.Model(csrfToken: request.csrfToken, email: email, next: next, errors: errors, status: status,
                         demoMode: request.application.portal.demoMode)
    }

    @Sendable static func signOut(_ request: Request) async throws -> Response {
        let response = request.seeOther("/sign-in", flash: "You have signed out.")
        try await SessionStore.end(on: request, response: response)
        return response
    }

    /// A 429 answer with `Retry-After`.
    static func tooMany(_ request: Request, wait: TimeInterval, page: Page) -> Response {
        let response = request.render(page)
        response.headers.replaceOrAdd(name: .retryAfter, value: String(Int(min(wait, 86_400).rounded(.up))))
        return response
    }

    /// The person's address: the peer, or the last hop a trusted load balancer added.
    static func clientAddress(_ request: Request) -> String {
        let peer = request.remoteAddress?.ipAddress ?? "unknown"
        guard request.application.portal.trustedProxies.contains(peer),
              let forwarded = request.headers.first(name: .xForwardedFor)?.split(separator: ",").last?.trimmingWhitespace(),
              !forwarded.isEmpty
        else { return peer }
        return String(forwarded.prefix(64))
    }

    /// Only a path on this site (`LocalPath`): never `//other.example`, `https://…` or anything a
    /// browser would turn into one, which would make the sign-in page a springboard to phishing.
    static func safeNext(_ next: String?) -> String? {
        guard let next, LocalPath.isSafe(next) else { return nil }
        return next
    }
}

private struct DecoyHashKey: StorageKey { typealias Value = String }

extension Application {
    /// A hash of a random password nobody knows, checked when the email is unknown so that the
    /// answer takes as long as for a real account. Made at start-up with the configured cost.
    var decoyPasswordHash: String {
        get { storage[DecoyHashKey.self] ?? "" }
        set { storage[DecoyHashKey.self] = newValue }
    }
}
