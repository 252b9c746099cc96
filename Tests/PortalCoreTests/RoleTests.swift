import Foundation
import PortalCore
import Testing

@Suite struct RoleTests {
    @Test(arguments: [
        ("member", Role.member), ("Co-ordinator", .coordinator), ("coordinator", .coordinator),
        ("RESPONDER", .responder), ("administrator", .administrator), (" Administrator ", .administrator),
    ])
    func parsesLooseNames(_ text: String, _ role: Role) {
        #expect(Role(loose: text) == role)
    }

    @Test func rejectsUnknownNames() {
        #expect(Role(loose: "superuser") == nil)
        #expect(Role(loose: "") == nil)
    }

    @Test func officerIsAnyoneButAPureMember() {
        #expect(!RoleSet([.member]).isOfficer)
        #expect(RoleSet([.member, .responder]).isOfficer)
        #expect(RoleSet([.administrator]).isOfficer)
        #expect(RoleSet([.administrator, .member]).labels == "Member, Administrator")
    }
}
