import Foundation

/// A condition on an enquiry's facts, stated once and read two ways: `holds(for:)` answers it for
/// one enquiry in Swift, and the server renders the same value as SQL (`EnquiryConditionSQL`) for
/// lists, counts, search and exports. The access rule (`EnquiryAccess`) is written in these terms
/// alone, so the page that shows one enquiry and the query that lists many cannot disagree.
public indirect enum EnquiryCondition: Sendable, Hashable {
    case always
    case never
    /// Anything but a draft.
    case notDraft
    case memberIs(UUID)
    case memberIsNot(UUID)
    case raisedBy(UUID)
    case serviceAreaIn(Set<UUID>)
    /// The officer was asked a question about it (answered, open or withdrawn).
    case askedResponder(UUID)
    /// Its Member shared it with this Member.
    case sharedWith(UUID)
    case all([EnquiryCondition])
    case any([EnquiryCondition])

    public func holds(for facts: EnquiryAccess.Facts) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .notDraft: facts.status != .draft
        case .memberIs(let id): facts.memberID == id
        case .memberIsNot(let id): facts.memberID != id
        case .raisedBy(let id): facts.raisedByID == id
        case .serviceAreaIn(let areas): areas.contains(facts.serviceAreaID)
        case .askedResponder(let id): facts.askedResponderIDs.contains(id)
        case .sharedWith(let id): facts.sharedWithIDs.contains(id)
        case .all(let parts): parts.allSatisfy { $0.holds(for: facts) }
        case .any(let parts): parts.contains { $0.holds(for: facts) }
        }
    }

    /// Both at once, with `always` and `never` folded away.
    public static func && (a: EnquiryCondition, b: EnquiryCondition) -> EnquiryCondition { .all([a, b]).simplified }

    /// Either, with `always` and `never` folded away.
    public static func || (a: EnquiryCondition, b: EnquiryCondition) -> EnquiryCondition { .any([a, b]).simplified }

    /// The same condition with constants folded, nested groups of one kind flattened and repeats
    /// dropped, so that the SQL it becomes carries nothing a query planner must see through.
    public var simplified: EnquiryCondition {
        switch self {
        case .serviceAreaIn(let areas) where areas.isEmpty: return .never
        case .all(let parts):
            guard let kept = Self.fold(parts, absorbing: .never, identity: .always, inner: { if case .all(let inner) = $0 { inner } else { nil } })
            else { return .never }
            return kept.isEmpty ? .always : kept.count == 1 ? kept[0] : .all(kept)
        case .any(let parts):
            guard let kept = Self.fold(parts, absorbing: .always, identity: .never, inner: { if case .any(let inner) = $0 { inner } else { nil } })
            else { return .always }
            // Every alternative excludes drafts: say it once, outside (an index on status can use it).
            if kept.count > 1, kept.allSatisfy({ $0.requiresNotDraft }) {
                return (.notDraft && .any(kept.map { $0.without(.notDraft) })).simplified
            }
            return kept.isEmpty ? .never : kept.count == 1 ? kept[0] : .any(kept)
        default:
            return self
        }
    }

    /// The simplified parts of an `all` or `any`, nested ones of the same kind spread out and
    /// repeats and `identity` dropped; nil if one of them is `absorbing` (which decides the whole).
    private static func fold(_ parts: [EnquiryCondition], absorbing: EnquiryCondition, identity: EnquiryCondition,
                             inner: (EnquiryCondition) -> [EnquiryCondition]?) -> [EnquiryCondition]? {
        var kept: [EnquiryCondition] = []
        for part in parts.map(\.simplified) {
            if part == absorbing { return nil }
            for piece in inner(part) ?? [part] where piece != identity && !kept.contains(piece) { kept.append(piece) }
        }
        return kept
    }

    /// Whether this condition can only hold for an enquiry that is not a draft, by saying so itself.
    var requiresNotDraft: Bool {
        switch self {
        case .notDraft: true
        case .all(let parts): parts.contains(.notDraft)
        default: false
        }
    }

    /// The condition with one conjunct dropped: for when the caller knows it holds already (a
    /// search for one status other than draft need not also say "not a draft").
    public func without(_ known: EnquiryCondition) -> EnquiryCondition {
        switch self {
        case known: return .always
        case .all(let parts): return EnquiryCondition.all(parts.map { $0.without(known) }).simplified
        case .any(let parts): return EnquiryCondition.any(parts.map { $0.without(known) }).simplified
        default: return self
        }
    }
}
