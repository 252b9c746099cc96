import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The "Partner referral" section of the enquiry page: to whom the enquiry was referred, how and
/// when it went, and the outcome; co-ordinators record the outcome there themselves. Members see
/// it too, without delivery errors; responders, asked only a question, do not.
enum PartnerReferralSection {
    struct Model: Sendable {
        var rows: [Row] = []
        var canRecord = false
    }

    /// One referral as the section shows it.
    struct Row: Sendable, Decodable {
        let id: UUID
        let method: String
        let state: String
        let attempts: Int
        let lastError: String?
        let sentAt: Date?
        let createdAt: Date
        let linkExpiresAt: Date
        let linkUsedAt: Date?
        let outcome: String?
        let outcomeText: String?
        let outcomeByName: String?
        let outcomeAt: Date?
        let partnerName: String
        let partnerEmail: String
        let recordedBy: String?
        let mailState: String?
        let mailSentAt: Date?
        let mailAttempts: Int?
        let mailError: String?

        /// Where the delivery stands: "sent", "pending" or "failed", from the outbox for an email.
        var deliveryState: String { (method == PartnerReferrals.Method.email.rawValue ? mailState : state) ?? "pending" }
        var deliveredAt: Date? { method == PartnerReferrals.Method.email.rawValue ? mailSentAt : sentAt }
        var deliveryError: String? { method == PartnerReferrals.Method.email.rawValue ? mailError : lastError }
        var deliveryAttempts: Int { method == PartnerReferrals.Method.email.rawValue ? mailAttempts ?? 0 : attempts }

        /// How and when it went, in words.
        func delivery(showingErrors: Bool) -> String {
            let how = method == PartnerReferrals.Method.email.rawValue ? "By email to \(partnerEmail)" : "By webhook"
            switch deliveryState {
            case "sent": return "\(how), sent \(deliveredAt?.councilText ?? "")"
            case "failed":
                return "\(how): not sent, after \(deliveryAttempts) attempts" + (showingErrors ? " (\(deliveryError ?? "no reason given"))" : "")
            default:
                guard deliveryAttempts > 0 else { return "\(how): waiting to be sent" }
                return "\(how): not sent yet, trying again" + (showingErrors ? " (\(deliveryError ?? "no reason given"))" : "")
            }
        }

        /// The outcome in words, or nil before one is recorded.
        var outcomeSummary: String? {
            guard let at = outcomeAt, let outcome = outcome.flatMap(PartnerOutcome.init(rawValue:)) else { return nil }
            let by = linkUsedAt != nil
                ? "by \(partnerName)" + (outcomeByName.map { " (\($0))" } ?? "") + " through its link"
                : "by \(recordedBy ?? "a co-ordinator") for \(partnerName)"
            return "\(outcome.label), recorded \(at.councilText) \(by)"
        }
    }

    static func rows(of enquiryID: UUID, on db: any Database) async throws -> [Row] {
        try await db.sql.raw("""
            SELECT r.id, r.method, r.state, r.attempts, r.last_error, r.sent_at, r.created_at, r.link_expires_at, r.link_used_at,
                   r.outcome, r.outcome_text, r.outcome_by_name, r.outcome_at,
                   p.name AS partner_name, p.email AS partner_email, u.name AS recorded_by,
                   o.state AS mail_state, o.sent_at AS mail_sent_at, o.attempts AS mail_attempts, o.last_error AS mail_error
            FROM partner_referrals r
            JOIN partners p ON p.id = r.partner_id
            LEFT JOIN users u ON u.id = r.outcome_by_id
            LEFT JOIN outbox o ON o.id = r.outbox_id
            WHERE r.enquiry_id = \(bind: enquiryID)
            ORDER BY r.created_at, p.name
            """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Whether this person records outcomes here: whoever may send the Member an update.
    static func canRecord(_ loaded: EnquiryWorkflow.Loaded) -> Bool {
        let status = loaded.enquiry.status
        return loaded.view == .officer && EnquiryLifecycle.permits(status.isOpen ? .postUpdate : .replyToMember, from: status, by: loaded.standing)
    }

    /// The section's part of the enquiry page's query: one query, none for a responder.
    static func query(_ loaded: EnquiryWorkflow.Loaded, on db: any Database) async throws -> Model {
        guard loaded.view != .responder, let id = loaded.enquiry.id else { return Model() }
        return Model(rows: try await rows(of: id, on: db), canRecord: canRecord(loaded))
    }

    static func draw(_ model: EnquiryPage.Model) -> HTMLNode {
        let referrals = model.partnerReferrals
        guard !referrals.rows.isEmpty else { return .empty }
        let officer = model.view == .officer
        return section(.aria("labelledby", "partner-referral-heading")) {
            h2(.id("partner-referral-heading")) { referrals.rows.count == 1 ? "Partner referral" : "Partner referrals" }
            for row in referrals.rows {
                let short = String(row.id.uuidString.prefix(8))
                h3 { row.partnerName }
                summaryList([
                    ("Referred", row.createdAt.councilText),
                    ("Sent", row.delivery(showingErrors: officer)),
                    ("Outcome", row.outcomeSummary ?? (officer ? "Not recorded yet. The partner's link works until \(row.linkExpiresAt.councilDate)." : "Not recorded yet")),
                ] + (row.outcomeText.flatMap { $0.isEmpty ? nil : [("What they said", $0)] } ?? []))
                if referrals.canRecord, row.outcomeAt == nil {
                    details(.class("details action")) {
                        summary { "Record \(row.partnerName)'s outcome" }
                        htmlForm(.method("post"), .action("/enquiries/\(model.enquiry.id!.uuidString)/partner-referrals/\(row.id.uuidString)/outcome"),
                                 .novalidate, .class("action-form")) {
                            csrfField(model.csrfToken)
                            PartnerOutcomePages.fields(idPrefix: "partner-\(short)-", form: nil, errors: FormErrors(), askName: false)
                            submitButton("Record the outcome")
                        }
                    }
                }
            }
        }
    }
}
