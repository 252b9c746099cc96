import Foundation
import PortalCore
import Vapor

/// The subject access pages: the search with its results, and the confirmation before erasing.
enum SubjectAccessPages {
    /// An enquiry found, as the tables show it.
    struct Row: Sendable {
        let id: UUID
        let reference: String
        let subject: String
        let status: String
        let member: String
        let raised: String
        let matched: String
        /// Only its Member opens a draft: no link to it.
        let isDraft: Bool

        init(_ match: SubjectAccessSearch.Match, people: PeopleDirectory) {
            id = match.id
            reference = match.reference
            subject = match.subject
            status = match.status?.officerLabel ?? "Unknown"
            member = people.name(match.memberID) ?? "Unknown"
            raised = match.createdAt.councilDate
            matched = match.matched.map(\.label).joined(separator: ", ")
            isDraft = match.status == .draft
        }
    }

    struct Results: Sendable {
        var rows: [Row]
        /// More enquiries match than are listed: too many to act on together.
        var more: Bool
        /// The enquiries ticked; nil ticks them all.
        var selected: Set<UUID>?
    }

    struct Model: Sendable {
        var csrfToken: String
        var typed: [SubjectAccessQuery.Field: String]
        var errors = FormErrors()
        /// nil before anything is searched for.
        var results: Results?
    }

    struct ConfirmModel: Sendable {
        var csrfToken: String
        var typed: [SubjectAccessQuery.Field: String]
        var rows: [Row]
        var reason: String?
        var errors = FormErrors()
    }

    static let title = "Subject access and erasure requests"

    static func search(_ model: Model) -> Page {
        let path = SubjectAccessRoutes.path
        return Page(title: title, section: .users, status: model.errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { title }
            para(.class("lead")) {
                "Find every enquiry about one person, to send them a copy of it (a subject access request) or to erase their personal data from it (an erasure request)."
            }
            htmlForm(.method("post"), .action(path), .novalidate) {
                csrfField(model.csrfToken)
                element("fieldset", [.class("fieldset"), .aria("describedby", "person-hint")]) {
                    legend(.class("fieldset-legend")) { "Who is the request about?" }
                    div(.class("hint"), .id("person-hint")) {
                        "Enter one or more of their details. An enquiry is found when its resident matches any of them."
                    }
                    for field in SubjectAccessQuery.Field.allCases {
                        textField(field.key, label: field.label, value: model.typed[field], errors: model.errors, options(field))
                    }
                }
                submitButton("Find enquiries")
            }
            if let results = model.results { resultsSection(results, model: model) }
        }
    }

    private static func options(_ field: SubjectAccessQuery.Field) -> FieldOptions {
        switch field {
        case .name: FieldOptions(hint: "Every word must be in the resident's name, in any order: Jones Pat finds Mrs Pat Jones.",
                                 autocomplete: "off", spellcheck: false)
        case .email: FieldOptions(hint: "The whole address. Capitals do not matter.", autocomplete: "off", spellcheck: false, inputMode: "email")
        case .phone: FieldOptions(hint: "Spaces and punctuation do not matter; 01234 567890 also finds +44 1234 567890.", autocomplete: "off",
                                  width: "medium", inputMode: "tel")
        case .address: FieldOptions(hint: "Every word must be in the resident's address, in any order, for example 12 Mill Lane.",
                                    autocomplete: "off", spellcheck: false)
        case .postcode: FieldOptions(hint: "A full postcode, for example WR1 2AB. Capitals and spaces do not matter.", autocomplete: "off",
                                     width: "short", spellcheck: false)
        }
    }

    @HTMLBuilder private static func resultsSection(_ results: Results, model: Model) -> [HTMLNode] {
        let path = SubjectAccessRoutes.path
        let count = results.rows.count
        h2(.id("results-heading")) {
            results.more ? "More than \(count) enquiries found" : count == 1 ? "1 enquiry found" : "\(count) enquiries found"
        }
        if results.more {
            div(.class("inset")) {
                para(.class("warning-text")) {
                    "This search finds too many enquiries to be about one person, so they cannot be downloaded or erased together. The newest \(count) are listed. "
                    "Add the person's email address, phone number or postcode to narrow it."
                }
            }
        }
        if results.rows.isEmpty {
            para { "No enquiry's resident matches. A person named only in an enquiry's words is found with the enquiry search." }
        } else {
            htmlForm(.method("post"), .action("\(path)/export"), .novalidate, .aria("labelledby", "results-heading")) {
                csrfField(model.csrfToken)
                hiddenSearch(model.typed)
                para(.id("results-hint"), .class("hint")) {
                    "Untick any enquiry about someone else. A download holds what the Member sees of each enquiry: the resident's details, "
                    "the details, updates, questions and answers, and their documents. Officers' internal notes and questions to one another "
                    "are left out: review those on each enquiry's page. Drafts are included, though only their Member can open them."
                }
                if let error = model.errors["enquiries"] {
                    para(.class("error-message"), .id("enquiries-error")) {
                        span(.class("visually-hidden")) { "Error: " }
                        error
                    }
                }
                matchTable(results.rows, caption: "Enquiries found", selectable: !results.more, selected: results.selected)
                if !results.more {
                    div(.class("button-group")) {
                        submitButton("Download as a ZIP file")
                        submitButton("Erase their personal data", style: "warning", formAction: "\(path)/erase")
                    }
                }
            }
        }
    }

    static func confirm(_ model: ConfirmModel) -> Page {
        let path = SubjectAccessRoutes.path
        let count = model.rows.count == 1 ? "1 enquiry" : "\(model.rows.count) enquiries"
        let heading = "Erase the resident's personal data from \(count)"
        return Page(title: heading, section: .users, status: model.errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { heading }
            div(.class("inset")) {
                para(.class("warning-text")) { "This cannot be undone." }
                para {
                    "The resident's name, address, phone number and email address, the details, the words of the conversation and of "
                    "officers' questions and answers, and the documents are erased everywhere the portal keeps them, the audit trail included. "
                    "References, service areas, types, places, dates and statuses stay, so reports still count the enquiries."
                }
            }
            matchTable(model.rows, caption: "Enquiries to erase", selectable: false, selected: nil)
            htmlForm(.method("post"), .action("\(path)/erase/confirm"), .novalidate) {
                csrfField(model.csrfToken)
                hiddenSearch(model.typed)
                for row in model.rows { input(.type("hidden"), .name("enquiries[]"), .value(row.id.uuidString)) }
                textField("reason", label: "Why are you erasing it?", value: model.reason, errors: model.errors, FieldOptions(
                    hint: "For example: the resident's erasure request of 3 March. Do not write their name or contact details: the reason is kept "
                        + "in the audit trail, which is never erased.", autocomplete: "off"))
                div(.class("button-group")) {
                    submitButton("Erase personal data from \(count)", style: "warning")
                    submitButton("Back to the enquiries found", style: "secondary", formAction: path)
                }
            }
        }
    }

    /// The search as hidden fields, so each step can run it again.
    private static func hiddenSearch(_ typed: [SubjectAccessQuery.Field: String]) -> HTMLNode {
        .group(SubjectAccessQuery.Field.allCases.compactMap { field in
            typed[field].map { input(.type("hidden"), .name(field.key), .value($0)) }
        })
    }

    /// The enquiries as a table; `selectable` puts a ticked box before each reference.
    private static func matchTable(_ rows: [Row], caption text: String, selectable: Bool, selected: Set<UUID>?) -> HTMLNode {
        div(.class("table-scroll")) {
            table(.class("table")) {
                caption(.class("visually-hidden")) { text }
                thead { tr {
                    th(.scopeCol) { "Reference" }
                    th(.scopeCol) { "Subject" }
                    th(.scopeCol) { "Status" }
                    th(.scopeCol) { "Member" }
                    th(.scopeCol) { "Raised" }
                    th(.scopeCol) { "Matched on" }
                } }
                tbody {
                    for (index, row) in rows.enumerated() {
                        tr {
                            th(.scopeRow) {
                                if selectable {
                                    let id = index == 0 ? "enquiries" : "enquiries-\(index + 1)"
                                    div(.class("checkbox")) {
                                        HTMLNode.void("input", [.class("checkbox-input"), .id(id), .name("enquiries[]"), .type("checkbox"), .value(row.id.uuidString)]
                                                      + (selected.map { $0.contains(row.id) } ?? true ? [.checked] : []))
                                        label(.class("checkbox-label"), .for(id)) { row.reference }
                                    }
                                } else {
                                    row.reference
                                }
                            }
                            td { if row.isDraft { row.subject } else { link("/enquiries/\(row.id.uuidString)") { row.subject } } }
                            td { row.status }
                            td { row.member }
                            td { row.raised }
                            td { row.matched }
                        }
                    }
                }
            }
        }
    }
}
