import Fluent
import Foundation
import PortalCore
import Vapor

/// The administrator's page for subject access and erasure requests: find every enquiry about a
/// person (`SubjectAccessSearch`), download them as one ZIP file (`SubjectAccessExport`), or
/// erase the person's data from them (`SubjectAccessErasure`).
///
/// Every step after the empty form is a POST, carrying the search in hidden fields: what is
/// searched for is someone's name, email address or phone number, and in an address it would
/// stay in the browser's history, travel on as a Referer and reach the logs of any proxy. Each
/// step runs the search again and acts only on the enquiries both ticked and still found, so a
/// changed form cannot reach an enquiry the search does not find.
enum SubjectAccessRoutes {
    static let path = "/admin/subject-access"

    /// What a step posted: the search as typed, the enquiries ticked and the reason for erasing.
    struct Posted {
        var values: [SubjectAccessQuery.Field: String?] = [:]
        var selected: [UUID] = []
        var reason: String?

        private struct Lists: Content {
            var enquiries: [String]?
            var reason: String?
        }

        init(_ request: Request) {
            for field in SubjectAccessQuery.Field.allCases { values[field] = try? request.content.get(String.self, at: field.key) }
            let lists = try? request.content.decode(Lists.self)
            // Never more than the search can find: a longer list was not drawn by the page.
            selected = Array((lists?.enquiries ?? []).prefix(SubjectAccessSearch.limit).compactMap { UUID(uuidString: $0) })
            reason = lists?.reason
        }

        /// What was typed, to show again in the form.
        var typed: [SubjectAccessQuery.Field: String] { values.compactMapValues { $0 } }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        request.render(SubjectAccessPages.search(.init(csrfToken: request.csrfToken, typed: [:])))
    }

    @Sendable static func search(_ request: Request) async throws -> Response {
        let posted = Posted(request)
        switch SubjectAccessQuery.parse(posted.values) {
        case .failure(let errors):
            return request.render(SubjectAccessPages.search(.init(csrfToken: request.csrfToken, typed: posted.typed, errors: errors)))
        case .success(let query):
            return request.render(SubjectAccessPages.search(try await resultsModel(query, request: request)))
        }
    }

    @Sendable static func export(_ request: Request) async throws -> Response {
        switch try await chosen(request, toDo: "download") {
        case .page(let page): return page
        case .chosen(let query, let matches):
            do {
                return try await SubjectAccessExport.response(matches, query: query, request: request)
            } catch let refused as SubjectAccessExport.TooLarge {
                var errors = FormErrors()
                errors.add("enquiries", refused.message)
                return request.render(SubjectAccessPages.search(try await resultsModel(query, errors: errors, selected: Set(matches.map(\.id)), request: request)))
            }
        }
    }

    @Sendable static func confirmErase(_ request: Request) async throws -> Response {
        switch try await chosen(request, toDo: "erase") {
        case .page(let page): return page
        case .chosen(let query, let matches):
            return request.render(SubjectAccessPages.confirm(try await confirmModel(query, matches: matches, request: request)))
        }
    }

    @Sendable static func erase(_ request: Request) async throws -> Response {
        let posted = Posted(request)
        guard case .success(let query) = SubjectAccessQuery.parse(posted.values) else { return try await search(request) }
        let reason: String
        do {
            reason = try ResidentErasure.checkReason(posted.reason ?? "")
        } catch let bad as ResidentErasure.BadReason {
            let matches = try await SubjectAccessSearch.find(query, among: posted.selected, on: request.db).matches
            var errors = FormErrors()
            errors.add("reason", bad.description)
            return request.render(SubjectAccessPages.confirm(try await confirmModel(query, matches: matches, reason: posted.reason, errors: errors, request: request)))
        }
        let outcome = try await SubjectAccessErasure.erase(query, selected: posted.selected, reason: reason, by: try request.requireUser().id,
                                                           at: request.now, on: request.db)
        return request.seeOther(path, flash: outcome.message)
    }

    /// The search posted with the enquiries ticked that it still finds; or, when the search is
    /// wrong or nothing is ticked, the page saying so.
    private enum Chosen {
        case chosen(SubjectAccessQuery, [SubjectAccessSearch.Match])
        case page(Response)
    }

    private static func chosen(_ request: Request, toDo action: String) async throws -> Chosen {
        let posted = Posted(request)
        switch SubjectAccessQuery.parse(posted.values) {
        case .failure(let errors):
            return .page(request.render(SubjectAccessPages.search(.init(csrfToken: request.csrfToken, typed: posted.typed, errors: errors))))
        case .success(let query):
            let matches = try await SubjectAccessSearch.find(query, among: posted.selected, on: request.db).matches
            guard !matches.isEmpty else {
                var errors = FormErrors()
                errors.add("enquiries", "Select at least one enquiry to \(action)")
                return .page(request.render(SubjectAccessPages.search(try await resultsModel(query, errors: errors, selected: [], request: request))))
            }
            return .chosen(query, matches)
        }
    }

    /// The search page with the enquiries the query finds.
    static func resultsModel(_ query: SubjectAccessQuery, errors: FormErrors = FormErrors(), selected: Set<UUID>? = nil,
                             request: Request) async throws -> SubjectAccessPages.Model {
        let found = try await SubjectAccessSearch.find(query, on: request.db)
        let people = try await request.people(naming: found.matches.map(\.memberID))
        return SubjectAccessPages.Model(csrfToken: request.csrfToken, typed: query.typed, errors: errors,
                                        results: .init(rows: found.matches.map { .init($0, people: people) }, more: found.more, selected: selected))
    }

    static func confirmModel(_ query: SubjectAccessQuery, matches: [SubjectAccessSearch.Match], reason: String? = nil, errors: FormErrors = FormErrors(),
                             request: Request) async throws -> SubjectAccessPages.ConfirmModel {
        let people = try await request.people(naming: matches.map(\.memberID))
        return SubjectAccessPages.ConfirmModel(csrfToken: request.csrfToken, typed: query.typed, rows: matches.map { .init($0, people: people) },
                                               reason: reason, errors: errors)
    }
}
