import Fluent
import Vapor

/// `portal audit verify`: checks every link of the audit trail's hash chain and reports the first
/// broken entry. Exits non-zero when the chain is broken.
public struct AuditCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "action", help: "verify, or reseal") var action: String
        public init() {}
    }

    public var help: String { "Checks the audit trail's hash chain (portal audit verify), or reseals entries written before seals (portal audit reseal)." }

    public init() {}

    public func run(using context: CommandContext, signature: Signature) async throws {
        guard ["verify", "reseal"].contains(signature.action) else {
            throw ConfigurationError("Unknown audit action \"\(signature.action)\"; use: portal audit verify, or portal audit reseal")
        }
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        if signature.action == "reseal" {
            switch try await AuditReseal.run(at: app.now, on: app.db) {
            case .nothingToReseal:
                context.console.print("Nothing to reseal: no entry holds a resident's values in its chained text.")
            case .refused(let verification):
                throw ConfigurationError("The audit trail was not resealed, as it does not verify: \(verification)")
            case .resealed(let entries, let from, let rechained, let before, let after):
                context.console.print("Resealed \(entries) entries; the chain is re-anchored from entry \(from) (\(rechained) entries). Head before: \(before). Head after: \(after).")
            }
            return
        }
        switch try await AuditTrail.verify(on: app.db) {
        case .intact(let entries):
            context.console.print("The audit trail is intact: \(entries) entries checked.")
        case .broken(let sequence, let reason):
            throw ConfigurationError("The audit trail is broken at entry \(sequence): \(reason)")
        }
    }
}
