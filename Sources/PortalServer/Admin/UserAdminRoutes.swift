import Fluent
import PortalCore
import SQLKit
import Vapor

/// The administrator's list of users, and adding, editing, deactivating and reactivating them.
enum UserAdminRoutes {
    static let pageSize = 50

    struct ListQuery: Content {
        var q: String?
        var role: String?
        var status: String?
        var page: String?
    }

    /// A user as the administrator's pages show them.
    struct Account {
        let id: UUID
        let name: String
        let email: String
        let roles: RoleSet
        let isActive: Bool

        init(_ user: User) throws {
            id = try user.requireID()
            name = user.name
            email = user.email
            roles = user.roles
            isActive = user.isActive
        }
    }

    struct ListModel {
        var users: [Account]
        var filters: ListQuery
        var page: Int
        var total: Int
    }

    struct FormModel {
        var csrfToken: String
        /// The user being edited; nil on the form that adds one.
        var account: Account?
        /// The administrator editing their own account is not offered its deactivation.
        var isOwnAccount: Bool
        var form: UserForm
        var choices: FormChoices
        var errors: FormErrors
        var status: HTTPResponseStatus
    }

    @Sendable static func list(_ request: Request) async throws -> Response {
        let filters = try request.query.decode(ListQuery.self)
        let page = try request.pageNumber(filters.page)
        return request.render(UserAdminPages.list(try await query(filters, page: page, on: request.db)))
    }

    static func query(_ filters: ListQuery, page: Int, on db: any Database) async throws -> ListModel {
        var query = User.query(on: db)
        if let text = filters.q?.trimmingWhitespace(), !text.isEmpty {
            let pattern = "%\(text.lowercased())%"
            query = query.group(.or) { group in
                group.filter(.sql(unsafeRaw: "LOWER(name)"), .custom("LIKE"), .bind(pattern))
                group.filter(\.$email, .custom("LIKE"), pattern)
            }
        }
        if let role = filters.role.flatMap(Role.init(rawValue:)) {
            switch role {
            case .member: query = query.filter(\.$isMember == true)
            case .coordinator: query = query.filter(\.$isCoordinator == true)
            case .responder: query = query.filter(\.$isResponder == true)
            case .administrator: query = query.filter(\.$isAdministrator == true)
            }
        }
        switch filters.status {
        case "active": query = query.filter(\.$isActive == true)
        case "inactive": query = query.filter(\.$isActive == false)
        default: break
        }
        let total = try await query.count()
        let users = try await query.sort(\.$name).range(((page - 1) * pageSize)..<(page * pageSize)).all()
        return ListModel(users: try users.map(Account.init), filters: filters, page: page, total: total)
    }

    /// The add or edit form, as the handler has it.
    private static func formPage(_ request: Request, user: User?, form: UserForm, choices: FormChoices, errors: FormErrors,
                                 status: HTTPResponseStatus = .ok) throws -> Response {
        let account = try user.map(Account.init)
        return request.render(UserAdminPages.form(FormModel(
            csrfToken: request.csrfToken, account: account, isOwnAccount: account != nil && account?.id == request.currentUser?.id,
            form: form, choices: choices, errors: errors, status: status)))
    }

    @Sendable static func new(_ request: Request) async throws -> Response {
        let choices = try await FormChoices.load(on: request.db)
        return try formPage(request, user: nil, form: UserForm(), choices: choices, errors: FormErrors())
    }

    @Sendable static func create(_ request: Request) async throws -> Response {
        let form = try request.content.decode(UserForm.self)
        let choices = try await FormChoices.load(on: request.db)
        switch form.validate(passwordRequired: true, divisions: choices.divisionIDs, serviceAreas: choices.serviceAreaIDs, parties: choices.partyIDs) {
        case .failure(let errors):
            return try formPage(request, user: nil, form: form, choices: choices, errors: errors)
        case .success(let valid):
            if try await User.query(on: request.db).filter(\.$email == valid.email.value).count() > 0 {
                var errors = FormErrors()
                errors.add("email", "A user with this email address already exists")
                return try formPage(request, user: nil, form: form, choices: choices, errors: errors)
            }
            let hash = try await request.password.async.hash(valid.password ?? "")
            let user = User(name: valid.name, email: valid.email, passwordHash: hash, roles: valid.roles,
                            jobTitle: valid.jobTitle, divisionID: valid.divisionID, at: request.now)
            user.partyID = valid.partyID
            user.termStartsOn = valid.term.starts?.iso
            user.termEndsOn = valid.term.ends?.iso
            try await request.db.transaction { db in
                try await user.create(on: db)
                try await replaceAreas(of: try user.requireID(), with: valid.serviceAreaIDs, on: db)
            }
            await request.application.peopleDirectoryCache.invalidate()
            return request.seeOther("/admin/users", flash: "\(valid.name) has been added.")
        }
    }

    @Sendable static func edit(_ request: Request) async throws -> Response {
        let user = try await find(request)
        let areas = try await areaIDs(of: try user.requireID(), on: request.db)
        let choices = try await FormChoices.load(on: request.db)
        return try formPage(request, user: user, form: UserForm(user: user, serviceAreaIDs: areas), choices: choices, errors: FormErrors())
    }

    @Sendable static func update(_ request: Request) async throws -> Response {
        let user = try await find(request)
        let userID = try user.requireID()
        let form = try request.content.decode(UserForm.self)
        let choices = try await FormChoices.load(on: request.db)
        var errors: FormErrors
        switch form.validate(passwordRequired: false, divisions: choices.divisionIDs, serviceAreas: choices.serviceAreaIDs, parties: choices.partyIDs) {
        case .failure(let found): errors = found
        case .success(let valid):
            errors = FormErrors()
            if try await User.query(on: request.db).filter(\.$email == valid.email.value).filter(\.$id != userID).count() > 0 {
                errors.add("email", "A user with this email address already exists")
            }
            if userID == request.currentUser?.id, !valid.roles.contains(.administrator) {
                errors.add("roles", "You cannot remove your own administrator role; ask another administrator")
            }
            if errors.isEmpty {
                let hash = try await valid.password.asyncMap { try await request.password.async.hash($0) }
                let saved = try await save(user, from: valid, expectedVersion: RequestNumber.version(form.version) ?? -1, passwordHash: hash, at: request.now,
                                           on: request.db, sessions: request.application.sessionCache)
                if saved {
                    await request.application.peopleDirectoryCache.invalidate()
                    if hash != nil { try await SessionStore.endAll(for: userID, on: request.db, sessions: request.application.sessionCache) }
                    return request.seeOther("/admin/users", flash: "Changes to \(valid.name) have been saved.")
                }
                errors.add("name", "Someone else changed this user while you were editing. Their changes are shown below; make yours again and save.")
                let fresh = try await find(request)
                var refreshed = UserForm(user: fresh, serviceAreaIDs: try await areaIDs(of: userID, on: request.db))
                refreshed.version = String(fresh.version)
                return try formPage(request, user: fresh, form: refreshed, choices: choices, errors: errors, status: .conflict)
            }
        }
        return try formPage(request, user: user, form: form, choices: choices, errors: errors)
    }

    /// Saves only if nobody has saved since the form was opened: the update matches on the
    /// version the form carried and bumps it; no row returned means someone else saved first.
    static func save(_ user: User, from valid: UserForm.Valid, expectedVersion: Int, passwordHash: String?, at now: Date, on db: any Database,
                     sessions: SessionCache) async throws -> Bool {
        let userID = try user.requireID()
        return try await db.transaction { db in
            var update = db.sql.update(User.schema)
                .set("name", to: valid.name).set("email", to: valid.email.value)
                .set("job_title", to: valid.jobTitle).set("division_id", to: valid.divisionID)
                .set("party_id", to: valid.partyID)
                .set("term_starts_on", to: valid.term.starts?.iso).set("term_ends_on", to: valid.term.ends?.iso)
                .set("is_member", to: valid.roles.contains(.member))
                .set("is_coordinator", to: valid.roles.contains(.coordinator))
                .set("is_responder", to: valid.roles.contains(.responder))
                .set("is_administrator", to: valid.roles.contains(.administrator))
                .set("version", to: expectedVersion + 1)
                .set("updated_at", to: now)
            if let passwordHash { update = update.set("password_hash", to: passwordHash) }
            let changed = try await update
                .where("id", .equal, userID).where("version", .equal, expectedVersion)
                .returning("id").all()
            guard !changed.isEmpty else { return false }
            try await replaceAreas(of: userID, with: valid.serviceAreaIDs, on: db)
            // Their name, roles and areas travel with their sessions.
            sessions.changed(userID)
            return true
        }
    }

    @Sendable static func deactivate(_ request: Request) async throws -> Response {
        let user = try await find(request)
        let userID = try user.requireID()
        guard userID != request.currentUser?.id else {
            return request.seeOther("/admin/users/\(userID)", flash: "You cannot deactivate your own account.")
        }
        user.isActive = false
        user.version += 1
        user.updatedAt = request.now
        try await request.db.transaction { db in
            try await user.update(on: db)
            try await SessionStore.endAll(for: userID, on: db, sessions: request.application.sessionCache)
        }
        await request.application.peopleDirectoryCache.invalidate()
        return request.seeOther("/admin/users", flash: "\(user.name) has been deactivated and signed out.")
    }

    @Sendable static func reactivate(_ request: Request) async throws -> Response {
        let user = try await find(request)
        user.isActive = true
        user.version += 1
        user.updatedAt = request.now
        try await user.update(on: request.db)
        await request.application.peopleDirectoryCache.invalidate()
        return request.seeOther("/admin/users", flash: "\(user.name) has been reactivated.")
    }

    private static func find(_ request: Request) async throws -> User {
        guard let id = request.parameters.get("userID", as: UUID.self), let user = try await User.find(id, on: request.db) else {
            throw Abort(.notFound)
        }
        return user
    }

    static func areaIDs(of userID: UUID, on db: any Database) async throws -> [UUID] {
        try await CoordinatorArea.query(on: db).filter(\.$user.$id == userID).all(\.$serviceArea.$id)
    }

    private static func replaceAreas(of userID: UUID, with areas: [UUID], on db: any Database) async throws {
        try await CoordinatorArea.query(on: db).filter(\.$user.$id == userID).delete()
        for area in areas { try await CoordinatorArea(userID: userID, serviceAreaID: area).create(on: db) }
    }
}

/// The divisions and service areas the user form offers.
struct FormChoices {
    var divisions: [Choice]
    var serviceAreas: [Choice]
    var divisionIDs: Set<UUID>
    var serviceAreaIDs: Set<UUID>
    var parties: [Choice] = []
    var partyIDs: Set<UUID> = []

    static func load(on db: any Database) async throws -> FormChoices {
        let divisions = try await Division.query(on: db).sort(\.$name).all()
        let areas = try await ServiceArea.query(on: db).filter(\.$isActive == true).sort(\.$name).all()
        let parties = try await Parties.all(on: db)
        return FormChoices(
            divisions: divisions.map { Choice(value: $0.id!.uuidString, label: $0.name) },
            serviceAreas: areas.map { Choice(value: $0.id!.uuidString, label: $0.name) },
            divisionIDs: Set(divisions.compactMap(\.id)), serviceAreaIDs: Set(areas.compactMap(\.id)),
            parties: parties.map { Choice(value: $0.id.uuidString, label: $0.name) }, partyIDs: Set(parties.map(\.id)))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
