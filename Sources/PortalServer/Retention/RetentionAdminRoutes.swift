import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// `/admin/retention`: the periods, and what the next run would erase (a dry run, which changes
/// nothing).
enum RetentionAdminRoutes {
    struct Model {
        var csrfToken: String
        var settings: Retention.Settings
        var areas: [(id: UUID, name: String)]
        /// What was typed, when the form comes back with errors.
        var typed: [String: String]?
        var errors: FormErrors
        var due: [Retention.Due]
        var dueTotal: Int
    }

    /// The dry run lists this many; the count covers them all.
    static let listed = 100
    static let counted = 100_000

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, typed: nil, errors: FormErrors())
    }

    private static func respond(_ request: Request, typed: [String: String]?, errors: FormErrors) async throws -> Response {
        let db = request.db
        let settings = try await Retention.settings(on: db)
        let areas = try await db.sql.select().columns("id", "name").from(ServiceArea.schema).orderBy("name").all()
            .map { (id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "name", as: String.self)) }
        let due = try await Retention.due(settings, at: request.now, limit: counted, on: db)
        let model = Model(csrfToken: request.csrfToken, settings: settings, areas: areas, typed: typed, errors: errors,
                          due: Array(due.prefix(listed)), dueTotal: due.count)
        return request.render(RetentionAdminPage.page(model))
    }

    /// The periods typed: the default, and each area's (empty for the default).
    static func validate(_ fields: [String: String], areas: [UUID]) -> Result<Retention.Settings, FormErrors> {
        var errors = FormErrors()
        func months(_ field: String, required: Bool) -> Int? {
            let typed = (fields[field] ?? "").trimmingWhitespace()
            if typed.isEmpty {
                if required { errors.add(field, "Enter the number of months") }
                return nil
            }
            guard let months = RequestNumber.parse(typed, in: 1...Retention.mostMonths) else {
                errors.add(field, "Enter a whole number of months from 1 to \(Retention.mostMonths)" + (required ? "" : ", or leave it empty for the council's period"))
                return nil
            }
            return months
        }
        let standard = months("default-months", required: true)
        var areaMonths: [UUID: Int] = [:]
        for area in areas { if let value = months("area-\(area.uuidString)", required: false) { areaMonths[area] = value } }
        guard errors.isEmpty, let standard else { return .failure(errors) }
        return .success(Retention.Settings(defaultMonths: standard, areaMonths: areaMonths))
    }

    @Sendable static func save(_ request: Request) async throws -> Response {
        var fields = try request.content.decode([String: String].self)
        fields["_csrf"] = nil
        let areas = try await ServiceArea.query(on: request.db).all().compactMap(\.id)
        switch validate(fields, areas: areas) {
        case .failure(let errors):
            return try await respond(request, typed: fields, errors: errors)
        case .success(let valid):
            try await request.db.transaction { db in
                let before = try await Retention.settings(on: db)
                let names = Dictionary(uniqueKeysWithValues: try await db.sql.select().columns("id", "name").from(ServiceArea.schema).all()
                    .map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self)) })
                try await db.sql.update("retention_settings").set("default_months", to: valid.defaultMonths).where("id", .equal, 1).run()
                var changes: [FieldChange] = []
                if before.defaultMonths != valid.defaultMonths {
                    changes.append(FieldChange(field: "Council's period", before: "\(before.defaultMonths) months", after: "\(valid.defaultMonths) months"))
                }
                for area in areas where before.areaMonths[area] != valid.areaMonths[area] {
                    try await db.sql.update(ServiceArea.schema).set("retention_months", to: valid.areaMonths[area]).where("id", .equal, area).run()
                    changes.append(FieldChange(field: "Period for \(names[area] ?? "a service area")",
                                               before: before.areaMonths[area].map { "\($0) months" } ?? "the council's",
                                               after: valid.areaMonths[area].map { "\($0) months" } ?? "the council's"))
                }
                if !changes.isEmpty {
                    try await AuditTrail.record(action: "retention_settings", enquiryID: nil, actorID: request.currentUser?.id, changes: changes, at: request.now, on: db)
                }
            }
            return request.seeOther("/admin/retention", flash: "The retention periods have been saved.")
        }
    }
}

enum RetentionAdminPage {
    static func page(_ model: RetentionAdminRoutes.Model) -> Page {
        let typed = model.typed
        return Page(title: "Retention of residents' data", section: .calendar, status: model.errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { "Retention of residents' data" }
            para { "A set number of months after an enquiry closes, its resident's name, address, email and phone, the words of its details and conversation, and its documents are erased. Its reference, service area, type, places, dates and statuses stay, so reports still count it. The portal checks every quarter of an hour." }

            h2(.id("next-run")) { "What the next run would erase" }
            if model.dueTotal == 0 {
                para { "Nothing: no closed enquiry has passed its period." }
            } else {
                para { model.dueTotal >= RetentionAdminRoutes.counted ? "More than \(RetentionAdminRoutes.counted.formatted()) closed enquiries." : "\(model.dueTotal.formatted()) closed \(model.dueTotal == 1 ? "enquiry" : "enquiries"), oldest closure first." }
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Enquiries the next run would erase" }
                        thead { tr { th(.scopeCol) { "Reference" }; th(.scopeCol) { "Service area" }; th(.scopeCol) { "Closed" }; th(.scopeCol) { "Period" } } }
                        tbody {
                            for due in model.due {
                                tr {
                                    th(.scopeRow) { link("/enquiries/\(due.id.uuidString)") { due.reference } }
                                    td { model.areas.first { $0.id == due.service_area_id }?.name ?? "" }
                                    td { due.closed_at.councilDate }
                                    td { "\(model.settings.months(for: due.service_area_id)) months" }
                                }
                            }
                        }
                    }
                }
                if model.dueTotal > model.due.count { para(.class("secondary-text")) { "The first \(model.due.count) are listed." } }
            }

            h2(.id("periods")) { "Periods" }
            htmlForm(.method("post"), .action("/admin/retention"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                textField("default-months", label: "The council's period, in months after closure",
                          value: typed?["default-months"] ?? String(model.settings.defaultMonths), errors: model.errors,
                          FieldOptions(hint: "From 1 to \(Retention.mostMonths). Applies to every service area without a period of its own.", width: "short", inputMode: "numeric"))
                for area in model.areas {
                    let field = "area-\(area.id.uuidString)"
                    textField(field, label: "\(area.name) (months, optional)", value: typed?[field] ?? model.settings.areaMonths[area.id].map(String.init),
                              errors: model.errors, FieldOptions(hint: "Empty: the council's period.", width: "short", inputMode: "numeric"))
                }
                submitButton("Save the periods")
            }
        }
    }
}
