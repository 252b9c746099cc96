import PortalCore
import Vapor

enum UserAdminPages {
    static func list(_ model: UserAdminRoutes.ListModel) -> Page {
        let users = model.users, filters = model.filters, page = model.page, total = model.total
        let pages = max(1, (total + UserAdminRoutes.pageSize - 1) / UserAdminRoutes.pageSize)
        return Page(title: "Users", section: .users) {
            h1 { "Users" }
            link("/admin/users/new", .class("button")) { "Add a user" }
            htmlForm(.method("get"), .action("/admin/users"), .class("filters"), .attr("role", "search")) {
                div(.class("filters-row")) {
                    textField("q", label: "Name or email", value: filters.q, errors: FormErrors(), FieldOptions(type: "search"))
                    selectField("role", label: "Role", choices: Role.allCases.map { Choice(value: $0.rawValue, label: $0.label) },
                                selected: filters.role, errors: FormErrors(), placeholder: "Any role")
                    selectField("status", label: "Status", choices: [Choice(value: "active", label: "Active"), Choice(value: "inactive", label: "Deactivated")],
                                selected: filters.status, errors: FormErrors(), placeholder: "Any status")
                    div(.class("form-group")) { submitButton("Filter", style: "secondary") }
                }
            }
            para(.attr("role", "status")) { total == 1 ? "1 user" : "\(total) users" }
            if !users.isEmpty {
                div(.class("table-scroll")) {
                    table(.class("table")) {
                        caption(.class("visually-hidden")) { "Users, page \(page) of \(pages)" }
                        thead { tr {
                            th(.scopeCol) { "Name" }
                            th(.scopeCol) { "Email" }
                            th(.scopeCol) { "Roles" }
                            th(.scopeCol) { "Status" }
                        } }
                        tbody {
                            for user in users {
                                tr {
                                    th(.scopeRow) { link("/admin/users/\(user.id.uuidString)") { user.name } }
                                    td { user.email }
                                    td { user.roles.labels }
                                    td {
                                        if user.isActive { span(.class("tag tag-green")) { "Active" } } else { span(.class("tag tag-grey")) { "Deactivated" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if pages > 1 {
                nav(.aria("label", "Pages of users"), .class("pagination")) {
                    if page > 1 { link(pageLink(filters, page - 1)) { "Previous page" } ; " " }
                    span { "Page \(page) of \(pages)" }
                    if page < pages { " " ; link(pageLink(filters, page + 1)) { "Next page" } }
                }
            }
        }
    }

    private static func pageLink(_ filters: UserAdminRoutes.ListQuery, _ page: Int) -> String {
        var items = [URLQueryItem(name: "page", value: String(page))]
        if let q = filters.q, !q.isEmpty { items.append(.init(name: "q", value: q)) }
        if let role = filters.role, !role.isEmpty { items.append(.init(name: "role", value: role)) }
        if let status = filters.status, !status.isEmpty { items.append(.init(name: "status", value: status)) }
        var components = URLComponents()
        components.path = "/admin/users"
        components.queryItems = items
        return components.string ?? "/admin/users"
    }

    static func form(_ model: UserAdminRoutes.FormModel) -> Page {
        let user = model.account, values = model.form, choices = model.choices, errors = model.errors, status = model.status
        let title = user == nil ? "Add a user" : "Edit \(user!.name)"
        let action = user.map { "/admin/users/\($0.id.uuidString)" } ?? "/admin/users"
        return Page(title: title, section: .users, status: errors.isEmpty ? status : (status == .ok ? .unprocessableEntity : status), hasErrors: !errors.isEmpty) {
            link("/admin/users", .class("back-link")) { "Back to users" }
            errorSummary(errors)
            h1 { title }
            if let user, !user.isActive {
                div(.class("inset")) { para(.class("warning-text")) { "This account is deactivated: the person cannot sign in." } }
            }
            htmlForm(.method("post"), .action(action), .novalidate) {
                csrfField(model.csrfToken)
                if user != nil { input(.type("hidden"), .name("version"), .value(values.version ?? "0")) }
                textField("name", label: "Full name", value: values.name, errors: errors, FieldOptions(autocomplete: "off"))
                textField("email", label: "Email address", value: values.email, errors: errors,
                          FieldOptions(hint: "They sign in with this address.", autocomplete: "off", spellcheck: false, inputMode: "email"))
                textField("job-title", label: "Job title (optional)", value: values.jobTitle, errors: errors)
                checkboxes("roles", legend: "Roles", choices: Role.allCases.map { Choice(value: $0.rawValue, label: $0.label, hint: $0.summary) },
                           checked: Set(values.roles ?? []), errors: errors, hint: "Select all that apply.")
                selectField("division", label: "Division (for Members)", choices: choices.divisions, selected: values.divisionID,
                            errors: errors, hint: "The electoral division a Member represents.", placeholder: "None")
                selectField("party", label: "Party (for Members, optional)", choices: choices.parties, selected: values.partyID,
                            errors: errors, hint: "A Member may share enquiries with Members of their division or party. Add parties on the elections page.", placeholder: "None")
                textField("term-starts", label: "First day of the term of office (for Members, optional)", value: values.termStartsOn, errors: errors,
                          FieldOptions(hint: "Leave empty for a Member already in office. Before this day they have no access as a Member.", type: "date", width: "short"))
                textField("term-ends", label: "Last day of the term of office (for Members, optional)", value: values.termEndsOn, errors: errors,
                          FieldOptions(hint: "After this day they see nothing as a Member. Recording an election sets it for Members who leave.", type: "date", width: "short"))
                checkboxes("service-areas", legend: "Service areas (for co-ordinators)", choices: choices.serviceAreas,
                           checked: Set(values.serviceAreas ?? []), errors: errors,
                           hint: "A co-ordinator sees and manages the enquiries of these areas.")
                textField("password", label: user == nil ? "Password" : "New password (optional)", value: nil, errors: errors,
                          FieldOptions(hint: "At least \(PasswordRules.minimumLength) characters." + (user == nil ? "" : " Leave empty to keep the current password. Setting one signs the person out everywhere."),
                                       type: "password", autocomplete: "new-password"))
                submitButton(user == nil ? "Add user" : "Save changes")
            }
            if let user {
                let id = user.id
                if user.isActive {
                    if !model.isOwnAccount {
                        htmlForm(.method("post"), .action("/admin/users/\(id.uuidString)/deactivate")) {
                            csrfField(model.csrfToken)
                            h2 { "Deactivate this account" }
                            para { "They will be signed out at once and cannot sign in again until reactivated. Their records stay." }
                            submitButton("Deactivate \(user.name)", style: "warning")
                        }
                    }
                } else {
                    htmlForm(.method("post"), .action("/admin/users/\(id.uuidString)/reactivate")) {
                        csrfField(model.csrfToken)
                        submitButton("Reactivate \(user.name)", style: "secondary")
                    }
                }
            }
        }
    }
}
