import Foundation
import PortalCore
import Testing

@Suite struct WorkingDayClockTests {
    let clock = WorkingDayClock(calendar: WorkingCalendar(nation: .englandAndWales))

    /// An instant given in UTC, as the database stores it.
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func fridayEveningCountsFromMonday() {
        let friday = utc("2026-03-06T18:00:00Z")
        #expect(clock.receivedDay(friday) == day("2026-03-09"))
        #expect(clock.deadline(workingDays: 10, receivedAt: friday) == day("2026-03-23"))
        // 28 working days cross Good Friday and Easter Monday 2026.
        #expect(clock.deadline(workingDays: 28, receivedAt: friday) == day("2026-04-20"))
        // One minute before the close counts Friday itself.
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-03-06T16:59:00Z")) == day("2026-03-20"))
    }

    @Test func bankHolidayCountsFromTheNextWorkingDay() {
        let easterMonday = utc("2026-04-06T09:00:00Z")
        #expect(clock.receivedDay(easterMonday) == day("2026-04-07"))
        #expect(clock.deadline(workingDays: 10, receivedAt: easterMonday) == day("2026-04-21"))
    }

    @Test func christmasEve() {
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-12-24T10:00:00Z")) == day("2027-01-12"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-12-24T17:30:00Z")) == day("2027-01-13"))
        let closed = WorkingDayClock(calendar: WorkingCalendar(closures: ["2026-12-29", "2026-12-30", "2026-12-31"].map {
            Holiday(date: day($0), name: "Council closure")
        }))
        #expect(closed.deadline(workingDays: 10, receivedAt: utc("2026-12-24T10:00:00Z")) == day("2027-01-15"))
    }

    @Test func clockChangesInMarchAndOctober() {
        // Friday before the spring change: 16:30 GMT is before the close.
        #expect(clock.receivedDay(utc("2026-03-27T16:30:00Z")) == day("2026-03-27"))
        // Monday after it: 15:30 UTC is 16:30 BST, before the close; 16:30 UTC is 17:30 BST, after it.
        #expect(clock.receivedDay(utc("2026-03-30T15:30:00Z")) == day("2026-03-30"))
        #expect(clock.receivedDay(utc("2026-03-30T16:30:00Z")) == day("2026-03-31"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-03-30T16:30:00Z")) == day("2026-04-16"))
        // Autumn: 16:30 UTC on the Friday before is 17:30 BST, after the close; on the Monday after, 16:30 GMT, before it.
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-10-23T16:30:00Z")) == day("2026-11-09"))
        #expect(clock.deadline(workingDays: 10, receivedAt: utc("2026-10-26T16:30:00Z")) == day("2026-11-09"))
        // Half past midnight in summer is already the next day in London.
        #expect(clock.localDate(of: utc("2026-06-30T23:30:00Z")) == day("2026-07-01"))
        #expect(clock.startOfDay(day("2026-07-01")) == utc("2026-06-30T23:00:00Z"))
        #expect(clock.startOfDay(day("2026-10-25")) == utc("2026-10-24T23:00:00Z"))
        #expect(clock.startOfDay(day("2026-10-26")) == utc("2026-10-26T00:00:00Z"))
    }

    @Test func workingDaysTaken() {
        let received = utc("2026-03-06T18:00:00Z")  // counts from Monday 9 March
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-07T10:00:00Z")) == 0)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-09T16:00:00Z")) == 0)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-10T08:00:00Z")) == 1)
        #expect(clock.workingDaysTaken(from: received, to: utc("2026-03-23T22:00:00Z")) == 10)
    }

    @Test func workingHours() {
        #expect(clock.isWorkingHours(utc("2026-11-23T09:00:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-23T08:59:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-23T17:00:00Z")))
        #expect(!clock.isWorkingHours(utc("2026-11-21T12:00:00Z")))  // Saturday
        #expect(!clock.isWorkingHours(utc("2026-12-28T12:00:00Z")))  // substitute Boxing Day
        #expect(clock.isWorkingHours(utc("2026-07-01T08:30:00Z")))   // 09:30 BST
        #expect(!clock.isWorkingHours(utc("2026-07-01T16:30:00Z")))  // 17:30 BST
    }

    @Test func standings() {
        let due = day("2026-11-25")  // a Wednesday
        #expect(clock.standing(of: due, at: utc("2026-11-23T12:00:00Z")) == .dueIn(2))
        #expect(clock.standing(of: due, at: utc("2026-11-23T12:00:00Z")).isAtRisk)
        #expect(clock.standing(of: due, at: utc("2026-11-20T12:00:00Z")) == .dueIn(3))
        #expect(!clock.standing(of: due, at: utc("2026-11-20T12:00:00Z")).isAtRisk)
        #expect(clock.standing(of: due, at: utc("2026-11-25T23:30:00Z")) == .dueToday)
        #expect(clock.standing(of: due, at: utc("2026-11-26T00:30:00Z")) == .overdue(1))
        #expect(clock.standing(of: day("2026-11-27"), at: utc("2026-11-28T10:00:00Z")) == .overdue(0))
        #expect(DeadlineStanding.overdue(3).words == "overdue by 3 working days")
        #expect(DeadlineStanding.dueIn(1).words == "due in 1 working day")
        #expect(DeadlineStanding.dueToday.words == "due today")
    }

    @Test func policiesPreferTheMostSpecific() {
        let area = UUID(), type = UUID(), otherArea = UUID(), otherType = UUID()
        let policies = ServiceLevelPolicies([
            .init(serviceAreaID: nil, typeID: nil): .init(firstResponseDays: 8, completionDays: 20),
            .init(serviceAreaID: area, typeID: nil): .init(firstResponseDays: 5, completionDays: 15),
            .init(serviceAreaID: nil, typeID: type): .init(firstResponseDays: 2, completionDays: 10),
            .init(serviceAreaID: area, typeID: type): .init(firstResponseDays: 1, completionDays: 3),
        ])
        #expect(policies.level(serviceArea: area, type: type).firstResponseDays == 1)
        #expect(policies.level(serviceArea: otherArea, type: type).firstResponseDays == 2)
        #expect(policies.level(serviceArea: area, type: otherType).firstResponseDays == 5)
        #expect(policies.level(serviceArea: otherArea, type: otherType).firstResponseDays == 8)
        #expect(ServiceLevelPolicies().level(serviceArea: area, type: type) == .standard)
    }

    @Test func validatesAdministratorInput() throws {
        #expect(try ServiceLevel.validate(firstResponse: " 5 ", completion: "20").get() == .init(firstResponseDays: 5, completionDays: 20))
        if case .failure(let errors) = ServiceLevel.validate(firstResponse: "", completion: "abc") {
            #expect(errors["firstResponseDays"] != nil)
            #expect(errors["completionDays"] != nil)
        } else { Issue.record("empty and non-numeric accepted") }
        if case .failure(let errors) = ServiceLevel.validate(firstResponse: "12", completion: "10") {
            #expect(errors["completionDays"]?.contains("shorter") == true)
        } else { Issue.record("completion shorter than first response accepted") }
        #expect((try? ServiceLevel.validate(firstResponse: "0", completion: "401").get()) == nil)
    }
}
