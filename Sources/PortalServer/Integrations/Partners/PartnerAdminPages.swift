import Foundation
import PortalCore
import Vapor

enum PartnerAdminPages {
    static func list(_ model: PartnerAdminRoutes.ListModel) -> Page {
        Page(title: "Partner organisations", section: .users) {
            h1 { "Partner organisations" }
            para { "Enquiries of the types a partner takes are referred to it when they are submitted, or converted to one of those types: by webhook when it has one, otherwise by email. The partner records the outcome with a link that works once, and the Member is told." }
            para { link("/admin/partners/new", .class("button")) { "Add a partner" } }
            if model.partners.isEmpty {
                para(.class("secondary-text")) { "No partners yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Partner organisations" }
                        thead { tr { th(.scopeCol) { "Partner" }; th(.scopeCol) { "Sent by" }; th(.scopeCol) { "Enquiry types" }; th(.scopeCol) { "Status" } } }
                        tbody {
                            for listed in model.partners {
                                let partner = listed.partner
                                tr {
                                    th(.scopeRow) { link("/admin/partners/\(partner.id.uuidString)") { partner.name } }
                                    td { partner.webhookUrl.map { "Webhook to \(URLComponents(string: $0)?.host ?? $0)" } ?? "Email to \(partner.email)" }
                                    td { listed.takes.isEmpty ? "None yet" : listed.takes.joined(separator: "; ") }
                                    td { if partner.isActive { span(.class("tag tag-green")) { "Active" } } else { span(.class("tag tag-grey")) { "Deactivated" } } }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Webhooks not delivered" }
            para { "Referrals by email that could not be sent are listed with all email, at " ; link("/admin/email") { "Email sent and waiting" } ; "." }
            if model.undelivered.isEmpty {
                para(.class("secondary-text")) { "Every webhook has been delivered." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Webhook deliveries retrying or failed" }
                        thead { tr { th(.scopeCol) { "Enquiry" }; th(.scopeCol) { "Partner" }; th(.scopeCol) { "State" }; th(.scopeCol) { "Last error" } } }
                        tbody {
                            for row in model.undelivered {
                                tr {
                                    th(.scopeRow) { link("/enquiries/\(row.enquiryId.uuidString)") { row.reference } }
                                    td { row.partnerName }
                                    td {
                                        if row.state == "failed" {
                                            span(.class("tag tag-red")) { "Failed" }
                                            para(.class("secondary-text")) { "After \(row.attempts) attempts" }
                                            htmlForm(.method("post"), .action("/admin/partners/referrals/\(row.id.uuidString)/retry"), .class("inline-form")) {
                                                csrfField(model.csrfToken)
                                                button(.type("submit"), .class("button button-secondary")) {
                                                    "Retry"
                                                    span(.class("visually-hidden")) { " the referral of \(row.reference) to \(row.partnerName)" }
                                                }
                                            }
                                        } else {
                                            span(.class("tag tag-yellow")) { "Retrying" }
                                            para(.class("secondary-text")) { "\(row.attempts) attempts so far; next at \(row.nextAttemptAt.councilText)" }
                                        }
                                    }
                                    td { row.lastError ?? "" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Outcome links refused" }
            para { "Links used again, after they expired, after a co-ordinator recorded the outcome, or that the portal never issued. Nothing was changed by any of them." }
            if model.refusals.isEmpty {
                para(.class("secondary-text")) { "None." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "The latest 50 refused outcome links" }
                        thead { tr { th(.scopeCol) { "When" }; th(.scopeCol) { "Why" }; th(.scopeCol) { "Referral" }; th(.scopeCol) { "From" } } }
                        tbody {
                            for refusal in model.refusals {
                                tr {
                                    td { refusal.at.councilText }
                                    td { refusal.reasonLabel }
                                    td { refusal.reference.map { "\($0) to \(refusal.partnerName ?? "a partner")" } ?? "None" }
                                    td { refusal.address }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func form(_ model: PartnerAdminRoutes.FormModel) -> Page {
        let partner = model.partner, values = model.form, errors = model.errors
        let title = partner.map { "Edit \($0.name)" } ?? "Add a partner"
        let action = partner.map { "/admin/partners/\($0.id.uuidString)" } ?? "/admin/partners"
        let status = errors.isEmpty ? model.status : (model.status == .ok ? .unprocessableEntity : model.status)
        return Page(title: title, section: .users, status: status, hasErrors: !errors.isEmpty) {
            link("/admin/partners", .class("back-link")) { "Back to partner organisations" }
            errorSummary(errors)
            h1 { title }
            if let partner, !partner.isActive {
                div(.class("inset")) { para(.class("warning-text")) { "This partner is deactivated: no enquiries are referred to it." } }
            }
            htmlForm(.method("post"), .action(action), .novalidate) {
                csrfField(model.csrfToken)
                if partner != nil { input(.type("hidden"), .name("version"), .value(values.version ?? "")) }
                textField("name", label: "Name", value: values.name, errors: errors,
                          FieldOptions(hint: "As the council and the Member know it, like Shared Regulatory Service.", autocomplete: "organization"))
                textField("email", label: "Email address for referrals", value: values.email, errors: errors,
                          FieldOptions(hint: "Referrals are emailed here when the partner has no webhook.", autocomplete: "email", spellcheck: false, inputMode: "email"))
                textField("webhook-url", label: "Webhook address (optional)", value: values.webhookURL, errors: errors,
                          FieldOptions(hint: "If the partner's system takes referrals over the web: a full https:// address. Each referral is posted there as JSON instead of emailed.",
                                       autocomplete: "url", spellcheck: false, inputMode: "url"))
                textField("webhook-secret", label: "Webhook secret", value: nil, errors: errors,
                          FieldOptions(hint: secretHint(partner), type: "password", autocomplete: "new-password", spellcheck: false))
                checkbox("resident-details", label: "Send the resident's name and contact details with each referral", checked: values.residentDetails == "on",
                         hint: "Only where the council has a data-sharing agreement with the partner. Without it, the partner gets the enquiry's details and location only.")
                checkboxes("types", legend: "Enquiry types referred to this partner", choices: model.typeChoices, checked: Set(values.types ?? []), errors: errors,
                           hint: "Choose a type for all its sub-types, or single sub-types.")
                submitButton(partner == nil ? "Add the partner" : "Save changes")
            }
            if let partner {
                h2 { partner.isActive ? "Stop referring to this partner" : "Refer to this partner again" }
                htmlForm(.method("post"), .action("/admin/partners/\(partner.id.uuidString)/\(partner.isActive ? "deactivate" : "reactivate")")) {
                    csrfField(model.csrfToken)
                    para { partner.isActive
                        ? "Deactivating stops new referrals and webhooks waiting to be sent. Links already sent still work."
                        : "Reactivating refers enquiries of its types to it again, from their next submission or conversion." }
                    submitButton(partner.isActive ? "Deactivate \(partner.name)" : "Reactivate \(partner.name)", style: partner.isActive ? "warning" : "secondary")
                }
            }
        }
    }

    private static func secretHint(_ partner: Partner?) -> String {
        let agreed = "Agreed with the partner, \(PartnerDetails.secretLength.lowerBound) to \(PartnerDetails.secretLength.upperBound) characters: each webhook is signed with it (HMAC-SHA256 in the X-Portal-Signature header)."
        guard let secret = partner?.webhookSecret else { return agreed + " Needed with a webhook address." }
        return "A secret ending \(PartnerDetails.secretEnding(secret)) is saved. Leave this empty to keep it, or type a new one. " + agreed
    }
}
