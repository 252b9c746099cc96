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

@Suite struct EmailAddressTests {
    @Test(arguments: ["Member@Demo.Test", "  a.b-c+d@council.gov.uk ", "x@y.co"])
    func acceptsAndNormalises(_ raw: String) throws {
        let email = try EmailAddress.parse(raw).get()
        #expect(email.value == raw.trimmingWhitespace().lowercased())
    }

    @Test(arguments: [
        ("", EmailAddress.Problem.empty), ("   ", .empty), ("no-at-sign", .malformed), ("a@b", .malformed),
        ("a@@b.com", .malformed), ("a b@c.com", .malformed), ("@c.com", .malformed), ("a@c..com", .malformed),
        ("a<b>@c.com", .malformed), (String(repeating: "a", count: 250) + "@c.com", .tooLong),
    ])
    func refusesWithAReason(_ raw: String, _ problem: EmailAddress.Problem) {
        #expect(throws: problem) { try EmailAddress.parse(raw).get() }
    }
}

@Suite struct SignInThrottleTests {
    let throttle = SignInThrottle(limitPerAccount: 5, limitPerAddress: 30, window: 900)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, secondsAgo start: TimeInterval = 60, every step: TimeInterval = 10) -> [Date] {
        (0..<count).map { now.addingTimeInterval(-start - Double($0) * step) }
    }

    @Test func allowsFewerFailuresThanTheLimit() {
        #expect(throttle.decide(accountFailures: failures(4), addressFailures: [], now: now) == .allowed)
    }

    @Test func refusesAtTheLimitUntilTheDecidingFailureLeavesTheWindow() {
        // Failures 60, 70, 80, 90 and 100 seconds ago: the fifth most recent (100 s) leaves the
        // 900-second window in 800 seconds.
        #expect(throttle.decide(accountFailures: failures(5), addressFailures: [], now: now) == .refused(retryAfter: 800))
        #expect(throttle.decide(accountFailures: failures(8), addressFailures: [], now: now) == .refused(retryAfter: 800))
    }

    @Test func forgetsFailuresOutsideTheWindow() {
        #expect(throttle.decide(accountFailures: failures(10, secondsAgo: 901), addressFailures: [], now: now) == .allowed)
    }

    @Test func appliesTheWiderLimitToOneAddress() {
        #expect(throttle.decide(accountFailures: [], addressFailures: failures(29, every: 1), now: now) == .allowed)
        guard case .refused = throttle.decide(accountFailures: [], addressFailures: failures(30, every: 1), now: now) else {
            Issue.record("thirty failures from one address should be refused")
            return
        }
    }

    @Test func describesTheWaitInWholeMinutes() {
        #expect(SignInThrottle.describe(800) == "14 minutes")
        #expect(SignInThrottle.describe(30) == "1 minute")
    }
}

@Suite struct FormRulesTests {
    @Test func requiredTextIsTrimmedAndLimited() {
        var errors = FormErrors()
        #expect(errors.requireText("  Ann  ", field: "name", name: "a name", maxLength: 5) == "Ann")
        #expect(errors.isEmpty)
        errors.requireText("   ", field: "a", name: "a subject", maxLength: 5)
        errors.requireText("toolong", field: "b", name: "a title", maxLength: 5)
        #expect(errors["a"] == "Enter a subject")
        #expect(errors["b"] == "A title must be 5 characters or fewer")
        #expect(errors.all.map(\.field) == ["a", "b"])
    }

    @Test func keepsTheFirstErrorOfAField() {
        var errors = FormErrors()
        errors.add("x", "first")
        errors.add("x", "second")
        #expect(errors.all.count == 1 && errors["x"] == "first")
    }

    @Test func passwordRules() {
        #expect(PasswordRules.problem(with: "") == "Enter a password")
        #expect(PasswordRules.problem(with: "short") == "Password must be at least 10 characters")
        #expect(PasswordRules.problem(with: String(repeating: "é", count: 40)) == "Password must be 72 bytes or fewer")
        #expect(PasswordRules.problem(with: "correct horse battery") == nil)
    }

    @Test func defaultServiceAreasAreTheSeedsEighteenEachWithAGlossary() {
        #expect(DefaultServiceAreas.all.count == 18)
        #expect(Set(DefaultServiceAreas.all.map(\.name)).count == 18)
        #expect(DefaultServiceAreas.all.allSatisfy { $0.glossary.count > 20 })
        #expect(DefaultServiceAreas.all.contains { $0.name == DefaultServiceAreas.highways })
    }
}
