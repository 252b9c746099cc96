import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The person behind a request, as every page needs them: loaded once per request by
/// `SessionLoader` with a single joined query.
struct CurrentUser: Sendable {
    let id: UUID
    let name: String
    let email: String
    let roles: RoleSet
    let divisionID: UUID?

    init(id: UUID, name: String, email: String, roles: RoleSet, divisionID: UUID?) {
        self.id = id
        self.name = name
        self.email = email
        self.roles = roles
        self.divisionID = divisionID
    }

    init(_ user: User) throws {
        self.id = try user.requireID()
        self.name = user.name
        self.email = user.email
        self.roles = user.roles
        self.divisionID = user.$division.id
    }
}

struct SignedIn: Sendable {
    var user: CurrentUser
    let sessionID: UUID
    let csrfToken: String
    /// The service areas the person co-ordinates, read with the session.
    var coordinatedAreas: Set<UUID> = []
    /// When the session ends whatever the person does (`SessionLifetime.absolute` after sign-in).
    var fixedEnd: Date = .distantFuture
}

private struct SignedInKey: StorageKey { typealias Value = SignedIn }

extension Request {
    var signedIn: SignedIn? {
        get { storage[SignedInKey.self] }
        set { storage[SignedInKey.self] = newValue }
    }

    var currentUser: CurrentUser? { signedIn?.user }

    func requireUser() throws -> CurrentUser {
        guard let user = currentUser else { throw Abort(.unauthorized) }
        return user
    }
}
