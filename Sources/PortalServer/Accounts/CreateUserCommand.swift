import Fluent
import Foundation
import PortalCore
import Vapor

/// `portal create-user`: the first administrator of a real council, or anyone else from a script.
/// The password is read from standard input (one line) when it is not a terminal, else prompted.
public struct CreateUserCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "name", help: "Full name") var name: String?
        @Option(name: "email", help: "Email address they sign in with") var email: String?
        @Option(name: "roles", help: "Comma-separated: member, coordinator, responder, administrator") var roles: String?
        @Option(name: "service-areas", help: "For co-ordinators: comma-separated service area names") var serviceAreas: String?
        public init() {}
    }

    public var help: String { "Adds a user, e.g. the council's first administrator." }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        guard let name = signature.name?.trimmingWhitespace(), !name.isEmpty else { throw ConfigurationError("Give the person's name with --name") }
        guard TextRules.isSingleLine(name), name.count <= UserForm.nameLimit else {
            throw ConfigurationError(TextRules.isSingleLine(name) ? "The name must be \(UserForm.nameLimit) characters or fewer" : TextRules.singleLineMessage("the name"))
        }
        guard let rawEmail = signature.email else { throw ConfigurationError("Give an email address with --email") }
        let email: EmailAddress
        switch EmailAddress.parse(rawEmail) {
        case .success(let parsed): email = parsed
        case .failure(let problem): throw ConfigurationError(problem.message)
        }
        var roles: [Role] = []
        for text in (signature.roles ?? "").split(separator: ",") {
            guard let role = Role(loose: String(text)) else {
                throw ConfigurationError("Unknown role \"\(text)\"; use member, coordinator, responder or administrator")
            }
            roles.append(role)
        }
        guard !roles.isEmpty else { throw ConfigurationError("Give at least one role with --roles, e.g. --roles administrator") }
        var areaIDs: [UUID] = []
        for areaName in (signature.serviceAreas ?? "").split(separator: ",").map({ $0.trimmingWhitespace() }) where !areaName.isEmpty {
            guard let area = try await ServiceArea.query(on: app.db).filter(\.$name == areaName).first() else {
                throw ConfigurationError("No service area is named \"\(areaName)\"")
            }
            areaIDs.append(try area.requireID())
        }
        if roles.contains(.coordinator), areaIDs.isEmpty {
            throw ConfigurationError("A co-ordinator needs --service-areas, e.g. --service-areas Highways")
        }
        if try await User.query(on: app.db).filter(\.$email == email.value).count() > 0 {
            throw ConfigurationError("A user with the email address \(email) already exists")
        }
        let password = readPassword(context)
        if let problem = PasswordRules.problem(with: password) { throw ConfigurationError(problem) }
        let hash = try await app.password.async.hash(password)
        let user = User(name: name, email: email, passwordHash: hash, roles: RoleSet(roles), at: app.now)
        let areas = areaIDs
        try await app.db.transaction { db in
            try await user.create(on: db)
            for area in areas { try await CoordinatorArea(userID: try user.requireID(), serviceAreaID: area).create(on: db) }
        }
        context.console.print("Added \(name) <\(email)> as \(RoleSet(roles).labels).")
    }

    private func readPassword(_ context: CommandContext) -> String {
        if isatty(STDIN_FILENO) == 1 {
            return context.console.ask(ConsoleText(stringLiteral: "Password (at least \(PasswordRules.minimumLength) characters):"), isSecure: true)
        }
        var line = readLine(strippingNewline: true) ?? ""
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
