import Fluent
import Foundation
import PortalCore
import SQLKit

/// An erasure request carried out: the search is run again over the enquiries the officer
/// confirmed, the resident's data is erased from those it still finds (`ResidentErasure`, in its
/// own transaction: on SQLite it must also empty the write-ahead log afterwards, which cannot be
/// done inside a transaction around it), and then one entry records the request as a whole.
/// Enquiries confirmed but no longer found are left alone; those among them already erased are
/// counted, so that pressing the button twice says so.
enum SubjectAccessErasure {
    struct Outcome: Sendable, Equatable {
        var erased: [String]
        var alreadyErased: Int
        var leftAlone: Int

        /// The flash message: what was done, in one or two sentences.
        var message: String {
            var parts: [String] = []
            if !erased.isEmpty {
                let list = erased.count <= 5 ? ": " + erased.joined(separator: ", ") : ""
                parts.append("The resident's personal data has been erased from \(erased.count == 1 ? "1 enquiry" : "\(erased.count) enquiries")\(list).")
            }
            if alreadyErased > 0 {
                parts.append(erased.isEmpty && leftAlone == 0
                    ? "Nothing more to erase: the personal data of \(alreadyErased == 1 ? "this enquiry" : "these \(alreadyErased) enquiries") had already been erased."
                    : "\(alreadyErased == 1 ? "1 enquiry" : "\(alreadyErased) enquiries") had already been erased.")
            }
            if leftAlone > 0 {
                parts.append("\(leftAlone == 1 ? "1 enquiry no longer matches" : "\(leftAlone) enquiries no longer match") the search and "
                    + "\(leftAlone == 1 ? "was" : "were") left alone.")
            }
            return parts.isEmpty ? "Nothing was erased: no enquiry was chosen." : parts.joined(separator: " ")
        }
    }

    static func erase(_ query: SubjectAccessQuery, selected: [UUID], reason: String, by actorID: UUID, at now: Date,
                      on db: any Database) async throws -> Outcome {
        let matches = try await SubjectAccessSearch.find(query, among: selected, on: db).matches
        let ids = matches.map(\.id)
        if !ids.isEmpty {
            try await ResidentErasure.erase(ids, reason: reason, by: actorID, at: now, on: db)
            try await db.transaction { db in
                try await AuditTrail.record(
                    action: "subject_access_erasure", enquiryID: nil, actorID: actorID,
                    detail: "Erased the resident's personal data from \(ids.count == 1 ? "1 enquiry" : "\(ids.count) enquiries") for an erasure "
                        + "request, found by \(query.fieldsText): \(matches.map(\.reference).joined(separator: ", ")). Reason: \(reason)",
                    at: now, on: db)
            }
        }
        let rest = Array(Set(selected).subtracting(ids))
        var alreadyErased = 0
        if !rest.isEmpty {
            alreadyErased = try await db.sql.select().column("id").from(Enquiry.schema)
                .where(EnquiryList.column("id", in: rest)).where("erased_at", .isNot, SQLLiteral.null).all().count
        }
        return Outcome(erased: matches.map(\.reference), alreadyErased: alreadyErased, leftAlone: rest.count - alreadyErased)
    }
}
