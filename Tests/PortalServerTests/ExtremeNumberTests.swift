import Fluent
import Foundation
import PortalCore
@testable import PortalServer
import Testing
import Vapor

/// Every number a request carries, at the edges of what a machine word holds and past them: the
/// portal answers each with a page saying what is wrong, and never stops.
@Suite struct ExtremeNumberTests {
    static let extremes = ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "-1", "0", "1e9", "0x10", " 7"]

    /// A clear refusal: a 4xx page naming the problem, or the page itself with an error summary.
    func expectClearAnswer(_ page: TestBrowser.Page, _ what: String) {
        #expect(page.status.code < 500, "\(what): \(page.status)")
        let explained = (400..<500).contains(Int(page.status.code)) || page.status == .seeOther || page.status == .ok
        #expect(explained, "\(what): \(page.status)")
        if (400..<500).contains(Int(page.status.code)) {
            #expect(page.mainText.contains("There is a problem") || page.body.contains("error-summary"), "\(what): \(page.mainText.prefix(200))")
        }
    }

    @Test func everyNumberInEveryRouteAndFormIsBounded() async throws {
        try await withApp { app in
            let fixtures = Fixtures(app: app)
            let draft = try await fixtures.submitted(submit: false)
            let enquiry = try await fixtures.submitted(subject: "Gully blocked on Church Street")
            let member = try await TestBrowser(app).signedIn("member@demo.test")
            let coordinator = try await TestBrowser(app).signedIn("coordinator@demo.test")
            let admin = try await TestBrowser(app).signedIn("admin@demo.test")
            let user = try await fixtures.user("responder@demo.test")

            for number in Self.extremes {
                let value = number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? number
                for (browser, path) in [(member, "/notifications"), (member, "/enquiries"), (coordinator, "/queue"), (admin, "/admin/users"),
                                        (member, "/search?q=light&"), (coordinator, "/enquiries")] {
                    let separator = path.hasSuffix("&") ? "" : "?"
                    let page = try await browser.get("\(path)\(separator)page=\(value)")
                    expectClearAnswer(page, "\(path) page=\(number)")
                    #expect(page.status == (number == " 7" ? .ok : .badRequest), "\(path) page=\(number)")
                }
                for field in ["raised-from", "raised-to", "completed-from", "completed-to"] {
                    for date in ["\(number)-01-01", "01/01/\(number)", "\(number)/12/2025", "31/\(number)/2025"] {
                        let encoded = date.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? date
                        expectClearAnswer(try await coordinator.get("/search?\(field)=\(encoded)"), "search \(field)=\(date)")
                        expectClearAnswer(try await coordinator.get("/reports/districts-and-types?\(field)=\(encoded)"), "report \(field)=\(date)")
                        expectClearAnswer(try await coordinator.get("/search/export.csv?\(field)=\(encoded)"), "export \(field)=\(date)")
                    }
                }

                try await member.get("/enquiries/\(draft.id!.uuidString)/edit")
                let draftForm = try await CaseworkTests().fields(app).filter { $0.0 != "submission-key" && $0.0 != "intent" } + [("version", number)]
                let edited = try await member.post("/enquiries/\(draft.id!.uuidString)/edit", draftForm)
                expectClearAnswer(edited, "draft version=\(number)")
                #expect(edited.status == .conflict, "draft version=\(number)")

                try await coordinator.get("/enquiries/\(enquiry.id!.uuidString)/edit")
                let details = try await CaseworkTests().fields(app).filter { $0.0 != "submission-key" && $0.0 != "intent" } + [("version", number)]
                expectClearAnswer(try await coordinator.post("/enquiries/\(enquiry.id!.uuidString)/edit", details), "details version=\(number)")

                try await admin.get("/admin/users/\(user.id!.uuidString)")
                let userForm = [("name", "Chris Walker"), ("email", "responder@demo.test"), ("roles", "responder"), ("version", number)]
                let savedUser = try await admin.post("/admin/users/\(user.id!.uuidString)", userForm)
                expectClearAnswer(savedUser, "user version=\(number)")
                #expect(savedUser.status == .conflict, "user version=\(number)")

                try await admin.get("/admin/calendar")
                let calendar = try await admin.post("/admin/calendar", [("nation", "england-and-wales"), ("opensAt", "09:00"), ("closesAt", "17:00"), ("version", number)])
                expectClearAnswer(calendar, "calendar version=\(number)")
                #expect(calendar.status == .conflict, "calendar version=\(number)")
                for (opens, closes) in [(number, "17:00"), ("09:00", "\(number):00"), ("\(number):\(number)", "17:00")] {
                    expectClearAnswer(try await admin.post("/admin/calendar", [("nation", "england-and-wales"), ("opensAt", opens), ("closesAt", closes), ("version", "1")]),
                                      "calendar hours \(opens)-\(closes)")
                }
                expectClearAnswer(try await admin.post("/admin/calendar/closures", [("day", "\(number)-12-29"), ("name", "Closure")]), "closure day \(number)")

                try await admin.get("/admin/email")
                let mail = try await admin.post("/admin/email/settings", [("digest-at", "07:00"), ("version", number)])
                expectClearAnswer(mail, "mail settings version=\(number)")
                #expect(mail.status == .conflict, "mail version=\(number)")
                expectClearAnswer(try await admin.post("/admin/email/settings", [("digest-at", "\(number):00"), ("version", "1")]), "digest at \(number)")

                try await admin.get("/admin/service-levels")
                for (first, complete) in [(number, "28"), ("10", number)] {
                    expectClearAnswer(try await admin.post("/admin/service-levels", [("firstResponseDays", first), ("completionDays", complete)]),
                                      "service level \(first)/\(complete)")
                }
            }
            #expect(try await TestBrowser(app).get("/health").status == .ok, "still serving")
        }
    }
}
