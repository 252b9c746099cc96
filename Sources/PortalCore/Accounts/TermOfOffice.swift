/// A Member's term of office: from the day it begins (none: since before the portal knew) to the
/// last day it runs (none: not yet known, until an election says otherwise). Outside it a person
/// holds no Member role, whatever their account says: a Member who has left office sees nothing of
/// their former enquiries, and a newly elected one nothing before their term begins.
public struct TermOfOffice: Sendable, Equatable {
    public var starts: CivilDate?
    public var ends: CivilDate?

    public init(starts: CivilDate? = nil, ends: CivilDate? = nil) {
        self.starts = starts
        self.ends = ends
    }

    /// Read from stored ISO dates; one that cannot be read counts as no bound.
    public init(starts: String?, ends: String?) {
        self.init(starts: starts.flatMap(CivilDate.init(iso:)), ends: ends.flatMap(CivilDate.init(iso:)))
    }

    public func holds(on day: CivilDate) -> Bool {
        if let starts, day < starts { return false }
        if let ends, day > ends { return false }
        return true
    }

    /// In words, for the pages that show it.
    public var text: String {
        switch (starts, ends) {
        case (nil, nil): "Current, with no end recorded"
        case (let starts?, nil): "From \(starts.longText)"
        case (nil, let ends?): "Until the end of \(ends.longText)"
        case (let starts?, let ends?): "From \(starts.longText) to the end of \(ends.longText)"
        }
    }
}

extension RoleSet {
    /// The roles a person holds on `day`: the Member role only within their term.
    public func inOffice(_ term: TermOfOffice, on day: CivilDate) -> RoleSet {
        guard contains(.member), !term.holds(on: day) else { return self }
        return RoleSet(roles.subtracting([.member]))
    }
}
