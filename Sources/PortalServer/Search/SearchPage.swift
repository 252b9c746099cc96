import Foundation
import PortalCore
import Vapor

enum SearchPage {
    struct Model {
        let csrfToken: String
        let user: CurrentUser
        let fields: [String: String]
        let criteria: SearchCriteria
        let errors: FormErrors
        let viewer: EnquirySearch.Viewer
        let scopes: [SearchScope]
        let data: ReferenceData
        let members: [PeopleDirectory.Person]
        let results: EnquirySearch.Results?
        let saved: [SavedSearches.Item]
    }

    static func scopeLabel(_ scope: SearchScope) -> String {
        switch scope {
        case .mine: "Enquiries I raised or own"
        case .officer: "All I can see"
        case .asked: "Enquiries I was asked about"
        }
    }

    static func page(_ model: Model) -> Page {
        let fields = model.fields
        let errors = model.errors
        let query = SearchRoutes.queryString(fields)
        let forMember = model.viewer.scope == .mine
        return Page(title: "Search", section: .search, status: errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Search enquiries" }
            div(.class("search-layout")) {
                div(.class("search-filters")) {
                    htmlForm(.method("get"), .action("/search"), .attr("role", "search"), .attr("aria-label", "Enquiries")) {
                        textField("q", label: "Words or a reference", value: fields["q"], errors: errors,
                                  FieldOptions(hint: model.viewer.scope == .officer
                                                 ? "Searches the subject, details, updates, questions, answers and notes. Put a phrase in \"quotes\"."
                                                 : "Searches the subject, details, updates, questions and answers. Put a phrase in \"quotes\".",
                                               type: "search", spellcheck: true))
                        if model.scopes.count > 1 {
                            radios("scope", legend: "Search in", choices: model.scopes.map { Choice(value: $0.rawValue, label: scopeLabel($0)) },
                                   selected: model.viewer.scope.rawValue, errors: errors)
                        }
                        filters(model)
                        submitButton("Search")
                        para { link("/search") { "Clear the search" } }
                    }
                    if !model.saved.isEmpty {
                        section(.aria("labelledby", "saved-heading")) {
                            h2(.id("saved-heading")) { "Your saved searches" }
                            ul(.class("saved-searches")) {
                                for item in model.saved {
                                    li {
                                        link("/search?\(SearchRoutes.canonicalQuery(item.query))") { item.name }
                                        htmlForm(.method("post"), .action("/search/saved/\(item.id.uuidString)/remove"), .class("inline-form")) {
                                            csrfField(model.csrfToken)
                                            button(.type("submit"), .class("link-button")) {
                                                "Remove"
                                                span(.class("visually-hidden")) { " “\(item.name)”" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                div(.class("search-results")) {
                    if let results = model.results {
                        resultsSection(results, model: model, query: query, forMember: forMember)
                    } else {
                        para { "Type words, a reference or choose filters, then press Search." }
                    }
                }
            }
        }
    }

    static func filters(_ model: Model) -> HTMLNode {
        let fields = model.fields
        let errors = model.errors
        let data = model.data
        let forMember = model.viewer.scope == .mine
        let byDistrict = { (places: [ReferenceData.Place]) in
            data.districts.map { district in
                (district.name, places.filter { $0.districtID == district.id }.map { Choice(value: $0.id.uuidString, label: $0.name) })
            }
        }
        return details(.class("details"), .attr("open", "")) {
            summary { "Filters" }
            selectField("status", label: "Status",
                        choices: EnquiryStatus.allCases.filter { $0 != .draft || forMember }
                            .map { Choice(value: $0.rawValue, label: $0.label(forMember: forMember)) },
                        selected: fields["status"], errors: errors, placeholder: "Any status")
            selectField("area", label: "Service area", choices: data.serviceAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                        selected: fields["area"], errors: errors, placeholder: "Any service area")
            selectField("type", label: "Type of enquiry", choices: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                        selected: fields["type"], errors: errors, placeholder: "Any type")
            groupedSelectField("subtype", label: "Sub-type",
                               groups: data.types.map { type in (type.name, type.subtypes.map { Choice(value: $0.id.uuidString, label: $0.name) }) },
                               selected: fields["subtype"], errors: errors, placeholder: "Any sub-type")
            if !forMember {
                selectField("works-area", label: "Works area", choices: data.worksAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["works-area"], errors: errors, placeholder: "Any works area")
            }
            selectField("district", label: "District", choices: data.districts.map { Choice(value: $0.id.uuidString, label: $0.name) },
                        selected: fields["district"], errors: errors, placeholder: "Any district")
            groupedSelectField("division", label: "Division", groups: byDistrict(data.divisions), selected: fields["division"], errors: errors,
                               placeholder: "Any division")
            groupedSelectField("parish", label: "Parish", groups: byDistrict(data.parishes), selected: fields["parish"], errors: errors,
                               placeholder: "Any parish")
            textField("asset", label: "Asset", value: fields["asset"], errors: errors,
                      FieldOptions(hint: "The id of the street light, gully or other asset, like SL-010023", width: "medium", spellcheck: false))
            if !forMember {
                selectField("member", label: "Member", choices: model.members.map { Choice(value: $0.id.uuidString, label: $0.name) },
                            selected: fields["member"], errors: errors, placeholder: "Any Member")
            }
            selectField("channel", label: "Raised", choices: EnquiryChannel.allCases.map {
                Choice(value: $0.rawValue, label: $0 == .portal ? "By the Member, in the portal" : "By an officer: \($0.label.lowercased())")
            }, selected: fields["channel"], errors: errors, placeholder: "By anyone, any way")
            dateRange("raised", legend: "Raised between", fields: fields, errors: errors)
            dateRange("completed", legend: "Completed between", fields: fields, errors: errors)
            selectField("deadline", label: "Deadline (open enquiries)",
                        choices: SearchCriteria.Deadline.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                        selected: fields["deadline"], errors: errors, placeholder: "Any")
            selectField("sort", label: "Order", choices: SearchCriteria.Sort.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                        selected: model.criteria.sort.rawValue, errors: errors, placeholder: nil)
        }
    }

    static func dateRange(_ name: String, legend text: String, fields: [String: String], errors: FormErrors) -> HTMLNode {
        element("fieldset", [.class("fieldset date-range")]) {
            legend(.class("fieldset-legend")) { text }
            textField("\(name)-from", label: "From", value: fields["\(name)-from"], errors: errors,
                      FieldOptions(hint: "For example 31/07/2025", type: "date", width: "short"))
            textField("\(name)-to", label: "To", value: fields["\(name)-to"], errors: errors, FieldOptions(type: "date", width: "short"))
        }
    }

    static func marked(_ text: EnquirySearch.Marked) -> HTMLNode {
        .group(text.runs.enumerated().map { index, run in index % 2 == 1 ? element("mark", []) { run } : .text(run) })
    }

    static func resultsSection(_ results: EnquirySearch.Results, model: Model, query: String, forMember: Bool) -> HTMLNode {
        let page = model.criteria.page
        let first = (page - 1) * EnquirySearch.pageSize + 1
        let heading = results.capped ? "More than \(EnquirySearch.countLimit.formatted()) enquiries found"
            : results.total == 1 ? "1 enquiry found" : "\(results.total.formatted()) enquiries found"
        return section(.aria("labelledby", "results-heading")) {
            h2(.id("results-heading"), .attr("aria-live", "polite")) { heading }
            if results.total > 0 {
                para(.class("search-actions")) {
                    link("/search/export.csv?\(query)") { "Download all \(results.capped ? "" : "\(results.total.formatted()) ")as a spreadsheet (CSV)" }
                    " · "
                    link("/search/map?\(query)") { "Show them on a map" }
                }
            }
            if results.hits.isEmpty {
                para { results.total == 0 ? "No enquiries match. Try fewer words or filters." : "There are no more results." }
            } else {
                if results.total > EnquirySearch.pageSize {
                    para(.class("secondary-text")) { "Showing \(first) to \(first + results.hits.count - 1)" }
                }
                ol(.class("search-hits"), .attr("start", String(first))) {
                    for hit in results.hits {
                        li(.class("search-hit")) {
                            h3(.class("search-hit-title")) {
                                link("/enquiries/\(hit.row.id.uuidString)") {
                                    hit.row.reference
                                    ": "
                                    if let subject = hit.subject { marked(subject) } else { hit.row.subject }
                                }
                            }
                            para(.class("search-hit-meta")) {
                                EnquiryPage.statusTag(hit.row.status, forMember: forMember)
                                " "
                                deadlineTag(hit.row.deadline)
                                " · \(hit.row.serviceArea) · \(hit.row.type)"
                                if let asset = hit.row.asset { " · \(asset)" }
                                if !forMember { " · \(hit.row.member)" }
                                " · raised \(hit.raisedAt.councilDate)"
                            }
                            if let snippet = hit.snippet { para(.class("search-hit-snippet")) { marked(snippet) } }
                        }
                    }
                }
                let ranked = model.criteria.sort == .relevance && !model.criteria.text.isEmpty
                if ranked, results.total > EnquirySearch.rankingWindow {
                    para(.class("secondary-text")) {
                        "Ranked by best match among the \(EnquirySearch.rankingWindow.formatted()) newest matching enquiries. Order them by date to go through every one."
                    }
                }
                pagination(total: ranked ? min(results.total, EnquirySearch.rankingWindow) : results.total, page: page, pageSize: EnquirySearch.pageSize) {
                    "/search?\(SearchRoutes.queryString(model.fields, page: $0))"
                }
            }
            htmlForm(.method("post"), .action("/search/saved"), .class("save-search")) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("query"), .value(query))
                textField("name", label: "Save this search as", value: nil, errors: FormErrors(),
                          FieldOptions(hint: "It will be listed beside your searches, to run again.", width: "medium"))
                submitButton("Save search", style: "secondary")
            }
        }
    }
}
