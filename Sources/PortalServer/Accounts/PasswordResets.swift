import Crypto
import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Password reset by email: a person asks with their address and receives a link holding a
/// random token. The link works once, for an hour; only a hash of the token is stored. Asking
/// gets the same answer whether or not the address has an account, so the page reveals nobody's
/// address, and a person can ask for a few links an hour, not more.
enum PasswordResets {
    static let mailKind = "password_reset"
    static let lifetime: TimeInterval = 3600
    static let linksPerHour = 3

    static func hash(of token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes, URL-safe.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Writes a link for the account with this address, if there is an active one and it has not
    /// asked too often, and queues the email in the same transaction. Returns whether it did.
    ///
    /// Known and unknown addresses run the same statements: each is a conditional insert that
    /// finds the account (and its recent links) itself and writes nothing when there is none, so
    /// neither the answer nor the time it takes tells whether the address has an account.
    @discardableResult
    static func request(for email: String, at now: Date, on db: any Database) async throws -> Bool {
        let token = newToken()
        let resetID = UUID()
        return try await db.transaction { db -> Bool in
            let made = try await db.sql.raw("""
                INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
                SELECT \(bind: resetID), users.id, \(bind: hash(of: token)), \(bind: now), \(bind: now.addingTimeInterval(lifetime))
                FROM users
                WHERE users.email = \(bind: email) AND users.is_active = \(bind: true)
                  AND (SELECT COUNT(*) FROM password_resets AS recent
                       WHERE recent.user_id = users.id AND recent.created_at > \(bind: now.addingTimeInterval(-3600))) < \(literal: linksPerHour)
                RETURNING user_id
                """).all()
            try await Outbox.enqueueNow(toAccountOfReset: resetID, kind: mailKind, subject: "Reset your Member Portal password",
                message: "Someone, probably you, asked to reset the password of your Member Portal account. Use the link below within an hour to choose a new password; it works once.\n\nIf you did not ask, ignore this email: your password has not changed.",
                linkPath: "/password-reset/\(token)", at: now, on: db)
            return !made.isEmpty
        }
    }

    /// The account a token unlocks, if it is unused, unexpired and the account active.
    static func account(for token: String, at now: Date, on db: any Database) async throws -> UUID? {
        guard token.count == 43 else { return nil }
        let row = try await db.sql.select().column(SQLColumn("user_id", table: "password_resets")).from("password_resets")
            .join(User.schema, on: SQLColumn("id", table: User.schema), .equal, SQLColumn("user_id", table: "password_resets"))
            .where(SQLColumn("token_hash", table: "password_resets"), .equal, SQLBind(hash(of: token)))
            .where(SQLColumn("used_at", table: "password_resets"), .is, SQLLiteral.null)
            .where(SQLColumn("expires_at", table: "password_resets"), .greaterThan, SQLBind(now))
            .where(SQLColumn("is_active", table: User.schema), .equal, SQLBind(true))
            .first()
        return try row?.decode(column: "user_id", as: UUID.self)
    }

    /// Uses the token to set the password: claims the token with a conditional update (so it
    /// works once, however many tabs submit), retires the account's other links, ends every
    /// session of the account and records the change. Nil when the token no longer works.
    static func reset(token: String, passwordHash: String, at now: Date, on db: any Database, sessions: SessionCache) async throws -> UUID? {
        try await db.transaction { db -> UUID? in
            let claimed = try await db.sql.update("password_resets").set("used_at", to: now)
                .where("token_hash", .equal, hash(of: token)).where(SQLColumn("used_at"), .is, SQLLiteral.null)
                .where("expires_at", .greaterThan, now)
                .returning("user_id").first()
            guard let userID = try claimed?.decode(column: "user_id", as: UUID.self),
                  let user = try await User.find(userID, on: db), user.isActive
            else { return nil }
            try await db.sql.update("password_resets").set("used_at", to: now)
                .where("user_id", .equal, userID).where(SQLColumn("used_at"), .is, SQLLiteral.null).run()
            try await db.sql.update(User.schema).set("password_hash", to: passwordHash).set("version", to: SQLRaw("version + 1"))
                .set("updated_at", to: now).where("id", .equal, userID).run()
            try await SessionStore.endAll(for: userID, on: db, sessions: sessions)
            try await AuditTrail.record(action: "password_reset", enquiryID: nil, actorID: userID,
                                        detail: "Password changed with an emailed link", at: now, on: db)
            return userID
        }
    }
}

enum PasswordResetRoutes {
    struct AskForm: Content { var email: String? }
    struct ResetForm: Content {
        var password: String?
        var confirm: String?
    }

    @Sendable static func ask(_ request: Request) async throws -> Response {
        request.render(PasswordResetPages.ask(.init(csrfToken: request.csrfToken, email: "", errors: FormErrors())))
    }

    @Sendable static func send(_ request: Request) async throws -> Response {
        let email = (try request.content.decode(AskForm.self).email ?? "").trimmingWhitespace()
        var errors = FormErrors()
        let address: EmailAddress
        switch EmailAddress.parse(email) {
        case .success(let parsed): address = parsed
        case .failure(let problem):
            errors.add("email", problem == .empty ? "Enter your email address" : problem.message)
            return request.render(PasswordResetPages.ask(.init(csrfToken: request.csrfToken, email: email, errors: errors)))
        }
        try await PasswordResets.request(for: address.value, at: request.now, on: request.db)
        return request.render(PasswordResetPages.sent(to: address.value))
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let token = request.parameters.get("token") ?? ""
        guard try await PasswordResets.account(for: token, at: request.now, on: request.db) != nil else {
            return request.render(PasswordResetPages.expired())
        }
        return request.render(PasswordResetPages.choose(.init(csrfToken: request.csrfToken, token: token, errors: FormErrors())))
    }

    /// Sets the new password. The cheap checks come first: the address's place under the sign-in
    /// throttle (a link tried counts as a sign-in attempt from that address), then the link
    /// itself; only a working link with an acceptable password reaches bcrypt.
    @Sendable static func reset(_ request: Request) async throws -> Response {
        let token = request.parameters.get("token") ?? ""
        let form = try request.content.decode(ResetForm.self)
        let now = request.now
        let attempt: UUID
        switch try await SignInAttempts.reserve(email: nil, address: SignInRoutes.clientAddress(request), at: now,
                                                throttle: SignInRoutes.throttle, on: request.db) {
        case .reserved(let id): attempt = id
        case .refused(let wait):
            return SignInRoutes.tooMany(request, wait: wait, page: PasswordResetPages.tooManyAttempts(wait: wait))
        }
        // An unknown or used link keeps its place as a failed attempt.
        guard try await PasswordResets.account(for: token, at: now, on: request.db) != nil else {
            return request.render(PasswordResetPages.expired())
        }
        try await SignInAttempts.release(attempt, on: request.db)
        let password = form.password ?? ""
        var errors = FormErrors()
        if let problem = PasswordRules.problem(with: password) { errors.add("password", problem) }
        else if password != (form.confirm ?? "") { errors.add("confirm", "Enter the same password twice") }
        guard errors.isEmpty else {
            return request.render(PasswordResetPages.choose(.init(csrfToken: request.csrfToken, token: token, errors: errors)))
        }
        let hash = try await request.password.async.hash(password)
        guard try await PasswordResets.reset(token: token, passwordHash: hash, at: now, on: request.db, sessions: request.application.sessionCache) != nil else {
            return request.render(PasswordResetPages.expired())
        }
        let response = request.seeOther("/sign-in", flash: "Your password has been changed. Sign in with your new password.")
        try await SessionStore.end(on: request, response: response)
        return response
    }
}

enum PasswordResetPages {
    struct AskModel {
        var csrfToken: String
        var email: String
        var errors: FormErrors
    }

    static func ask(_ model: AskModel) -> Page {
        Page(title: "Reset your password", section: .signIn, status: model.errors.isEmpty ? .ok : .unprocessableEntity,
             hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { "Reset your password" }
            para { "Enter the email address of your account and we will send you a link to choose a new password." }
            htmlForm(.method("post"), .action("/password-reset"), .novalidate) {
                csrfField(model.csrfToken)
                textField("email", label: "Email address", value: model.email, errors: model.errors,
                          FieldOptions(autocomplete: "username", spellcheck: false, inputMode: "email"))
                submitButton("Send the link")
            }
        }
    }

    /// The same whether or not the address has an account.
    static func sent(to address: String) -> Page {
        Page(title: "Check your email", section: .signIn) {
            h1 { "Check your email" }
            para { "If \(address) belongs to an active account, we have sent it a link to choose a new password. The link works once, within an hour." }
            para { "No email after a few minutes? Check your junk folder, or ask your portal administrator." }
            para { link("/sign-in") { "Back to sign in" } }
        }
    }

    struct ChooseModel {
        var csrfToken: String
        /// The link's token: the form posts back to the link.
        var token: String
        var errors: FormErrors
    }

    static func choose(_ model: ChooseModel) -> Page {
        Page(title: "Choose a new password", section: .signIn, status: model.errors.isEmpty ? .ok : .unprocessableEntity,
             hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { "Choose a new password" }
            htmlForm(.method("post"), .action("/password-reset/\(model.token)"), .novalidate) {
                csrfField(model.csrfToken)
                textField("password", label: "New password", value: nil, errors: model.errors,
                          FieldOptions(hint: "At least \(PasswordRules.minimumLength) characters. A few unrelated words make a strong password.",
                                       type: "password", autocomplete: "new-password"))
                textField("confirm", label: "New password again", value: nil, errors: model.errors,
                          FieldOptions(type: "password", autocomplete: "new-password"))
                submitButton("Change my password")
            }
        }
    }

    static func expired() -> Page {
        Page(title: "This link no longer works", section: .signIn, status: .gone) {
            h1 { "This link no longer works" }
            para { "A password reset link works once, within an hour of asking. This one has been used or has expired." }
            para { link("/password-reset") { "Ask for a new link" } }
        }
    }

    static func tooManyAttempts(wait: TimeInterval) -> Page {
        Page(title: "Too many attempts", section: .signIn, status: .tooManyRequests) {
            h1 { "Too many attempts" }
            para { "Too many links or passwords were tried from your network. Wait \(SignInThrottle.describe(wait)) and try again." }
        }
    }
}
