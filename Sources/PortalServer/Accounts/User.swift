import Fluent
import Foundation
import PortalCore

/// A person who signs in: a Member, an officer, or both.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    /// Stored trimmed and lower-case (see `EmailAddress`); unique.
    @Field(key: "email") var email: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "is_active") var isActive: Bool
    @Field(key: "is_member") var isMember: Bool
    @Field(key: "is_coordinator") var isCoordinator: Bool
    @Field(key: "is_responder") var isResponder: Bool
    @Field(key: "is_administrator") var isAdministrator: Bool
    @OptionalField(key: "job_title") var jobTitle: String?
    /// The division a Member represents.
    @OptionalParent(key: "division_id") var division: Division?
    /// The Member's term of office (ISO dates; see `TermOfOffice`).
    @OptionalField(key: "term_starts_on") var termStartsOn: String?
    @OptionalField(key: "term_ends_on") var termEndsOn: String?
    /// The Member's political party, for sharing enquiries within it.
    @OptionalField(key: "party_id") var partyID: UUID?
    /// Bumped on every save, so that two administrators editing one person cannot overwrite each other.
    @Field(key: "version") var version: Int
    /// Set from the portal's clock by whoever adds or saves the person.
    @OptionalField(key: "created_at") var createdAt: Date?
    @OptionalField(key: "updated_at") var updatedAt: Date?

    init() {}

    init(id: UUID? = nil, name: String, email: EmailAddress, passwordHash: String, roles: RoleSet,
         jobTitle: String? = nil, divisionID: UUID? = nil, isActive: Bool = true, at now: Date) {
        self.id = id
        self.name = name
        self.email = email.value
        self.passwordHash = passwordHash
        self.isActive = isActive
        self.jobTitle = jobTitle
        self.$division.id = divisionID
        self.version = 1
        self.roles = roles
        self.createdAt = now
        self.updatedAt = now
    }

    var term: TermOfOffice { TermOfOffice(starts: termStartsOn, ends: termEndsOn) }

    /// The roles the person holds on `day`: the Member role only within their term.
    func roles(on day: CivilDate) -> RoleSet { roles.inOffice(term, on: day) }

    var roles: RoleSet {
        get {
            RoleSet([
                isMember ? Role.member : nil, isCoordinator ? .coordinator : nil,
                isResponder ? .responder : nil, isAdministrator ? .administrator : nil,
            ].compactMap { $0 })
        }
        set {
            isMember = newValue.contains(.member)
            isCoordinator = newValue.contains(.coordinator)
            isResponder = newValue.contains(.responder)
            isAdministrator = newValue.contains(.administrator)
        }
    }
}

/// Which service areas a co-ordinator looks after.
final class CoordinatorArea: Model, @unchecked Sendable {
    static let schema = "coordinator_areas"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Parent(key: "service_area_id") var serviceArea: ServiceArea

    init() {}
    init(userID: UUID, serviceAreaID: UUID) {
        self.$user.id = userID
        self.$serviceArea.id = serviceAreaID
    }
}
