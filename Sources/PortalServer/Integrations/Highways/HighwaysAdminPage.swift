import Foundation
import PortalCore
import Vapor

enum HighwaysAdminPage {
    typealias Model = HighwaysAdminRoutes.Model

    static func page(_ model: Model) -> Page {
        let errors = model.errors
        return Page(title: "Integrations", section: .calendar, status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Integrations" }
            para { "The highways system receives the enquiries mapped to its services below, and its updates come back into each enquiry's conversation." }
            stuckSection(model)
            settingsSection(model)
            servicesSection(model)
            statusesSection(model)
            problemsSection(model)
        }
    }

    private static func stuckSection(_ model: Model) -> HTMLNode {
        section(.aria("labelledby", "stuck-heading")) {
            h2(.id("stuck-heading")) { model.stuck.isEmpty ? "No reports need you" : "Reports that need you (\(model.stuck.count))" }
            if model.stuck.isEmpty {
                para(.class("secondary-text")) { "Every report to the highways system has been sent, or is on its way." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Reports to the highways system that are stuck" }
                        thead { tr {
                            th(.scopeCol) { "Enquiry" }; th(.scopeCol) { "State" }; th(.scopeCol) { "Queued" }
                            th(.scopeCol) { "Attempts" }; th(.scopeCol) { "Problem" }; th(.scopeCol) { "What to do" }
                        } }
                        tbody {
                            for row in model.stuck {
                                tr {
                                    th(.scopeRow) { link("/enquiries/\(row.enquiry_id.uuidString)") { row.reference } }
                                    td { HighwaysSend.State(rawValue: row.state)?.label ?? row.state }
                                    td { row.created_at.councilText }
                                    td { String(row.attempts) }
                                    td { row.last_error ?? "" }
                                    td { stuckActions(row, csrfToken: model.csrfToken) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func stuckActions(_ row: HighwaysAdminRoutes.StuckRow, csrfToken: String) -> HTMLNode {
        let base = "/admin/integrations/sends/\(row.id.uuidString)"
        guard let state = HighwaysSend.State(rawValue: row.state), HighwaysSend.State.stuck.contains(state) else {
            return span(.class("secondary-text")) { "Still being tried" }
        }
        return div {
            htmlForm(.method("post"), .action("\(base)/retry"), .class("inline-form")) {
                csrfField(csrfToken)
                button(.type("submit"), .class("button button-secondary")) {
                    "Send again"
                    span(.class("visually-hidden")) { " \(row.reference)" }
                }
            }
            if state == .held {
                htmlForm(.method("post"), .action("\(base)/mark-sent")) {
                    csrfField(csrfToken)
                    textField("request-id-\(row.id.uuidString)", label: "Or, found in the highways system as", value: nil, errors: FormErrors(),
                              FieldOptions(hint: "Its reference there", width: "short")).renamed("request-id")
                    submitButton("Record as sent", style: "secondary")
                }
            }
        }
    }

    private static func settingsSection(_ model: Model) -> HTMLNode {
        let form = model.form, errors = model.errors
        return section(.aria("labelledby", "settings-heading")) {
            h2(.id("settings-heading")) { "The highways system" }
            htmlForm(.method("post"), .action("/admin/integrations/highways"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("version"), .value(form.version ?? "0"))
                checkbox("enabled", label: "Send mapped enquiries to the highways system and read its updates", checked: form.enabled == "on")
                textField("endpoint", label: "Open311 endpoint", value: form.endpoint, errors: errors,
                          FieldOptions(hint: "The address its services.xml is under, like https://highways.example.gov.uk/open311/v2", spellcheck: false))
                textField("apiKey", label: "API key", value: nil, errors: errors,
                          FieldOptions(hint: model.settings.apiKey.isEmpty ? "Given by the highways system's team" : "Saved (\(model.settings.maskedKey)); leave blank to keep it",
                                       type: "password", autocomplete: "new-password"))
                textField("jurisdiction", label: "Jurisdiction id (optional)", value: form.jurisdiction, errors: errors,
                          FieldOptions(hint: "Only when the system serves several councils", spellcheck: false))
                radios("format", legend: "Format", choices: Open311Format.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                       selected: form.format, errors: errors)
                textField("pollMinutes", label: "Read updates every (minutes)", value: form.pollMinutes, errors: errors, FieldOptions(width: "short", inputMode: "numeric"))
                textField("timeoutSeconds", label: "Time allowed for a call (seconds)", value: form.timeoutSeconds, errors: errors, FieldOptions(width: "short", inputMode: "numeric"))
                checkbox("updatesExtension", label: "The system gives updates (servicerequestupdates)", checked: form.updatesExtension == "on",
                         hint: "Without it, each open request's status is read instead.")
                textField("listPageSize", label: "Most requests the system lists at once (optional)", value: form.listPageSize, errors: errors,
                          FieldOptions(hint: "Its page size for GET requests, if its team can tell you. A report is only sent again when a shorter list shows it never arrived.",
                                       width: "short", inputMode: "numeric"))
                submitButton("Save the settings")
            }
            htmlForm(.method("post"), .action("/admin/integrations/highways/test")) {
                csrfField(model.csrfToken)
                submitButton("Test the connection", style: "secondary")
            }
            if !model.offered.isEmpty {
                h3 { "The system offers \(model.offered.count) service\(model.offered.count == 1 ? "" : "s")" }
                summaryList(model.offered.map { ($0.code, $0.name + ($0.group.isEmpty ? "" : " (\($0.group))")) })
            }
        }
    }

    private static func servicesSection(_ model: Model) -> HTMLNode {
        section(.aria("labelledby", "services-heading")) {
            h2(.id("services-heading")) { "Which enquiries go as which service" }
            if model.services.isEmpty { para(.class("secondary-text")) { "No enquiry type is sent yet." } }
            for service in model.services {
                let scope = [service.subtype_id ?? service.type_id, service.asset_layer_id].compactMap { $0 }.map { model.names[$0] ?? "?" }.joined(separator: ", on ")
                let title = "\(model.names[service.type_id] ?? "?")\(service.subtype_id == nil ? "" : ": " + scope) as \(service.service_code)"
                element("details", [.class("details")]) {
                    element("summary", []) { "\(title) (\(service.service_name))" }
                    htmlForm(.method("post"), .action("/admin/integrations/services/\(service.id.uuidString)")) {
                        csrfField(model.csrfToken)
                        if service.sources.isEmpty { para { "The service asks for no attributes." } }
                        for source in service.sources {
                            selectField("source-\(source.code)-\(service.id.uuidString)", label: "Attribute \(source.code)",
                                        choices: HighwaysSends.AttributeSource.Source.allCases.map { Choice(value: $0.rawValue, label: sourceLabel($0)) },
                                        selected: source.source.rawValue, errors: FormErrors()).renamed("source-\(source.code)")
                            textField("value-\(source.code)-\(service.id.uuidString)", label: "Fixed value for \(source.code)", value: source.value,
                                      errors: FormErrors(), FieldOptions(width: "short")).renamed("value-\(source.code)")
                        }
                        submitButton("Save the attributes", style: "secondary")
                    }
                    htmlForm(.method("post"), .action("/admin/integrations/services/\(service.id.uuidString)/remove")) {
                        csrfField(model.csrfToken)
                        submitButton("Stop sending these", style: "warning")
                    }
                }
            }
            h3 { "Send another type" }
            htmlForm(.method("post"), .action("/admin/integrations/services"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                selectField("type", label: "Enquiry type", choices: model.types, selected: nil, errors: FormErrors())
                selectField("assetLayer", label: "Only on this asset layer (optional)", choices: model.layers, selected: nil, errors: FormErrors(), placeholder: "Any, or none")
                textField("serviceCode", label: "The system's service code", value: nil, errors: FormErrors(),
                          FieldOptions(hint: "As the connection test lists them, like HWY-LIGHT", width: "short", spellcheck: false))
                submitButton("Send this type")
            }
        }
    }

    static func sourceLabel(_ source: HighwaysSends.AttributeSource.Source) -> String {
        switch source {
        case .asset: "The asset's id from the map"
        case .reference: "The enquiry's reference"
        case .fixed: "The fixed value below"
        case .none: "Leave it out"
        }
    }

    private static func statusesSection(_ model: Model) -> HTMLNode {
        section(.aria("labelledby", "statuses-heading")) {
            h2(.id("statuses-heading")) { "What the system's statuses do" }
            htmlForm(.method("post"), .action("/admin/integrations/statuses")) {
                csrfField(model.csrfToken)
                let outcomes = HighwaysOutcome.allCases.map { Choice(value: $0.rawValue, label: $0.label) }
                for status in model.statuses {
                    selectField("outcome-\(status.status)", label: "\(status.label) (\(status.status))", choices: outcomes, selected: status.outcome, errors: FormErrors())
                }
                textField("new-status", label: "Another status (optional)", value: nil, errors: FormErrors(),
                          FieldOptions(hint: "The system's own word, like awaiting_inspection", width: "short", spellcheck: false))
                selectField("new-outcome", label: "What it does", choices: outcomes, selected: HighwaysOutcome.update.rawValue, errors: FormErrors())
                submitButton("Save what the statuses do")
            }
        }
    }

    private static func problemsSection(_ model: Model) -> HTMLNode {
        section(.aria("labelledby", "problems-heading")) {
            h2(.id("problems-heading")) { "Recent problems" }
            if model.problems.isEmpty {
                para(.class("secondary-text")) { "None." }
            } else {
                ul(.class("list")) {
                    for problem in model.problems {
                        li { strong { problem.at.councilText }; " "; problem.what; problem.detail.isEmpty ? "" : ": \(problem.detail)" }
                    }
                }
            }
        }
    }
}
