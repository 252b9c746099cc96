import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The search page: free text and filters in the address (so a search can be shared or saved),
/// results a page at a time with the matched words marked, saved searches, and the CSV export.
enum SearchRoutes {
    /// The search as the address gives it: only the known fields, trimmed.
    static func fields(_ request: Request) -> [String: String] {
        let all = (try? request.query.decode([String: String].self)) ?? [:]
        return all.filter { (SearchCriteria.fieldNames + ["scope"]).contains($0.key) && !$0.value.trimmingWhitespace().isEmpty }
    }

    /// The address after `?` for these fields, in a fixed order, without the page.
    static func queryString(_ fields: [String: String], page: Int? = nil) -> String {
        var parts = (["scope"] + SearchCriteria.fieldNames).filter { $0 != "page" }.compactMap { name in
            fields[name].map { "\(name)=\(encode($0))" }
        }
        if let page, page > 1 { parts.append("page=\(page)") }
        return parts.joined(separator: "&")
    }

    /// A search's address after `?` as a form posted it, rebuilt from the search fields it names:
    /// anything else is dropped and every value percent-encoded, so the text can go into a
    /// `Location` header and a link as a query and as nothing else.
    static func canonicalQuery(_ text: String) -> String {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(parts[0]).removingPercentEncoding, (SearchCriteria.fieldNames + ["scope"]).contains(name), name != "page",
                  let value = String(parts.count > 1 ? parts[1] : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                  !value.trimmingWhitespace().isEmpty, fields[name] == nil
            else { continue }
            fields[name] = value
        }
        return queryString(fields)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? ""
    }

    /// The person's scope: the one asked for if they may use it, else their widest.
    static func viewer(_ request: Request, fields: [String: String]) async throws -> EnquirySearch.Viewer {
        let actor = try request.enquiryActor()
        let allowed = EnquirySearch.Viewer.scopes(for: actor.user)
        let scope = fields["scope"].flatMap(SearchScope.init(rawValue:)).flatMap { allowed.contains($0) ? $0 : nil } ?? allowed[0]
        return EnquirySearch.Viewer(access: actor.viewer, scope: scope)
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let fields = fields(request)
        _ = try request.pageNumber(fields["page"], maximum: SearchCriteria.maximumPage)
        let (criteria, errors) = SearchCriteria.parse(fields)
        let viewer = try await viewer(request, fields: fields)
        let data = try await request.referenceData()
        let clock = try await request.serviceLevels().clock
        let searched = !fields.filter { $0.key != "scope" && $0.key != "sort" }.isEmpty
        let results = searched
            ? try await EnquirySearch.search(criteria, viewer: viewer, data: data, clock: clock, now: request.now, on: request.db) { try await request.people(naming: $0) }
            : nil
        let saved = try await SavedSearches.list(for: user.id, on: request.db)
        let directory = try await request.people()
        return request.render(SearchPage.page(.init(
            csrfToken: request.csrfToken, user: user, fields: fields, criteria: criteria, errors: errors, viewer: viewer,
            scopes: EnquirySearch.Viewer.scopes(for: user), data: data, members: directory.members, results: results, saved: saved)))
    }

    struct SaveForm: Content {
        var name: String?
        var query: String?
    }

    @Sendable static func save(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let form = try request.content.decode(SaveForm.self)
        let query = canonicalQuery(String((form.query ?? "").prefix(2000)))
        let name = (form.name ?? "").trimmingWhitespace()
        guard TextRules.isSingleLine(name) else {
            return request.seeOther("/search?\(query)", flash: TextRules.singleLineMessage("a saved search's name") + ".")
        }
        guard !name.isEmpty else {
            return request.seeOther("/search?\(query)", flash: "Give the search a name to save it.")
        }
        guard name.count <= 100 else {
            return request.seeOther("/search?\(query)", flash: "A saved search's name must be 100 characters or fewer.")
        }
        try await SavedSearches.add(name: name, query: query, for: user.id, at: request.now, on: request.db)
        return request.seeOther("/search?\(query)", flash: "Saved “\(name)”. It is listed beside your searches.")
    }

    @Sendable static func remove(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        guard let id = request.parameters.get("savedID", as: UUID.self) else { throw Abort(.notFound) }
        try await SavedSearches.remove(id, of: user.id, on: request.db)
        return request.seeOther("/search", flash: "The saved search has been removed.")
    }
}
