import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// The council's political parties, which the administrator records so Members may share
/// enquiries within a party.
enum Parties {
    struct Party: Sendable, Decodable, Equatable { let id: UUID; let name: String }

    static let nameLimit = 80

    static func all(on db: any Database) async throws -> [Party] {
        try await db.sql.select().columns("id", "name").from("parties").orderBy("name").all(decoding: Party.self)
    }

    /// Adds a party by name; nil when one of that name (any case) is there already.
    static func add(_ name: String, by actorID: UUID?, at now: Date, on db: any Database) async throws -> Party? {
        try await db.transaction { db in
            let existing = try await all(on: db)
            guard !existing.contains(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
            let party = Party(id: UUID(), name: name)
            let inserted = try await db.sql.insert(into: "parties").columns("id", "name", "created_at")
                .values(SQLBind(party.id), SQLBind(name), SQLBind(now)).ignoringConflicts(with: ["name"]).returning("id").all()
            guard !inserted.isEmpty else { return nil }
            try await AuditTrail.record(action: "party_added", enquiryID: nil, actorID: actorID,
                                        changes: [FieldChange(field: "Party", before: "", after: name)], at: now, on: db)
            return party
        }
    }
}

/// Elections: the administrator records the polling day, the day the new term begins, and which
/// sitting Members return and which leave. A Member who leaves holds office until the day before
/// the new term; one newly elected (an account whose term begins that day) from that day. What
/// happens to the enquiries of those who leave is the handover's.
enum Elections {
    enum Outcome: String, Sendable, CaseIterable {
        case returned, leaving, elected

        var label: String {
            switch self {
            case .returned: "Returned"
            case .leaving: "Leaving office"
            case .elected: "Newly elected"
            }
        }
    }

    /// A Member as the election form lists them.
    struct MemberRow: Sendable, Decodable, Equatable {
        let id: UUID
        let name: String
        let division_id: UUID?
        let term_starts_on: String?
        let term_ends_on: String?

        var term: TermOfOffice { TermOfOffice(starts: term_starts_on, ends: term_ends_on) }
    }

    /// Active accounts with the Member role, by name.
    static func members(on db: any Database) async throws -> [MemberRow] {
        try await db.sql.select().columns("id", "name", "division_id", "term_starts_on", "term_ends_on").from(User.schema)
            .where("is_member", .equal, true).where("is_active", .equal, true).orderBy("name").all(decoding: MemberRow.self)
    }

    /// The sitting Members an election decides about: those in office on polling day whose term
    /// does not begin with the new one.
    static func sitting(_ members: [MemberRow], pollingDay: CivilDate, termStarts: CivilDate) -> [MemberRow] {
        members.filter { $0.term.holds(on: pollingDay) && $0.term.starts != termStarts }
    }

    struct Valid: Sendable {
        let pollingDay: CivilDate
        let termStarts: CivilDate
        let outcomes: [UUID: Outcome]
    }

    /// The most days between polling day and the start of the new term.
    static let mostDaysToNewTerm = 60

    struct Recorded: Sendable {
        let electionID: UUID
        let returned: Int
        let leaving: Int
        let elected: Int
    }

    /// Records the election in one transaction: the election, each Member's outcome, the end of
    /// the leaving Members' terms, and a line in the audit trail.
    static func record(_ valid: Valid, by actorID: UUID?, at now: Date, on db: any Database) async throws -> Recorded {
        try await db.transaction { db in
            let members = try await members(on: db)
            let sitting = sitting(members, pollingDay: valid.pollingDay, termStarts: valid.termStarts)
            let elected = members.filter { $0.term.starts == valid.termStarts }
            var outcomes: [(MemberRow, Outcome)] = sitting.map { ($0, valid.outcomes[$0.id] == .leaving ? .leaving : .returned) }
            outcomes += elected.map { ($0, .elected) }
            let electionID = UUID()
            try await db.sql.insert(into: "elections").columns("id", "polling_day", "term_starts_on", "recorded_by_id", "recorded_at")
                .values(SQLBind(electionID), SQLBind(valid.pollingDay.iso), SQLBind(valid.termStarts.iso), SQLBind(actorID), SQLBind(now)).run()
            if !outcomes.isEmpty {
                try await db.sql.insert(into: "election_members").columns("id", "election_id", "user_id", "outcome")
                    .rows(outcomes.map { [SQLBind(UUID()), SQLBind(electionID), SQLBind($0.0.id), SQLBind($0.1.rawValue)] }).run()
            }
            let leaving = outcomes.filter { $0.1 == .leaving }.map(\.0)
            let lastDay = valid.termStarts.adding(days: -1)
            for chunk in leaving.map(\.id).chunked(500) {
                try await db.sql.update(User.schema).set("term_ends_on", to: lastDay.iso)
                    .where(EnquiryList.column("id", in: Array(chunk))).run()
            }
            func names(_ outcome: Outcome) -> String {
                outcomes.filter { $0.1 == outcome }.map(\.0.name).joined(separator: ", ")
            }
            try await AuditTrail.record(action: "election_recorded", enquiryID: nil, actorID: actorID, changes: [
                FieldChange(field: "Polling day", before: "", after: valid.pollingDay.iso),
                FieldChange(field: "New term begins", before: "", after: valid.termStarts.iso),
                FieldChange(field: "Returned", before: "", after: names(.returned)),
                FieldChange(field: "Leaving office on \(lastDay.iso)", before: "", after: names(.leaving)),
                FieldChange(field: "Newly elected", before: "", after: names(.elected)),
            ].filter { !$0.after.isEmpty }, at: now, on: db)
            return Recorded(electionID: electionID, returned: outcomes.count { $0.1 == .returned }, leaving: leaving.count,
                            elected: elected.count)
        }
    }

    /// An election as the list shows it.
    struct Summary: Sendable, Decodable {
        let id: UUID
        let polling_day: String
        let term_starts_on: String
        let returned: Int
        let leaving: Int
        let elected: Int
    }

    static func recorded(on db: any Database) async throws -> [Summary] {
        try await db.sql.raw("""
            SELECT e.id, e.polling_day, e.term_starts_on,
                   SUM(CASE WHEN m.outcome = 'returned' THEN 1 ELSE 0 END) AS returned,
                   SUM(CASE WHEN m.outcome = 'leaving' THEN 1 ELSE 0 END) AS leaving,
                   SUM(CASE WHEN m.outcome = 'elected' THEN 1 ELSE 0 END) AS elected
            FROM elections e LEFT JOIN election_members m ON m.election_id = e.id
            GROUP BY e.id, e.polling_day, e.term_starts_on
            ORDER BY e.polling_day DESC
            """).all().map { row in
                Summary(id: try row.decode(column: "id", as: UUID.self), polling_day: try row.decode(column: "polling_day", as: String.self),
                        term_starts_on: try row.decode(column: "term_starts_on", as: String.self),
                        returned: try row.decode(column: "returned", as: Int?.self) ?? 0, leaving: try row.decode(column: "leaving", as: Int?.self) ?? 0,
                        elected: try row.decode(column: "elected", as: Int?.self) ?? 0)
            }
    }
}
