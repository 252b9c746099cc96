import Foundation
import PortalCore
import Vapor

/// The pages of a partner's outcome link, and the co-ordinator's outcome form sent back with
/// its errors.
enum PartnerOutcomePages {
    struct FormModel {
        var csrfToken: String
        var token: String
        var partner: String
        var referredAt: Date
        var expires: Date
        var facts: PartnerReferralFacts
        var form: PartnerOutcomeRoutes.OutcomeForm
        var errors: FormErrors
    }

    /// The outcome's fields; `idPrefix` keeps ids unique where several forms share a page, while
    /// the names posted stay the same.
    @HTMLBuilder static func fields(idPrefix: String = "", form: PartnerOutcomeRoutes.OutcomeForm?, errors: FormErrors, askName: Bool) -> [HTMLNode] {
        radios("\(idPrefix)outcome", legend: "What happened?", choices: PartnerOutcome.allCases.map { Choice(value: $0.rawValue, label: $0.label, hint: $0.hint) },
               selected: form?.outcome, errors: errors).renamed("outcome")
        textArea("\(idPrefix)outcome-text", label: "What the councillor should know", value: form?.text, errors: errors,
                 hint: "Needed for “Not for us”: say why. The councillor who raised the enquiry reads this; at most \(PartnerOutcome.textLimit) characters.", rows: 4)
            .renamed("outcome-text")
        if askName {
            textField("\(idPrefix)outcome-name", label: "Your name (optional)", value: form?.name, errors: errors,
                      FieldOptions(hint: "So the council knows whom to ask about it.", autocomplete: "name")).renamed("outcome-name")
        }
    }

    static func form(_ model: FormModel) -> Page {
        let errors = model.errors
        return Page(title: "Record the outcome of \(model.facts.reference)", section: .signIn, status: errors.isEmpty ? .ok : .unprocessableEntity,
                    hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            span(.class("caption")) { model.partner }
            h1 { "Record the outcome of \(model.facts.reference)" }
            para(.class("lead")) { "The council referred this enquiry to \(model.partner) on \(model.referredAt.councilDate), as its first point of contact." }
            h2 { "The enquiry" }
            summaryList(model.facts.rows)
            h2 { "The outcome" }
            para { "This link works once, until \(model.expires.councilDate). Once you send the outcome it is added to the enquiry and the councillor is told." }
            htmlForm(.method("post"), .action("/partner-outcome/\(model.token)"), .novalidate) {
                csrfField(model.csrfToken)
                fields(form: model.form, errors: errors, askName: true)
                submitButton("Send the outcome")
            }
        }
    }

    static func thanks(partner: String, outcome: PartnerOutcome) -> Page {
        Page(title: "Outcome recorded", section: .signIn) {
            h1 { "Outcome recorded" }
            para(.class("lead")) { "Thank you. “\(outcome.label)” from \(partner) is now on the enquiry, and the councillor has been told." }
            para { "This link has now been used. To add anything, reply to the council's email." }
        }
    }

    static func refused(_ reason: PartnerLinkRefusals.Reason) -> Page {
        let (title, explanation): (String, String) = switch reason {
        case .used: ("This link has been used", "An outcome has already been recorded with this link, and a link works once. To add anything, reply to the council's email.")
        case .recordedByCouncil: ("The outcome is already recorded", "A council officer has already recorded the outcome of this referral, so the link no longer works. To add anything, reply to the council's email.")
        case .expired: ("This link has expired", "Outcome links work for \(Int(PartnerReferrals.linkLifetime / 86_400)) days. Reply to the council's email to tell them the outcome.")
        case .unknown: ("This link does not work", "Check that the whole address was copied from the email. If it still does not work, reply to the council's email.")
        }
        return Page(title: title, section: .signIn, status: reason == .unknown ? .notFound : .gone) {
            h1 { title }
            para { explanation }
            para { "Nothing has been changed." }
        }
    }

    static func tooMany(wait: TimeInterval) -> Page {
        Page(title: "Too many attempts", section: .signIn, status: .tooManyRequests) {
            h1 { "Too many attempts" }
            para { "Too many links that do not work were tried from your network. Wait \(SignInThrottle.describe(wait)) and try again." }
        }
    }

    struct OfficerModel {
        var csrfToken: String
        var enquiryID: UUID
        var reference: String
        var referral: PartnerReferralSection.Row
        var form: PartnerOutcomeRoutes.OutcomeForm
        var errors: FormErrors
    }

    /// A co-ordinator's outcome form that came back with errors.
    static func officerForm(_ model: OfficerModel) -> Page {
        let enquiry = "/enquiries/\(model.enquiryID.uuidString)"
        return Page(title: "Record \(model.referral.partnerName)'s outcome", section: .queue, status: .unprocessableEntity, hasErrors: true) {
            errorSummary(model.errors)
            span(.class("caption")) { model.reference }
            h1 { "Record \(model.referral.partnerName)'s outcome" }
            para { "The outcome is sent to the Member as an update from you, and the partner's link stops working." }
            htmlForm(.method("post"), .action("\(enquiry)/partner-referrals/\(model.referral.id.uuidString)/outcome"), .novalidate) {
                csrfField(model.csrfToken)
                fields(form: model.form, errors: model.errors, askName: false)
                submitButton("Record the outcome")
            }
            para { link(enquiry) { "Back to \(model.reference)" } }
        }
    }
}
