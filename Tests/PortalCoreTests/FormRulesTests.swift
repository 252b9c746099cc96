import Foundation
import PortalCore
import Testing

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
