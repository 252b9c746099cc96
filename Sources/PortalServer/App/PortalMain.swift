import Foundation
import NIOCore
import Vapor

/// The `portal` executable: `demo`, `serve`, `migrate`, `create-user`, `fake-highways` and Vapor's own commands.
/// Every start-up problem ends as one line on stderr and a non-zero exit, never a crash trace.
public enum PortalMain {
    public static func run(arguments: [String]) async -> Int32 {
        var arguments = CalendarCommand.rewrite(arguments)
        let command = arguments.dropFirst().first
        let demo = command == "demo"
        if demo { arguments[1] = "serve" }
        if command == nil { arguments.append("serve") }
        let isServing = demo || command == nil || command == "serve"

        var environment: Environment
        do {
            environment = try Environment.detect(arguments: arguments)
            try LoggingSystem.bootstrap(from: &environment)
        } catch {
            return fail("\(error)")
        }
        let configuration: PortalConfiguration
        do { configuration = try PortalConfiguration.fromEnvironment(demoMode: demo) } catch { return fail(error.description) }

        let app: Application
        do { app = try await Application.make(environment) } catch { return fail("\(error)") }
        app.asyncCommands.use(CreateUserCommand(), as: "create-user")
        app.asyncCommands.use(AuditCommand(), as: "audit")
        app.asyncCommands.use(ApiClientCommand(), as: "api-client")
        app.asyncCommands.use(CalendarCommand(), as: "calendar")
        app.asyncCommands.use(GeographyCommand(), as: "geography")
        app.asyncCommands.use(PlacesBenchmarkCommand(), as: "benchmark-places")
        app.asyncCommands.use(SeedVolumeCommand(), as: "seed-volume")
        app.asyncCommands.use(HighwaysBenchmarkCommand(), as: "benchmark-highways")
        app.asyncCommands.use(FakeHighwaysCommand(), as: "fake-highways")
        var status: Int32 = 0
        do {
            try await configure(app, configuration)
            if isServing {
                try await Startup.checkDatabase(app)
                var highways: String?
                if demo {
                    try await Startup.prepareDemo(app)
                    highways = try await DemoHighways.attach(app)
                } else {
                    try await Startup.requireMigrated(app)
                }
                app.lifecycle.use(RepeatingJob.deadlineReminders)
                app.lifecycle.use(RepeatingJob.uploadSweep)
                app.lifecycle.use(RepeatingJob.mail)
                app.lifecycle.use(RepeatingJob.highways)
                app.lifecycle.use(RepeatingJob.partnerWebhooks)
                app.lifecycle.use(RepeatingJob.webhooks)
                app.lifecycle.use(RepeatingJob.followUpWindow)
                app.lifecycle.use(RepeatingJob.retention)
                app.lifecycle.use(RepeatingJob.handover)
                app.logger.notice("Member Portal for \(configuration.councilName) on \(configuration.databaseDescription)")
                if demo { Startup.greetOnceListening(app, highways: highways) }
            }
            try await app.execute()
        } catch let error as ConfigurationError {
            status = fail(error.description)
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            status = fail("The address is already in use: another program is listening on that port; stop it or choose another with --port")
        } catch {
            status = fail(Startup.describe(error))
        }
        try? await app.asyncShutdown()
        return status
    }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("portal: \(message)\n".utf8))
        return 1
    }
}
