import Fluent
import Foundation
import PortalCore
import Vapor

/// The responder dashboard: questions waiting for this officer, and those already dealt with.
enum QuestionRoutes {
    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let questions = try await ResponderQuestion.query(on: request.db)
            .filter(\.$responder.$id == user.id)
            .join(Enquiry.self, on: \ResponderQuestion.$enquiry.$id == \Enquiry.$id)
            .sort(\.$askedAt, .descending).limit(200).all()
        let askerIDs = Array(Set(questions.map(\.$askedBy.id)))
        let askers = askerIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await User.query(on: request.db).filter(\.$id ~~ askerIDs).all().map { ($0.id!, $0.name) })
        let waiting = questions.filter { $0.state == .open }
        let done = questions.filter { $0.state != .open }
        let clock = try await request.serviceLevels().clock
        let now = request.now
        return request.render(Page(title: "Questions for you", section: .questions) {
            h1 { "Questions for you" }
            h2 { waiting.isEmpty ? "No questions are waiting for you" : "Waiting for your answer (\(waiting.count))" }
            questionTable(waiting, askers: askers, answered: false, clock: clock, now: now)
            if !done.isEmpty {
                h2 { "Answered or withdrawn" }
                questionTable(done, askers: askers, answered: true, clock: clock, now: now)
            }
        })
    }

    private static func questionTable(_ questions: [ResponderQuestion], askers: [UUID: String], answered: Bool, clock: WorkingDayClock, now: Date) -> HTMLNode {
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
                        let enquiry = try? question.joined(Enquiry.self)
                        tr {
                            td {
                                link("/enquiries/\(question.$enquiry.id.uuidString)") { enquiry?.reference ?? "Enquiry" }
                                div(.class("secondary-text")) { enquiry?.subject ?? "" }
                            }
                            td { question.question }
                            td { askers[question.$askedBy.id] ?? "" }
                            td { question.askedAt.councilDate }
                            if !answered {
                                td { deadlineTag(DeadlineSummary(nextDue: enquiry?.nextDue, firstResponseGiven: enquiry?.firstResponseAt != nil, clock: clock, now: now)) }
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
