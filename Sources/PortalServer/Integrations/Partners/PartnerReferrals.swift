import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// Referrals to partner organisations. An enquiry of a type a partner takes is referred to it on
/// submission (or when converted to that type): one referral an enquiry and partner, however often
/// it is converted, written in the submitting transaction. It goes by email through the outbox,
/// or by a signed webhook (`PartnerWebhooks`), carrying a link that works once, within
/// `linkLifetime`, for the partner to record the outcome without an account. The outcome, from
/// the link or from a co-ordinator, goes through `EnquiryWorkflow` as an update to the Member.
enum PartnerReferrals {
    static let mailKind = "partner_referral"
    static let linkLifetime: TimeInterval = 60 * 86_400

    enum Method: String, Sendable {
        case email, webhook
    }

    static func linkPath(_ token: String) -> String { "/partner-outcome/\(token)" }

    /// Queues a referral to each active partner that takes this enquiry's type and has none for it
    /// yet, in the caller's transaction: by email into the outbox, or for the webhook sender.
    static func queue(for enquiry: Enquiry, because cause: OutsideSystems.Cause, at now: Date, on db: any Database) async throws {
        let partners = try await Partners.taking(type: enquiry.$type.id, subtype: enquiry.$subtype.id, on: db)
        guard !partners.isEmpty else { return }
        let enquiryID = try enquiry.requireID()
        for partner in partners {
            let token = SecureToken.make()
            let outboxID = partner.method == .email ? UUID() : nil
            let expires = now.addingTimeInterval(linkLifetime)
            // The pair is unique: a second submission or conversion writes nothing, even one
            // racing this one from another instance.
            let inserted = try await db.sql.raw("""
                INSERT INTO partner_referrals (id, enquiry_id, partner_id, method, state, attempts, next_attempt_at, outbox_id,
                                               link_token, token_hash, link_expires_at, created_at)
                VALUES (\(bind: UUID()), \(bind: enquiryID), \(bind: partner.id), \(bind: partner.method.rawValue),
                        \(bind: outboxID == nil ? "pending" : "outbox"), \(literal: 0), \(bind: now), \(bind: outboxID),
                        \(bind: outboxID == nil ? token : nil), \(bind: SecureToken.hash(token)), \(bind: expires), \(bind: now))
                ON CONFLICT (enquiry_id, partner_id) DO NOTHING
                RETURNING id
                """).all()
            guard !inserted.isEmpty, let outboxID else { continue }
            guard case .success(let address) = EmailAddress.parse(partner.email),
                  let facts = try await PartnerReferralFacts.load(enquiryID, withResident: partner.sharesResidentDetails, on: db)
            else { throw Abort(.internalServerError, reason: "The referral to \(partner.name) could not be written") }
            try await Outbox.enqueue(toAddress: address, id: outboxID, kind: mailKind, subject: "Referral \(facts.reference): \(facts.subject)",
                                     message: emailText(facts, partner: partner.name, expires: expires), linkPath: linkPath(token), at: now, on: db)
        }
    }

    static func emailText(_ facts: PartnerReferralFacts, partner: String, expires: Date) -> String {
        """
        A councillor's enquiry is referred to \(partner) as its first point of contact.

        \(facts.text)

        When you have acted on it, record the outcome with the link below: the councillor sees it on the enquiry. \
        The link works once, until \(expires.councilDate), and needs no account. Anyone holding it can record the outcome, \
        so keep it within your organisation.
        """
    }

    /// A referral as recording its outcome needs it.
    struct Referral: Sendable, Decodable {
        let id: UUID
        let enquiryId: UUID
        let partnerName: String
        let sharesResidentDetails: Bool
        let linkExpiresAt: Date
        let linkUsedAt: Date?
        let outcomeAt: Date?
        let createdAt: Date
    }

    private static func referral(where condition: (SQLSelectBuilder) -> SQLSelectBuilder, on db: any Database) async throws -> Referral? {
        try await condition(db.sql.select()
            .column(SQLColumn("id", table: "partner_referrals")).column(SQLColumn("enquiry_id", table: "partner_referrals"))
            .column(SQLAlias(SQLColumn("name", table: "partners"), as: SQLIdentifier("partner_name")))
            .column(SQLColumn("shares_resident_details", table: "partners"))
            .columns(["link_expires_at", "link_used_at", "outcome_at", "created_at"].map { SQLColumn($0, table: "partner_referrals") })
            .from("partner_referrals")
            .join("partners", on: SQLColumn("id", table: "partners"), .equal, SQLColumn("partner_id", table: "partner_referrals")))
            .first(decoding: Referral.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Whose outcome is being recorded: the partner's, through its link, or an officer's, on the
    /// enquiry page.
    enum Recorder: Sendable {
        case link(token: String)
        case officer(EnquiryActor, referralID: UUID, enquiryID: UUID)
    }

    enum Recording: Sendable, Equatable {
        case recorded(enquiryID: UUID)
        case refused(PartnerLinkRefusals.Reason, referralID: UUID?)
    }

    /// What a link opens: its referral, or a refusal.
    enum Opening: Sendable {
        case open(Referral)
        case refused(Recording)
    }

    /// The referral a link opens, or why it does not open one.
    static func open(token: String, at now: Date, on db: any Database) async throws -> Opening {
        // A token is 43 characters of URL-safe base64; anything else was never issued.
        guard token.count == 43, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
              let referral = try await referral(where: { $0.where(SQLColumn("token_hash", table: "partner_referrals"), .equal, SQLBind(SecureToken.hash(token))) }, on: db)
        else { return .refused(.refused(.unknown, referralID: nil)) }
        if referral.linkUsedAt != nil { return .refused(.refused(.used, referralID: referral.id)) }
        if referral.outcomeAt != nil { return .refused(.refused(.recordedByCouncil, referralID: referral.id)) }
        if referral.linkExpiresAt <= now { return .refused(.refused(.expired, referralID: referral.id)) }
        return .open(referral)
    }

    /// Records an outcome, once: the referral is claimed by a conditional update in the same
    /// transaction as the update to the Member, so two forms sent at once record one outcome,
    /// and nothing is written unless everything is.
    static func record(_ recorded: PartnerOutcome.Recorded, by recorder: Recorder, at now: Date, on db: any Database) async throws -> Recording {
        let referral: Referral
        let actor: EnquiryActor
        switch recorder {
        case .link(let token):
            switch try await open(token: token, at: now, on: db) {
            case .open(let found): referral = found
            case .refused(let refusal): return refusal
            }
            actor = try await SystemAccount.partners.actor(at: now, on: db)
        case .officer(let officer, let referralID, let enquiryID):
            guard let found = try await Self.referral(where: { $0.where(SQLColumn("id", table: "partner_referrals"), .equal, SQLBind(referralID))
                .where(SQLColumn("enquiry_id", table: "partner_referrals"), .equal, SQLBind(enquiryID)) }, on: db)
            else { throw Abort(.notFound) }
            guard found.outcomeAt == nil else { return .refused(.recordedByCouncil, referralID: found.id) }
            referral = found
            actor = officer
        }
        let text = entryText(recorded, partner: referral.partnerName)
        for attempt in 1...2 {
            let loaded = try await EnquiryWorkflow.load(referral.enquiryId, for: actor, on: db)
            let change: EnquiryChange = loaded.enquiry.status.isOpen ? .postUpdate(text) : .replyToMember(text)
            do {
                let claimed = try await db.transaction { db -> Bool in
                    let claim = db.sql.update("partner_referrals")
                        .set("outcome", to: recorded.outcome.rawValue).set("outcome_text", to: recorded.text)
                        .set("outcome_by_id", to: actor.user.id).set("outcome_by_name", to: recorded.name).set("outcome_at", to: now)
                        .set("link_token", to: SQLLiteral.null)
                        .where("id", .equal, referral.id).where(SQLColumn("outcome_at"), .is, SQLLiteral.null)
                    if case .link(let token) = recorder {
                        claim.set("link_used_at", to: now).where("token_hash", .equal, SecureToken.hash(token))
                            .where(SQLColumn("link_used_at"), .is, SQLLiteral.null).where("link_expires_at", .greaterThan, now)
                    }
                    guard try await !claim.returning("id").all().isEmpty else { return false }
                    // The partner's outcome reaches the co-ordinator handling it as well as the Member.
                    try await EnquiryWorkflow.perform(change, on: loaded, by: actor, alsoNotify: .outsideWord, at: now, on: db)
                    return true
                }
                guard claimed else { break }
                return .recorded(enquiryID: referral.enquiryId)
            } catch is EditConflict where attempt == 1 {
                // Someone changed the enquiry at that moment: nothing was written; try once more on it as it is now.
                continue
            }
        }
        // Another form got there first.
        if case .link(let token) = recorder, case .refused(let refusal) = try await open(token: token, at: now, on: db) { return refusal }
        return .refused(.recordedByCouncil, referralID: referral.id)
    }

    /// The update the Member reads.
    static func entryText(_ recorded: PartnerOutcome.Recorded, partner: String) -> String {
        var text = "Outcome from \(partner): \(recorded.outcome.label)."
        if !recorded.text.isEmpty { text += "\n\n" + recorded.text }
        if let name = recorded.name { text += "\n\nRecorded by \(name)." }
        return text
    }
}
