import Fluent
import Vapor

/// `portal audit verify`: checks every link of the audit trail's hash chain and reports the first
/// broken entry. Exits non-zero when the chain is broken.
public struct AuditCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify") var action: String
        public init() {}
    }

    public var help: String { "Checks the audit trail's hash chain (portal audit verify)." }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.action == "verify" else { throw ConfigurationError("Unknown audit action \"\(signature.action)\"; use: portal audit verify") }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        switch try await AuditTrail.verify(on: app.db) {
        case .intact(let entries):
            context.console.print("The audit trail is intact: \(entries) entries checked.")
        case .broken(let sequence, let reason):
            throw ConfigurationError("The audit trail is broken at entry \(sequence): \(reason)")
        }
    }
}
