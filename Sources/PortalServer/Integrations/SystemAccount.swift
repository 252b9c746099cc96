import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// An outside system that changes enquiries: the highways system's updates and partners' outcomes
/// go through `EnquiryWorkflow` like anyone's, so they reach the timeline, the audit trail, the
/// service levels and the Member's notifications. Each acts as an account of its own, made the
/// first time it is needed: an administrator by standing, and inactive, so nobody can sign in
/// as it and no email is sent to it.
enum SystemAccount: String, CaseIterable, Sendable {
    case highways
    case partners
    /// The portal itself, closing enquiries whose follow-up window has ended.
    case portal

    var name: String {
        switch self {
        case .highways: "Highways system"
        case .partners: "Partner organisation"
        case .portal: "Member Portal"
        }
    }

    /// An address under `.invalid`, which can never be delivered to.
    var email: String { "\(rawValue)@system.invalid" }

    /// The account as an actor on enquiries, made if it is not there yet (two instances making
    /// it at once both end with the one row the unique address allows).
    func actor(at now: Date, on db: any Database) async throws -> EnquiryActor {
        if let user = try await User.query(on: db).filter(\.$email == email).first() {
            return EnquiryActor(user: try CurrentUser(user), coordinatedAreas: [])
        }
        guard case .success(let address) = EmailAddress.parse(email) else { throw Abort(.internalServerError, reason: "System address \(email) is not valid") }
        // A hash of a random password nobody holds; the account is inactive besides.
        let hash = try Bcrypt.hash([UInt8].random(count: 32).base64, cost: 10)
        let user = User(name: name, email: address, passwordHash: hash, roles: RoleSet([.administrator]), isActive: false, at: now)
        do {
            try await user.create(on: db)
        } catch {
            guard let existing = try await User.query(on: db).filter(\.$email == email).first() else { throw error }
            return EnquiryActor(user: try CurrentUser(existing), coordinatedAreas: [])
        }
        return EnquiryActor(user: try CurrentUser(user), coordinatedAreas: [])
    }
}
