import Fluent
import Foundation
import PortalCore
import SQLKit

/// Loads the demo council into an empty database. Deterministic: the same people, places and
/// teams every time, so the README, the tests and a newcomer all see one council.
enum DemoCouncil {
    static func load(on database: any Database, passwordHash: String, withEnquiries: Bool = true, at now: Date) async throws {
        try await loadCouncil(on: database, passwordHash: passwordHash, at: now)
        try await DemoPlaces.loadBoundaries(on: database)
        try await loadChristmasClosures(on: database, at: now)
        try await DemoPartners.load(on: database, at: now)
        if withEnquiries {
            try await DemoPlaces.loadAssetsAndAddresses(on: database)
            try await DemoEnquiries.load(on: database, at: now)
        }
    }

    /// Like many councils, the demo council closes between Christmas and New Year: the working
    /// days from 27 to 31 December, last year (which the demo's history spans), this year and next.
    static func loadChristmasClosures(on database: any Database, at now: Date) async throws {
        let calendar = WorkingCalendar(nation: .englandAndWales)
        let year = WorkingDayClock(calendar: calendar).localDate(of: now).year
        for year in [year - 1, year, year + 1] {
            for day in 27...31 {
                guard case .success(let closure) = ClosureDayForm.validate(day: "\(year)-12-\(day)", name: "Christmas closure", calendar: calendar)
                else { continue }
                try await database.sql.insert(into: "closure_days").columns("id", "day", "name", "added_at")
                    .values(SQLBind(UUID()), SQLBind(closure.date.iso), SQLBind(closure.name), SQLBind(now)).run()
            }
        }
    }

    private static func loadCouncil(on database: any Database, passwordHash: String, at now: Date) async throws {
        try await database.transaction { db in
            var divisions: [String: UUID] = [:]
            for districtData in DemoCouncilData.districts {
                let district = District(name: districtData.name)
                try await district.create(on: db)
                for divisionData in districtData.divisions {
                    let division = Division(name: divisionData.name, districtID: try district.requireID())
                    try await division.create(on: db)
                    divisions[divisionData.name] = try division.requireID()
                    for parish in divisionData.parishes {
                        try await Parish(name: parish, districtID: try district.requireID(), divisionID: try division.requireID()).create(on: db)
                    }
                }
            }
            var areas: [String: UUID] = [:]
            for area in try await ServiceArea.query(on: db).all() { areas[area.name] = try area.requireID() }
            for (areaName, teams) in DemoCouncilData.teams.sorted(by: { $0.key < $1.key }) {
                guard let areaID = areas[areaName] else { continue }
                for team in teams {
                    try await Team(serviceAreaID: areaID, name: team.team, workStreams: team.workStreams).create(on: db)
                }
            }
            if let highways = areas[DefaultServiceAreas.highways] {
                for name in DemoCouncilData.highwaysWorksAreas {
                    try await WorksArea(serviceAreaID: highways, name: name).create(on: db)
                }
            }
            for person in DemoCouncilData.people {
                guard case .success(let email) = EmailAddress.parse(person.email) else { continue }
                let user = User(name: person.name, email: email, passwordHash: passwordHash,
                                roles: RoleSet(person.roles.compactMap(Role.init(rawValue:))),
                                jobTitle: person.jobTitle, divisionID: person.division.flatMap { divisions[$0] }, at: now)
                try await user.create(on: db)
                for areaName in person.serviceAreas {
                    guard let areaID = areas[areaName] else { continue }
                    try await CoordinatorArea(userID: try user.requireID(), serviceAreaID: areaID).create(on: db)
                }
            }
        }
    }
}
