import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator's setting of the follow-up window, on the working-days page.
enum FollowUpAdminRoutes {
    struct Form: Content {
        var days: String?
    }

    /// The number typed, or what is wrong with it.
    static func validate(_ text: String?) -> Result<Int, FormErrors> {
        let typed = (text ?? "").trimmingWhitespace()
        var errors = FormErrors()
        if typed.isEmpty {
            errors.add("followUpDays", "Enter the number of working days, or 0 for enquiries never to close themselves")
        } else if let days = RequestNumber.parse(typed, in: 0...FollowUpWindow.mostDays) {
            return .success(days)
        } else {
            errors.add("followUpDays", "Enter a whole number of working days from 0 to \(FollowUpWindow.mostDays)")
        }
        return .failure(errors)
    }

    @Sendable static func save(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        switch validate(form.days) {
        case .failure(let errors):
            let model = try await CalendarAdminRoutes.query(.init(followUpForm: form, followUpErrors: errors), csrfToken: request.csrfToken,
                                                            at: request.now, on: request.db)
            return request.render(CalendarAdminPage.page(model))
        case .success(let days):
            let before = try await request.db.transaction { db -> Int in
                let before = try await ServiceLevelSettings.load(on: db).followUpDays
                guard before != days else { return before }
                try await db.sql.update("council_calendar").set("follow_up_days", to: days).where("id", .equal, 1).run()
                try await AuditTrail.record(action: "follow_up_window", enquiryID: nil, actorID: request.currentUser?.id,
                                            changes: [FieldChange(field: "Follow-up window", before: words(before), after: words(days))],
                                            at: request.now, on: db)
                return before
            }
            await request.application.serviceLevelCache.invalidate()
            let flash = before == days ? "The follow-up window was already \(words(days))."
                : days == 0 ? "Completed enquiries will no longer close themselves."
                : "Enquiries completed from now on will close themselves after \(words(days)) without the Member's confirmation."
            return request.seeOther("/admin/calendar#follow-up", flash: flash)
        }
    }

    static func words(_ days: Int) -> String {
        days == 0 ? "off" : days == 1 ? "1 working day" : "\(days) working days"
    }

    /// The form, for the working-days page.
    static func section(days: Int, form: Form?, errors: FormErrors, csrfToken: String) -> HTMLNode {
        .group([
            h2(.id("follow-up")) { "Follow-up window" },
            para { "A completed enquiry waits for its Member to confirm it is done or reopen it. After this many working days without either, the portal closes it, tells the Member and records it in the audit trail. A change applies to enquiries completed from then on; 0 stops all closing at once." },
            htmlForm(.method("post"), .action("/admin/calendar/follow-up"), .attr("novalidate")) {
                csrfField(csrfToken)
                textField("followUpDays", label: "Working days before a completed enquiry closes itself", value: form?.days ?? String(days), errors: errors,
                          FieldOptions(hint: "From 0 to \(FollowUpWindow.mostDays); 0 means completed enquiries never close themselves.", width: "short", inputMode: "numeric"))
                    .renamed("days")
                submitButton("Save the follow-up window", style: "secondary")
            },
        ])
    }
}
