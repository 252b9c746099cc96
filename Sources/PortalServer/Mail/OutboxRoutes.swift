import Fluent
import Foundation
import NIOCore
import PortalCore
import SQLKit
import Vapor

extension RepeatingJob {
    /// Sends the outbox every ten seconds, when an SMTP server is configured.
    static var mail: RepeatingJob {
        RepeatingJob("Email", every: .seconds(10), after: .seconds(2)) { application in
            guard let settings = application.portal.mail else { return }
            let outcome = try await Outbox.deliver(at: Date(), settings: settings, baseURL: application.portal.publicBaseURL,
                                                   group: application.eventLoopGroup, on: application.db)
            if outcome.retrying + outcome.failed > 0 {
                application.logger.warning("Email: \(outcome.sent) sent, \(outcome.retrying) to retry, \(outcome.failed) failed")
            }
        }
    }
}

/// The administrator's view of email: what was sent, what waits, what failed (with a retry).
/// Without an SMTP server (the demo), every message stays here, so a newcomer sees what the
/// portal would send.
enum OutboxRoutes {
    @Sendable static func show(_ request: Request) async throws -> Response {
        let rows = try await request.db.sql.select().columns(Outbox.columns).from("outbox")
            .orderBy("created_at", .descending).limit(100).all(decoding: Outbox.Row.self)
        let failed = rows.filter { $0.state == "failed" }
        let configured = request.application.portal.mail != nil
        return request.render(Page(title: "Email", section: .users) {
            h1 { "Email" }
            para {
                configured
                    ? "Email is sent through \(request.application.portal.mail!.host). Messages that fail \(request.application.portal.mail!.maxAttempts) times are shown as failed and may be retried."
                    : "No SMTP server is configured (SMTP_HOST), so email is not sent: every message is kept here, as it would have been sent."
            }
            if !failed.isEmpty {
                htmlForm(.method("post"), .action("/admin/email/retry")) {
                    csrfField(request)
                    submitButton(failed.count == 1 ? "Try the failed message again" : "Try the \(failed.count) failed messages again")
                }
            }
            if rows.isEmpty {
                para(.class("secondary-text")) { "No email yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "The latest 100 messages" }
                        thead { tr { th(.scopeCol) { "To" }; th(.scopeCol) { "Message" }; th(.scopeCol) { "State" }; th(.scopeCol) { "Written" } } }
                        tbody {
                            for row in rows {
                                tr {
                                    td { row.to_address }
                                    td {
                                        strong { row.subject }
                                        para(.class("secondary-text")) { row.message }
                                    }
                                    td {
                                        switch row.state {
                                        case "sent": span(.class("tag tag-green")) { "Sent" }
                                        case "failed": span(.class("tag tag-red")) { "Failed" }
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
        })
    }

    @Sendable static func retry(_ request: Request) async throws -> Response {
        let now = Date()
        let retried = try await request.db.sql.update("outbox")
            .set("state", to: "pending").set("attempts", to: 0).set("next_attempt_at", to: now).set("claimed_until", to: SQLLiteral.null)
            .where("state", .equal, "failed").returning("id").all().count
        return request.seeOther("/admin/email", flash: retried == 1 ? "1 message will be sent again." : "\(retried) messages will be sent again.")
    }
}
