import Fluent
import Foundation
import PortalCore

/// What an enquiry sends outside the council, decided in one place: the change that causes a send
/// (submitting an enquiry, converting its type) calls `queue` inside its own transaction, so the
/// send is written with the change or not at all, and the background senders deliver it later.
enum OutsideSystems {
    /// Why the enquiry may now need sending.
    enum Cause: String, Sendable {
        case submitted
        case converted

        /// The cause an action on an existing enquiry is, if any.
        init?(_ action: EnquiryAction) {
            switch action {
            case .submit: self = .submitted
            case .convertType: self = .converted
            default: return nil
            }
        }
    }

    /// Queues what this enquiry now owes outside systems: the highways system's report and a
    /// partner organisation's referral, by the administrator's settings. Runs in the caller's
    /// transaction.
    static func queue(for enquiry: Enquiry, because cause: Cause, at now: Date, on db: any Database) async throws {
        try await HighwaysSends.queue(for: enquiry, because: cause, at: now, on: db)
        try await PartnerReferrals.queue(for: enquiry, because: cause, at: now, on: db)
    }
}

extension OutsideSystems {
    /// JSON as the portal posts it to other systems (partners' and council systems' webhooks):
    /// times in ISO 8601, keys in order, slashes as they are.
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
