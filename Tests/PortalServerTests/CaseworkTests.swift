import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

/// Casework through HTTP, as people use it.
@Suite struct CaseworkTests {
    /// The new-enquiry form's fields for a Highways safety issue in Wrenfield North.
    func fields(_ app: Application, subject: String = "Broken street light on Mill Lane", key: String = UUID().uuidString,
                extra: [(String, String)] = []) async throws -> [(String, String)] {
        let data = try await ReferenceData.load(on: app.db)
        let highways = try #require(data.serviceAreas.first { $0.name == "Highways" })
        let safety = try #require(data.types.first { $0.name == "Report a Safety Issue" })
        let district = try #require(data.districts.first { $0.name == "Wrenfield" })
        let division = try #require(data.divisions.first { $0.name == "Wrenfield North" })
        return [
            ("service-area", highways.id.uuidString), ("type", safety.id.uuidString), ("subtype", ""), ("subject", subject),
            ("details", "Dark at night near the school gates."), ("resident-name", "Pat Jones"), ("resident-address", "12 Mill Lane"),
            ("resident-phone", "01234 567890"), ("resident-email", "pat@example.com"), ("location", "Mill Lane, Wrenfield"),
            ("urgency", "normal"), ("district", district.id.uuidString), ("division", division.id.uuidString), ("parish", ""),
            ("submission-key", key), ("intent", "submit"),
        ] + extra
    }

    /// Signs in as the Member and submits an enquiry; returns its page path.
    func submit(_ app: Application, as email: String = "member@demo.test", subject: String = "Broken street light on Mill Lane") async throws -> String {
        let browser = TestBrowser(app)
        try await browser.signIn(email)
        try await browser.get("/enquiries/new")
        let page = try await browser.post("/enquiries", try await fields(app, subject: subject))
        #expect(page.status == .seeOther)
        let location = try #require(page.location)
        #expect(try await browser.get(location).mainText.contains("has been submitted"))
        return location
    }

    func act(_ browser: TestBrowser, _ path: String, _ action: EnquiryAction, _ fields: [(String, String)] = []) async throws -> TestBrowser.Page {
        try await browser.get(path)
        return try await browser.post("\(path)/act", [("action", action.rawValue)] + fields)
    }

    @Test func aMemberSubmitsAndSeesItOnTheirDashboard() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let page = try await browser.get(path)
            #expect(page.status == .ok)
            #expect(page.mainText.contains("Broken street light on Mill Lane"))
            #expect(page.mainText.contains("Pat Jones"), "the Member sees the resident they wrote about")
            let dashboard = try await browser.get("/enquiries?tab=open")
            #expect(dashboard.mainText.contains("Broken street light on Mill Lane"))
            #expect(dashboard.mainText.contains("Open (1)"))
            let home = try await browser.get("/")
            #expect(home.mainText.contains("1 open"))
        }
    }

    @Test func badInputIsExplainedAndNothingTypedIsLost() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/enquiries/new")
            let data = try await ReferenceData.load(on: app.db)
            let speed = try #require(data.types.first { $0.name == "Speed Issue Request" })
            let improvement = try #require(data.types.first { $0.name == "Improvement Request" })
            var form = try await fields(app, subject: String(repeating: "s", count: 151))
            form = form.map { $0.0 == "type" ? ("type", speed.id.uuidString) : $0.0 == "subtype" ? ("subtype", improvement.subtypes[0].id.uuidString) : $0 }
            form = form.map { $0.0 == "service-area" ? ("service-area", UUID().uuidString) : $0 }
            form = form.map { $0.0 == "details" ? ("details", "Typed <carefully>") : $0 }
            let page = try await browser.post("/enquiries", form)
            #expect(page.status == .unprocessableEntity)
            #expect(page.mainText.contains("Select a service area from the list"))
            #expect(page.mainText.contains("Select a sub-type that belongs to the type you chose"))
            #expect(page.mainText.contains("A subject must be 150 characters or fewer"))
            #expect(page.body.contains("Typed &lt;carefully&gt;</textarea>"))
            #expect(page.body.contains("value=\"Pat Jones\""))
            #expect(try await Enquiry.query(on: app.db).count() == 0)
        }
    }

    @Test func aDraftIsTheMembersAloneUntilSubmitted() async throws {
        try await withApp { app in
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            try await member.get("/enquiries/new")
            var form = try await fields(app, subject: "Half-written")
            form = form.map { $0.0 == "intent" ? ("intent", "draft") : $0.0 == "location" ? ("location", "") : $0 }
            let saved = try await member.post("/enquiries", form)
            let path = try #require(saved.location)
            #expect(try await member.get("/enquiries?tab=drafts").mainText.contains("Half-written"))
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            #expect(try await coordinator.get(path).status == .notFound)
            #expect(!(try await coordinator.get("/queue?tab=new")).mainText.contains("Half-written"))
            // Finishing it: submitting needs the location a safety issue needs.
            try await member.get("\(path)/edit")
            let incomplete = try await member.post("\(path)/edit", form.map { $0.0 == "intent" ? ("intent", "submit") : $0 } + [("version", "1")])
            #expect(incomplete.mainText.contains("Enter where the problem is"))
            let done = try await member.post("\(path)/edit", form.map { $0.0 == "intent" ? ("intent", "submit") : $0.0 == "location" ? ("location", "Mill Lane") : $0 } + [("version", "1")])
            #expect(done.status == .seeOther)
            #expect(try await coordinator.get(path).status == .ok)
            #expect(try await Enquiry.query(on: app.db).first()?.status == .submitted)
        }
    }

    @Test func theSameFormPostedTwiceCreatesOneEnquiry() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            try await browser.get("/enquiries/new")
            let form = try await fields(app, key: "double-click-1")
            let first = try await browser.post("/enquiries", form)
            try await browser.get("/enquiries/new")
            let second = try await browser.post("/enquiries", form.map { $0.0 == "_csrf" ? $0 : $0 })
            #expect(first.location == second.location)
            #expect(try await Enquiry.query(on: app.db).count() == 1)
        }
    }

    @Test func nobodyElseCanSeeOrTouchIt() async throws {
        try await withApp { app in
            let path = try await submit(app)
            for email in ["bethan.rees@demo.test", "responder@demo.test", "priya.shah@demo.test"] {
                let browser = TestBrowser(app)
                try await browser.signIn(email)
                let page = try await browser.get(path)
                #expect(page.status == .notFound, "\(email)")
                #expect(!page.body.contains("Mill Lane"))
                try await browser.get("/")
                let post = try await browser.post("\(path)/act", [("action", "close")])
                #expect(post.status == .notFound, "\(email)")
            }
            #expect(try await Enquiry.query(on: app.db).first()?.status == .submitted)
        }
    }

    @Test func actionsAreRefusedToTheWrongRole() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let refused = try await act(member, path, .complete, [("body", "Done")])
            #expect(refused.status == .forbidden)
            #expect(refused.mainText.contains("You cannot do that to this enquiry"))
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            #expect(try await act(coordinator, path, .close).status == .forbidden)
            #expect(try await act(coordinator, path, .reopen, [("body", "why")]).status == .conflict, "reopening an open enquiry")
            #expect(try await AuditEntry.query(on: app.db).count() == 1, "only the creation is recorded")
        }
    }

    @Test func theWholeJourney() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            #expect(try await coordinator.get("/queue?tab=new").mainText.contains("New (1)"))
            #expect(try await act(coordinator, path, .take).status == .seeOther)
            let responder = try await Fixtures(app: app).user("responder@demo.test")
            #expect(try await act(coordinator, path, .askResponder, [("responders[]", responder.id!.uuidString), ("body", "Is column 12 on the replacement list?")]).status == .seeOther)
            #expect(try await act(coordinator, path, .addNote, [("body", "Contractor is slow this month")]).status == .seeOther)

            let officer = TestBrowser(app)
            try await officer.signIn("responder@demo.test")
            let dashboard = try await officer.get("/questions")
            #expect(dashboard.mainText.contains("Waiting for your answer (1)"))
            #expect(dashboard.mainText.contains("Is column 12 on the replacement list?"))
            let view = try await officer.get(path)
            #expect(view.status == .ok)
            #expect(!view.body.contains("Pat Jones") && !view.body.contains("pat@example.com"), "no resident contact details for responders")
            #expect(!view.body.contains("Contractor is slow"), "no internal notes for responders")
            let question = try #require(try await ResponderQuestion.query(on: app.db).first())
            #expect(try await officer.post("\(path)/act", [("action", "answer_question"), ("question", question.id!.uuidString), ("body", "Yes, in March")]).status == .seeOther)
            #expect(try await officer.get("/questions").mainText.contains("No questions are waiting for you"))

            #expect(try await act(coordinator, path, .postUpdate, [("body", "An engineer visits on Friday.")]).status == .seeOther)
            #expect(try await act(coordinator, path, .complete, [("body", "The light was repaired on Friday.")]).status == .seeOther)

            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            let page = try await member.get(path)
            #expect(page.mainText.contains("An engineer visits on Friday."))
            #expect(page.mainText.contains("The light was repaired on Friday."))
            #expect(page.mainText.contains("Completed – awaiting your confirmation"))
            #expect(!page.body.contains("Contractor is slow"), "Members never see internal notes")
            #expect(!page.mainText.contains("Audit trail"))
            let noReason = try await act(member, path, .reopen)
            #expect(noReason.status == .unprocessableEntity)
            #expect(noReason.mainText.contains("Say why the enquiry is being reopened"))
            #expect(try await act(member, path, .reopen, [("body", "It went out again last night")]).status == .seeOther)
            #expect(try await coordinator.get("/queue?tab=reopened").mainText.contains("Reopened (1)"))
            #expect(try await act(coordinator, path, .complete, [("body", "Replaced the lamp head.")]).status == .seeOther)
            #expect(try await act(member, path, .close, [("body", "Thank you")]).status == .seeOther)

            let stored = try #require(try await Enquiry.query(on: app.db).first())
            #expect(stored.status == .closed)
            #expect(stored.reopenCount == 1)
            let actions = try await AuditEntry.query(on: app.db).sort(\.$sequence).all().map(\.action)
            #expect(actions == ["create_and_submit", "take", "ask_responder", "add_note", "answer_question", "post_update", "complete", "reopen", "complete", "close"])
            #expect(try await AuditTrail.verify(on: app.db) == .intact(entries: 10))
            let officerView = try await coordinator.get(path)
            #expect(officerView.mainText.contains("Audit trail (10 entries)"))
            #expect(officerView.mainText.contains("Status: “In progress” → “Completed – awaiting the Member”"))
        }
    }

    @Test func aMembersQuestionWaitsForTheCoordinatorsReply() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await act(member, path, .askCoordinator, [("body", "When will it be fixed?")]).status == .seeOther)
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            #expect(try await coordinator.get("/queue?tab=waiting").mainText.contains("Member waiting for a reply (1)"))
            #expect(try await act(coordinator, path, .replyToMember, [("body", "Within two weeks.")]).status == .seeOther)
            #expect(try await coordinator.get("/queue?tab=waiting").mainText.contains("Member waiting for a reply (0)"))
            #expect(try await member.get(path).mainText.contains("Within two weeks."))
        }
    }

    @Test func aWithdrawnQuestionShowsItsReasonAndCannotBeAnswered() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            let responder = try await Fixtures(app: app).user("responder@demo.test")
            _ = try await act(coordinator, path, .askResponder, [("responders[]", responder.id!.uuidString), ("body", "Any history here?")])
            let question = try #require(try await ResponderQuestion.query(on: app.db).first())
            let missing = try await act(coordinator, path, .withdrawQuestion, [("question", question.id!.uuidString)])
            #expect(missing.mainText.contains("Say why the question is withdrawn"))
            #expect(try await act(coordinator, path, .withdrawQuestion, [("question", question.id!.uuidString), ("body", "Duplicates the drainage question")]).status == .seeOther)
            let officer = TestBrowser(app)
            try await officer.signIn("responder@demo.test")
            let list = try await officer.get("/questions")
            #expect(list.mainText.contains("Withdrawn"))
            #expect(list.mainText.contains("Duplicates the drainage question"))
            try await officer.get(path)
            let late = try await officer.post("\(path)/act", [("action", "answer_question"), ("question", question.id!.uuidString), ("body", "Too late")])
            #expect(late.status == .unprocessableEntity)
            #expect(late.mainText.contains("That question is no longer open"))
        }
    }

    @Test func anOfficerRaisesForAMemberWhoThenOwnsIt() async throws {
        try await withApp { app in
            let member = try await Fixtures(app: app).user("member@demo.test")
            let officer = TestBrowser(app)
            try await officer.signIn("rachel.green@demo.test")
            try await officer.get("/enquiries/new")
            let noChannel = try await officer.post("/enquiries", try await fields(app) + [("member", member.id!.uuidString)])
            #expect(noChannel.mainText.contains("Select how the Member contacted you"))
            let created = try await officer.post("/enquiries", try await fields(app) + [("member", member.id!.uuidString), ("channel", "phone")])
            let path = try #require(created.location)
            let stored = try #require(try await Enquiry.query(on: app.db).first())
            #expect(stored.$member.id == member.id)
            #expect(stored.channel == .phone)
            #expect(try await officer.get("/enquiries").mainText.contains("Broken street light"))
            let owner = TestBrowser(app)
            try await owner.signIn("member@demo.test")
            let page = try await owner.get(path)
            #expect(page.mainText.contains("Rachel Green on the Member's behalf (phone)"))
            #expect(try await act(owner, path, .close).status == .seeOther, "the Member owns it as if they had raised it")
        }
    }

    @Test func theSecondEditorIsToldWhatChanged() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let first = TestBrowser(app), second = TestBrowser(app)
            try await first.signIn("coordinator@demo.test")
            try await second.signIn("jo.reynolds@demo.test")
            let base = try await fields(app)
            try await first.get("\(path)/edit")
            try await second.get("\(path)/edit")
            let saved = try await first.post("\(path)/edit", base.map { $0.0 == "subject" ? ("subject", "Street light column 12 out") : $0 } + [("version", "1")])
            #expect(saved.status == .seeOther)
            let conflict = try await second.post("\(path)/edit", base.map { $0.0 == "subject" ? ("subject", "Light out") : $0 } + [("version", "1")])
            #expect(conflict.status == .conflict)
            #expect(conflict.mainText.contains("changed by someone else since you opened it"))
            #expect(conflict.mainText.contains("Subject: “Broken street light on Mill Lane” → “Street light column 12 out”"))
            #expect(conflict.body.contains("value=\"Street light column 12 out\""))
            #expect(try await Enquiry.query(on: app.db).first()?.subject == "Street light column 12 out")
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "edit_details").first())
            #expect(audit.decodedChanges == [FieldChange(field: "Subject", before: "Broken street light on Mill Lane", after: "Street light column 12 out")])
        }
    }

    @Test func convertingTheTypeChecksTheSubtype() async throws {
        try await withApp { app in
            let path = try await submit(app)
            let data = try await ReferenceData.load(on: app.db)
            let speed = try #require(data.types.first { $0.name == "Speed Issue Request" })
            let coordinator = TestBrowser(app)
            try await coordinator.signIn("coordinator@demo.test")
            let missing = try await act(coordinator, path, .convertType, [("type", speed.id.uuidString), ("subtype", "")])
            #expect(missing.mainText.contains("Select a sub-type of Speed Issue Request"))
            let done = try await act(coordinator, path, .convertType, [("type", speed.id.uuidString), ("subtype", speed.subtypes[0].id.uuidString)])
            #expect(done.status == .seeOther)
            let page = try await coordinator.get(path)
            #expect(page.mainText.contains("Speed Issue Request: \(speed.subtypes[0].name)"))
            #expect(page.mainText.contains("Type: “Report a Safety Issue” → “Speed Issue Request”"))
        }
    }
}

@Suite struct DashboardTests {
    @Test func theMemberFiltersByWordsReferenceAndParishAndPrintsAList() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let light = try await fixtures.submitted(subject: "Street light out on Mill Lane")
            _ = try await fixtures.submitted(subject: "Pothole on Church Street")
            let browser = TestBrowser(app)
            try await browser.signIn("member@demo.test")
            let words = try await browser.get("/enquiries?q=pothole")
            #expect(words.mainText.contains("Pothole on Church Street"))
            #expect(!words.mainText.contains("Street light out"))
            let reference = try await browser.get("/enquiries?q=\(light.reference.lowercased())")
            #expect(reference.mainText.contains("1 enquiry"))
            #expect(reference.mainText.contains("Street light out on Mill Lane"))
            let parish = try #require(try await Parish.query(on: app.db).filter(\.$name == "Fenby").first())
            #expect(try await browser.get("/enquiries?parish=\(parish.id!)").mainText.contains("0 enquiries"))
            let printable = try await browser.get("/enquiries?tab=open&print=1")
            #expect(printable.mainText.contains("2 enquiries"))
            #expect(!printable.body.contains("Next page"))
            #expect(try await browser.get("/enquiries?tab=closed").mainText.contains("No enquiries here."))
        }
    }

    @Test func theQueueShowsOnlyTheCoordinatorsAreas() async throws {
        try await withApp { app in
            _ = try await Fixtures(app: app).submitted()
            let other = TestBrowser(app)
            try await other.signIn("priya.shah@demo.test")
            let queue = try await other.get("/queue")
            #expect(queue.mainText.contains("New (0)"))
            #expect(!queue.mainText.contains("Mill Lane"))
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/queue").status == .forbidden)
            #expect(try await member.get("/questions").status == .forbidden)
        }
    }
}

@Suite struct ConflictPageTests {
    @Test func anUnresolvableConflictIsExplainedNotAServerError() async throws {
        try await withApp { app in
            let app = app
            let response = await ErrorPageMiddleware().response(for: EditConflict(), request: Request(application: app, on: app.eventLoopGroup.next()))
            #expect(response.status == .conflict)
            #expect(response.body.string?.contains("Someone else changed this enquiry a moment ago") == true)
        }
    }
}
