import Fluent
import Foundation
import SQLKit
import Vapor

/// Outcome links that were refused: used again, out of date, already answered by the council, or
/// never issued. Each is logged and kept for the administrator's partners page, so a partner
/// struggling with an old link, or someone trying links, is seen. How many one network address
/// may leave is bounded by the sign-in throttle (`PartnerOutcomeRoutes`).
enum PartnerLinkRefusals {
    enum Reason: String, Sendable, CaseIterable {
        case used
        case expired
        case recordedByCouncil = "recorded_by_council"
        case unknown

        /// For the administrator.
        var label: String {
            switch self {
            case .used: "Used again after its outcome was recorded"
            case .expired: "Used after it expired"
            case .recordedByCouncil: "Used after a co-ordinator recorded the outcome"
            case .unknown: "Not a link the portal issued (mistyped, cut short or forged)"
            }
        }
    }

    static func record(_ reason: Reason, referralID: UUID?, address: String, at now: Date, logger: Logger, on db: any Database) async throws {
        try await db.sql.insert(into: "partner_link_refusals").columns("id", "at", "reason", "referral_id", "address")
            .values(SQLBind(UUID()), SQLBind(now), SQLBind(reason.rawValue), SQLBind(referralID), SQLBind(String(address.prefix(64))))
            .run()
        logger.warning("Partner outcome link refused", metadata: [
            "reason": .string(reason.rawValue), "referral": .string(referralID?.uuidString ?? "none"), "address": .string(String(address.prefix(64))),
        ])
    }

    /// One refusal as the administrator sees it.
    struct Row: Sendable, Decodable {
        let at: Date
        let reason: String
        let address: String
        let partnerName: String?
        let reference: String?

        var reasonLabel: String { Reason(rawValue: reason)?.label ?? reason }
    }

    /// The latest refusals, newest first, with the partner and enquiry each link belonged to.
    static func latest(_ limit: Int = 50, on db: any Database) async throws -> [Row] {
        try await db.sql.raw("""
            SELECT r.at, r.reason, r.address, p.name AS partner_name, e.reference
            FROM partner_link_refusals r
            LEFT JOIN partner_referrals f ON f.id = r.referral_id
            LEFT JOIN partners p ON p.id = f.partner_id
            LEFT JOIN enquiries e ON e.id = f.enquiry_id
            ORDER BY r.at DESC
            LIMIT \(literal: limit)
            """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }
}
