import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    /// Wall-clock conversions in Europe/Helsinki, whose clocks go forward at 03:00
    /// on the last Sunday of March and back at 04:00 on the last Sunday of October.
    @Suite struct TimeZoneTests {
        let fi = FinnishCalendar()

        /// The instant `iso` (UTC, e.g. "2026-03-28T22:00:00Z").
        func utc(_ iso: String) throws -> Date {
            try #require(ISO8601DateFormatter().date(from: iso))
        }

        @Test func startsDaysAtLocalMidnightAcrossTheSpringChange() throws {
            #expect(fi.startOfDay(date("2026-03-28")) == (try utc("2026-03-27T22:00:00Z")))
            #expect(fi.startOfDay(date("2026-03-29")) == (try utc("2026-03-28T22:00:00Z")))
            #expect(fi.startOfDay(date("2026-03-30")) == (try utc("2026-03-29T21:00:00Z")))
            // The day of the change has 23 hours.
            let length = fi.startOfDay(date("2026-03-30")).timeIntervalSince(fi.startOfDay(date("2026-03-29")))
            #expect(length == 23 * 3600)
        }

        @Test func startsDaysAtLocalMidnightAcrossTheAutumnChange() throws {
            #expect(fi.startOfDay(date("2026-10-25")) == (try utc("2026-10-24T21:00:00Z")))
            #expect(fi.startOfDay(date("2026-10-26")) == (try utc("2026-10-25T22:00:00Z")))
            let length = fi.startOfDay(date("2026-10-26")).timeIntervalSince(fi.startOfDay(date("2026-10-25")))
            #expect(length == 25 * 3600)
            // 2027: the last Sundays are 28 March and 31 October.
            #expect(fi.startOfDay(date("2027-03-29")) == (try utc("2027-03-28T21:00:00Z")))
            #expect(fi.startOfDay(date("2027-11-01")) == (try utc("2027-10-31T22:00:00Z")))
        }

        @Test func placesWallClockTimes() throws {
            #expect(fi.instant(date("2026-12-23"), hour: 16, minute: 15) == (try utc("2026-12-23T14:15:00Z")))
            #expect(fi.instant(date("2026-06-19"), hour: 9, minute: 0) == (try utc("2026-06-19T06:00:00Z")))
            // Just before and after the spring change.
            #expect(fi.instant(date("2026-03-29"), hour: 2, minute: 59) == (try utc("2026-03-29T00:59:00Z")))
            #expect(fi.instant(date("2026-03-29"), hour: 4, minute: 0) == (try utc("2026-03-29T01:00:00Z")))
        }

        @Test func movesANonexistentTimeForward() throws {
            // 03:30 does not exist on 29 March 2026: it is read as 04:30 summer time.
            let instant = fi.instant(date("2026-03-29"), hour: 3, minute: 30)
            #expect(instant == (try utc("2026-03-29T01:30:00Z")))
            #expect(fi.localDate(at: instant) == date("2026-03-29"))
        }

        @Test func takesTheFirstOfARepeatedTime() throws {
            // 03:30 happens twice on 25 October 2026: first in summer time (UTC+3).
            #expect(fi.instant(date("2026-10-25"), hour: 3, minute: 30) == (try utc("2026-10-25T00:30:00Z")))
            #expect(fi.instant(date("2026-10-25"), hour: 4, minute: 30) == (try utc("2026-10-25T02:30:00Z")))
        }

        @Test func findsTheLocalDateOfAnInstant() throws {
            #expect(fi.localDate(at: try utc("2026-03-28T21:59:59Z")) == date("2026-03-28"))
            #expect(fi.localDate(at: try utc("2026-03-28T22:00:00Z")) == date("2026-03-29"))
            #expect(fi.localDate(at: try utc("2026-06-30T20:59:59Z")) == date("2026-06-30"))
            #expect(fi.localDate(at: try utc("2026-06-30T21:00:00Z")) == date("2026-07-01"))
            #expect(fi.localDate(at: try utc("2026-12-31T22:00:00Z")) == date("2027-01-01"))
            #expect(fi.localDate(at: try utc("1969-12-31T21:59:00Z")) == date("1969-12-31"))
            #expect(fi.localDate(at: try utc("1969-12-31T22:00:00Z")) == date("1970-01-01"))
        }

        @Test func startOfDayAndLocalDateAgreeForTwoCenturies() {
            var day = date("1950-01-01")
            while day.year < 2150 {
                let start = fi.startOfDay(day)
                guard fi.localDate(at: start) == day,
                    fi.localDate(at: start.addingTimeInterval(-1)) == day.adding(days: -1)
                else {
                    Issue.record("start of \(day) is \(start)")
                    return
                }
                day = day.adding(days: 1)
            }
        }
    }
}
