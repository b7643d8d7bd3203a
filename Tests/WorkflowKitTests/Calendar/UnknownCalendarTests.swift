import Foundation
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// A calendar the registry in use does not hold is an error naming the process and the
/// calendar, wherever a date is counted: never a silent Finnish calendar.
@Suite("Unknown calendars")
struct UnknownCalendarTests {
    typealias Fixture = PersonalDataTests

    @Test("a process's calendar from a registry without it is an error naming the process and the calendar")
    func namesWhatIsMissing() throws {
        let definition = try Fixture.definition()
        let error = #expect(throws: UnknownCalendar.self) { try definition.calendar(in: CalendarRegistry()) }
        #expect(error == UnknownCalendar(process: "privacy-test", calendar: "fi", registered: []))
        #expect(error?.description == "Process 'privacy-test' names the calendar 'fi', which is not registered (no calendar is).")
        let other = #expect(throws: UnknownCalendar.self) {
            try definition.calendar(in: CalendarRegistry([RegionalCalendar(base: FinnishCalendar(), id: "fi-x", closedDays: [])]))
        }
        #expect(other?.description == "Process 'privacy-test' names the calendar 'fi', which is not registered (registered: fi-x).")
        #expect(try definition.calendar(in: .standard).id == "fi")
    }

    @Test("an engine without the process's calendar opens, erases and sweeps nothing, and says which calendar")
    func engineRefusesWithoutCalendar() async throws {
        let directory = try TemporaryDirectory()
        let (database, engine) = try Fixture.open(directory.path("log.sqlite"))
        try await Fixture.plantedCase(engine)
        try await engine.execute(.fire(event: "done"), on: "c-1", by: Acting("anna"))
        let position = try await database.events.lastPosition()
        let bare = Engine(database: database, calendars: CalendarRegistry(), now: { Fixture.now })
        let expected = UnknownCalendar(process: "privacy-test", calendar: "fi", registered: [])

        let opening = await #expect(throws: UnknownCalendar.self) {
            try await bare.open(
                try Fixture.definition(), caseID: "c-2", fields: ["releaseDate": .date(LocalDate(Fixture.releaseDate)!)],
                by: Acting("anna"))
        }
        #expect(opening == expected)
        let erasing = await #expect(throws: UnknownCalendar.self) {
            try await bare.execute(.erase(reason: "Asked by the client."), on: "c-1", by: Acting("archivist"))
        }
        #expect(erasing == expected)
        let rule = RetentionRule(retentionClass: "test", keep: DateDuration(1, .days))
        let sweeping = await #expect(throws: UnknownCalendar.self) {
            try await RetentionSweep(engine: bare, currentRules: ["privacy-test": rule]).run(by: Acting("archivist"))
        }
        #expect(sweeping == expected)
        #expect(try await database.events.lastPosition() == position)
        #expect(try await database.cases().first?.erasedOn == nil)
    }

    @Test("document disclosure without the process's calendar discloses nothing")
    func disclosureWithoutCalendar() async throws {
        let fixture = try await DocumentDisclosureTests.Fixture()
        let position = try await fixture.database.events.lastPosition()
        let bare = Engine(database: fixture.database, calendars: CalendarRegistry())
        let error = await #expect(throws: UnknownCalendar.self) {
            try await bare.disclose(document: "advance-information", cases: ["both", "social-only"], by: Acting("chair"))
        }
        #expect(error?.calendar == "fi")
        #expect(try await fixture.database.events.lastPosition() == position)
    }
}
