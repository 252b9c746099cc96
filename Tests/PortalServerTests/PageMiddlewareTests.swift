import Foundation
@testable import PortalServer
import SQLKit
import Testing
import Vapor

/// Pages are drawn on their way out, where the header's unread count is read: for every page,
/// and for nothing else.
@Suite struct PageMiddlewareTests {
    @Test func theUnreadCountIsReadForPagesAndForNothingElse() async throws {
        try await withApp { app in
            let browser = try await TestBrowser(app).signedIn("member@demo.test")
            // Without the table the count is read from, only what reads it can fail.
            try await app.db.sql.raw("DROP TABLE notifications").run()

            let stayed = try await browser.post("/session/extend", [("next", "/enquiries")])
            #expect(stayed.status == .seeOther, "a redirect reads no count")
            let csv = try await browser.get("/search/export.csv?q=pothole")
            #expect(csv.status == .ok, "nor does a download")

            let home = try await browser.get("/")
            #expect(home.status == .internalServerError, "a page does")
            #expect(home.mainText.contains("Sorry, there is a problem with the service"))
            #expect(home.body.contains(">Notifications</a>"), "the error page still has its frame, without the count")
        }
    }
}
