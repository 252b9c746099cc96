import Fluent
import PortalCore
import Vapor

/// `portal api-client NAME --scopes enquiries:read,reports:read [--member EMAIL | --area NAME]
/// [--per-minute N]`: makes an API client, as `/admin/api` does, and prints its token alone (for a
/// council's deployment scripts). The token is not shown again.
public struct ApiClientCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "name", help: "The client's name") var name: String
        @Option(name: "scopes", help: "Comma-separated: enquiries:read, enquiries:write, channel:create, reports:read") var scopes: String?
        @Option(name: "member", help: "The email address of the Member it acts for") var member: String?
        @Option(name: "area", help: "The name of the service area it acts for") var area: String?
        @Option(name: "per-minute", help: "Calls a minute before 429 (default 600)") var perMinute: String?
        public init() {}
    }

    public var help: String { "Makes an API client and prints its token." }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        let db = app.db
        var memberID: String?, areaID: String?
        if let email = signature.member {
            guard let user = try await User.query(on: db).filter(\.$email == email.lowercased()).first(), user.isMember else {
                throw ConfigurationError("No Member has the address \(email)")
            }
            memberID = user.id?.uuidString
        }
        if let name = signature.area {
            guard let area = try await ServiceArea.query(on: db).filter(\.$name == name).first() else { throw ConfigurationError("No service area is called \(name)") }
            areaID = area.id?.uuidString
        }
        let form = ApiAdminRoutes.Form(name: signature.name, scopes: (signature.scopes ?? "").split(separator: ",").map { $0.trimmingWhitespace() },
                                       acting: memberID != nil ? "member" : areaID != nil ? "area" : "all", member: memberID, area: areaID,
                                       perMinute: signature.perMinute)
        let taken = Set(try await ApiClients.list(on: db).map { $0.name.lowercased() })
        let members = Set(try await User.query(on: db).filter(\.$isMember == true).all().compactMap(\.id))
        let areas = Set(try await ServiceArea.query(on: db).all().compactMap(\.id))
        switch ApiAdminRoutes.validate(form, members: members, areas: areas, takenNames: taken) {
        case .failure(let errors):
            throw ConfigurationError(errors.all.map(\.message).joined(separator: "; "))
        case .success(let valid):
            let made = try await ApiClients.create(valid, by: nil, at: app.now, on: db)
            context.console.print(made.token)
        }
    }
}
