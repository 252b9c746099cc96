import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator's service levels: the council's default, and overrides for a service area,
/// an enquiry type, or a type within an area. Every change is in the audit trail.
enum ServiceLevelAdminRoutes {
    struct LevelForm: Content {
        var serviceArea: String?
        var type: String?
        var firstResponseDays: String?
        var completionDays: String?
    }

    private struct LevelRow: Decodable {
        let id: UUID
        let service_area_id: UUID?
        let type_id: UUID?
        let first_response_days: Int
        let completion_days: Int
    }

    /// A level as the page lists it.
    struct Level {
        let id: UUID
        /// What it applies to, in words (`scopeLabel`).
        let scope: String
        let firstResponseDays: Int
        let completionDays: Int
    }

    struct Model {
        var form: LevelForm
        var errors: FormErrors
        var csrfToken: String
        var serviceAreas: [Choice]
        var types: [Choice]
        var standard: Level?
        /// By what they apply to.
        var overrides: [Level]
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, form: LevelForm(), errors: FormErrors())
    }

    private static func respond(_ request: Request, form: LevelForm, errors: FormErrors) async throws -> Response {
        let model = try await query(form: form, errors: errors, csrfToken: request.csrfToken, data: try await request.referenceData(), on: request.db)
        return request.render(ServiceLevelAdminPage.page(model))
    }

    static func query(form: LevelForm, errors: FormErrors, csrfToken: String, data: ReferenceData, on db: any Database) async throws -> Model {
        let rows = try await db.sql.select().columns("id", "service_area_id", "type_id", "first_response_days", "completion_days")
            .from("service_levels").all(decoding: LevelRow.self)
            .sorted { scopeLabel($0.service_area_id, $0.type_id, data) < scopeLabel($1.service_area_id, $1.type_id, data) }
        func level(_ row: LevelRow) -> Level {
            Level(id: row.id, scope: scopeLabel(row.service_area_id, row.type_id, data), firstResponseDays: row.first_response_days,
                  completionDays: row.completion_days)
        }
        return Model(form: form, errors: errors, csrfToken: csrfToken,
                     serviceAreas: data.serviceAreas.map { Choice(value: $0.id.uuidString, label: $0.name) },
                     types: data.types.map { Choice(value: $0.id.uuidString, label: $0.name) },
                     standard: rows.first { $0.service_area_id == nil && $0.type_id == nil }.map(level),
                     overrides: rows.filter { $0.service_area_id != nil || $0.type_id != nil }.map(level))
    }

    static func scopeLabel(_ area: UUID?, _ type: UUID?, _ data: ReferenceData) -> String {
        switch (area, type) {
        case (nil, nil): "Council default"
        case (let area?, nil): data.name(area) ?? "A removed service area"
        case (nil, let type?): "\(data.name(type) ?? "A removed type") (any service area)"
        case (let area?, let type?): "\(data.name(type) ?? "A removed type") in \(data.name(area) ?? "a removed service area")"
        }
    }

    @Sendable static func save(_ request: Request) async throws -> Response {
        let form = try request.content.decode(LevelForm.self)
        let data = try await request.referenceData()
        var errors = FormErrors()
        func choice(_ text: String?, field: String, known: Set<UUID>, what: String) -> UUID? {
            guard let text, !text.isEmpty else { return nil }
            guard let id = UUID(uuidString: text), known.contains(id) else { errors.add(field, "Choose a \(what) from the list"); return nil }
            return id
        }
        let area = choice(form.serviceArea, field: "serviceArea", known: Set(data.serviceAreas.map(\.id)), what: "service area")
        let type = choice(form.type, field: "type", known: Set(data.types.map(\.id)), what: "type")
        var level: ServiceLevel?
        switch ServiceLevel.validate(firstResponse: form.firstResponseDays ?? "", completion: form.completionDays ?? "") {
        case .success(let valid): level = valid
        case .failure(let found): for error in found.all { errors.add(error.field, error.message) }
        }
        guard errors.isEmpty, let level else { return try await respond(request, form: form, errors: errors) }
        let scope = ServiceLevelScope.key(serviceAreaID: area, typeID: type)
        let label = scopeLabel(area, type, data)
        try await request.db.transaction { db in
            let existing = try await db.sql.select().columns("id", "service_area_id", "type_id", "first_response_days", "completion_days")
                .from("service_levels").where("scope", .equal, scope).first(decoding: LevelRow.self)
            if let existing {
                try await db.sql.update("service_levels").set("first_response_days", to: level.firstResponseDays)
                    .set("completion_days", to: level.completionDays).set("updated_at", to: request.now)
                    .where("id", .equal, existing.id).run()
            } else {
                try await db.sql.insert(into: "service_levels")
                    .columns("id", "scope", "service_area_id", "type_id", "first_response_days", "completion_days", "updated_at")
                    .values(SQLBind(UUID()), SQLBind(scope), SQLBind(area), SQLBind(type), SQLBind(level.firstResponseDays),
                            SQLBind(level.completionDays), SQLBind(request.now))
                    .run()
            }
            let before = existing.map { "\($0.first_response_days) / \($0.completion_days) working days" } ?? ""
            try await AuditTrail.record(action: "service_level_set", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: [FieldChange(field: "Service level: \(label)", before: before,
                                                              after: "\(level.firstResponseDays) / \(level.completionDays) working days")], at: request.now, on: db)
        }
        await request.application.serviceLevelCache.invalidate()
        return request.seeOther("/admin/service-levels", flash: "\(label): first response within \(level.firstResponseDays) working days, completion within \(level.completionDays).")
    }

    @Sendable static func remove(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("levelID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let data = try await request.referenceData()
        let removed = try await request.db.transaction { db -> String? in
            guard let row = try await db.sql.select().columns("id", "service_area_id", "type_id", "first_response_days", "completion_days")
                .from("service_levels").where("id", .equal, id).first(decoding: LevelRow.self),
                row.service_area_id != nil || row.type_id != nil
            else { return nil }
            let label = scopeLabel(row.service_area_id, row.type_id, data)
            try await db.sql.delete(from: "service_levels").where("id", .equal, id).run()
            try await AuditTrail.record(action: "service_level_removed", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: [FieldChange(field: "Service level: \(label)",
                                                              before: "\(row.first_response_days) / \(row.completion_days) working days", after: "")], at: request.now, on: db)
            return label
        }
        guard let removed else { return request.seeOther("/admin/service-levels", flash: "That service level had already been removed.") }
        await request.application.serviceLevelCache.invalidate()
        return request.seeOther("/admin/service-levels", flash: "The service level for \(removed) has been removed.")
    }
}

enum ServiceLevelAdminPage {
    static func page(_ model: ServiceLevelAdminRoutes.Model) -> Page {
        let form = model.form, errors = model.errors
        return Page(title: "Service levels", section: .calendar, status: errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Service levels" }
            para { "How many working days the council promises for a first response and for completion. The most specific level applies: a type within a service area, then the type, then the service area, then the council's default. A change applies to enquiries submitted or re-typed from now on." }
            para { link("/admin/calendar") { "Working days, bank holidays and closure days" } }
            summaryList([("Council default", model.standard.map { "First response within \($0.firstResponseDays) working days; completion within \($0.completionDays)" } ?? "Not set")])
            h2 { "Overrides" }
            if model.overrides.isEmpty {
                para(.class("secondary-text")) { "No overrides: every enquiry works to the council's default." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Service level overrides" }
                        thead { tr {
                            th(.scopeCol) { "Applies to" }; th(.scopeCol) { "First response" }; th(.scopeCol) { "Completion" }
                            th(.scopeCol) { element("span", [.class("visually-hidden")]) { "Action" } }
                        } }
                        tbody {
                            for row in model.overrides {
                                let scope = row.scope
                                tr {
                                    th(.scopeRow) { scope }
                                    td { "\(row.firstResponseDays) working days" }
                                    td { "\(row.completionDays) working days" }
                                    td {
                                        htmlForm(.method("post"), .action("/admin/service-levels/\(row.id.uuidString)/remove"), .class("inline-form")) {
                                            csrfField(model.csrfToken)
                                            button(.type("submit"), .class("link-button")) {
                                                "Remove"
                                                element("span", [.class("visually-hidden")]) { " the level for \(scope)" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Set a service level" }
            htmlForm(.method("post"), .action("/admin/service-levels"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                para { "Leave both choices as \"Any\" to change the council's default. Setting a level that already exists replaces it." }
                selectField("serviceArea", label: "Service area", choices: model.serviceAreas,
                            selected: form.serviceArea, errors: errors, placeholder: "Any service area")
                selectField("type", label: "Enquiry type", choices: model.types,
                            selected: form.type, errors: errors, placeholder: "Any type")
                textField("firstResponseDays", label: "First response within (working days)", value: form.firstResponseDays, errors: errors,
                          FieldOptions(type: "text", width: "short"))
                textField("completionDays", label: "Completion within (working days)", value: form.completionDays, errors: errors,
                          FieldOptions(type: "text", width: "short"))
                submitButton("Save the service level")
            }
        }
    }
}
