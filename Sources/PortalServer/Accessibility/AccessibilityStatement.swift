import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The accessibility statement the Public Sector Bodies Accessibility Regulations 2018 ask for,
/// in the shape of the government's model statement, at `/accessibility` for everyone (signed in
/// or not) and linked from every page's footer. The administrator sets the contact details and
/// the date it was last tested at `/admin/accessibility`.
enum AccessibilityStatement {
    struct Settings: Sendable {
        var contact: StatementContact
        var version: Int

        static func load(on db: any Database) async throws -> Settings {
            struct Row: Decodable { let contact_email: String?; let contact_phone: String?; let last_tested: String?; let version: Int }
            let row = try await db.sql.select().columns("contact_email", "contact_phone", "last_tested", "version")
                .from("council_accessibility").where("id", .equal, 1).first(decoding: Row.self)
            return Settings(contact: StatementContact(email: row?.contact_email, phone: row?.contact_phone,
                                                      lastTested: row?.last_tested.flatMap(CivilDate.init(iso:))),
                            version: row?.version ?? 1)
        }
    }

    struct Model: Sendable {
        let council: String
        let contact: StatementContact
    }

    static func query(council: String, on db: any Database) async throws -> Model {
        Model(council: council, contact: try await Settings.load(on: db).contact)
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        request.render(page(try await query(council: request.application.portal.councilName, on: request.db)))
    }

    static func page(_ model: Model) -> Page {
        let service = Layout.serviceName
        return Page(title: "Accessibility statement", section: .accessibility) {
            h1 { "Accessibility statement for the \(service)" }
            para { "This statement applies to the \(service) of \(model.council), where councillors raise enquiries for their residents and council officers answer them." }
            para { "The council wants as many people as possible to be able to use it. You should be able to:" }
            ul {
                li { "change colours, contrast levels and fonts using your browser or device settings" }
                li { "zoom in up to 400% without the text spilling off the screen" }
                li { "navigate the whole service using just a keyboard" }
                li { "navigate most of it using speech recognition software" }
                li { "listen to it using a screen reader" }
                li { "use it on a phone, and without JavaScript" }
            }
            para { "Every chart comes with the table of its figures and a sentence describing it, and every colour that marks a status is accompanied by words." }

            h2 { "How accessible this service is" }
            para { "We know some parts are not fully accessible:" }
            ul {
                li { "a session ends 12 hours after signing in, even for someone still at work: the page warns five minutes before, but that limit cannot be extended" }
                li { "without JavaScript, no warning appears before a session that has been idle for two hours ends" }
                li { "when a form sent with documents comes back with a problem, everything typed is kept but the documents must be chosen again" }
                li { "documents that people upload (photographs, letters, reports) are kept as they were sent and may not be accessible" }
            }

            h2(.id("contact")) { "Feedback and contact information" }
            contactDetails(model.contact, council: model.council)
            para { "We will consider your request and get back to you within 10 working days. If you need information on this service in a different format, such as accessible PDF, large print, easy read, audio recording or braille, tell us the same way." }

            h2 { "Reporting accessibility problems with this service" }
            para { "We are always looking to improve the accessibility of this service. If you find any problems not listed on this page or think we are not meeting accessibility requirements, contact us using the details above." }

            h2 { "Enforcement procedure" }
            para { "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the ‘accessibility regulations’). If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS)." }

            h2 { "Technical information about this service’s accessibility" }
            para { "\(model.council) is committed to making its website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018." }
            h3 { "Compliance status" }
            para { "This service is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliance listed below." }
            h3 { "Non-accessible content" }
            para { "A session ends 12 hours after signing in, whatever the person is doing, to protect residents’ information on shared and lost devices. The page warns five minutes before and says so, but the time cannot be extended. This fails WCAG 2.2 success criterion 2.2.1 (timing adjustable). A session idle for two hours also ends: five minutes before, the page warns and offers to stay signed in." }
            para { "When a new enquiry, an update or an answer sent with documents comes back with a problem to fix, what was typed is kept but the documents are not, and must be chosen again. This fails WCAG 2.2 success criterion 3.3.7 (redundant entry). We plan to keep such documents for the person until the form is sent." }
            para { "Documents uploaded by councillors, residents and officers are outside the council’s control as to their accessibility." }

            h2 { "What we are doing to improve accessibility" }
            para { "Every release is checked automatically: every page the service offers is tested with axe-core against the WCAG 2.x A and AA rules, and again 320 pixels wide and at 200% text size, and none may scroll sideways. A release with any serious or critical problem is not published. A journey through the casework with the keyboard alone, the warning before a session ends among its steps, is run with every release too." }

            h2 { "Preparation of this accessibility statement" }
            if let tested = model.contact.lastTested {
                para { "This service was last tested on \(tested.longText). The test was carried out by the council, using automated checks on every page and manual checks with a keyboard and a screen reader." }
            } else {
                para { "The council has not yet recorded when it last tested this service; every release is checked automatically as described above." }
            }
        }
    }

    static func contactDetails(_ contact: StatementContact, council: String) -> HTMLNode {
        guard contact.email != nil || contact.phone != nil else {
            return para { "Contact your portal administrator at \(council), who will pass your request to the right team." }
        }
        return ul {
            if let email = contact.email { li { "email "; link("mailto:\(email)") { email } } }
            if let phone = contact.phone { li { "call \(phone)" } }
        }
    }
}
