import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/elections/:electionID/handover`: the departing Members' enquiries with what will be
/// done to each, the decisions the administrator changes (a form per Member), the service areas
/// whose enquiries pass to officers, and applying it all, with its progress while it runs.
enum HandoverRoutes {
    struct Row: Sendable, Decodable {
        let number: Int
        let enquiry_id: UUID
        let member_id: UUID
        let member_name: String
        let reference: String
        let subject: String
        let area: String
        let status: String
        let urgency: String
        let proposal: String
        let decision: String
        let applied_at: Date?
        let outcome: String?
    }

    struct Model {
        var election: Handover.Election
        var rows: [Row]
        var areas: [Handover.Area]
        var progress: Handover.Progress
        var outcomes: [(outcome: String, count: Int)]
        var csrfToken: String
        var errors = FormErrors()
        /// Decisions as posted, when refused.
        var posted: [Int: String] = [:]
        var message: String?
    }

    static func query(_ electionID: UUID, on db: any Database) async throws -> Model? {
        guard try await Handover.election(electionID, on: db) != nil else { return nil }
        try await Handover.propose(electionID, on: db)
        guard let election = try await Handover.election(electionID, on: db) else { return nil }
        let rows = try await db.sql.raw("""
            SELECT i.number, i.enquiry_id, i.member_id, u.name AS member_name, e.reference, e.subject, a.name AS area, e.status, e.urgency,
                   i.proposal, i.decision, i.applied_at, i.outcome
            FROM handover_items i JOIN enquiries e ON e.id = i.enquiry_id JOIN users u ON u.id = i.member_id
                 JOIN service_areas a ON a.id = e.service_area_id
            WHERE i.election_id = \(bind: electionID)
            ORDER BY u.name, i.member_id, i.number
            """).all(decoding: Row.self)
        return Model(election: election, rows: rows, areas: try await Handover.areas(on: db),
                     progress: try await Handover.progress(electionID, on: db), outcomes: try await Handover.outcomes(electionID, on: db), csrfToken: "")
    }

    private static func electionID(_ request: Request) throws -> UUID {
        guard let id = request.parameters.get("electionID", as: UUID.self) else { throw Abort(.notFound) }
        return id
    }

    private static func path(_ id: UUID) -> String { "/admin/elections/\(id.uuidString)/handover" }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, electionID(request)) { _ in }
    }

    private static func respond(_ request: Request, _ id: UUID, adjust: (inout Model) -> Void) async throws -> Response {
        guard var model = try await query(id, on: request.db) else { throw Abort(.notFound) }
        model.csrfToken = request.csrfToken
        adjust(&model)
        let response = request.render(HandoverPage.page(model))
        // While it runs the page looks again every few seconds, with no script.
        if model.election.handover_started_at != nil, model.election.handover_finished_at == nil {
            response.headers.replaceOrAdd(name: "Refresh", value: "3")
        }
        return response
    }

    /// Decisions for one Member's enquiries (or any), posted as `d<number>` = decision.
    @Sendable static func decide(_ request: Request) async throws -> Response {
        let id = try electionID(request)
        let fields = try request.content.decode([String: String].self)
        var decisions: [Int: Handover.Decision] = [:]
        var posted: [Int: String] = [:]
        var errors = FormErrors()
        for (key, value) in fields where key.hasPrefix("d") && key.count <= 8 {
            guard let number = Int(key.dropFirst()), number > 0 else { continue }
            posted[number] = String(value.prefix(20))
            if let decision = Handover.Decision(rawValue: value) { decisions[number] = decision } else {
                errors.add(key, "Choose what to do with this enquiry")
            }
        }
        if errors.isEmpty, !decisions.isEmpty {
            do {
                try await Handover.decide(decisions, election: id, on: request.db)
            } catch Handover.DecideRefusal.started {
                return request.seeOther(path(id), flash: "The handover has begun: its decisions can no longer be changed.")
            } catch Handover.DecideRefusal.notOpen(let number) {
                errors.add("d\(number)", "A draft can only be erased")
            }
        }
        guard errors.isEmpty else {
            return try await respond(request, id) { model in
                model.errors = errors
                model.posted = posted
            }
        }
        return request.seeOther(path(id), flash: "The decisions have been saved.")
    }

    struct AreasForm: Content { var areas: [String]? }

    @Sendable static func saveAreas(_ request: Request) async throws -> Response {
        let id = try electionID(request)
        guard let election = try await Handover.election(id, on: request.db) else { throw Abort(.notFound) }
        guard election.handover_started_at == nil else {
            return request.seeOther(path(id), flash: "The handover has begun: its decisions can no longer be changed.")
        }
        let form = try request.content.decode(AreasForm.self)
        let known = Set(try await Handover.areas(on: request.db).map(\.id))
        let chosen = Set((form.areas ?? []).prefix(500).compactMap(UUID.init(uuidString:))).intersection(known)
        try await Handover.setUrgentAreas(chosen, election: id, by: request.currentUser?.id, at: request.now, on: request.db)
        return request.seeOther(path(id), flash: "The service areas passed to officers have been saved, and the proposals follow them.")
    }

    @Sendable static func apply(_ request: Request) async throws -> Response {
        let id = try electionID(request)
        guard let user = request.currentUser else { throw Abort(.forbidden) }
        switch try await Handover.start(id, by: user, at: request.now, on: request.db) {
        case .noSuchElection:
            throw Abort(.notFound)
        case .alreadyStarted:
            request.application.handoverRunner.run(id, on: request.application)
            return request.seeOther(path(id), flash: "This handover was already applied (from another page or browser): each enquiry is handled once. Its progress is below.")
        case .started:
            request.application.handoverRunner.run(id, on: request.application)
            return request.seeOther(path(id), flash: "The handover has begun. This page shows its progress.")
        }
    }
}

enum HandoverPage {
    static func statusLabel(_ raw: String) -> String { EnquiryStatus(rawValue: raw)?.officerLabel ?? raw }

    static func page(_ model: HandoverRoutes.Model) -> Page {
        let election = model.election
        let started = election.handover_started_at != nil, finished = election.handover_finished_at != nil
        let title = "Handover after the election of \(election.pollingDay)"
        let id = election.id.uuidString
        let count = { (decision: Handover.Decision) in model.rows.count { $0.decision == decision.rawValue } }
        let byMember = Dictionary(grouping: model.rows, by: \.member_id)
        let members = model.rows.reduce(into: [UUID]()) { if $0.last != $1.member_id { $0.append($1.member_id) } }
        return Page(title: title, section: .users, status: model.errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { title }
            para { "Each departing Member's open and draft enquiries. Urgent ones (of the service areas below, or flagged urgent) pass to the officers of their service area, whose co-ordinators own them; the rest are closed and their resident's personal data erased; drafts are erased. Nothing passes to the new Member of the division. Every enquiry's audit trail records what was done and why." }
            if finished {
                para(.class("notice")) { "The handover is finished: \(model.progress.done) of \(model.progress.total) enquiries handled." }
            } else if started {
                para(.class("notice"), .attr("role", "status")) { "Applying the handover: \(model.progress.done) of \(model.progress.total) done. This page refreshes itself." }
                if let problem = election.handover_problem_at {
                    para(.class("inset warning-text"), .attr("role", "alert")) {
                        "The last batch could not be applied (\(problem.councilText)). The portal tries again every few seconds, and nothing is done twice; if this stays, the server's log says why (look for \"Handover failed\")."
                    }
                }
            }
            h2(.id("summary")) { "Summary" }
            ul(.class("list")) {
                li { "\(model.rows.count) enquiries of \(members.count) departing Members" }
                li { "\(count(.pass)) to pass to officers" }
                li { "\(count(.close)) to close, erasing the resident's data" }
                li { "\(count(.erase)) drafts to erase" }
            }
            if !model.outcomes.isEmpty {
                h2 { "Done so far" }
                ul(.class("list")) { for outcome in model.outcomes { li { "\(outcome.outcome): \(outcome.count)" } } }
            }
            if !started {
                htmlForm(.method("post"), .action("/admin/elections/\(id)/handover/apply"), .attr("novalidate")) {
                    csrfField(model.csrfToken)
                    para { "Save any changed decisions first. Applying cannot be undone; it carries on if the server stops, and is never done twice." }
                    submitButton("Apply the handover to \(model.rows.count) enquiries")
                }
                h2(.id("urgent-areas")) { "Service areas passed to officers" }
                htmlForm(.method("post"), .action("/admin/elections/\(id)/handover/urgent-areas"), .attr("novalidate")) {
                    csrfField(model.csrfToken)
                    checkboxes("areas", legend: "Enquiries of these service areas pass to officers",
                               choices: model.areas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                               checked: Set(model.areas.filter(\.isUrgent).map(\.id.uuidString)), errors: FormErrors(),
                               hint: "Enquiries flagged urgent pass to officers whatever their area.")
                    submitButton("Save the service areas", style: "secondary")
                }
            }
            h2(.id("enquiries")) { "Enquiries" }
            if model.rows.isEmpty { para(.class("secondary-text")) { "The departing Members have no open or draft enquiries." } }
            for memberID in members {
                let rows = byMember[memberID] ?? []
                let name = rows.first?.member_name ?? "A Member"
                h3 { "\(name) (\(rows.count))" }
                htmlForm(.method("post"), .action("/admin/elections/\(id)/handover/decisions"), .attr("novalidate")) {
                    csrfField(model.csrfToken)
                    div(.class("table-scroll")) {
                        table(.class("table")) {
                            caption(.class("visually-hidden")) { "Enquiries of \(name)" }
                            thead { tr {
                                th(.scopeCol) { "Reference" }; th(.scopeCol) { "Subject" }; th(.scopeCol) { "Service area" }
                                th(.scopeCol) { "Status" }; th(.scopeCol) { "Urgency" }; th(.scopeCol) { started ? "Decision and outcome" : "What to do" }
                            } }
                            tbody {
                                for row in rows { item(row, model: model, started: started) }
                            }
                        }
                    }
                    if !started, rows.contains(where: { $0.proposal != Handover.Decision.erase.rawValue }) {
                        submitButton("Save the decisions for \(name)", style: "secondary")
                    }
                }
            }
        }
    }

    private static func item(_ row: HandoverRoutes.Row, model: HandoverRoutes.Model, started: Bool) -> HTMLNode {
        let decision = Handover.Decision(rawValue: row.decision) ?? .close
        let proposal = Handover.Decision(rawValue: row.proposal) ?? .close
        let field = "d\(row.number)"
        return tr {
            th(.scopeRow) { link("/enquiries/\(row.enquiry_id.uuidString)") { row.reference } }
            td { row.subject }; td { row.area }; td { statusLabel(row.status) }
            td { row.urgency == Urgency.urgent.rawValue ? "Urgent" : "Normal" }
            td {
                if started || Handover.Decision.choices(for: proposal).count == 1 {
                    span { decision.label }
                    if let outcome = row.outcome { para(.class("secondary-text")) { outcome } }
                } else {
                    selectField(field, label: "What to do with \(row.reference)",
                                choices: Handover.Decision.choices(for: proposal).map { Choice(value: $0.rawValue, label: $0.label + ($0 == proposal ? " (proposed)" : "")) },
                                selected: model.posted[row.number] ?? decision.rawValue, errors: model.errors, placeholder: nil)
                }
            }
        }
    }
}
