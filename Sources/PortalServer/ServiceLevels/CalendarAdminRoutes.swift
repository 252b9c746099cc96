import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator's calendar: the council's nation and working day, its closure days, and the
/// bank holidays that follow from them. Every change is in the audit trail.
enum CalendarAdminRoutes {
    struct SettingsForm: Content {
        var nation: String?
        var opensAt: String?
        var closesAt: String?
        /// As posted: read with `RequestNumber.version`.
        var version: String?
    }

    struct ClosureForm: Content {
        var day: String?
        var name: String?
    }

    struct ClosureRow: Decodable { let id: UUID; let day: String; let name: String }

    /// What was typed into either form, and its errors, when it comes back.
    struct Posted {
        var settingsForm: SettingsForm?
        var settingsErrors = FormErrors()
        var closureForm = ClosureForm()
        var closureErrors = FormErrors()
        var followUpForm: FollowUpAdminRoutes.Form?
        var followUpErrors = FormErrors()
        var status: HTTPResponseStatus?
    }

    struct Model {
        var posted: Posted
        var csrfToken: String
        var today: CivilDate
        var nation: Nation
        /// The working day's form as saved, or as typed when it comes back.
        var settingsForm: SettingsForm
        var version: Int
        var followUpDays: Int
        /// From the start of last year on.
        var closures: [ClosureRow]
        /// This year's and next year's.
        var bankHolidays: [Holiday]
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        try await respond(request, Posted())
    }

    private static func respond(_ request: Request, _ posted: Posted) async throws -> Response {
        request.render(CalendarAdminPage.page(try await query(posted, csrfToken: request.csrfToken, at: request.now, on: request.db)))
    }

    static func query(_ posted: Posted, csrfToken: String, at now: Date, on db: any Database) async throws -> Model {
        let settings = try await ServiceLevelSettings.load(on: db)
        let clock = settings.clock
        let today = clock.localDate(of: now)
        let closures = try await db.sql.select().columns("id", "day", "name").from("closure_days")
            .where("day", .greaterThanOrEqual, CivilDate(year: today.year - 1, month: 1, day: 1)!.iso)
            .orderBy("day").all(decoding: ClosureRow.self)
        let form = posted.settingsForm ?? SettingsForm(nation: settings.calendar.nation.rawValue, opensAt: WorkingDayForm.text(clock.opensAt),
                                                       closesAt: WorkingDayForm.text(clock.closesAt), version: String(settings.version))
        return Model(posted: posted, csrfToken: csrfToken, today: today, nation: settings.calendar.nation, settingsForm: form,
                     version: settings.version, followUpDays: settings.followUpDays, closures: closures,
                     bankHolidays: [today.year, today.year + 1].flatMap { BankHolidays.of(settings.calendar.nation, in: $0) })
    }

    @Sendable static func saveSettings(_ request: Request) async throws -> Response {
        let form = try request.content.decode(SettingsForm.self)
        switch WorkingDayForm.validate(nation: form.nation ?? "", opens: form.opensAt ?? "", closes: form.closesAt ?? "") {
        case .failure(let errors):
            return try await respond(request, Posted(settingsForm: form, settingsErrors: errors))
        case .success(let valid):
            let before = try await ServiceLevelSettings.load(on: request.db)
            let version = RequestNumber.version(form.version) ?? -1
            let saved = try await request.db.transaction { db -> Bool in
                let claimed = try await db.sql.update("council_calendar")
                    .set("nation", to: valid.nation.rawValue).set("opens_at", to: valid.opensAt).set("closes_at", to: valid.closesAt)
                    .set("version", to: version + 1)
                    .where("id", .equal, 1).where("version", .equal, version)
                    .returning("id").all()
                guard !claimed.isEmpty else { return false }
                let changes = AuditTrail.changes(
                    from: ["Nation": before.calendar.nation.label, "Opens at": WorkingDayForm.text(before.clock.opensAt),
                           "Closes at": WorkingDayForm.text(before.clock.closesAt)],
                    to: ["Nation": valid.nation.label, "Opens at": WorkingDayForm.text(valid.opensAt), "Closes at": WorkingDayForm.text(valid.closesAt)])
                try await AuditTrail.record(action: "calendar_settings", enquiryID: nil, actorID: request.currentUser?.id, changes: changes, at: request.now, on: db)
                return true
            }
            guard saved else {
                var errors = FormErrors()
                errors.add("nation", "Someone else changed the working day while you were editing. Their settings are shown below; make your change again.")
                return try await respond(request, Posted(settingsErrors: errors, status: .conflict))
            }
            await request.application.serviceLevelCache.invalidate()
            return request.seeOther("/admin/calendar", flash: "The council's working day has been saved.")
        }
    }

    @Sendable static func addClosure(_ request: Request) async throws -> Response {
        let form = try request.content.decode(ClosureForm.self)
        let settings = try await ServiceLevelSettings.load(on: request.db)
        switch ClosureDayForm.validate(day: form.day ?? "", name: form.name ?? "", calendar: settings.calendar) {
        case .failure(let errors):
            return try await respond(request, Posted(closureForm: form, closureErrors: errors))
        case .success(let closure):
            try await request.db.transaction { db in
                try await db.sql.insert(into: "closure_days").columns("id", "day", "name", "added_by_id", "added_at")
                    .values(SQLBind(UUID()), SQLBind(closure.date.iso), SQLBind(closure.name), SQLBind(request.currentUser?.id), SQLBind(request.now))
                    .run()
                try await AuditTrail.record(action: "closure_day_added", enquiryID: nil, actorID: request.currentUser?.id,
                                            changes: [FieldChange(field: "Closure day", before: "", after: "\(closure.date.iso) \(closure.name)")], at: request.now, on: db)
            }
            await request.application.serviceLevelCache.invalidate()
            return request.seeOther("/admin/calendar#closures", flash: "\(closure.date.longText) (\(closure.name)) is now a closure day.")
        }
    }

    @Sendable static func removeClosure(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("closureID").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let removed = try await request.db.transaction { db -> ClosureRow? in
            guard let row = try await db.sql.select().columns("id", "day", "name").from("closure_days").where("id", .equal, id)
                .first(decoding: ClosureRow.self) else { return nil }
            try await db.sql.delete(from: "closure_days").where("id", .equal, id).run()
            try await AuditTrail.record(action: "closure_day_removed", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: [FieldChange(field: "Closure day", before: "\(row.day) \(row.name)", after: "")], at: request.now, on: db)
            return row
        }
        guard let removed else { return request.seeOther("/admin/calendar#closures", flash: "That closure day had already been removed.") }
        await request.application.serviceLevelCache.invalidate()
        let date = CivilDate(iso: removed.day)?.longText ?? removed.day
        return request.seeOther("/admin/calendar#closures", flash: "\(date) is no longer a closure day.")
    }
}

enum CalendarAdminPage {
    static func page(_ model: CalendarAdminRoutes.Model) -> Page {
        let posted = model.posted, form = model.settingsForm, today = model.today
        let settingsErrors = posted.settingsErrors, closureErrors = posted.closureErrors, closureForm = posted.closureForm
        let errors = [settingsErrors, closureErrors, posted.followUpErrors].first { !$0.isEmpty } ?? FormErrors()
        return Page(title: "Working days", section: .calendar, status: model.posted.status ?? (errors.isEmpty ? .ok : .unprocessableEntity),
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Working days" }
            para { "Service levels count working days: Monday to Friday, less the bank holidays of the council's nation and the closure days below. Deadlines already given are kept; changes here apply to enquiries submitted, reopened or re-typed from now on." }
            para { link("/admin/service-levels") { "Service levels for each service area and enquiry type" } }

            h2 { "The council's working day" }
            htmlForm(.method("post"), .action("/admin/calendar"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("version"), .value(String(RequestNumber.version(form.version) ?? model.version)))
                selectField("nation", label: "Bank holidays of", choices: Nation.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                            selected: form.nation, errors: settingsErrors, placeholder: nil)
                textField("opensAt", label: "Opens at", value: form.opensAt, errors: settingsErrors,
                          FieldOptions(hint: "24-hour clock, UK time. Reminders are sent only between opening and closing.", width: "short"))
                textField("closesAt", label: "Closes at", value: form.closesAt, errors: settingsErrors,
                          FieldOptions(hint: "An enquiry submitted after this time counts from the next working day.", width: "short"))
                submitButton("Save the working day")
            }

            FollowUpAdminRoutes.section(days: model.followUpDays, form: posted.followUpForm, errors: posted.followUpErrors, csrfToken: model.csrfToken)

            h2(.id("closures")) { "Closure days" }
            if model.closures.isEmpty {
                para(.class("secondary-text")) { "No closure days have been added." }
            } else {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption { "Closure days since \(today.year - 1)" }
                        thead { tr { th(.scopeCol) { "Date" }; th(.scopeCol) { "Name" }; th(.scopeCol) { element("span", [.class("visually-hidden")]) { "Action" } } } }
                        tbody {
                            for closure in model.closures {
                                let date = CivilDate(iso: closure.day)
                                tr {
                                    td { date?.longText ?? closure.day }
                                    td { closure.name }
                                    td {
                                        htmlForm(.method("post"), .action("/admin/calendar/closures/\(closure.id.uuidString)/remove"), .class("inline-form")) {
                                            csrfField(model.csrfToken)
                                            button(.type("submit"), .class("link-button")) {
                                                "Remove"
                                                element("span", [.class("visually-hidden")]) { " \(date?.longText ?? closure.day)" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            htmlForm(.method("post"), .action("/admin/calendar/closures"), .attr("novalidate")) {
                csrfField(model.csrfToken)
                h3 { "Add a closure day" }
                textField("day", label: "Date", value: closureForm.day, errors: closureErrors,
                          FieldOptions(hint: "Choose the date, or type it as year-month-day, for example 2026-12-29", type: "date", width: "short"))
                textField("name", label: "Name", value: closureForm.name, errors: closureErrors,
                          FieldOptions(hint: "For example Christmas closure"))
                submitButton("Add the closure day", style: "secondary")
            }

            h2 { "Bank holidays in \(today.year) and \(today.year + 1)" }
            div(.class("table-scroll")) {
                table(.class("table")) {
                    caption { "Bank holidays of \(model.nation.label)" }
                    thead { tr { th(.scopeCol) { "Date" }; th(.scopeCol) { "Holiday" } } }
                    tbody {
                        for holiday in model.bankHolidays {
                            tr { td { holiday.date.longText }; td { holiday.name } }
                        }
                    }
                }
            }
        }
    }
}
