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

    /// `before` is the enquiry's questions as the action found them, so the questions it asked,
    /// answered or withdrew can be told apart.
    static func record(_ event: NotificationEvent, on enquiry: Enquiry, questionsBefore before: [ResponderQuestion],
                       by actor: CurrentUser, at now: Date, on db: any Database) async throws {
        let id = try enquiry.requireID()
        let area = enquiry.$serviceArea.id
        var parties = NotificationParties(memberID: enquiry.$member.id, handlerID: enquiry.$handler.id,
                                          areaCoordinatorIDs: try await Notifications.coordinators(of: [area], on: db)[area] ?? [])
        if enquiry.raiserFollows == true, enquiry.$raisedBy.id != enquiry.$member.id { parties.followerIDs = [enquiry.$raisedBy.id] }
        if [.questionAsked, .questionAnswered, .questionWithdrawn].contains(event) {
            let earlier = Dictionary(uniqueKeysWithValues: before.compactMap { question in question.id.map { ($0, question.state.rawValue) } })
            let questions = try await db.sql.select().columns("id", "asked_by_id", "responder_id", "state").from(ResponderQuestion.schema)
                .where("enquiry_id", .equal, id).all(decoding: QuestionRow.self)
            let changed = questions.filter { earlier[$0.id] != $0.state }
            parties.responderIDs = Set(changed.filter { earlier[$0.id] == nil }.map(\.responder_id))
            parties.askerIDs = Set(changed.filter { earlier[$0.id] != nil }.map(\.asked_by_id))
        }
        let people = NotificationRules.recipients(of: event, parties: parties, actorID: actor.id)
        guard !people.isEmpty else { return }
        let message = "\(enquiry.reference) \(enquiry.subject): \(actor.name) \(verb(event))"
        let settings = try await CouncilMailSettings.load(on: db)
        try await Notifications.add(to: people.sorted { $0.uuidString < $1.uuidString }, kind: event, message: message,
                                    emailMessage: settings.residentDetails ? withResidentDetails(message, of: enquiry) : nil,
                                    enquiryID: id, at: now, on: db)
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
        }
    }
}
