import Fluent
import Foundation
import PortalCore

/// A year and a month of casework for the demo council: a few hundred enquiries in every state,
/// with updates, questions, answers and reopenings, in roughly the proportions the councils
/// report (almost all Highways; a little over half raised by officers for Members). Seeded, so
/// every demo holds the same history relative to the day it was loaded.
enum DemoEnquiries {
    static let count = 320

    /// Dice over a seeded generator, so the demo is the same every time.
    struct Dice {
        var random: SeededRandom
        init(state: UInt64) { random = SeededRandom(seed: state) }
        mutating func next() -> UInt64 { random.next() }
        mutating func roll(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { roll(100) < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[roll(items.count)] }
    }

    static let streets = ["Mill Lane", "Church Street", "Station Road", "High Street", "School Lane", "Orchard Way", "Green Lane",
                          "The Causeway", "Brook Street", "Manor Road", "Chapel Row", "Quarry Hill", "Wharf Road", "Kings Road"]
    static let highwaysProblems: [(subject: String, details: String, type: String, subtype: String?)] = [
        ("Pothole on %@", "A deep pothole in the nearside lane; cyclists swerve round it.", "Report a Safety Issue", nil),
        ("Street light out on %@", "The light outside the bus stop has been out for two weeks.", "Report a Safety Issue", nil),
        ("Blocked gully on %@", "Water pools across the road after any rain.", "Report a Safety Issue", nil),
        ("Grit bin empty on %@", "The grit bin at the top of the hill is empty before the frost.", "Report a Safety Issue", nil),
        ("Speeding traffic on %@", "Residents ask for a speed survey: cars pass the school well over the limit.", "Speed Issue Request", "Speed Survey"),
        ("Speed limit request for %@", "The parish council asks for a 20 mph limit through the village.", "Speed Issue Request", "Speed Reduction Request"),
        ("Vehicle activated sign for %@", "Request for a new sign on the approach to the bend.", "Speed Issue Request", "New Vehicle Activated Sign"),
        ("Footway on %@ breaking up", "The footway surface is uneven and a trip hazard for older residents.", "Improvement Request", "Footway Reconstruction"),
        ("Surface dressing for %@", "The road surface is worn and loose chippings are gathering.", "Improvement Request", "Carriageway Dressing"),
        ("Parking restrictions on %@", "Parked cars block the junction; residents ask for double yellow lines.", "Improvement Request", "Traffic Regulation Order"),
        ("When will %@ be resurfaced?", "A resident asks when the planned resurfacing will happen.", "Information Request", nil),
    ]
    static let otherAreas: [(area: String, subject: String, details: String)] = [
        ("Adult Social Care", "Care assessment for a resident", "A resident's family asks how long an assessment will take."),
        ("Public Rights of Way", "Footpath blocked near the farm", "A stile has been removed and the path fenced off."),
        ("Public Transport", "Bus service withdrawn", "Residents ask whether the evening bus will return."),
        ("School & College Travel", "School transport eligibility", "A family asks whether their child qualifies for a bus pass."),
        ("Libraries & Learning", "Mobile library stop", "The mobile library no longer stops in the village."),
        ("Countryside Greenspace", "Overgrown picnic site", "The picnic site paths are overgrown."),
    ]
    static let updates = ["An inspector has visited and the defect is logged for repair.", "The job has been passed to our contractor.",
                          "We have asked the traffic team to look at the site.", "The works are programmed for next month."]
    static let finals = ["The repair has been completed.", "The survey was carried out; the results are attached to our records.",
                         "The scheme has been added to next year's programme.", "We have answered the resident directly."]

    static func load(on database: any Database, at now: Date) async throws {
        let users = try await User.query(on: database).all()
        let members = users.filter(\.isMember).sorted { $0.email < $1.email }
        func person(_ email: String) -> User? { users.first { $0.email == email } }
        guard let highwaysCoordinator = person("coordinator@demo.test"), let secondCoordinator = person("jo.reynolds@demo.test"),
              let controlCentre = person("rachel.green@demo.test")
        else { return }
        let responders = ["responder@demo.test", "fatima.khan@demo.test", "dan.oconnor@demo.test"].compactMap(person)
        let areas = try await ServiceArea.query(on: database).all()
        let types = try await EnquiryType.query(on: database).with(\.$subtypes).all()
        let divisions = try await Division.query(on: database).all()
        let parishes = try await Parish.query(on: database).all()
        let worksAreas = try await WorksArea.query(on: database).all()
        let coordinatorLinks = try await CoordinatorArea.query(on: database).all()
        let day: TimeInterval = 86_400
        let serviceLevels = try await ServiceLevelSettings.load(on: database)
        let portal = try await SystemAccount.portal.actor(at: now, on: database).user.id
        let today = serviceLevels.clock.localDate(of: now)

        try await database.transaction { db in
            var dice = Dice(state: 20_231_029)
            var placer = try await DemoPlaces.Placer(on: db)
            // Spread over 13 months, more recent ones a little denser; oldest first, so references
            // count up with time as real ones do.
            let ages = (0..<count).map { index in Double(dice.roll(395)) * (index % 3 == 0 ? 0.5 : 1) * day + Double(dice.roll(8 * 3600)) }
                .sorted(by: >)
            for (index, age) in ages.enumerated() {
                let created = now.addingTimeInterval(-age - 3600)
                let member = members[index % members.count]
                let division = divisions.first { $0.id == member.$division.id }
                let parish = parishes.filter { $0.$division.id == division?.id }.first
                var street = dice.pick(streets)
                let highways = dice.roll(100) < 96
                let enquiry = Enquiry()
                // On a point in the Member's division: a Highways enquiry on a street light there.
                if let placed = placer.place(enquiry, division: division?.id, onAsset: highways) { street = placed }
                var handlerCandidates = [highwaysCoordinator, secondCoordinator]
                if highways {
                    let problem = dice.pick(highwaysProblems)
                    let type = types.first { $0.name == problem.type }!
                    enquiry.$serviceArea.id = areas.first { $0.name == "Highways" }!.id!
                    enquiry.$type.id = type.id!
                    enquiry.$subtype.id = problem.subtype.flatMap { name in type.subtypes.first { $0.name == name }?.id }
                    enquiry.subject = String(format: problem.subject, street)
                    enquiry.details = problem.details
                    enquiry.location = "\(street), \(parish?.name ?? division?.name ?? "")"
                } else {
                    let other = dice.pick(otherAreas)
                    let area = areas.first { $0.name == other.area }!
                    enquiry.$serviceArea.id = area.id!
                    enquiry.$type.id = types.first { $0.name == DefaultEnquiryTypes.informationRequest }!.id!
                    enquiry.subject = other.subject
                    enquiry.details = other.details
                    let coordinatorIDs = coordinatorLinks.filter { $0.$serviceArea.id == area.id }.map(\.$user.id)
                    handlerCandidates = users.filter { coordinatorIDs.contains($0.id!) }
                }
                let onBehalf = dice.chance(58)
                enquiry.$member.id = member.id!
                enquiry.$raisedBy.id = onBehalf ? (dice.chance(70) ? controlCentre.id! : highwaysCoordinator.id!) : member.id!
                enquiry.channel = onBehalf ? dice.pick([.phone, .phone, .email, .inPerson, .meeting]) : .portal
                enquiry.residentName = dice.chance(60) ? "\(dice.pick(["Pat", "Sam", "Chris", "Jan", "Alex", "Robin"])) \(dice.pick(["Jones", "Smith", "Patel", "Evans", "Khan", "Wright"]))" : nil
                enquiry.residentAddress = enquiry.residentName == nil ? nil : "\(dice.roll(80) + 1) \(street)"
                enquiry.urgency = dice.chance(8) ? .urgent : .normal
                enquiry.$district.id = division?.$district.id
                enquiry.$division.id = division?.id
                enquiry.$parish.id = parish?.id
                enquiry.awaitingReply = false
                enquiry.reopenCount = 0
                enquiry.version = 1
                enquiry.createdAt = created
                enquiry.raisedMonth = CouncilTime.month(of: created)
                enquiry.lastActivityAt = created
                // Older enquiries have travelled further.
                let ageDays = age / day
                let draft = index % 64 == 5
                enquiry.status = draft ? .draft : .submitted
                enquiry.submittedAt = draft ? nil : created
                enquiry.reference = try await EnquiryWorkflow.nextReference(at: created, on: db)
                if !draft { ServiceLevelTracking.record(nil, before: .init(nil), on: enquiry, at: created, settings: serviceLevels) }
                try await enquiry.create(on: db)
                let id = enquiry.id!
                let raiser = enquiry.$raisedBy.id
                try await AuditTrail.record(action: draft ? "create_draft" : "create_and_submit", enquiryID: id, actorID: raiser,
                                            changes: AuditTrail.changes(from: [:], to: enquiry.auditedFields), at: created, on: db)
                if draft { continue }

                var clock = created
                let handler = handlerCandidates.isEmpty ? highwaysCoordinator : dice.pick(handlerCandidates)
                func step(_ action: EnquiryAction, by actor: UUID, after days: Double, entry: (EnquiryEntry.Kind, String)? = nil,
                          _ change: (Enquiry) -> Void = { _ in }) async throws {
                    let before = enquiry.auditedFields
                    let serviceLevelBefore = ServiceLevelTracking.Before(enquiry)
                    clock = min(now.addingTimeInterval(-60), clock.addingTimeInterval(days * day))
                    change(enquiry)
                    ServiceLevelTracking.record(action, before: serviceLevelBefore, on: enquiry, at: clock, settings: serviceLevels)
                    enquiry.version += 1
                    enquiry.lastActivityAt = clock
                    if let entry { try await EnquiryEntry(enquiryID: id, kind: entry.0, authorID: actor, body: entry.1, at: clock).create(on: db) }
                    try await AuditTrail.record(action: action.rawValue, enquiryID: id, actorID: actor,
                                                changes: AuditTrail.changes(from: before, to: enquiry.auditedFields), at: clock, on: db)
                }
                var stage = ageDays < 3 ? 0 : ageDays < 12 ? 1 + dice.roll(2) : ageDays < 40 ? 1 + dice.roll(4) : (dice.chance(85) ? 4 : 3)
                // A few run long (a third party involved, a complex drainage issue) and are still
                // open past their completion deadline.
                if ageDays >= 40, dice.chance(3) { stage = 2 }
                // Those whose first response falls due within the next few working days still
                // wait for it, so whatever the day the demo starts its at-risk queue has some.
                let firstResponseSoon = enquiry.firstResponseDue.flatMap(CivilDate.init(iso:))
                    .map { serviceLevels.clock.standing(of: $0, at: now).isAtRisk } ?? false
                if firstResponseSoon { stage = min(stage, 1) }
                if stage >= 1 {
                    try await step(.take, by: handler.id!, after: Double(dice.roll(3)) + 0.2) { $0.status = .inProgress; $0.$handler.id = handler.id }
                    if highways, let works = worksAreas.randomElement(using: &dice) {
                        try await step(.assignWorksArea, by: handler.id!, after: 0.1) { $0.$worksArea.id = works.id }
                    }
                    // Questions on enquiries still being looked at wait for the demo's responder.
                    if stage == 1 ? dice.chance(60) : dice.chance(35),
                       let responder = stage == 1 ? responders.first : responders.randomElement(using: &dice) {
                        let asked = clock.addingTimeInterval(0.2 * day)
                        let question = ResponderQuestion(enquiryID: id, askedByID: handler.id!, responderID: responder.id!,
                                                         question: "Can you check the site and tell me what is needed?", at: asked)
                        try await step(.askResponder, by: handler.id!, after: 0.2)
                        if stage >= 2 {
                            question.state = .answered
                            question.answer = "Inspected: " + dice.pick(updates).lowercased()
                            question.answeredAt = asked.addingTimeInterval(Double(1 + dice.roll(4)) * day)
                            try await question.create(on: db)
                            try await step(.answerQuestion, by: responder.id!, after: 2)
                        } else {
                            try await question.create(on: db)
                        }
                    }
                    if dice.chance(20) {
                        try await step(.requestUpdate, by: member.id!, after: 3, entry: (.updateRequest, "Please send an update.")) { $0.awaitingReply = true }
                        if stage >= 2 { try await step(.replyToMember, by: handler.id!, after: 1, entry: (.reply, dice.pick(updates))) { $0.awaitingReply = false } }
                    }
                    // Some recent ones still wait for their first response.
                    let answered = dice.chance(70)
                    if stage >= 2 || (answered && !firstResponseSoon) {
                        try await step(.postUpdate, by: handler.id!, after: Double(1 + dice.roll(6)), entry: (.update, dice.pick(updates)))
                    }
                }
                if stage == 2, highways, dice.chance(50) {
                    try await step(.awaitWorks, by: handler.id!, after: 2, entry: (.update, "The works are programmed; we will update you when they are done.")) { $0.status = .awaitingWorks }
                }
                if stage >= 3 {
                    try await step(.complete, by: handler.id!, after: Double(2 + dice.roll(20)), entry: (.finalResponse, dice.pick(finals))) { $0.status = .completed }
                    enquiry.completedAt = clock
                    if dice.chance(10) {
                        let byMember = dice.chance(70)
                        try await step(.reopen, by: byMember ? member.id! : handler.id!, after: 3,
                                       entry: (.reopened, byMember ? "The resident says the problem has come back." : "Reopened to add the inspection report.")) {
                            $0.status = .inProgress
                            $0.reopenCount += 1
                            $0.completedAt = nil
                        }
                        try await step(.complete, by: handler.id!, after: Double(2 + dice.roll(10)), entry: (.finalResponse, dice.pick(finals))) { $0.status = .completed }
                        enquiry.completedAt = clock
                    }
                }
                if stage >= 4 {
                    try await step(.close, by: member.id!, after: Double(1 + dice.roll(10))) { $0.status = .closed }
                    enquiry.closedAt = clock
                } else if stage == 3, let last = enquiry.followUpUntil.flatMap(CivilDate.init(iso:)), last < today {
                    // Not confirmed in its follow-up window: the portal closed it the day after.
                    let closes = serviceLevels.clock.startOfDay(last.adding(days: 1)).addingTimeInterval(300)
                    try await step(.closeAfterFollowUp, by: portal, after: closes.timeIntervalSince(clock) / day,
                                   entry: (.closed, FollowUpWindow.closingWords(lastDay: last))) {
                        $0.status = .closed
                    }
                    enquiry.closedAt = clock
                }
                try await enquiry.update(on: db)
            }
            try await SearchIndex.rebuild(on: db)
        }
    }
}

extension Array {
    func randomElement(using dice: inout DemoEnquiries.Dice) -> Element? {
        isEmpty ? nil : self[dice.roll(count)]
    }
}
