import Foundation
import PortalCore
import Vapor

/// A person acting on enquiries: who they are and which service areas they co-ordinate.
struct EnquiryActor: Sendable {
    let user: CurrentUser
    let coordinatedAreas: Set<UUID>
    /// For an API client acting for one Member: that Member (`EnquiryAccess.Viewer.actsForMember`).
    var actsForMember: UUID? = nil

    var viewer: EnquiryAccess.Viewer { .init(id: user.id, roles: user.roles, coordinatedAreas: coordinatedAreas, actsForMember: actsForMember) }
}

extension Request {
    /// The signed-in person as an actor on enquiries, made from what the session already read:
    /// a plain value, no query.
    func enquiryActor() throws -> EnquiryActor {
        guard let signedIn else { throw Abort(.unauthorized) }
        return EnquiryActor(user: signedIn.user, coordinatedAreas: signedIn.user.roles.contains(.coordinator) ? signedIn.coordinatedAreas : [])
    }
}
