import Fluent
import Foundation
import PortalCore
import Vapor

/// The responder dashboard: questions waiting for this officer, and those already dealt with.
enum QuestionRoutes {
    /// A question as the dashboard lists it, with the enquiry it is about.
    struct Question {
        let enquiryID: UUID
        let reference: String?
        let subject: String?
        let text: String
        let askedBy: String
        let askedAt: Date
        let state: ResponderQuestion.State
        let withdrawnReason: String?
        /// The enquiry's next deadline, where it has one.
        let deadline: DeadlineSummary?
    }

    struct Model {
        var waiting: [Question]
        /// Answered or withdrawn.
        var done: [Question]
    }

    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await query(for: user.id, clock: try await request.serviceLevels().clock, now: request.now, on: request.db)
        return request.render(QuestionPage.page(model))
    }

    /// The latest 200 asked of this responder, newest first.
    static func query(for responder: UUID, clock: WorkingDayClock, now: Date, on db: any Database) async throws -> Model {
        let questions = try await ResponderQuestion.query(on: db)
            .filter(\.$responder.$id == responder)
            .join(Enquiry.self, on: \ResponderQuestion.$enquiry.$id == \Enquiry.$id)
            .sort(\.$askedAt, .descending).limit(200).all()
        let askerIDs = Array(Set(questions.map(\.$askedBy.id)))
        let askers = askerIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await User.query(on: db).filter(\.$id ~~ askerIDs).all().map { ($0.id!, $0.name) })
        let listed = questions.map { question in
            let enquiry = try? question.joined(Enquiry.self)
            return Question(enquiryID: question.$enquiry.id, reference: enquiry?.reference, subject: enquiry?.subject, text: question.question,
                            askedBy: askers[question.$askedBy.id] ?? "", askedAt: question.askedAt, state: question.state,
                            withdrawnReason: question.withdrawnReason,
                            deadline: DeadlineSummary(nextDue: enquiry?.nextDue, firstResponseGiven: enquiry?.firstResponseAt != nil, clock: clock, now: now))
        }
        return Model(waiting: listed.filter { $0.state == .open }, done: listed.filter { $0.state != .open })
    }
}

enum QuestionPage {
    static func page(_ model: QuestionRoutes.Model) -> Page {
        Page(title: "Questions for you", section: .questions) {
            h1 { "Questions for you" }
            h2 { model.waiting.isEmpty ? "No questions are waiting for you" : "Waiting for your answer (\(model.waiting.count))" }
            questionTable(model.waiting, answered: false)
            if !model.done.isEmpty {
                h2 { "Answered or withdrawn" }
                questionTable(model.done, answered: true)
            }
        }
    }

    private static func questionTable(_ questions: [QuestionRoutes.Question], answered: Bool) -> HTMLNode {
        guard !questions.isEmpty else { return .empty }
        return div(.class("table-scroll")) {
            table(.class("table")) {
                thead { tr {
                    th(.scopeCol) { "Enquiry" }
                    th(.scopeCol) { "Question" }
                    th(.scopeCol) { "From" }
                    th(.scopeCol) { "Asked" }
                    if answered { th(.scopeCol) { "Outcome" } } else { th(.scopeCol) { "Enquiry deadline" } }
                } }
                tbody {
                    for question in questions {
                        tr {
                            td {
                                link("/enquiries/\(question.enquiryID.uuidString)") { question.reference ?? "Enquiry" }
                                div(.class("secondary-text")) { question.subject ?? "" }
                            }
                            td { question.text }
                            td { question.askedBy }
                            td { question.askedAt.councilDate }
                            if !answered {
                                td { deadlineTag(question.deadline) }
                            }
                            if answered {
                                td {
                                    if question.state == .answered { span(.class("tag tag-green")) { "Answered" } } else {
                                        span(.class("tag tag-grey")) { "Withdrawn" }
                                        div(.class("secondary-text")) { question.withdrawnReason ?? "" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
