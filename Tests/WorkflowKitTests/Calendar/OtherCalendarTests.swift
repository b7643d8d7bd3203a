import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    /// The protocol's arithmetic for a calendar that is not Finnish: plain
    /// Monday–Friday in a zone whose clocks change at midnight.
    @Suite struct OtherCalendarTests {
        struct WeekdaysCalendar: BusinessCalendar {
            var id: String { "weekdays-santiago" }
            var timeZone: TimeZone { TimeZone(identifier: "America/Santiago")! }
            func closure(on date: LocalDate) -> String? { nil }
            func isWorkingDay(_ date: LocalDate) -> Bool { !date.weekday.isWeekend }
        }

        let calendar = WeekdaysCalendar()

        func utc(_ iso: String) throws -> Date {
            try #require(ISO8601DateFormatter().date(from: iso))
        }

        @Test func startsADayWithoutAMidnightAtTheEndOfTheGap() throws {
            // Santiago's clocks went from 00:00 (UTC-4) to 01:00 (UTC-3) on 6 September 2026.
            #expect(calendar.startOfDay(date("2026-09-06")) == (try utc("2026-09-06T04:00:00Z")))
            #expect(calendar.localDate(at: calendar.startOfDay(date("2026-09-06"))) == date("2026-09-06"))
            #expect(calendar.startOfDay(date("2026-09-07")) == (try utc("2026-09-07T03:00:00Z")))
        }

        @Test func takesTheFirstOfATimeRepeatedBeforeMidnight() throws {
            // On 4 April 2026 Santiago's clocks went back from 24:00 (UTC-3) to 23:00 (UTC-4).
            #expect(calendar.instant(date("2026-04-04"), hour: 23, minute: 30) == (try utc("2026-04-05T02:30:00Z")))
            #expect(calendar.startOfDay(date("2026-04-05")) == (try utc("2026-04-05T04:00:00Z")))
        }

        @Test func countsWeekdays() {
            #expect(calendar.adding(workingDays: 1, to: date("2026-12-24")) == date("2026-12-25"))
            #expect(calendar.adding(workingDays: 2, to: date("2026-12-24")) == date("2026-12-28"))
            #expect(calendar.workingDays(from: date("2026-12-21"), to: date("2026-12-28")) == 5)
            #expect(
                calendar.explainDay(date("2026-12-26"))
                    == "Saturday 2026-12-26 is not a working day: weekend (calendar weekdays-santiago).")
        }
    }
}
