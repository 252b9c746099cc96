import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Subject access and erasure requests: the search on each detail, in SQL, on both databases.
@Suite struct SubjectAccessTests {
    typealias Field = SubjectAccessQuery.Field

    /// An enquiry of member@demo.test about this resident.
    static func enquiry(_ app: Application, subject: String, name: String?, email: String?, phone: String?, address: String?,
                        submit: Bool = true) async throws -> Enquiry {
        let fixtures = Fixtures(app: app)
        var valid = try await fixtures.valid(subject: subject)
        valid.residentName = name
        valid.residentEmail = email
        valid.residentPhone = phone
        valid.residentAddress = address
        let member = try await fixtures.user("member@demo.test")
        return try await EnquiryWorkflow.create(.init(valid: valid, memberID: try member.requireID(), channel: .portal, submit: submit, submissionKey: nil),
                                                by: try await fixtures.actor("member@demo.test"), at: app.now, on: app.db)
    }

    /// Four residents: two ways of writing Pat Jones's details, a draft about Pat, and Sam Khan.
    struct People {
        let pat: Enquiry, patAgain: Enquiry, patDraft: Enquiry, sam: Enquiry
    }

    static func people(_ app: Application) async throws -> People {
        People(
            pat: try await enquiry(app, subject: "Street light out", name: "Pat Jones", email: "Pat.Jones@Example.com", phone: "01234 567890",
                                   address: "12 Mill Lane\nWrenfield WR1 2AB"),
            patAgain: try await enquiry(app, subject: "Pothole on High Street", name: "Mrs Pat Jones", email: "pj@example.org", phone: "+44 1234 567890",
                                        address: "Flat 3, 4 High Street, Wrenfield, wr12ab"),
            patDraft: try await enquiry(app, subject: "Bins not collected", name: "Jones, Pat", email: nil, phone: nil, address: nil, submit: false),
            sam: try await enquiry(app, subject: "Hedge overgrown", name: "Sam Khan", email: "sam@example.com", phone: "07700 900123",
                                   address: "5 Church Road, Ashby AB1 2CD"))
    }

    static func find(_ values: [Field: String], _ app: Application) async throws -> [UUID: [Field]] {
        let query = try SubjectAccessQuery.parse(values.mapValues { Optional($0) }).get()
        let found = try await SubjectAccessSearch.find(query, on: app.db)
        return Dictionary(uniqueKeysWithValues: found.matches.map { ($0.id, $0.matched) })
    }

    @Test func eachDetailFindsItsEnquiriesInSQLAndSaysWhichMatched() async throws {
        try await withApp { app in
            let people = try await Self.people(app)
            let pat = try people.pat.requireID(), again = try people.patAgain.requireID(), draft = try people.patDraft.requireID()
            let sam = try people.sam.requireID()
            #expect(try await Self.find([.name: "jones PAT"], app) == [pat: [.name], again: [.name], draft: [.name]], "every word, any order, any case; drafts too")
            #expect(try await Self.find([.name: "J_nes"], app) == [:], "an underscore is not a wildcard")
            #expect(try await Self.find([.name: "Pat%"], app) == [:], "nor a percent sign")
            #expect(try await Self.find([.email: "PAT.JONES@example.COM"], app) == [pat: [.email]])
            #expect(try await Self.find([.email: "jones@example.com"], app) == [:], "an email address matches whole")
            #expect(try await Self.find([.phone: "01234-567-890"], app) == [pat: [.phone], again: [.phone]], "digits alone; 0… and +44… alike")
            #expect(try await Self.find([.phone: "+44 (1234) 567890"], app) == [pat: [.phone], again: [.phone]])
            #expect(try await Self.find([.postcode: "wr1 2ab"], app) == [pat: [.postcode], again: [.postcode]], "without case or spaces")
            #expect(try await Self.find([.address: "mill lane 12"], app) == [pat: [.address]])
            #expect(try await Self.find([.address: "wrenfield"], app) == [pat: [.address], again: [.address]], "across the address's lines")
            #expect(try await Self.find([.name: "Sam Khan", .postcode: "WR12AB"], app) == [sam: [.name], pat: [.postcode], again: [.postcode]],
                    "any detail finds an enquiry")
            #expect(try await Self.find([.name: "Pat Jones", .email: "pat.jones@example.com", .phone: "01234567890"], app)
                    == [pat: [.name, .email, .phone], again: [.name, .phone], draft: [.name]])
            // Among given enquiries only: a form naming Sam's enquiry does not bring it into a search for Pat.
            let query = try SubjectAccessQuery.parse([.name: "Pat Jones"]).get()
            #expect(try await SubjectAccessSearch.find(query, among: [pat, sam], on: app.db).matches.map(\.id) == [pat])
            // Newest first, and a bound that says there were more.
            let bounded = try await SubjectAccessSearch.find(query, limit: 2, on: app.db)
            #expect(bounded.matches.map(\.id) == [draft, again] && bounded.more)
        }
    }
}
