/// What a person may do in the portal. One person may hold several roles:
/// a co-ordinator is often a responder too, and an administrator is usually an officer.
public enum Role: String, CaseIterable, Sendable, Codable, Hashable {
    /// An elected councillor, who raises enquiries for residents.
    case member
    /// An officer who owns the enquiries of one or more service areas.
    case coordinator
    /// Any council officer or manager who answers co-ordinators' questions.
    case responder
    /// The system owner: users, service areas, geography, settings.
    case administrator

    public var label: String {
        switch self {
        case .member: "Member"
        case .coordinator: "Co-ordinator"
        case .responder: "Responder"
        case .administrator: "Administrator"
        }
    }

    public var summary: String {
        switch self {
        case .member: "An elected councillor who raises enquiries for residents."
        case .coordinator: "Routes and answers the enquiries of chosen service areas."
        case .responder: "Answers questions that co-ordinators send about enquiries."
        case .administrator: "Manages users, roles and the council's settings."
        }
    }

    /// Parses a role from its stored name or its label, ignoring case, spaces and hyphens,
    /// so that `co-ordinator`, `Coordinator` and `coordinator` all name the same role.
    public init?(loose text: String) {
        let wanted = text.lowercased().filter { $0.isLetter }
        guard let match = Role.allCases.first(where: { $0.rawValue == wanted }) else { return nil }
        self = match
    }
}

/// The set of roles a person holds, in a fixed order for display.
public struct RoleSet: Sendable, Hashable {
    public private(set) var roles: Set<Role>

    public init(_ roles: some Sequence<Role>) { self.roles = Set(roles) }

    public func contains(_ role: Role) -> Bool { roles.contains(role) }
    public var isEmpty: Bool { roles.isEmpty }
    /// Everyone but a pure Member works for the council.
    public var isOfficer: Bool { !roles.subtracting([.member]).isEmpty }
    public var ordered: [Role] { Role.allCases.filter(roles.contains) }
    public var labels: String { ordered.map(\.label).joined(separator: ", ") }
}
