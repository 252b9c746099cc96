import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

/// Builders for enquiries in tests, on the demo council.
struct Fixtures {
    let app: Application
    var db: any Database { app.db }

    func user(_ email: String) async throws -> User {
        try #require(try await User.query(on: db).filter(\.$email == email).first())
    }

    func actor(_ email: String) async throws -> EnquiryActor {
        let user = try await user(email)
        let areas = Set(try await CoordinatorArea.query(on: db).filter(\.$user.$id == user.id!).all(\.$serviceArea.$id))
        return EnquiryActor(user: try CurrentUser(user), coordinatedAreas: areas)
    }

    func area(_ name: String) async throws -> UUID {
        try #require(try await ServiceArea.query(on: db).filter(\.$name == name).first()?.id)
    }

    func type(_ name: String) async throws -> EnquiryType {
        try #require(try await EnquiryType.query(on: db).filter(\.$name == name).with(\.$subtypes).first())
    }

    /// A complete enquiry's details, checked by the form's own rules against the council's lists.
    /// `planted` (digits, which the phone number allows) is added to every resident field and the details.
    func valid(subject: String = "Street light out on Mill Lane", area: String = "Highways", type: String = "Information Request",
               subtype: String? = nil, planted: String = "") async throws -> EnquiryForm.Valid {
        let district = try #require(try await District.query(on: db).filter(\.$name == "Wrenfield").first())
        let division = try #require(try await Division.query(on: db).filter(\.$name == "Wrenfield North").first())
        var form = EnquiryForm()
        form[.serviceArea] = try await self.area(area).uuidString
        let chosen = try await self.type(type)
        form[.type] = try chosen.requireID().uuidString
        if let subtype { form[.subtype] = try #require(chosen.subtypes.first { $0.name == subtype }?.id).uuidString }
        form[.subject] = subject
        let extra = planted.isEmpty ? "" : " " + planted
        form[.details] = "The light outside number 12 has been out for a week." + extra
        form[.residentName] = "Pat Jones" + extra
        form[.residentAddress] = "12 Mill Lane, Wrenfield" + extra
        form[.residentPhone] = planted.isEmpty ? "01234 567890" : "01234 \(planted)"
        form[.residentEmail] = planted.isEmpty ? "pat@example.com" : "pat.\(planted)@example.com"
        form[.location] = "Mill Lane"
        form[.district] = try district.requireID().uuidString
        form[.division] = try division.requireID().uuidString
        return try form.validate(against: try await ReferenceData.load(on: db).catalogue, forSubmission: true).get()
    }

    /// A submitted enquiry of member@demo.test in Highways.
    func submitted(subject: String = "Street light out on Mill Lane", by raiser: String = "member@demo.test", submit: Bool = true,
                   planted: String = "") async throws -> Enquiry {
        let member = try await user("member@demo.test")
        return try await EnquiryWorkflow.create(
            .init(valid: try await valid(subject: subject, planted: planted), memberID: member.id!, channel: raiser == "member@demo.test" ? .portal : .phone,
                  submit: submit, submissionKey: nil),
            by: try await actor(raiser), at: app.now, on: db)
    }

    /// A change made as the routes make it: through the workflow, by this person.
    func perform(_ change: EnquiryChange, _ enquiry: Enquiry, by email: String) async throws -> Enquiry {
        let actor = try await actor(email)
        let loaded = try await EnquiryWorkflow.load(enquiry.id!, for: actor, on: db)
        return try await EnquiryWorkflow.perform(change, on: loaded, by: actor, at: app.now, on: db).enquiry
    }

    /// The co-ordinator takes the enquiry.
    func take(_ enquiry: Enquiry, by email: String = "coordinator@demo.test") async throws -> Enquiry {
        try await perform(.take, enquiry, by: email)
    }

    /// The co-ordinator asks the responder a question.
    func ask(_ enquiry: Enquiry, by email: String = "coordinator@demo.test", of responder: String = "responder@demo.test") async throws -> Enquiry {
        try await perform(.askResponders([try await user(responder).requireID()], question: "Depth?"), enquiry, by: email)
    }

    /// The responder answers the enquiry's open question.
    func answer(_ enquiry: Enquiry, by responder: String = "responder@demo.test") async throws -> Enquiry {
        let question = try #require(try await ResponderQuestion.query(on: db).filter(\.$enquiry.$id == enquiry.id!).filter(\.$state == .open).first())
        return try await perform(.answerQuestion(try question.requireID(), answer: "300 mm"), enquiry, by: responder)
    }
}
