import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The administrator sets who people contact about accessibility, and when the service was last
/// tested, for the accessibility statement. Two administrators cannot overwrite each other.
enum AccessibilityAdminRoutes {
    struct Form: Content {
        var contactEmail: String?
        var contactPhone: String?
        var lastTested: String?
        /// As posted: read with `RequestNumber.version`.
        var version: String?

        enum CodingKeys: String, CodingKey {
            case contactEmail = "contact-email", contactPhone = "contact-phone", lastTested = "last-tested", version
        }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        request.render(page(try await query(csrfToken: request.csrfToken, on: request.db)))
    }

    /// The form filled in with the details as saved.
    static func query(csrfToken: String, errors: FormErrors = FormErrors(), status: HTTPResponseStatus? = nil,
                      on db: any Database) async throws -> Model {
        let settings = try await AccessibilityStatement.Settings.load(on: db)
        let form = Form(contactEmail: settings.contact.email, contactPhone: settings.contact.phone,
                        lastTested: settings.contact.lastTested?.iso, version: String(settings.version))
        return Model(form: form, errors: errors, csrfToken: csrfToken, status: status)
    }

    @Sendable static func save(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let today = try await request.serviceLevels().clock.localDate(of: request.now)
        let contact: StatementContact
        switch StatementContact.validate(email: form.contactEmail, phone: form.contactPhone, lastTested: form.lastTested, today: today) {
        case .failure(let errors): return request.render(page(.init(form: form, errors: errors, csrfToken: request.csrfToken)))
        case .success(let valid): contact = valid
        }
        let version = RequestNumber.version(form.version) ?? -1
        let before = try await AccessibilityStatement.Settings.load(on: request.db).contact
        let saved = try await request.db.transaction { db -> Bool in
            let claimed = try await db.sql.update("council_accessibility")
                .set("contact_email", to: contact.email).set("contact_phone", to: contact.phone)
                .set("last_tested", to: contact.lastTested?.iso).set("version", to: version + 1).set("updated_at", to: request.now)
                .where("id", .equal, 1).where("version", .equal, version)
                .returning("id").all()
            guard !claimed.isEmpty else { return false }
            let changes = AuditTrail.changes(from: auditedFields(before), to: auditedFields(contact))
            try await AuditTrail.record(action: "accessibility_statement", enquiryID: nil, actorID: request.currentUser?.id,
                                        changes: changes, at: request.now, on: db)
            return true
        }
        guard saved else {
            var errors = FormErrors()
            errors.add("contact-email", "Someone else changed these details while you were editing. Theirs are shown below; make your change again.")
            return request.render(page(try await query(csrfToken: request.csrfToken, errors: errors, status: .conflict, on: request.db)))
        }
        return request.seeOther("/admin/accessibility", flash: "The accessibility statement's details have been saved.")
    }

    static func auditedFields(_ contact: StatementContact) -> [String: String] {
        ["Accessibility contact email": contact.email ?? "", "Accessibility contact phone": contact.phone ?? "",
         "Accessibility last tested": contact.lastTested?.iso ?? ""]
    }

    struct Model {
        var form: Form
        var errors: FormErrors
        var csrfToken: String
        /// Unprocessable when there are errors, unless a conflict says more.
        var status: HTTPResponseStatus?
    }

    static func page(_ model: Model) -> Page {
        let form = model.form, errors = model.errors
        return Page(title: "Accessibility statement details", section: .users,
                    status: model.status ?? (errors.isEmpty ? .ok : .unprocessableEntity), hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Accessibility statement details" }
            para { "The "; link("/accessibility") { "accessibility statement" }; " gives these to anyone who needs the service in another way or finds a problem." }
            htmlForm(.method("post"), .action("/admin/accessibility"), .novalidate) {
                csrfField(model.csrfToken)
                input(.type("hidden"), .name("version"), .value(form.version ?? ""))
                textField("contact-email", label: "Email address for accessibility requests", value: form.contactEmail, errors: errors,
                          FieldOptions(hint: "A team mailbox, like accessibility@council.gov.uk.", autocomplete: "off", spellcheck: false, inputMode: "email"))
                textField("contact-phone", label: "Phone number (optional)", value: form.contactPhone, errors: errors,
                          FieldOptions(autocomplete: "off", width: "short", inputMode: "tel"))
                textField("last-tested", label: "Date the service was last tested (optional)", value: form.lastTested, errors: errors,
                          FieldOptions(hint: "For example, 30/11/2026.", width: "short"))
                submitButton("Save")
            }
        }
    }
}
