import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    @Suite struct LocalDateTests {
        @Test func parsesStrictISODates() {
            let day = LocalDate("2026-12-03")
            #expect(day?.year == 2026)
            #expect(day?.month == 12)
            #expect(day?.day == 3)
            #expect(LocalDate("2024-02-29") != nil)
            #expect(LocalDate("0999-01-01")?.description == "0999-01-01")
        }

        @Test(arguments: [
            "2026-02-30", "2025-02-29", "2026-2-3", "20261203", "2026-13-01", "2026-00-10",
            "2026-04-31", "2026-12-00", "2026-12-03T00:00", " 2026-12-03", "2026-12-03 ",
            "2026/12/03", "+026-12-03", "2026-1a-03", "", "12-27",
        ])
        func rejectsAnythingElse(_ text: String) {
            #expect(LocalDate(text) == nil)
        }

        @Test func rejectsInvalidFields() {
            #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
            #expect(LocalDate(year: 2026, month: 0, day: 1) == nil)
            #expect(LocalDate(year: 2026, month: 1, day: 32) == nil)
            #expect(LocalDate(year: 2000, month: 2, day: 29) != nil)
            #expect(LocalDate(year: 1900, month: 2, day: 29) == nil)
        }

        @Test func describesItselfAsISO() {
            #expect(date("2026-12-23").description == "2026-12-23")
            #expect(LocalDate(year: 2026, month: 1, day: 5)?.description == "2026-01-05")
            #expect(String(describing: date("2026-12-23")) == "2026-12-23")
        }

        @Test func countsDaysFromTheEpoch() {
            #expect(date("1970-01-01").daysSinceEpoch == 0)
            #expect(date("1970-01-02").daysSinceEpoch == 1)
            #expect(date("1969-12-31").daysSinceEpoch == -1)
            #expect(date("2000-03-01").daysSinceEpoch == 11_017)
            #expect(LocalDate(daysSinceEpoch: 20_815) == date("2026-12-28"))
            #expect(LocalDate(daysSinceEpoch: -25_567) == date("1900-01-01"))
        }

        @Test func roundTripsEveryDayForSixteenCenturies() {
            var expected = LocalDate(daysSinceEpoch: -300_000)
            for day in -300_000...300_000 {
                let value = LocalDate(daysSinceEpoch: day)
                guard value.daysSinceEpoch == day, value == expected else {
                    Issue.record("day \(day): \(value) vs \(expected)")
                    return
                }
                // The next date, by fields.
                if let next = LocalDate(year: value.year, month: value.month, day: value.day + 1) {
                    expected = next
                } else if let next = LocalDate(year: value.year, month: value.month + 1, day: 1) {
                    expected = next
                } else {
                    expected = LocalDate(year: value.year + 1, month: 1, day: 1)!
                }
            }
        }

        @Test func knowsTheWeekday() {
            #expect(date("1970-01-01").weekday == .thursday)
            #expect(date("1900-01-01").weekday == .monday)
            #expect(date("2026-12-24").weekday == .thursday)
            #expect(date("2026-12-27").weekday == .sunday)
            #expect(date("1969-12-28").weekday == .sunday)
            #expect(Weekday.allCases.count == 7)
            #expect(Weekday.monday.rawValue == 1 && Weekday.sunday.rawValue == 7)
        }

        @Test func addsDays() {
            #expect(date("2026-12-23").adding(days: 9) == date("2027-01-01"))
            #expect(date("2027-01-01").adding(days: -9) == date("2026-12-23"))
            #expect(date("2024-02-28").adding(days: 1) == date("2024-02-29"))
            #expect(date("2026-12-23").days(until: date("2027-01-01")) == 9)
            #expect(date("2027-01-01").days(until: date("2026-12-23")) == -9)
        }

        @Test func addsMonthsClampingToTheEndOfTheMonth() {
            #expect(date("2026-01-31").adding(months: 1) == date("2026-02-28"))
            #expect(date("2024-01-31").adding(months: 1) == date("2024-02-29"))
            #expect(date("2026-03-31").adding(months: -1) == date("2026-02-28"))
            #expect(date("2026-01-31").adding(months: 3) == date("2026-04-30"))
            #expect(date("2026-12-15").adding(months: 1) == date("2027-01-15"))
            #expect(date("2026-01-15").adding(months: -1) == date("2025-12-15"))
            #expect(date("2026-01-15").adding(months: -13) == date("2024-12-15"))
            #expect(date("2026-05-31").adding(months: 24) == date("2028-05-31"))
            #expect(date("2026-05-31").adding(months: 0) == date("2026-05-31"))
        }

        @Test func addsYearsClampingLeapDays() {
            #expect(date("2024-02-29").adding(years: 1) == date("2025-02-28"))
            #expect(date("2024-02-29").adding(years: 4) == date("2028-02-29"))
            #expect(date("2024-02-29").adding(years: -4) == date("2020-02-29"))
            #expect(date("2024-02-29").adding(years: 76) == date("2100-02-28"))
            #expect(date("2026-12-23").adding(years: -10) == date("2016-12-23"))
        }

        @Test func ordersByDate() {
            #expect(date("2026-12-23") < date("2026-12-24"))
            #expect(date("2026-11-30") < date("2026-12-01"))
            #expect(date("2025-12-31") < date("2026-01-01"))
            #expect([date("2027-01-01"), date("2026-12-24")].sorted() == [date("2026-12-24"), date("2027-01-01")])
        }

        @Test func codesAsTheISOString() throws {
            let encoded = try JSONEncoder().encode([date("2026-12-23")])
            #expect(String(decoding: encoded, as: UTF8.self) == #"["2026-12-23"]"#)
            let decoded = try JSONDecoder().decode([LocalDate].self, from: Data(#"["2024-02-29"]"#.utf8))
            #expect(decoded == [date("2024-02-29")])
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode([LocalDate].self, from: Data(#"["2026-02-30"]"#.utf8))
            }
        }
    }
}
