import Fluent
import Foundation
import PortalCore
import SQLKit

/// One enquiry as a subject access export holds it, in `enquiries.json` and `summary.html`:
/// what the Member it belongs to can see of it. The resident's details, the details and every
/// item of the conversation but officers' internal notes; the documents on the enquiry and on
/// that conversation. Officers' questions to one another and internal notes are left out, as a
/// Member never sees them (the data-protection officer reviews those on the enquiry's page).
struct SubjectAccessRecord: Encodable, Sendable {
    struct Resident: Encodable, Sendable {
        let name: String?
        let address: String?
        let phone: String?
        let email: String?
    }

    struct Item: Encodable, Sendable {
        let kind: String
        let label: String
        let author: String
        let at: Date
        let text: String
    }

    struct Document: Encodable, Sendable {
        let name: String
        /// Where it is in the archive.
        let file: String
        let size: Int
        let contentType: String?
        let addedAt: Date
    }

    let reference: String
    let subject: String
    let status: String
    let serviceArea: String
    let type: String
    let subtype: String?
    let member: String
    let raisedBy: String
    let channel: String
    let urgency: String
    let raisedAt: Date
    let submittedAt: Date?
    let completedAt: Date?
    let closedAt: Date?
    let resident: Resident
    let location: String?
    let details: String
    let district: String?
    let division: String?
    let parish: String?
    let conversation: [Item]
    let documents: [Document]

    /// How names are found for the ids an enquiry holds.
    struct Names: Sendable {
        let reference: ReferenceData
        let people: PeopleDirectory

        func person(_ id: UUID) -> String { people.name(id) ?? "Unknown" }
    }

    private struct EntryColumns: Decodable {
        let enquiry_id: UUID
        let kind: String
        let author_id: UUID
        let body: String
        let created_at: Date
    }

    /// These enquiries, in the order given, in three reads: the enquiries, their conversations and
    /// (given) their documents.
    static func load(_ ids: [UUID], documents: [UUID: [SubjectAccessExport.ArchivedDocument]], names: Names,
                     on db: any Database) async throws -> [SubjectAccessRecord] {
        guard !ids.isEmpty else { return [] }
        let enquiries = try await db.sql.select().column(Enquiry.selectList).from(Enquiry.schema)
            .where(EnquiryList.column("id", in: ids)).all().map(Enquiry.hydrate)
        let entries = Dictionary(grouping: try await db.sql.select().columns("enquiry_id", "kind", "author_id", "body", "created_at")
            .from(EnquiryEntry.schema).where(EnquiryList.column("enquiry_id", in: ids))
            .where("kind", .notEqual, EnquiryEntry.Kind.note.rawValue).orderBy("created_at").all(decoding: EntryColumns.self), by: \.enquiry_id)
        let byID = Dictionary(uniqueKeysWithValues: try enquiries.map { (try $0.requireID(), $0) })
        return ids.compactMap { id in
            byID[id].map { enquiry in
                record(enquiry, entries: entries[id] ?? [], documents: documents[id] ?? [], names: names)
            }
        }
    }

    private static func record(_ enquiry: Enquiry, entries: [EntryColumns], documents: [SubjectAccessExport.ArchivedDocument],
                               names: Names) -> SubjectAccessRecord {
        let data = names.reference
        return SubjectAccessRecord(
            reference: enquiry.reference, subject: enquiry.subject, status: enquiry.status.label,
            serviceArea: data.name(enquiry.$serviceArea.id) ?? "Unknown", type: data.name(enquiry.$type.id) ?? "Unknown",
            subtype: data.name(enquiry.$subtype.id), member: names.person(enquiry.$member.id), raisedBy: names.person(enquiry.$raisedBy.id),
            channel: enquiry.channel.label, urgency: enquiry.urgency.label, raisedAt: enquiry.createdAt, submittedAt: enquiry.submittedAt,
            completedAt: enquiry.completedAt, closedAt: enquiry.closedAt,
            resident: Resident(name: enquiry.residentName, address: enquiry.residentAddress, phone: enquiry.residentPhone, email: enquiry.residentEmail),
            location: enquiry.location, details: enquiry.details,
            district: data.name(enquiry.$district.id), division: data.name(enquiry.$division.id), parish: data.name(enquiry.$parish.id),
            conversation: entries.compactMap { entry in
                EnquiryEntry.Kind(rawValue: entry.kind).map {
                    Item(kind: $0.rawValue, label: $0.label, author: names.person(entry.author_id), at: entry.created_at, text: entry.body)
                }
            },
            documents: documents.map {
                Document(name: $0.name, file: $0.path, size: $0.size, contentType: $0.contentType, addedAt: $0.addedAt)
            })
    }

    /// The record as one JSON object, keys sorted, times in ISO 8601 (UTC).
    func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(self))
    }
}
