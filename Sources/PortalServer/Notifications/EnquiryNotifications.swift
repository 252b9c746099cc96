import Fluent
import Foundation
import PortalCore
import SQLKit

/// Writes the in-app notifications an action on an enquiry causes, inside the action's own
/// transaction: a notification is never lost for a change that happened, nor left for one that
/// was rolled back.
enum EnquiryNotifications {
    private struct QuestionRow: Decodable {
        let id: UUID
        let asked_by_id: UUID
        let responder_id: UUID
        let state: String
    }

    /// What one action on one enquiry may notify.
    struct Cause: Sendable {
        let event: NotificationEvent
        let enquiry: Enquiry
        /// The enquiry's questions as the action found them, so the questions it asked, answered
        /// or withdrew can be told apart.
        let questionsBefore: [ResponderQuestion]
    }

    static func record(_ event: NotificationEvent, on enquiry: Enquiry, questionsBefore before: [ResponderQuestion],
                       by actor: CurrentUser, at now: Date, on db: any Database) async throws {
        try await record([Cause(event: event, enquiry: enquiry, questionsBefore: before)], by: actor, at: now, on: db)
    }

    /// The notifications of many actions by one person, with the co-ordinators of their areas and
    /// the council's mail settings read once.
    static func record(_ causes: [Cause], by actor: CurrentUser, at now: Date, on db: any Database) async throws {
        guard !causes.isEmpty else { return }
        let coordinators = try await Notifications.coordinators(of: Set(causes.map { $0.enquiry.$serviceArea.id }), on: db)
        let settings = try await CouncilMailSettings.load(on: db)
        let outOfOffice = try await membersOutOfOffice(Set(causes.map { $0.enquiry.$member.id }), at: now, on: db)
        var notices: [Notifications.Notice] = []
        for cause in causes {
            let (event, enquiry) = (cause.event, cause.enquiry)
            let id = try enquiry.requireID()
            let area = enquiry.$serviceArea.id
            var parties = NotificationParties(memberID: enquiry.$member.id, handlerID: enquiry.$handler.id,
                                              areaCoordinatorIDs: coordinators[area] ?? [])
            if enquiry.raiserFollows == true, enquiry.$raisedBy.id != enquiry.$member.id { parties.followerIDs = [enquiry.$raisedBy.id] }
            if [.questionAsked, .questionAnswered, .questionWithdrawn].contains(event) {
                let earlier = Dictionary(uniqueKeysWithValues: cause.questionsBefore.compactMap { question in question.id.map { ($0, question.state.rawValue) } })
                let questions = try await db.sql.select().columns("id", "asked_by_id", "responder_id", "state").from(ResponderQuestion.schema)
                    .where("enquiry_id", .equal, id).all(decoding: QuestionRow.self)
                let changed = questions.filter { earlier[$0.id] != $0.state }
                parties.responderIDs = Set(changed.filter { earlier[$0.id] == nil }.map(\.responder_id))
                parties.askerIDs = Set(changed.filter { earlier[$0.id] != nil }.map(\.asked_by_id))
            }
            // A Member out of office sees nothing of the enquiry, and hears nothing of it either.
            let people = NotificationRules.recipients(of: event, parties: parties, actorID: actor.id).subtracting(outOfOffice)
            guard !people.isEmpty else { continue }
            let message = "\(enquiry.reference) \(enquiry.subject): \(actor.name) \(verb(event))"
            let detailed = settings.residentDetails ? try await seeingResidentDetails(people, of: enquiry, at: now, on: db) : []
            notices.append(.init(users: people.sorted { $0.uuidString < $1.uuidString }, kind: event, message: message,
                                 detailedEmail: detailed.isEmpty ? nil : (withResidentDetails(message, of: enquiry), detailed), enquiryID: id))
        }
        try await Notifications.add(notices, at: now, on: db)
    }

    /// Those of these Members who do not hold office today (`TermOfOffice`).
    static func membersOutOfOffice(_ members: Set<UUID>, at now: Date, on db: any Database) async throws -> Set<UUID> {
        guard !members.isEmpty else { return [] }
        let today = CouncilTime.local(now).date
        var out = Set<UUID>()
        for chunk in Array(members).chunked(500) {
            let rows = try await db.sql.select().columns("id", "term_starts_on", "term_ends_on").from(User.schema)
                .where(EnquiryList.column("id", in: Array(chunk)))
                .where { $0.where("term_starts_on", .isNot, SQLLiteral.null).orWhere("term_ends_on", .isNot, SQLLiteral.null) }
                .all()
            for row in rows where !TermOfOffice(starts: try row.decode(column: "term_starts_on", as: String?.self),
                                                 ends: try row.decode(column: "term_ends_on", as: String?.self)).holds(on: today) {
                out.insert(try row.decode(column: "id", as: UUID.self))
            }
        }
        return out
    }

    /// Those of these people whose page of the enquiry shows its resident's details, by the same
    /// access policy as the page: the Member's side and officers, never a responder only asked
    /// a question.
    static func seeingResidentDetails(_ people: Set<UUID>, of enquiry: Enquiry, at now: Date, on db: any Database) async throws -> Set<UUID> {
        guard !people.isEmpty else { return [] }
        let ids = Array(people)
        let area = enquiry.$serviceArea.id
        let asked = try await db.sql.select().column("responder_id").from(ResponderQuestion.schema)
            .where("enquiry_id", .equal, try enquiry.requireID()).all().map { try $0.decode(column: "responder_id", as: UUID.self) }
        let coordinating = Set(try await db.sql.select().column("user_id").from(CoordinatorArea.schema)
            .where("service_area_id", .equal, area).where(EnquiryList.column("user_id", in: ids))
            .all().map { try $0.decode(column: "user_id", as: UUID.self) })
        let facts = EnquiryAccess.Facts(status: enquiry.status, memberID: enquiry.$member.id, raisedByID: enquiry.$raisedBy.id,
                                        serviceAreaID: area, askedResponderIDs: Set(asked))
        var seeing = Set<UUID>()
        for user in try await User.query(on: db).filter(\.$id ~~ ids).all() {
            let id = try user.requireID()
            let viewer = EnquiryAccess.Viewer(id: id, roles: user.roles(on: CouncilTime.local(now).date), coordinatedAreas: coordinating.contains(id) ? [area] : [])
            if EnquiryAccess.view(for: EnquiryAccess.standing(of: viewer, towards: facts))?.showsResidentDetails == true { seeing.insert(id) }
        }
        return seeing
    }

    /// The message with the resident's details, for a council that has chosen to email them.
    static func withResidentDetails(_ message: String, of enquiry: Enquiry) -> String {
        let details = [("Resident", enquiry.residentName), ("Address", enquiry.residentAddress),
                       ("Phone", enquiry.residentPhone), ("Email", enquiry.residentEmail)]
            .compactMap { label, value in value.flatMap { $0.isEmpty ? nil : "\(label): \($0)" } }
        return details.isEmpty ? message : message + "\n\n" + details.joined(separator: "\n")
    }

    private static func verb(_ event: NotificationEvent) -> String {
        switch event {
        case .newEnquiry: "raised a new enquiry."
        case .update: "sent an update."
        case .finalResponse: "sent the final response. Please confirm the enquiry is done, or reopen it."
        case .memberQuestion: "is waiting for a reply."
        case .questionAsked: "asked you a question."
        case .questionAnswered: "answered your question."
        case .questionWithdrawn: "withdrew a question."
        case .reopened: "reopened it."
        case .deadlineAtRisk, .deadlineBreached: "flagged its deadline."
        case .outsideWord: "sent word."
        case .closedAfterFollowUp: "closed it, as it was not confirmed or reopened within the follow-up window."
        case .handedOver: "handed it to officers, as its Member has left office. The area's co-ordinators own it now."
        }
    }
}
