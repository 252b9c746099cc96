import PortalCore
import Vapor

enum SignInPage {
    /// The four demo sign-ins, listed on the sign-in page of the demo council only.
    static let demoAccounts: [(email: String, who: String)] = [
        ("member@demo.test", "a Member (councillor)"),
        ("coordinator@demo.test", "a Highways co-ordinator"),
        ("responder@demo.test", "a responder (council officer)"),
        ("admin@demo.test", "the administrator"),
    ]

    static func page(request: Request, email: String, next: String?, errors: FormErrors, status: HTTPResponseStatus = .ok) -> Page {
        Page(title: "Sign in", section: .signIn, status: status, hasErrors: !errors.isEmpty) {
            errorSummary(errors)
            h1 { "Sign in" }
            htmlForm(.method("post"), .action("/sign-in"), .novalidate) {
                csrfField(request)
                if let next { input(.type("hidden"), .name("next"), .value(next)) }
                textField("email", label: "Email address", value: email, errors: errors,
                          FieldOptions(autocomplete: "username", spellcheck: false, inputMode: "email"))
                textField("password", label: "Password", value: nil, errors: errors,
                          FieldOptions(type: "password", autocomplete: "current-password"))
                submitButton("Sign in")
            }
            para { link("/password-reset") { "Forgotten your password?" } }
            if request.application.portal.demoMode {
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
