import Fluent
import Foundation
@testable import PortalServer
import Testing
import Vapor

@Suite struct UserAdminTests {
    func areaID(_ name: String, _ app: Application) async throws -> String {
        try #require(try await ServiceArea.query(on: app.db).filter(\.$name == name).first()?.id?.uuidString)
    }

    @Test func addsACoordinatorWhoCanThenSignIn() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/users/new")
            let highways = try await areaID("Highways", app)
            let page = try await browser.post("/admin/users", [
                ("name", "Nia Roberts"), ("email", "Nia.Roberts@Demo.Test"), ("job-title", "County Liaison Officer"),
                ("roles[]", "coordinator"), ("roles[]", "responder"), ("service-areas[]", highways),
                ("password", "a long enough password"),
            ])
            #expect(page.status == .seeOther)
            let list = try await browser.get("/admin/users?q=nia")
            #expect(list.mainText.contains("Nia Roberts has been added."))
            #expect(list.mainText.contains("nia.roberts@demo.test"))
            #expect(list.mainText.contains("Co-ordinator, Responder"))
            let signIn = try await TestBrowser(app).signIn("nia.roberts@demo.test", password: "a long enough password")
            #expect(signIn.status == .seeOther)
        }
    }

    @Test func showsEveryProblemAndKeepsWhatWasTyped() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/users/new")
            let before = try await User.query(on: app.db).count()
            let page = try await browser.post("/admin/users", [
                ("name", String(repeating: "x", count: 121)), ("email", "not-an-email"), ("job-title", "Officer <b>"),
                ("roles[]", "coordinator"), ("roles[]", "member"), ("password", "short"),
            ])
            #expect(page.status == .unprocessableEntity)
            let text = page.mainText
            #expect(text.contains("There is a problem"))
            #expect(text.contains("Full name must be 120 characters or fewer") || text.contains("The person's full name must be 120 characters or fewer"))
            #expect(text.contains("Enter an email address in the correct format"))
            #expect(text.contains("Select the division this Member represents"))
            #expect(text.contains("Select at least one service area for a co-ordinator"))
            #expect(text.contains("Password must be at least 10 characters"))
            #expect(page.body.contains("value=\"not-an-email\""))
            #expect(page.body.contains("value=\"Officer &lt;b&gt;\""), "typed text comes back, escaped")
            #expect(page.body.contains("value=\"coordinator\" checked"))
            #expect(!page.body.contains("value=\"short\""), "a password is never echoed")
            #expect(try await User.query(on: app.db).count() == before)
        }
    }

    @Test func refusesADuplicateEmailAndUnknownChoices() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/users/new")
            let duplicate = try await browser.post("/admin/users", [
                ("name", "Someone"), ("email", "MEMBER@demo.test"), ("roles[]", "responder"), ("password", "a long enough password"),
            ])
            #expect(duplicate.mainText.contains("A user with this email address already exists"))
            let unknown = try await browser.post("/admin/users", [
                ("name", "Someone"), ("email", "someone@demo.test"), ("roles[]", "emperor"), ("roles[]", "coordinator"),
                ("service-areas[]", UUID().uuidString), ("password", "a long enough password"),
            ])
            #expect(unknown.mainText.contains("Select at least one role"))
            #expect(unknown.mainText.contains("Select service areas from the list"))
            #expect(try await User.query(on: app.db).filter(\.$email == "someone@demo.test").count() == 0)
        }
    }

    @Test func namesWithMarkupAreShownAsText() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/users/new")
            let hostile = "\"><script>alert(1)</script>"
            let created = try await browser.post("/admin/users", [
                ("name", hostile), ("email", "odd@demo.test"), ("roles[]", "responder"), ("password", "a long enough password"),
            ])
            #expect(created.status == .seeOther, "\(created.status) \(created.mainText)")
            #expect(try #require(created.headers[.setCookie].first { $0.hasPrefix("portal_flash=") }).allSatisfy { $0 != "\"" && $0 != "<" })
            let list = try await browser.get("/admin/users?q=odd")
            #expect(list.mainText.contains("&gt;&lt;script&gt;alert(1)&lt;/script&gt; has been added."), "the flash shows the name as text")
            #expect(!list.body.contains("<script>alert(1)</script>"))
            #expect(list.body.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") || list.body.contains("\"&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
            let user = try #require(try await User.query(on: app.db).filter(\.$email == "odd@demo.test").first())
            let edit = try await browser.get("/admin/users/\(user.id!)")
            #expect(edit.body.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""))
        }
    }

    @Test func aSecondEditorIsToldSomeoneElseSavedFirst() async throws {
        try await withApp { app in
            let user = try #require(try await User.query(on: app.db).filter(\.$email == "responder@demo.test").first())
            let first = TestBrowser(app), second = TestBrowser(app)
            try await first.signIn("admin@demo.test")
            try await second.signIn("admin@demo.test")
            try await first.get("/admin/users/\(user.id!)")
            try await second.get("/admin/users/\(user.id!)")
            let saved = try await first.post("/admin/users/\(user.id!)", [
                ("name", "Christopher Walker"), ("email", "responder@demo.test"), ("roles[]", "responder"), ("version", "1"),
            ])
            #expect(saved.status == .seeOther)
            let conflict = try await second.post("/admin/users/\(user.id!)", [
                ("name", "Chris Walker-Smith"), ("email", "responder@demo.test"), ("roles[]", "responder"), ("version", "1"),
            ])
            #expect(conflict.status == .conflict)
            #expect(conflict.mainText.contains("Someone else changed this user while you were editing"))
            #expect(conflict.body.contains("value=\"Christopher Walker\""), "the other person's change is shown")
            #expect(conflict.body.contains("name=\"version\" value=\"2\""))
            let stored = try #require(try await User.find(user.id, on: app.db))
            #expect(stored.name == "Christopher Walker")
            #expect(stored.version == 2)
        }
    }

    @Test func deactivationSignsThePersonOutAndKeepsThemOut() async throws {
        try await withApp { app in
            let member = TestBrowser(app)
            try await member.signIn("member@demo.test")
            #expect(try await member.get("/").status == .ok)
            let user = try #require(try await User.query(on: app.db).filter(\.$email == "member@demo.test").first())
            let admin = TestBrowser(app)
            try await admin.signIn("admin@demo.test")
            try await admin.get("/admin/users/\(user.id!)")
            let done = try await admin.post("/admin/users/\(user.id!)/deactivate", [])
            #expect(done.status == .seeOther)
            #expect(try await member.get("/").status == .seeOther)
            #expect(try await TestBrowser(app).signIn("member@demo.test").status == .unauthorized)
            try await admin.get("/admin/users/\(user.id!)")
            try await admin.post("/admin/users/\(user.id!)/reactivate", [])
            #expect(try await TestBrowser(app).signIn("member@demo.test").status == .seeOther)
        }
    }

    @Test func anAdministratorCannotLockThemselvesOut() async throws {
        try await withApp { app in
            let admin = try #require(try await User.query(on: app.db).filter(\.$email == "admin@demo.test").first())
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            try await browser.get("/admin/users/\(admin.id!)")
            #expect(!browser.lastPage.contains("/deactivate\""), "no deactivate button on one's own account")
            try await browser.post("/admin/users/\(admin.id!)/deactivate", [])
            #expect(try await User.find(admin.id, on: app.db)?.isActive == true)
            try await browser.get("/admin/users/\(admin.id!)")
            let page = try await browser.post("/admin/users/\(admin.id!)", [
                ("name", "Morgan Blake"), ("email", "admin@demo.test"), ("roles[]", "responder"), ("version", "1"),
            ])
            #expect(page.mainText.contains("You cannot remove your own administrator role"))
            #expect(try await User.find(admin.id, on: app.db)?.isAdministrator == true)
        }
    }

    @Test func filtersTheListByRoleAndStatus() async throws {
        try await withApp { app in
            let browser = TestBrowser(app)
            try await browser.signIn("admin@demo.test")
            let members = try await browser.get("/admin/users?role=member")
            #expect(members.mainText.contains("12 users"))
            #expect(!members.mainText.contains("Sam Patel"))
            let inactive = try await browser.get("/admin/users?status=inactive")
            #expect(inactive.mainText.contains("0 users"))
        }
    }
}
