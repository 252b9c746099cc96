import Fluent
import PortalCore
import Vapor

/// `portal calendar`: the council's working-day calendar for administrators and scripts, with
/// its nation and closure days as the database holds them.
///
///     portal calendar holidays 2026              one day off a line: ISO date, a tab, its name
///     portal calendar add 2026-12-24 10          the date 10 working days after 24 December 2026
///     portal calendar between 2026-12-24 2027-01-12   working days after the first date up to the second
public struct CalendarCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Argument(name: "action", help: "holidays, add or between") var action: String
        @Argument(name: "value", help: "a year (holidays) or a date (add, between)") var value: String
        @Option(name: "and", help: "the second value: a number of working days (add) or a date (between)") var second: String?
        public init() {}
    }

    public var help: String {
        "The council's working days: portal calendar holidays YEAR | add DATE N | between DATE DATE"
    }

    public init() {}

    /// ConsoleKit takes one trailing value as an option, so `add DATE N` becomes `add DATE --and N`.
    static func rewrite(_ arguments: [String]) -> [String] {
        guard arguments.count == 5, arguments[1] == "calendar", !arguments[4].hasPrefix("-") else { return arguments }
        return Array(arguments.prefix(4)) + ["--and", arguments[4]]
    }

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Startup.checkDatabase(app)
        try await Startup.requireMigrated(app)
        let calendar = try await ServiceLevelSettings.load(on: app.db).calendar
        func date(_ text: String) throws -> CivilDate {
            guard let date = CivilDate(iso: text) else {
                throw ConfigurationError("\"\(text)\" is not a date; write dates as YYYY-MM-DD, for example 2026-12-24")
            }
            return date
        }
        switch signature.action {
        case "holidays":
            guard let year = Int(signature.value), (1900...2400).contains(year) else {
                throw ConfigurationError("\"\(signature.value)\" is not a year; for example: portal calendar holidays 2026")
            }
            for day in calendar.daysOff(in: year) { context.console.print("\(day.date.iso)\t\(day.name)") }
        case "add":
            guard let text = signature.second, let count = Int(text), abs(count) <= 10_000 else {
                throw ConfigurationError("Give a whole number of working days to add; for example: portal calendar add 2026-12-24 10")
            }
            context.console.print(calendar.adding(count, workingDaysTo: try date(signature.value)).iso)
        case "between":
            guard let text = signature.second else {
                throw ConfigurationError("Give two dates; for example: portal calendar between 2026-12-24 2027-01-12")
            }
            context.console.print(String(calendar.workingDays(from: try date(signature.value), to: try date(text))))
        default:
            throw ConfigurationError("Unknown calendar action \"\(signature.action)\"; use holidays, add or between")
        }
    }
}
