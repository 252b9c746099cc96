import Foundation
import PortalCore
import Vapor

enum WebhookAdminPages {
    static let path = WebhookAdminRoutes.path

    static func list(_ model: WebhookAdminRoutes.ListModel) -> Page {
        let errors = model.errors
        return Page(title: "Webhooks", section: .users, status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Webhooks" }
            para { "The council's own systems can hear of enquiries as they change. Each event is posted to the address of every active subscription that takes it, as JSON signed with the subscription's secret (Standard Webhooks), and retried for about a day if the system does not take it." }
            para { "A webhook carries no resident's details and nobody's words: only the event, when it happened, and the enquiry's id, reference, status, service area, type, urgency and Member. The receiving system reads more through the API, as far as it is allowed." }
            if model.allowPrivate {
                div(.class("inset")) { para(.class("warning-text")) { "This portal may post to addresses on private networks and to itself (PORTAL_WEBHOOKS_ALLOW_PRIVATE is set)." } }
            }
            h2(.id("subscriptions")) { "Subscriptions" }
            if model.listed.isEmpty {
                para(.class("secondary-text")) { "No subscriptions yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Webhook subscriptions" }
                        thead { tr { th(.scopeCol) { "Description" }; th(.scopeCol) { "Address" }; th(.scopeCol) { "Events" }; th(.scopeCol) { "Status" } } }
                        tbody {
                            for listed in model.listed {
                                let subscription = listed.subscription
                                tr {
                                    th(.scopeRow) { link("\(path)/\(subscription.id.uuidString)") { subscription.description } }
                                    td { subscription.url }
                                    td { subscription.eventList.map(\.rawValue).joined(separator: ", ") }
                                    td {
                                        status(subscription)
                                        if listed.waiting + listed.failed > 0 {
                                            para(.class("secondary-text")) { "\(listed.waiting) waiting, \(listed.failed) failed" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2(.id("add")) { "Add a subscription" }
            htmlForm(.method("post"), .action(path), .novalidate) {
                csrfField(model.csrfToken)
                textField("url", label: "Address to post to", value: model.form.url, errors: errors,
                          FieldOptions(hint: "A full http:// or https:// address of the receiving system, without a user name or password, at most \(WebhookSubscriptionDetails.urlLimit.formatted()) characters.",
                                       autocomplete: "url", spellcheck: false, inputMode: "url"))
                textField("description", label: "Description", value: model.form.description, errors: errors,
                          FieldOptions(hint: "What the system is, for whoever reads this list, like Highways asset management system."))
                checkboxes("events", legend: "Events to send", choices: WebhookEvent.allCases.map { Choice(value: $0.rawValue, label: $0.rawValue, hint: $0.label) },
                           checked: Set(model.form.events ?? []), errors: errors)
                submitButton("Add the subscription")
            }
        }
    }

    /// The answer to adding a subscription: the one place its secret is ever shown.
    static func created(_ subscription: WebhookSubscription, secret: String) -> Page {
        Page(title: "Subscription added: copy its signing secret", section: .users) {
            link(path, .class("back-link")) { "Back to webhooks" }
            h1 { "Copy the signing secret" }
            para { "The subscription to \(subscription.url) has been added. Give this secret to whoever runs the receiving system, which checks each webhook's signature with it." }
            div(.class("inset")) {
                para(.class("warning-text")) { "This is the only time the secret is shown: the portal keeps it only to sign with. If it is lost, add the subscription again and delete this one." }
                para { element("code", [.id("signing-secret")]) { secret } }
            }
            summaryList(details(subscription))
            para { link("\(path)/\(subscription.id.uuidString)") { "See the subscription and its deliveries" } }
        }
    }

    static func subscription(_ model: WebhookAdminRoutes.SubscriptionModel) -> Page {
        let subscription = model.subscription
        let base = "\(path)/\(subscription.id.uuidString)"
        return Page(title: "Webhook: \(subscription.description)", section: .users) {
            link(path, .class("back-link")) { "Back to webhooks" }
            h1 { subscription.description }
            summaryList(details(subscription) + [("Status", subscription.isActive ? "Active" : "Paused")])
            htmlForm(.method("post"), .action("\(base)/\(subscription.isActive ? "pause" : "resume")")) {
                csrfField(model.csrfToken)
                para { subscription.isActive
                    ? "Pausing stops new events being kept for this system and holds back those waiting, until it is resumed."
                    : "Paused: events since it was paused are not sent. Resuming sends those that were waiting, and new events from now on." }
                submitButton(subscription.isActive ? "Pause the subscription" : "Resume the subscription", style: "secondary")
            }

            h2(.id("deliveries")) { "Deliveries" }
            para(.attr("role", "status")) { model.total == 1 ? "1 delivery, newest first." : "\(model.total.formatted()) deliveries, newest first." }
            if !model.deliveries.isEmpty {
                let pages = max(1, (model.total + WebhookAdminRoutes.pageSize - 1) / WebhookAdminRoutes.pageSize)
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Deliveries, page \(model.page) of \(pages)" }
                        thead { tr { th(.scopeCol) { "Event" }; th(.scopeCol) { "Enquiry" }; th(.scopeCol) { "State" }; th(.scopeCol) { "Attempts" } } }
                        tbody {
                            for (delivery, attempts, earlier) in model.deliveries {
                                tr {
                                    th(.scopeRow) {
                                        delivery.event
                                        para(.class("secondary-text")) { delivery.createdAt.councilText }
                                    }
                                    td { link("/enquiries/\(delivery.enquiryId.uuidString)") { delivery.reference } }
                                    td { state(delivery, csrfToken: model.csrfToken, base: base) }
                                    td { attemptList(attempts, earlier: earlier) }
                                }
                            }
                        }
                    }
                }
                pagination(total: model.total, page: model.page, pageSize: WebhookAdminRoutes.pageSize) { "\(base)?page=\($0)#deliveries" }
            }

            h2(.id("delete")) { "Delete this subscription" }
            htmlForm(.method("post"), .action("\(base)/delete")) {
                csrfField(model.csrfToken)
                para { "Deleting it stops every webhook to this system and removes its deliveries with it. The audit trail keeps that it existed." }
                submitButton("Delete the subscription", style: "warning")
            }
        }
    }

    private static func details(_ subscription: WebhookSubscription) -> [(String, String)] {
        [("Address", subscription.url), ("Events", subscription.eventList.map(\.rawValue).joined(separator: ", ")),
         ("Added", subscription.createdAt.councilText)]
    }

    private static func status(_ subscription: WebhookSubscription) -> HTMLNode {
        subscription.isActive ? span(.class("tag tag-green")) { "Active" } : span(.class("tag tag-grey")) { "Paused" }
    }

    private static func state(_ delivery: WebhookAdminRoutes.Delivery, csrfToken: String, base: String) -> HTMLNode {
        switch delivery.state {
        case "sent":
            return .group([span(.class("tag tag-green")) { "Delivered" },
                           para(.class("secondary-text")) { delivery.sentAt?.councilText ?? "" }])
        case "failed":
            return .group([
                span(.class("tag tag-red")) { "Failed" },
                para(.class("secondary-text")) { "Given up after \(delivery.attempts) attempts" },
                htmlForm(.method("post"), .action("\(base)/deliveries/\(delivery.id.uuidString)/retry"), .class("inline-form")) {
                    csrfField(csrfToken)
                    button(.type("submit"), .class("button button-secondary")) {
                        "Send again"
                        span(.class("visually-hidden")) { " the \(delivery.event) webhook of \(delivery.reference)" }
                    }
                },
            ])
        default:
            return .group([
                delivery.attempts == 0 ? span(.class("tag tag-blue")) { "Waiting" } : span(.class("tag tag-yellow")) { "Retrying" },
                para(.class("secondary-text")) { "Next attempt \(delivery.nextAttemptAt.councilText)" },
            ])
        }
    }

    private static func attemptList(_ attempts: [WebhookAdminRoutes.Attempt], earlier: Int) -> HTMLNode {
        guard !attempts.isEmpty else { return span(.class("secondary-text")) { "None yet" } }
        return .group([
            earlier > 0 ? para(.class("secondary-text")) { "\(earlier) earlier not shown" } : .empty,
            ul(.class("plain-list")) {
                for attempt in attempts {
                    li { "\(attempt.at.councilText): \(attempt.error ?? attempt.statusCode.map { "answered \($0)" } ?? "no answer"), in \(attempt.durationMs.formatted()) ms" }
                }
            },
        ])
    }
}
