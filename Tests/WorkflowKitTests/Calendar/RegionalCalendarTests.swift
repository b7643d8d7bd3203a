import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    @Suite struct RegionalCalendarTests {
        typealias ClosedDays = RegionalCalendar.ClosedDays
        typealias MonthDay = RegionalCalendar.MonthDay

        func monthDay(_ text: String) -> MonthDay { MonthDay(text)! }

        let turku = RegionalCalendar(
            base: FinnishCalendar(),
            id: "fi-turku",
            closedDays: [
                .yearly(from: MonthDay("12-27")!, through: MonthDay("01-02")!, name: "Christmas closure"),
                .date(LocalDate("2026-09-18")!, name: "Staff training day"),
                .range(from: LocalDate("2026-08-03")!, through: LocalDate("2026-08-07")!, name: "Office move"),
            ]
        )

        @Test func closesAYearlyRangeAcrossNewYear() {
            for text in ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"] {
                #expect(!turku.isWorkingDay(date(text)), "\(text)")
            }
            #expect(turku.closure(on: date("2026-12-28")) == "Christmas closure")
            #expect(turku.closure(on: date("2027-01-01")) == "New Year's Day (uudenvuodenpäivä)")
            #expect(turku.isWorkingDay(date("2026-12-23")))
            #expect(turku.isWorkingDay(date("2027-01-04")))
            #expect(turku.closure(on: date("2026-12-26")) == "Boxing Day (tapaninpäivä)")
            // Every year, not only one.
            #expect(!turku.isWorkingDay(date("2030-12-30")))
            #expect(!turku.isWorkingDay(date("2031-01-02")))
            #expect(turku.isWorkingDay(date("2031-01-03")))
        }

        @Test func closesYearlyRangesWithinAYear() {
            let closedDays = ClosedDays.yearly(from: monthDay("07-01"), through: monthDay("07-31"), name: "Summer")
            #expect(closedDays.contains(date("2026-07-01")))
            #expect(closedDays.contains(date("2026-07-31")))
            #expect(!closedDays.contains(date("2026-06-30")))
            #expect(!closedDays.contains(date("2026-08-01")))
            let leapDay = ClosedDays.yearly(from: monthDay("02-29"), through: monthDay("02-29"), name: "Leap day")
            #expect(leapDay.contains(date("2028-02-29")))
            #expect(!leapDay.contains(date("2027-02-28")))
        }

        @Test func closesSingleDatesAndRanges() {
            #expect(!turku.isWorkingDay(date("2026-09-18")))
            #expect(turku.closure(on: date("2026-09-18")) == "Staff training day")
            #expect(turku.isWorkingDay(date("2027-09-17")))
            #expect(turku.isWorkingDay(date("2026-07-31")))
            for day in 3...7 {
                #expect(!turku.isWorkingDay(LocalDate(year: 2026, month: 8, day: day)!))
            }
            #expect(turku.isWorkingDay(date("2026-08-10")))
        }

        @Test func countsWorkingDaysAroundClosedDays() {
            // Closed 24 December to 3 January (holidays, closure, weekend); Epiphany on 6 January.
            #expect(turku.adding(workingDays: 1, to: date("2026-12-23")) == date("2027-01-04"))
            #expect(turku.adding(workingDays: 3, to: date("2026-12-23")) == date("2027-01-07"))
            #expect(turku.nextWorkingDay(onOrAfter: date("2026-12-28")) == date("2027-01-04"))
            #expect(turku.adding(workingDays: -1, to: date("2027-01-04")) == date("2026-12-23"))
            #expect(turku.adding(workingDays: 1, to: date("2026-07-31")) == date("2026-08-10"))
            #expect(turku.workingDays(from: date("2026-12-23"), to: date("2027-01-07")) == 3)
        }

        @Test func keepsTheBaseZoneAndExplainsClosures() {
            #expect(turku.timeZone.identifier == "Europe/Helsinki")
            #expect(turku.id == "fi-turku")
            #expect(
                turku.explainDay(date("2026-12-29"))
                    == "Tuesday 2026-12-29 is not a working day: Christmas closure (calendar fi-turku).")
        }

        @Test func decodesClosedDaysFromProcessFiles() throws {
            let json = """
                [
                  {"name": "Christmas closure", "from": "12-27", "through": "01-02"},
                  {"name": "Staff training day", "date": "2026-09-18"},
                  {"name": "Office move", "from": "2026-08-03", "through": "2026-08-07"}
                ]
                """
            let decoded = try JSONDecoder().decode([ClosedDays].self, from: Data(json.utf8))
            #expect(decoded == turku.closedDays)
            let reencoded = try JSONDecoder().decode(
                [ClosedDays].self, from: try JSONEncoder().encode(decoded))
            #expect(reencoded == decoded)
        }

        @Test(arguments: [
            #"{"name": "x"}"#,
            #"{"name": "x", "date": "2026-02-30"}"#,
            #"{"name": "x", "from": "2026-08-07", "through": "2026-08-03"}"#,
            #"{"name": "x", "from": "2026-08-03", "through": "08-07"}"#,
            #"{"name": "x", "from": "12-32", "through": "01-02"}"#,
            #"{"name": "x", "from": "12-27"}"#,
        ])
        func rejectsMalformedClosedDays(_ json: String) {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(ClosedDays.self, from: Data(json.utf8))
            }
        }

        @Test func parsesMonthDaysStrictly() {
            #expect(MonthDay("12-27")?.description == "12-27")
            #expect(MonthDay("02-29") != nil)
            #expect(MonthDay("02-30") == nil)
            #expect(MonthDay("2-3") == nil)
            #expect(MonthDay("2026-12-27") == nil)
        }
    }

    @Suite struct CalendarRegistryTests {
        @Test func findsTheFinnishCalendarById() {
            let calendar = CalendarRegistry.standard.calendar(id: "fi")
            #expect(calendar is FinnishCalendar)
            #expect(CalendarRegistry.standard.calendar(id: "se") == nil)
        }

        @Test func registersOtherCalendars() {
            var registry = CalendarRegistry.standard
            let turku = RegionalCalendar(base: FinnishCalendar(), id: "fi-turku", closedDays: [])
            registry.register(turku)
            #expect(registry.calendar(id: "fi-turku")?.id == "fi-turku")
            #expect(registry.calendar(id: "fi") is FinnishCalendar)
            #expect(registry.ids == ["fi", "fi-turku"])
            #expect(CalendarRegistry.standard.calendar(id: "fi-turku") == nil)
        }
    }
}
