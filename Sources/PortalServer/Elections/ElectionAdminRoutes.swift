import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/elections`: record an election, see those recorded, and keep the list of parties.
enum ElectionAdminRoutes {
    struct Posted {
        var election: [String: String]?
        var electionErrors = FormErrors()
        var partyName: String?
        var partyErrors = FormErrors()
    }

    struct Model {
        var posted: Posted
        var csrfToken: String
        var today: CivilDate
        /// The Members in office today, with their divisions' names.
        var sitting: [(member: Elections.MemberRow, division: String)]
        var recorded: [Elections.Summary]
        var parties: [Parties.Party]
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, Posted())
    }

    private static func respond(_ request: Request, _ posted: Posted) async throws -> Response {
        let db = request.db
        let today = CouncilTime.local(request.now).date
        let divisions = try await Division.query(on: db).all()
        let sitting = try await Elections.members(on: db).filter { $0.term.holds(on: today) }
            .map { member in (member, divisions.first { $0.id == member.division_id }?.name ?? "No division") }
        let model = Model(posted: posted, csrfToken: request.csrfToken, today: today, sitting: sitting,
                          recorded: try await Elections.recorded(on: db), parties: try await Parties.all(on: db))
        return request.render(ElectionAdminPage.page(model))
    }

    /// The form's fields checked against the Members sitting on its polling day.
    static func validate(_ fields: [String: String], members: [Elections.MemberRow]) -> Result<Elections.Valid, FormErrors> {
        var errors = FormErrors()
        func day(_ name: String, field: String) -> CivilDate? {
            let typed = (fields[field] ?? "").trimmingWhitespace()
            if typed.isEmpty { errors.add(field, "Enter the \(name)"); return nil }
            guard let date = CivilDate(iso: typed) else { errors.add(field, "Enter the \(name) as a date, for example 2029-05-03"); return nil }
            return date
        }
        let polling = day("polling day", field: "polling-day")
        let starts = day("first day of the new term", field: "term-starts")
        guard let polling, let starts else { return .failure(errors) }
        if starts <= polling {
            errors.add("term-starts", "The new term begins after polling day")
        } else if starts.dayNumber - polling.dayNumber > Elections.mostDaysToNewTerm {
            errors.add("term-starts", "The new term begins within \(Elections.mostDaysToNewTerm) days of polling day")
        }
        var outcomes: [UUID: Elections.Outcome] = [:]
        for member in Elections.sitting(members, pollingDay: polling, termStarts: starts) {
            switch fields["outcome-\(member.id.uuidString)"].flatMap(Elections.Outcome.init(rawValue:)) {
            case .returned?: outcomes[member.id] = .returned
            case .leaving?: outcomes[member.id] = .leaving
            default: errors.add("outcome-\(member.id.uuidString)", "Say whether \(member.name) returned or is leaving office")
            }
        }
        return errors.isEmpty ? .success(.init(pollingDay: polling, termStarts: starts, outcomes: outcomes)) : .failure(errors)
    }

    @Sendable static func record(_ request: Request) async throws -> Response {
        var fields = try request.content.decode([String: String].self)
        fields["_csrf"] = nil
        for (key, value) in fields where value.count > 100 || key.count > 100 { fields[key] = String(value.prefix(100)) }
        switch validate(fields, members: try await Elections.members(on: request.db)) {
        case .failure(let errors):
            return try await respond(request, Posted(election: fields, electionErrors: errors))
        case .success(let valid):
            let recorded = try await Elections.record(valid, by: request.currentUser?.id, at: request.now, on: request.db)
            // Their terms travel with their sessions.
            request.application.sessionCache.changed(valid.outcomes.filter { $0.value == .leaving }.map(\.key))
            return request.seeOther("/admin/elections#recorded",
                                    flash: "The election of \(valid.pollingDay.longText) has been recorded: \(recorded.returned) returned, \(recorded.leaving) leaving office, \(recorded.elected) newly elected.")
        }
    }

    struct PartyForm: Content { var name: String? }

    @Sendable static func addParty(_ request: Request) async throws -> Response {
        let form = try request.content.decode(PartyForm.self)
        var errors = FormErrors()
        let name = errors.requireText(form.name, field: "party-name", name: "the party's name", maxLength: Parties.nameLimit)
        guard errors.isEmpty else { return try await respond(request, Posted(partyName: form.name, partyErrors: errors)) }
        guard try await Parties.add(name, by: request.currentUser?.id, at: request.now, on: request.db) != nil else {
            errors.add("party-name", "\(name) is already on the list")
            return try await respond(request, Posted(partyName: form.name, partyErrors: errors))
        }
        return request.seeOther("/admin/elections#parties", flash: "\(name) has been added to the parties.")
    }
}

enum ElectionAdminPage {
    static func page(_ model: ElectionAdminRoutes.Model) -> Page {
        let posted = model.posted
        let errors = posted.electionErrors.isEmpty ? posted.partyErrors : posted.electionErrors
        let fields = posted.election ?? [:]
        return Page(title: "Elections and terms of office", section: .users, status: errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Elections and terms of office" }
            para { "A Member holds the Member role only within their term of office: before it begins and after it ends they see nothing as a Member. Set a Member's term and party on their user page; recording an election sets the last day of the term of every Member who leaves." }

            h2(.id("record")) { "Record an election" }
            htmlForm(.method("post"), .action("/admin/elections"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                textField("polling-day", label: "Polling day", value: fields["polling-day"], errors: posted.electionErrors,
                          FieldOptions(type: "date", width: "short"))
                textField("term-starts", label: "First day of the new term", value: fields["term-starts"], errors: posted.electionErrors,
                          FieldOptions(hint: "Members leaving office hold it until the day before. Add newly elected Members as users first, with their term starting on this day.",
                                       type: "date", width: "short"))
                if model.sitting.isEmpty {
                    para(.class("secondary-text")) { "No Member holds office today." }
                } else {
                    for (member, division) in model.sitting {
                        radios("outcome-\(member.id.uuidString)", legend: "\(member.name) (\(division))",
                               choices: [Choice(value: Elections.Outcome.returned.rawValue, label: "Returned"),
                                         Choice(value: Elections.Outcome.leaving.rawValue, label: "Leaving office")],
                               selected: fields["outcome-\(member.id.uuidString)"], errors: posted.electionErrors)
                    }
                }
                submitButton("Record the election")
            }

            h2(.id("recorded")) { "Elections recorded" }
            if model.recorded.isEmpty {
                para(.class("secondary-text")) { "No election has been recorded." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Elections recorded" }
                        thead { tr {
                            th(.scopeCol) { "Polling day" }; th(.scopeCol) { "New term" }
                            th(.scopeCol) { "Returned" }; th(.scopeCol) { "Leaving" }; th(.scopeCol) { "Newly elected" }
                            th(.scopeCol) { "Handover" }
                        } }
                        tbody {
                            for election in model.recorded {
                                tr {
                                    th(.scopeRow) { CivilDate(iso: election.polling_day)?.longText ?? election.polling_day }
                                    td { CivilDate(iso: election.term_starts_on)?.longText ?? election.term_starts_on }
                                    td { String(election.returned) }; td { String(election.leaving) }; td { String(election.elected) }
                                    td { link("/admin/elections/\(election.id.uuidString)/handover") { "Handover of the departing Members' enquiries" } }
                                }
                            }
                        }
                    }
                }
            }

            h2(.id("parties")) { "Parties" }
            if model.parties.isEmpty {
                para(.class("secondary-text")) { "No parties have been added." }
            } else {
                ul(.class("list")) { for party in model.parties { li { party.name } } }
            }
            htmlForm(.method("post"), .action("/admin/elections/parties"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                textField("party-name", label: "Add a party", value: posted.partyName, errors: posted.partyErrors,
                          FieldOptions(hint: "Its name as the council writes it, for example Green Party"))
                    .renamed("name")
                submitButton("Add the party", style: "secondary")
            }
        }
    }
}
