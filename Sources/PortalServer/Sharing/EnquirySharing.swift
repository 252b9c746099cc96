import Fluent
import Foundation
import PortalCore
import SQLKit
import Vapor

/// A Member shares an enquiry with other Members of their division or of their party, never
/// beyond. Sharing is read only (the standing `sharedWith`, which no action in the lifecycle
/// table names), recorded in the enquiry's audit trail, shown on the enquiry, and ends when the
/// Member it was shared with leaves office (the standing needs the Member role, which a person
/// holds only within their term) or when the enquiry is handed over.
enum EnquirySharing {
    /// Someone the enquiry may be, or is, shared with.
    struct Member: Sendable, Equatable, Decodable {
        let id: UUID
        let name: String
        /// How they are linked to the enquiry's Member: "division", "party" or both.
        var sameDivision: Bool
        var sameParty: Bool

        var link: String {
            switch (sameDivision, sameParty) {
            case (true, true): "same division and party"
            case (true, false): "same division"
            default: "same party"
            }
        }
    }

    private struct OwnerRow: Decodable { let division_id: UUID?; let party_id: UUID? }
    private struct CandidateRow: Decodable {
        let id: UUID
        let name: String
        let division_id: UUID?
        let party_id: UUID?
        let term_starts_on: String?
        let term_ends_on: String?
    }

    /// The Members in office on `day` whom the enquiry's Member may share it with, by name.
    static func eligible(for memberID: UUID, on day: CivilDate, db: any Database) async throws -> [Member] {
        guard let owner = try await db.sql.select().columns("division_id", "party_id").from(User.schema).where("id", .equal, memberID)
            .first(decoding: OwnerRow.self), owner.division_id != nil || owner.party_id != nil else { return [] }
        var query = db.sql.select().columns("id", "name", "division_id", "party_id", "term_starts_on", "term_ends_on").from(User.schema)
            .where("is_member", .equal, true).where("is_active", .equal, true).where("id", .notEqual, memberID)
        query = query.where { group in
            var group = group
            if let division = owner.division_id { group = group.orWhere("division_id", .equal, division) }
            if let party = owner.party_id { group = group.orWhere("party_id", .equal, party) }
            return group
        }
        return try await query.orderBy("name").all(decoding: CandidateRow.self)
            .filter { TermOfOffice(starts: $0.term_starts_on, ends: $0.term_ends_on).holds(on: day) }
            .map { Member(id: $0.id, name: $0.name, sameDivision: $0.division_id != nil && $0.division_id == owner.division_id,
                          sameParty: $0.party_id != nil && $0.party_id == owner.party_id) }
    }

    /// Those the enquiry is shared with, by name.
    static func sharedWith(_ enquiryID: UUID, on db: any Database) async throws -> [(id: UUID, name: String)] {
        try await db.sql.select().column(SQLColumn("id", table: User.schema)).column(SQLColumn("name", table: User.schema))
            .from("enquiry_shares").join(User.schema, on: SQLColumn("member_id", table: "enquiry_shares"), .equal, SQLColumn("id", table: User.schema))
            .where(SQLColumn("enquiry_id", table: "enquiry_shares"), .equal, SQLBind(enquiryID))
            .orderBy(SQLColumn("name", table: User.schema)).all()
            .map { (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "name", as: String.self)) }
    }

    enum Refusal: Error, Equatable {
        case notTheirs
        case notEligible
    }

    /// Shares the enquiry with one Member, by its Member. Sharing again changes nothing.
    /// Returns whether it was newly shared.
    @discardableResult
    static func share(_ loaded: EnquiryWorkflow.Loaded, with memberID: UUID, by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Bool {
        let enquiry = loaded.enquiry
        guard loaded.standing.contains(.owner), enquiry.status != .draft else { throw Refusal.notTheirs }
        let day = CouncilTime.local(now).date
        guard let member = try await eligible(for: enquiry.$member.id, on: day, db: db).first(where: { $0.id == memberID }) else { throw Refusal.notEligible }
        let enquiryID = try enquiry.requireID()
        return try await db.transaction { db in
            let inserted = try await db.sql.insert(into: "enquiry_shares").columns("id", "enquiry_id", "member_id", "shared_by_id", "shared_at")
                .values(SQLBind(UUID()), SQLBind(enquiryID), SQLBind(memberID), SQLBind(actor.user.id), SQLBind(now))
                .ignoringConflicts(with: ["enquiry_id", "member_id"]).returning("id").all()
            guard !inserted.isEmpty else { return false }
            try await AuditTrail.record(action: "share", enquiryID: enquiryID, actorID: actor.user.id,
                                        changes: [FieldChange(field: "Shared with", before: "", after: "\(member.name) (\(member.link))")], at: now, on: db)
            return true
        }
    }

    /// Stops sharing with one Member: by the enquiry's Member, or by the one it was shared with.
    /// Returns whether it was shared.
    @discardableResult
    static func stop(_ loaded: EnquiryWorkflow.Loaded, with memberID: UUID, by actor: EnquiryActor, at now: Date, on db: any Database) async throws -> Bool {
        guard loaded.standing.contains(.owner) || (loaded.standing.contains(.sharedWith) && memberID == actor.user.id) else { throw Refusal.notTheirs }
        let enquiryID = try loaded.enquiry.requireID()
        return try await db.transaction { db in
            let removed = try await db.sql.delete(from: "enquiry_shares").where("enquiry_id", .equal, enquiryID).where("member_id", .equal, memberID)
                .returning("member_id").all()
            guard !removed.isEmpty else { return false }
            let name = try await db.sql.select().column("name").from(User.schema).where("id", .equal, memberID).first()?
                .decode(column: "name", as: String.self) ?? "A Member"
            try await AuditTrail.record(action: "unshare", enquiryID: enquiryID, actorID: actor.user.id,
                                        changes: [FieldChange(field: "Shared with", before: name, after: "")], at: now, on: db)
            return true
        }
    }

    /// Ends every share of these enquiries (when they are handed over after an election), each
    /// in its enquiry's audit trail with the reason, as stopping one is.
    static func endAll(of enquiryIDs: [UUID], reason: String, by actorID: UUID?, at now: Date, on db: any Database) async throws {
        for chunk in enquiryIDs.chunked(500) {
            let ended = try await db.sql.delete(from: "enquiry_shares").where(EnquiryList.column("enquiry_id", in: Array(chunk)))
                .returning("enquiry_id", "member_id").all()
                .map { (enquiry: try $0.decode(column: "enquiry_id", as: UUID.self), member: try $0.decode(column: "member_id", as: UUID.self)) }
            guard !ended.isEmpty else { continue }
            var names: [UUID: String] = [:]
            for row in try await db.sql.select().columns("id", "name").from(User.schema)
                .where(EnquiryList.column("id", in: Array(Set(ended.map(\.member))))).all() {
                names[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "name", as: String.self)
            }
            try await AuditTrail.record(ended.map {
                AuditTrail.Record(action: "unshare", enquiryID: $0.enquiry, actorID: actorID,
                                  changes: [FieldChange(field: "Shared with", before: names[$0.member] ?? "A Member", after: "")], detail: reason)
            }, at: now, on: db)
        }
    }
}
