import Fluent
import Foundation
import NIOCore
import PortalCore
import SQLKit
import Vapor

/// The administrator's view of email: what was sent, what waits, what failed (with a retry).
/// Without an SMTP server (the demo), every message stays here, so a newcomer sees what the
/// portal would send.
enum OutboxRoutes {
    struct Model {
        var csrfToken: String
        /// The SMTP server's host and how many tries a message gets; nil when none is configured.
        var sending: (host: String, maxAttempts: Int)?
        /// The settings form as saved, or as typed when it comes back.
        var residentDetails: Bool
        var digestAt: String
        var version: Int
        var errors: FormErrors
        var status: HTTPResponseStatus?
        /// The latest 100, newest first.
        var messages: [Outbox.Row]
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request)
    }

    static func respond(_ request: Request, settingsForm: SettingsForm? = nil, errors: FormErrors = FormErrors(),
                        status: HTTPResponseStatus? = nil) async throws -> Response {
        let mail = request.application.portal.mail
        let model = try await query(settingsForm: settingsForm, errors: errors, status: status, csrfToken: request.csrfToken,
                                    sending: mail.map { ($0.host, $0.maxAttempts) }, on: request.db)
        return request.render(OutboxPage.page(model))
    }

    static func query(settingsForm: SettingsForm?, errors: FormErrors, status: HTTPResponseStatus?, csrfToken: String,
                      sending: (host: String, maxAttempts: Int)?, on db: any Database) async throws -> Model {
        let council = try await CouncilMailSettings.load(on: db)
        let rows = try await db.sql.select().columns(Outbox.columns).from("outbox")
            .orderBy("created_at", .descending).limit(100).all(decoding: Outbox.Row.self)
        return Model(csrfToken: csrfToken, sending: sending,
                     residentDetails: settingsForm.map { $0.residentDetails == "on" } ?? council.residentDetails,
                     digestAt: settingsForm?.digestAt ?? WorkingDayForm.text(council.digestAt), version: council.version,
                     errors: errors, status: status, messages: rows)
    }

    /// What the message says; a digest lists its entries.
    static func summary(of row: Outbox.Row) -> String {
        guard row.kind == Outbox.digestKind, let items = try? JSONDecoder().decode([Outbox.DigestItem].self, from: Data(row.message.utf8)) else {
            return row.message
        }
        return items.map { "\(Outbox.label(of: $0.kind)): \($0.message)" }.joined(separator: " · ")
    }

    @Sendable static func retry(_ request: Request) async throws -> Response {
        let now = request.now
        let retried = try await request.db.sql.update("outbox")
            .set("state", to: "pending").set("attempts", to: 0).set("next_attempt_at", to: now).set("claimed_until", to: SQLLiteral.null)
            .where("state", .equal, "failed").returning("id").all().count
        return request.seeOther("/admin/email", flash: retried == 1 ? "1 message will be sent again." : "\(retried) messages will be sent again.")
    }
}

enum OutboxPage {
    static func page(_ model: OutboxRoutes.Model) -> Page {
        let errors = model.errors
        let failed = model.messages.filter { $0.state == "failed" }
        let configured = model.sending != nil
        return Page(title: "Email", section: .users, status: model.status ?? (errors.isEmpty ? .ok : .unprocessableEntity),
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Email" }
            para {
                if let sending = model.sending {
                    "Email is sent through \(sending.host). Messages that fail \(sending.maxAttempts) times are shown as failed and may be retried."
                } else {
                    "No SMTP server is configured (SMTP_HOST), so email is not sent: every message is kept here, as it would have been sent."
                }
            }
            if !failed.isEmpty {
                htmlForm(.method("post"), .action("/admin/email/retry")) {
                    csrfField(model.csrfToken)
                    submitButton(failed.count == 1 ? "Try the failed message again" : "Try the \(failed.count) failed messages again")
                }
            }
            h2 { "Settings" }
            htmlForm(.method("post"), .action("/admin/email/settings"), .novalidate) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("version"), .value(String(model.version)))
                checkbox("resident-details", label: "Include the resident's details in emails about an enquiry", checked: model.residentDetails,
                         hint: "Their name, address, phone and email. Email is not a secure channel, so this is off unless the council decides otherwise.")
                textField("digest-at", label: "Time of the daily email", value: model.digestAt, errors: errors,
                          FieldOptions(hint: "For people who choose one email a day, in UK time, like 07:00.", width: "short"))
                submitButton("Save settings")
            }
            h2 { "Messages" }
            if model.messages.isEmpty {
                para(.class("secondary-text")) { "No email yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "The latest 100 messages" }
                        thead { tr { th(.scopeCol) { "To" }; th(.scopeCol) { "Message" }; th(.scopeCol) { "State" }; th(.scopeCol) { "Written" } } }
                        tbody {
                            for row in model.messages {
                                tr {
                                    td { row.to_address }
                                    td {
                                        strong { row.subject }
                                        para(.class("secondary-text")) { OutboxRoutes.summary(of: row) }
                                    }
                                    td {
                                        switch row.state {
                                        case "sent": span(.class("tag tag-green")) { "Sent" }
                                        case "failed": span(.class("tag tag-red")) { "Failed" }
                                        case "held": span(.class("tag tag-grey")) { "For the daily email" }
                                        case "digested": span(.class("tag tag-green")) { "In a daily email" }
                                        default: span(.class("tag tag-grey")) { configured ? "Waiting" : "Kept (not sent)" }
                                        }
                                        if let error = row.last_error { para(.class("secondary-text")) { "After \(row.attempts) attempts: \(error)" } }
                                    }
                                    td { row.created_at.councilText }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
