import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/api`: the JSON API's clients. The administrator makes one (a name, its scopes, whom it
/// acts for, its calls a minute) and is shown its token once; the list shows each client's last
/// call, and revokes one at once.
enum ApiAdminRoutes {
    static let path = "/admin/api"

    struct Model {
        var csrfToken: String
        var clients: [ApiClients.Listed]
        var members: [Choice]
        var areas: [Choice]
        var typed: [String: String] = [:]
        var typedScopes: Set<String> = []
        var errors = FormErrors()
        /// The new client's name and token, shown once.
        var made: (name: String, token: String)?
    }

    struct Form: Content {
        var name: String?
        var scopes: [String]?
        var acting: String?
        var member: String?
        var area: String?
        var perMinute: String?

        enum CodingKeys: String, CodingKey {
            case name, scopes, acting, member, area
            case perMinute = "per-minute"
        }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        request.render(ApiAdminPage.page(try await model(request)))
    }

    private static func model(_ request: Request) async throws -> Model {
        let directory = try await request.people()
        let data = try await request.referenceData()
        return Model(csrfToken: request.csrfToken, clients: try await ApiClients.list(on: request.db),
                     members: directory.members.map { Choice(value: $0.id.uuidString, label: $0.name) },
                     areas: data.serviceAreas.map { Choice(value: $0.id.uuidString, label: $0.name) })
    }

    /// The form's values, checked: every one is refused with a message, nothing half-made.
    static func validate(_ form: Form, members: Set<UUID>, areas: Set<UUID>, takenNames: Set<String>) -> Result<ApiClients.Valid, FormErrors> {
        var errors = FormErrors()
        let name = errors.requireText(form.name, field: "name", name: "the client's name", maxLength: ApiClients.nameLimit)
        if !name.isEmpty, takenNames.contains(name.lowercased()) { errors.add("name", "A client of this name is on the list already: choose another name") }
        let scopes = ApiScope.allCases.filter { (form.scopes ?? []).prefix(20).contains($0.rawValue) }
        if scopes.isEmpty { errors.add("scopes", "Choose at least one thing the client may do") }
        var memberID: UUID?, areaID: UUID?
        switch form.acting ?? "all" {
        case "all": break
        case "member":
            memberID = form.member.flatMap(UUID.init(uuidString:)).flatMap { members.contains($0) ? $0 : nil }
            if memberID == nil { errors.add("member", "Choose the Member the client acts for") }
        case "area":
            areaID = form.area.flatMap(UUID.init(uuidString:)).flatMap { areas.contains($0) ? $0 : nil }
            if areaID == nil { errors.add("area", "Choose the service area the client acts for") }
        default:
            errors.add("acting", "Choose whom the client acts for")
        }
        let typed = (form.perMinute ?? "").trimmingWhitespace()
        let perMinute = typed.isEmpty ? ApiClients.defaultPerMinute : RequestNumber.parse(typed, in: ApiClients.perMinuteRange)
        if perMinute == nil { errors.add("per-minute", "Enter a whole number of calls a minute from 1 to \(ApiClients.perMinuteRange.upperBound.formatted())") }
        guard errors.isEmpty, let perMinute else { return .failure(errors) }
        return .success(.init(name: name, scopes: scopes, memberID: memberID, serviceAreaID: areaID, perMinute: perMinute))
    }

    @Sendable static func create(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        var model = try await model(request)
        let taken = Set(model.clients.map { $0.name.lowercased() })
        switch validate(form, members: Set(model.members.compactMap { UUID(uuidString: $0.value) }),
                        areas: Set(model.areas.compactMap { UUID(uuidString: $0.value) }), takenNames: taken) {
        case .failure(let errors):
            model.errors = errors
            model.typed = ["name": form.name ?? "", "acting": form.acting ?? "all", "member": form.member ?? "", "area": form.area ?? "",
                           "per-minute": form.perMinute ?? ""]
            model.typedScopes = Set(form.scopes ?? [])
            return request.render(ApiAdminPage.page(model))
        case .success(let valid):
            let made: (id: UUID, token: String)
            do {
                made = try await ApiClients.create(valid, by: request.currentUser?.id, at: request.now, on: request.db)
            } catch {
                // Another administrator made one of this name a moment ago: the name is unique.
                guard try await ApiClients.list(on: request.db).contains(where: { $0.name.lowercased() == valid.name.lowercased() }) else { throw error }
                model.errors.add("name", "A client of this name is on the list already: choose another name")
                return request.render(ApiAdminPage.page(model))
            }
            model.clients = try await ApiClients.list(on: request.db)
            model.made = (valid.name, made.token)
            let response = request.render(ApiAdminPage.page(model))
            response.status = .created
            // The token is in this answer alone: no cache keeps it.
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
    }

    @Sendable static func revoke(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("clientID", as: UUID.self) else { throw Abort(.notFound) }
        let revoked = try await ApiClients.revoke(id, by: request.currentUser?.id, at: request.now, on: request.db)
        return request.seeOther(path, flash: revoked ? "The client has been revoked: its token is refused from now on." : "That client was revoked already.")
    }
}

enum ApiAdminPage {
    static func page(_ model: ApiAdminRoutes.Model) -> Page {
        let typed = model.typed
        return Page(title: "API clients", section: .users, status: model.errors.isEmpty ? .ok : .unprocessableEntity, hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { "API clients" }
            para {
                "The council's other systems reach enquiries through the JSON API at /api/v1, described by "
                link("/api/v1/openapi.json") { "its OpenAPI document" }
                ". Each system has a client of its own here, with a token it sends with every call."
            }
            if let made = model.made {
                div(.class("notification-banner"), .attr("role", "status")) {
                    para { "The client \(made.name) has been made. Copy its token now: it is not shown again." }
                    label(.for("new-token"), .class("label")) { "Token for \(made.name)" }
                    input(.type("text"), .id("new-token"), .class("input"), .value(made.token), .attr("readonly"), .attr("autocomplete", "off"), .attr("spellcheck", "false"))
                }
            }
            h2(.id("clients")) { "Clients" }
            if model.clients.isEmpty {
                para(.class("secondary-text")) { "No client has been made yet." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "API clients" }
                        thead { tr {
                            th(.scopeCol) { "Name" }; th(.scopeCol) { "May" }; th(.scopeCol) { "Acts for" }; th(.scopeCol) { "Calls a minute" }
                            th(.scopeCol) { "Last call" }; th(.scopeCol) { "State" }
                        } }
                        tbody {
                            for client in model.clients {
                                tr {
                                    th(.scopeRow) { client.name }
                                    td { ApiScope.parse(list: client.scopes).map(\.rawValue).joined(separator: ", ") }
                                    td { client.member_name.map { "Member: \($0)" } ?? client.area_name.map { "Service area: \($0)" } ?? "Every service area" }
                                    td { client.per_minute.formatted() }
                                    td { client.last_used_at?.councilText ?? "Never" }
                                    td {
                                        if let revoked = client.revoked_at {
                                            "Revoked \(revoked.councilDate)"
                                        } else {
                                            htmlForm(.method("post"), .action("\(ApiAdminRoutes.path)/\(client.id.uuidString)/revoke")) {
                                                csrfField(model.csrfToken)
                                                submitButton("Revoke \(client.name)", style: "warning")
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2(.id("new-client")) { "Make a client" }
            htmlForm(.method("post"), .action(ApiAdminRoutes.path), .attr("novalidate")) {
                csrfField(model.csrfToken)
                textField("name", label: "Name", value: typed["name"], errors: model.errors,
                          FieldOptions(hint: "The system it is for, such as \"Customer access platform\". Its changes are recorded under this name."))
                checkboxes("scopes", legend: "What it may do", choices: ApiScope.allCases.map { Choice(value: $0.rawValue, label: $0.label, hint: $0.rawValue) },
                           checked: model.typedScopes, errors: model.errors)
                radios("acting", legend: "Whom it acts for", choices: [
                    Choice(value: "all", label: "Every service area, as their co-ordinators"),
                    Choice(value: "member", label: "One Member: it holds their enquiries as they do, while they hold office"),
                    Choice(value: "area", label: "One service area, as its co-ordinators"),
                ], selected: typed["acting"] ?? "all", errors: model.errors)
                selectField("member", label: "The Member, if it acts for one", choices: model.members, selected: typed["member"], errors: model.errors)
                selectField("area", label: "The service area, if it acts for one", choices: model.areas, selected: typed["area"], errors: model.errors)
                textField("per-minute", label: "Calls a minute", value: typed["per-minute"] ?? String(ApiClients.defaultPerMinute), errors: model.errors,
                          FieldOptions(hint: "Past this, calls are answered 429 with Retry-After until the next minute.", width: "short", inputMode: "numeric"))
                submitButton("Make the client")
            }
        }
    }
}
