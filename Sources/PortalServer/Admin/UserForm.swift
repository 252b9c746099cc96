import Fluent
import PortalCore
import Vapor

/// The add and edit user forms: what was typed, and its validation. Nothing typed is lost when
/// the form comes back with errors (except the password, which is never echoed).
struct UserForm: Content {
    var name: String?
    var email: String?
    var jobTitle: String?
    var roles: [String]?
    var divisionID: String?
    var partyID: String?
    var termStartsOn: String?
    var termEndsOn: String?
    var serviceAreas: [String]?
    var password: String?
    /// As posted: read with `RequestNumber.version`.
    var version: String?

    enum CodingKeys: String, CodingKey {
        case name, email, jobTitle = "job-title", roles, divisionID = "division", serviceAreas = "service-areas"
        case partyID = "party", termStartsOn = "term-starts", termEndsOn = "term-ends"
        case password, version
    }

    struct Valid {
        var name: String
        var email: EmailAddress
        var jobTitle: String?
        var roles: RoleSet
        var divisionID: UUID?
        var partyID: UUID?
        var term: TermOfOffice
        var serviceAreaIDs: [UUID]
        var password: String?
    }

    static let nameLimit = 120
    static let jobTitleLimit = 120

    init(user: User, serviceAreaIDs: [UUID]) {
        name = user.name
        email = user.email
        jobTitle = user.jobTitle
        roles = user.roles.ordered.map(\.rawValue)
        divisionID = user.$division.id?.uuidString
        partyID = user.partyID?.uuidString
        termStartsOn = user.termStartsOn
        termEndsOn = user.termEndsOn
        serviceAreas = serviceAreaIDs.map(\.uuidString)
        version = String(user.version)
    }

    init() {}

    /// Checks the form against the known divisions and service areas. A password is required for a
    /// new account and optional on edit (empty keeps the old one).
    func validate(passwordRequired: Bool, divisions: Set<UUID>, serviceAreas known: Set<UUID>, parties: Set<UUID> = []) -> Result<Valid, FormErrors> {
        var errors = FormErrors()
        let name = errors.requireText(name, field: "name", name: "the person's full name", maxLength: Self.nameLimit)
        var email: EmailAddress?
        switch EmailAddress.parse(self.email ?? "") {
        case .success(let parsed): email = parsed
        case .failure(let problem): errors.add("email", problem.message)
        }
        let jobTitle = errors.optionalText(jobTitle, field: "job-title", name: "job title", maxLength: Self.jobTitleLimit)
        let parsedRoles = (roles ?? []).compactMap(Role.init(rawValue:))
        if parsedRoles.isEmpty || parsedRoles.count != (roles ?? []).count {
            errors.add("roles", "Select at least one role")
        }
        let roleSet = RoleSet(parsedRoles)
        var division: UUID?
        if let text = divisionID, !text.isEmpty {
            if let id = UUID(uuidString: text), divisions.contains(id) { division = id } else { errors.add("division", "Select a division from the list") }
        }
        if roleSet.contains(.member), division == nil, errors["division"] == nil {
            errors.add("division", "Select the division this Member represents")
        }
        var party: UUID?
        if let text = partyID, !text.isEmpty {
            if let id = UUID(uuidString: text), parties.contains(id) { party = id } else { errors.add("party", "Select a party from the list") }
        }
        func day(_ text: String?, field: String, name: String) -> CivilDate? {
            let typed = (text ?? "").trimmingWhitespace()
            guard !typed.isEmpty else { return nil }
            guard let date = CivilDate(iso: typed) else {
                errors.add(field, "Enter the \(name) as a date, for example 2029-05-07")
                return nil
            }
            return date
        }
        let term = TermOfOffice(starts: day(termStartsOn, field: "term-starts", name: "first day of the term"),
                                ends: day(termEndsOn, field: "term-ends", name: "last day of the term"))
        if let starts = term.starts, let ends = term.ends, ends < starts {
            errors.add("term-ends", "The last day of the term must be on or after its first day")
        }
        let areaIDs = (serviceAreas ?? []).compactMap(UUID.init(uuidString:))
        if areaIDs.count != (serviceAreas ?? []).count || !Set(areaIDs).isSubset(of: known) {
            errors.add("service-areas", "Select service areas from the list")
        } else if roleSet.contains(.coordinator), areaIDs.isEmpty {
            errors.add("service-areas", "Select at least one service area for a co-ordinator")
        }
        var password: String?
        if let given = self.password, !given.isEmpty || passwordRequired {
            if let problem = PasswordRules.problem(with: given) { errors.add("password", problem) } else { password = given }
        } else if passwordRequired {
            errors.add("password", "Enter a password")
        }
        guard errors.isEmpty, let email else { return .failure(errors) }
        return .success(Valid(
            name: name, email: email, jobTitle: jobTitle, roles: roleSet,
            divisionID: roleSet.contains(.member) ? division : nil,
            partyID: roleSet.contains(.member) ? party : nil, term: roleSet.contains(.member) ? term : TermOfOffice(),
            serviceAreaIDs: roleSet.contains(.coordinator) ? Array(Set(areaIDs)) : [], password: password))
    }
}
