import Fluent
import Foundation
@testable import PortalServer
import SQLKit
import Testing
import VaporTesting

@Suite struct RowReadingTests {
    @Test func hydratedEnquiriesAndQuestionsMatchWhatFluentReads() async throws {
        try await withApp { app in
            try await DemoEnquiries.load(on: app.db, at: app.now)
            // Every stored property is in the list, so a new column cannot be forgotten.
            #expect(Set(Enquiry.storedColumns) == Set(Enquiry.keys.map(\.description)))
            #expect(Set(ResponderQuestion.storedColumns) == Set(ResponderQuestion.keys.map(\.description)))

            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let byFluent = try await Enquiry.query(on: app.db).all()
            let hydrated = try await app.db.sql.raw("SELECT \(Enquiry.selectList) FROM enquiries").all().map(Enquiry.hydrate)
            #expect(byFluent.count > 100 && hydrated.count == byFluent.count)
            let fluentJSON = Dictionary(uniqueKeysWithValues: try byFluent.map { (try $0.requireID(), try encoder.encode($0)) })
            for enquiry in hydrated {
                #expect(enquiry.$id.exists)
                #expect(try encoder.encode(enquiry) == fluentJSON[try enquiry.requireID()], "\(enquiry.reference)")
            }

            let questions = try await ResponderQuestion.query(on: app.db).all()
            let hydratedQuestions = try await app.db.sql.raw("SELECT \(ResponderQuestion.selectList) FROM responder_questions").all()
                .map(ResponderQuestion.hydrate)
            #expect(!questions.isEmpty && hydratedQuestions.count == questions.count)
            let questionJSON = Dictionary(uniqueKeysWithValues: try questions.map { (try $0.requireID(), try encoder.encode($0)) })
            for question in hydratedQuestions {
                #expect(try encoder.encode(question) == questionJSON[try question.requireID()])
            }

            // A hydrated enquiry saves like a loaded one.
            let first = try #require(hydrated.first)
            first.subject = "Hydrated and saved"
            try await first.update(on: app.db)
            #expect(try await Enquiry.find(first.requireID(), on: app.db)?.subject == "Hydrated and saved")
        }
    }

    @Test func uuidsReadFromTextAsFoundationReadsThem() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(UUID(text: id.uuidString) == id)
            #expect(UUID(text: id.uuidString.lowercased()) == id)
        }
        for bad in ["", "not a uuid", "0C894FAB-4DCC-47DF-9E81-C5F5D64950E", "0C894FAB-4DCC-47DF-9E81-C5F5D64950ECA",
                    "0C894FAB04DCC-47DF-9E81-C5F5D64950EC", "0C894FAB-4DCC-47DF-9E81-C5F5D64950EG", "{0C894FAB-4DCC-47DF-9E81-C5F5D64950EC}"] {
            #expect(UUID(text: bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil)
        }
    }
}
