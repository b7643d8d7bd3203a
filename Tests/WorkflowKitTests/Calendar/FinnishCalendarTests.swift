import Foundation
import Testing

@testable import WorkflowKit

extension CalendarTests {
    @Suite struct FinnishCalendarTests {
        let fi = FinnishCalendar()

        @Test(arguments: [
            (1818, "1818-03-22"), (1943, "1943-04-25"), (1991, "1991-03-31"), (2000, "2000-04-23"),
            (2008, "2008-03-23"), (2011, "2011-04-24"), (2019, "2019-04-21"), (2024, "2024-03-31"),
            (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"), (2038, "2038-04-25"),
            (2100, "2100-03-28"), (2285, "2285-03-22"),
        ])
        func computesEaster(year: Int, easter: String) {
            #expect(FinnishCalendar.easterSunday(in: year) == date(easter))
        }

        @Test(arguments: [
            "2024-06-21", "2025-06-20", "2026-06-19", "2027-06-25", "2028-06-23", "2029-06-22",
            "2030-06-21", "2031-06-20",
        ])
        func findsMidsummerEve(_ eve: String) {
            let day = date(eve)
            #expect(day.weekday == .friday)
            #expect(fi.closure(on: day) == "Midsummer Eve (juhannusaatto)")
            #expect(!fi.isWorkingDay(day))
            #expect(fi.closure(on: day.adding(days: 1)) == "Midsummer Day (juhannuspäivä)")
            #expect(fi.isWorkingDay(day.adding(days: -1)) || day.adding(days: -1).weekday.isWeekend)
            #expect(fi.closure(on: day.adding(days: -7)) == nil)
            #expect(fi.closure(on: day.adding(days: 7)) == nil)
        }

        @Test func namesEveryHolidayOf2026() {
            let expected: [String: String] = [
                "2026-01-01": "New Year's Day (uudenvuodenpäivä)",
                "2026-01-06": "Epiphany (loppiainen)",
                "2026-04-03": "Good Friday (pitkäperjantai)",
                "2026-04-05": "Easter Sunday (pääsiäispäivä)",
                "2026-04-06": "Easter Monday (toinen pääsiäispäivä)",
                "2026-05-01": "May Day (vappu)",
                "2026-05-14": "Ascension Day (helatorstai)",
                "2026-05-24": "Whit Sunday (helluntaipäivä)",
                "2026-06-19": "Midsummer Eve (juhannusaatto)",
                "2026-06-20": "Midsummer Day (juhannuspäivä)",
                "2026-10-31": "All Saints' Day (pyhäinpäivä)",
                "2026-12-06": "Independence Day (itsenäisyyspäivä)",
                "2026-12-24": "Christmas Eve (jouluaatto)",
                "2026-12-25": "Christmas Day (joulupäivä)",
                "2026-12-26": "Boxing Day (tapaninpäivä)",
            ]
            var found: [String: String] = [:]
            var day = date("2026-01-01")
            while day.year == 2026 {
                if let name = fi.closure(on: day) { found[day.description] = name }
                day = day.adding(days: 1)
            }
            #expect(found == expected)
        }

        @Test func namesAscensionDayOnMayDay() {
            #expect(fi.closure(on: date("2008-05-01")) == "May Day (vappu) and Ascension Day (helatorstai)")
            #expect(fi.closure(on: date("2009-05-01")) == "May Day (vappu)")
        }

        @Test func allSaintsDayIsTheSaturdayFrom31October() {
            for year in 1991...2100 {
                var saturdays: [LocalDate] = []
                var day = LocalDate(year: year, month: 10, day: 25)!
                while day.month < 12 {
                    if fi.closure(on: day) == "All Saints' Day (pyhäinpäivä)" { saturdays.append(day) }
                    day = day.adding(days: 1)
                }
                #expect(saturdays.count == 1)
                if let saturday = saturdays.first {
                    #expect(saturday.weekday == .saturday)
                    #expect(saturday >= LocalDate(year: year, month: 10, day: 31)!)
                    #expect(saturday <= LocalDate(year: year, month: 11, day: 6)!)
                }
            }
        }

        @Test func weekendsAreNotNamed() {
            #expect(fi.closure(on: date("2026-12-12")) == nil)
            #expect(!fi.isWorkingDay(date("2026-12-12")))
            #expect(!fi.isWorkingDay(date("2026-12-13")))
            #expect(fi.isWorkingDay(date("2026-12-14")))
        }

        @Test func appliesTheRulesOutsideThePrecomputedYears() {
            #expect(!fi.isWorkingDay(date("2250-12-24")))  // Tuesday
            #expect(fi.isWorkingDay(date("2250-12-23")))
            #expect(fi.closure(on: date("2301-06-21")) == "Midsummer Eve (juhannusaatto)")
            #expect(fi.closure(on: date("1850-04-01")) == "Easter Monday (toinen pääsiäispäivä)")
            #expect(!fi.isWorkingDay(date("1850-04-01")))
            #expect(fi.isWorkingDay(date("1850-04-02")))
        }

        @Test func hasTheIdAndZoneOfFinland() {
            #expect(fi.id == "fi")
            #expect(fi.timeZone.identifier == "Europe/Helsinki")
        }

        @Test func addsWorkingDaysAcrossChristmas2026() {
            // Thu 24, Fri 25 (and Sat 26) are holidays: Monday 28 is the first working day.
            let start = date("2026-12-23")
            #expect(fi.adding(workingDays: 1, to: start) == date("2026-12-28"))
            #expect(fi.adding(workingDays: 2, to: start) == date("2026-12-29"))
            #expect(fi.adding(workingDays: 5, to: start) == date("2027-01-04"))  // skips New Year's Day
            #expect(fi.adding(workingDays: 6, to: start) == date("2027-01-05"))
            #expect(fi.adding(workingDays: 7, to: start) == date("2027-01-07"))  // skips Epiphany
            #expect(fi.adding(workingDays: 0, to: start) == start)
            #expect(fi.adding(workingDays: 0, to: date("2026-12-24")) == date("2026-12-24"))
        }

        @Test func addsWorkingDaysAcrossEaster2027() {
            // Good Friday 26 March, Easter Monday 29 March.
            #expect(fi.adding(workingDays: 1, to: date("2027-03-25")) == date("2027-03-30"))
            #expect(fi.adding(workingDays: 1, to: date("2027-03-26")) == date("2027-03-30"))
            #expect(fi.adding(workingDays: 3, to: date("2027-03-24")) == date("2027-03-31"))
            // Ascension Day 6 May.
            #expect(fi.adding(workingDays: 1, to: date("2027-05-05")) == date("2027-05-07"))
        }

        @Test func addsWorkingDaysAcrossMidsummer2027() {
            // Midsummer Eve is Friday 25 June.
            #expect(fi.adding(workingDays: 1, to: date("2027-06-24")) == date("2027-06-28"))
            #expect(fi.adding(workingDays: 10, to: date("2027-06-18")) == date("2027-07-05"))
        }

        @Test func subtractsWorkingDays() {
            #expect(fi.adding(workingDays: -1, to: date("2026-12-28")) == date("2026-12-23"))
            #expect(fi.adding(workingDays: -2, to: date("2026-12-28")) == date("2026-12-22"))
            #expect(fi.adding(workingDays: -1, to: date("2026-12-26")) == date("2026-12-23"))
            #expect(fi.adding(workingDays: -1, to: date("2027-03-30")) == date("2027-03-25"))
            #expect(fi.adding(workingDays: -1, to: date("2027-06-28")) == date("2027-06-24"))
            #expect(fi.adding(workingDays: -5, to: date("2027-01-07")) == date("2026-12-29"))
        }

        @Test func movesADeadlineOffADayOff() {
            // Saturday.
            #expect(fi.nextWorkingDay(onOrAfter: date("2026-03-14")) == date("2026-03-16"))
            // Midsummer Eve 2026, then the weekend.
            #expect(fi.nextWorkingDay(onOrAfter: date("2026-06-19")) == date("2026-06-22"))
            // Christmas Eve 2026 through the weekend.
            #expect(fi.nextWorkingDay(onOrAfter: date("2026-12-24")) == date("2026-12-28"))
            // New Year's Day 2027 (Friday).
            #expect(fi.nextWorkingDay(onOrAfter: date("2027-01-01")) == date("2027-01-04"))
            // A working day stays.
            #expect(fi.nextWorkingDay(onOrAfter: date("2026-12-23")) == date("2026-12-23"))

            #expect(fi.previousWorkingDay(onOrBefore: date("2026-06-21")) == date("2026-06-18"))
            #expect(fi.previousWorkingDay(onOrBefore: date("2026-12-27")) == date("2026-12-23"))
            #expect(fi.previousWorkingDay(onOrBefore: date("2026-12-23")) == date("2026-12-23"))
        }

        @Test func countsWorkingDaysBetweenDates() {
            #expect(fi.workingDays(from: date("2026-12-23"), to: date("2026-12-28")) == 1)
            #expect(fi.workingDays(from: date("2026-12-23"), to: date("2026-12-23")) == 0)
            #expect(fi.workingDays(from: date("2026-12-23"), to: date("2027-01-07")) == 7)
            #expect(fi.workingDays(from: date("2026-12-28"), to: date("2026-12-23")) == -1)
            #expect(fi.workingDays(from: date("2026-12-24"), to: date("2026-12-27")) == 0)
            // 2026 has 261 weekdays, 9 of them holidays (Independence Day falls on a
            // Sunday and Boxing Day on a Saturday).
            #expect(fi.workingDays(from: date("2025-12-31"), to: date("2026-12-31")) == 252)
        }

        @Test func explainsADay() {
            #expect(
                fi.explainDay(date("2026-12-24"))
                    == "Thursday 2026-12-24 is not a working day: Christmas Eve (jouluaatto) (calendar fi).")
            #expect(
                fi.explainDay(date("2026-12-26"))
                    == "Saturday 2026-12-26 is not a working day: Boxing Day (tapaninpäivä), on a weekend (calendar fi).")
            #expect(fi.explainDay(date("2026-12-27")) == "Sunday 2026-12-27 is not a working day: weekend (calendar fi).")
            #expect(fi.explainDay(date("2026-12-23")) == "Wednesday 2026-12-23 is a working day (calendar fi).")
        }
    }
}
