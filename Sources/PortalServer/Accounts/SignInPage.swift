import PortalCore
import Vapor

enum SignInPage {
    struct Model {
        var csrfToken: String
        /// As typed, so a mistyped password does not cost the address too.
        var email: String
        /// Where to go once signed in (`SignInRoutes.safeNext`).
        var next: String?
        var errors: FormErrors
        var status: HTTPResponseStatus
        var demoMode: Bool
    }

    /// The four demo sign-ins, listed on the sign-in page of the demo council only.
    static let demoAccounts: [(email: String, who: String)] = [
        ("member@demo.test", "a Member (councillor)"),
        ("coordinator@demo.test", "a Highways co-ordinator"),
        ("responder@demo.test", "a responder (council officer)"),
        ("admin@demo.test", "the administrator"),
    ]

    static func page(_ model: Model) -> Page {
        Page(title: "Sign in", section: .signIn, status: model.status, hasErrors: !model.errors.isEmpty) {
            errorSummary(model.errors)
            h1 { "Sign in" }
            htmlForm(.method("post"), .action("/sign-in"), .novalidate) {
                csrfField(model.csrfToken)
                if let next = model.next { input(.type("hidden"), .name("next"), .value(next)) }
                textField("email", label: "Email address", value: model.email, errors: model.errors,
                          FieldOptions(autocomplete: "username", spellcheck: false, inputMode: "email"))
                textField("password", label: "Password", value: nil, errors: model.errors,
                          FieldOptions(type: "password", autocomplete: "current-password"))
                submitButton("Sign in")
            }
            para { link("/password-reset") { "Forgotten your password?" } }
            if model.demoMode {
                section(.class("demo-accounts"), .aria("labelledby", "demo-heading")) {
                    h2(.id("demo-heading")) { "Demo sign-ins" }
                    para { "This is the demo council. Every account's password is demo." }
                    ul {
                        for account in demoAccounts {
                            li { strong { account.email } ; " – \(account.who)" }
                        }
                    }
                }
            }
        }
    }
}
