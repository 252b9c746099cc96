import Fluent
import Foundation
import PortalCore
import Vapor

/// Where an outcome is recorded: the partner's single-use link (`/partner-outcome/TOKEN`, no
/// account needed, routed like a password reset link: with the CSRF check, outside any role), and
/// a co-ordinator's form on the enquiry page. Both go through `PartnerReferrals.record`.
enum PartnerOutcomeRoutes {
    struct OutcomeForm: Content {
        var outcome: String?
        var text: String?
        var name: String?

        enum CodingKeys: String, CodingKey {
            case outcome, text = "outcome-text", name = "outcome-name"
        }
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let token = request.parameters.get("token") ?? ""
        switch try await PartnerReferrals.open(token: token, at: request.now, on: request.db) {
        case .refused(let refusal): return try await refuse(refusal, request)
        case .open(let referral):
            return try await formPage(referral, token: token, form: OutcomeForm(), errors: FormErrors(), request: request)
        }
    }

    @Sendable static func submit(_ request: Request) async throws -> Response {
        let token = request.parameters.get("token") ?? ""
        let form = try request.content.decode(OutcomeForm.self)
        let now = request.now
        let referral: PartnerReferrals.Referral
        switch try await PartnerReferrals.open(token: token, at: now, on: request.db) {
        case .refused(let refusal): return try await refuse(refusal, request)
        case .open(let found): referral = found
        }
        switch PartnerOutcome.validate(outcome: form.outcome, text: form.text, name: form.name, askName: true) {
        case .failure(let errors):
            return try await formPage(referral, token: token, form: form, errors: errors, request: request)
        case .success(let recorded):
            let recording = try await PartnerReferrals.record(recorded, by: .link(token: token), at: now, on: request.db)
            guard case .recorded = recording else { return try await refuse(recording, request) }
            return unstored(request.render(PartnerOutcomePages.thanks(partner: referral.partnerName, outcome: recorded.outcome)))
        }
    }

    private static func formPage(_ referral: PartnerReferrals.Referral, token: String, form: OutcomeForm, errors: FormErrors,
                                 request: Request) async throws -> Response {
        guard let facts = try await PartnerReferralFacts.load(referral.enquiryId, withResident: referral.sharesResidentDetails, on: request.db) else {
            throw Abort(.notFound)
        }
        return unstored(request.render(PartnerOutcomePages.form(.init(
            csrfToken: request.csrfToken, token: token, partner: referral.partnerName, referredAt: referral.createdAt,
            expires: referral.linkExpiresAt, facts: facts, form: form, errors: errors))))
    }

    /// A link that does not work: a clear page, a line in the log and an entry for the
    /// administrator, and nothing changed. A link tried counts against the network address's
    /// sign-in limit, as a password reset link does, so nobody can try links, or fill the
    /// administrator's list, without end.
    private static func refuse(_ recording: PartnerReferrals.Recording, _ request: Request) async throws -> Response {
        guard case .refused(let reason, let referralID) = recording else { throw Abort(.internalServerError) }
        let address = SignInRoutes.clientAddress(request)
        switch try await SignInAttempts.reserve(email: nil, address: address, at: request.now, throttle: SignInRoutes.throttle, on: request.db) {
        case .refused(let wait):
            request.logger.notice("Partner outcome links refused from \(address): too many")
            return unstored(SignInRoutes.tooMany(request, wait: wait, page: PartnerOutcomePages.tooMany(wait: wait)))
        case .reserved:
            try await PartnerLinkRefusals.record(reason, referralID: referralID, address: address, at: request.now, logger: request.logger, on: request.db)
            return unstored(request.render(PartnerOutcomePages.refused(reason)))
        }
    }

    /// Pages holding a link's facts are kept by no cache.
    private static func unstored(_ response: Response) -> Response {
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// A co-ordinator records the partner's outcome from the enquiry page.
    @Sendable static func recordByOfficer(_ request: Request) async throws -> Response {
        let actor = try request.enquiryActor()
        let enquiryID = try EnquiryFormRoutes.enquiryID(request)
        guard let referralID = request.parameters.get("referralID", as: UUID.self) else { throw Abort(.notFound) }
        let loaded = try await EnquiryWorkflow.load(enquiryID, for: actor, on: request.db)
        guard PartnerReferralSection.canRecord(loaded) else { throw Abort(.forbidden) }
        let form = try request.content.decode(OutcomeForm.self)
        switch PartnerOutcome.validate(outcome: form.outcome, text: form.text, name: nil, askName: false) {
        case .failure(let errors):
            let referrals = try await PartnerReferralSection.rows(of: enquiryID, on: request.db)
            guard let referral = referrals.first(where: { $0.id == referralID }) else { throw Abort(.notFound) }
            return request.render(PartnerOutcomePages.officerForm(.init(
                csrfToken: request.csrfToken, enquiryID: enquiryID, reference: loaded.enquiry.reference, referral: referral,
                form: form, errors: errors)))
        case .success(let recorded):
            let recording = try await PartnerReferrals.record(recorded, by: .officer(actor, referralID: referralID, enquiryID: enquiryID),
                                                              at: request.now, on: request.db)
            guard case .recorded = recording else {
                return request.seeOther("/enquiries/\(enquiryID)", flash: "The partner's outcome had already been recorded; it is shown below.")
            }
            return request.seeOther("/enquiries/\(enquiryID)", flash: "The partner's outcome has been recorded and sent to the Member as an update.")
        }
    }
}
