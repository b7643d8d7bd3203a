import Testing
import WorkflowKitTesting

@testable import WorkflowKit

extension CalendarTests {
    /// Properties that must hold for any date and count, checked on many
    /// pseudo-random (but fixed) samples.
    @Suite struct WorkingDayPropertyTests {
        static let calendars: [any BusinessCalendar] = [
            FinnishCalendar(),
            RegionalCalendar(
                base: FinnishCalendar(), id: "fi-closed-at-christmas",
                closedDays: [
                    .yearly(
                        from: RegionalCalendar.MonthDay("12-27")!, through: RegionalCalendar.MonthDay("01-02")!,
                        name: "Christmas closure"),
                    .yearly(
                        from: RegionalCalendar.MonthDay("07-01")!, through: RegionalCalendar.MonthDay("07-31")!,
                        name: "Summer closure"),
                ]),
        ]

        @Test(arguments: calendars.indices)
        func addingWorkingDaysLandsOnAWorkingDayAndCountsBack(_ index: Int) {
            let calendar = Self.calendars[index]
            var random = SeededRandom(seed: 0x5EED_0000 + UInt64(index))
            let first = LocalDate(year: 1991, month: 1, day: 1)!.daysSinceEpoch
            let last = LocalDate(year: 2100, month: 12, day: 31)!.daysSinceEpoch
            for _ in 0..<20_000 {
                let start = LocalDate(daysSinceEpoch: Int.random(in: first...last, using: &random))
                let n = Int.random(in: -50...50, using: &random)
                let result = calendar.adding(workingDays: n, to: start)
                let context = "\(calendar.id): \(n) working days from \(start) gave \(result)"
                if n == 0 {
                    #expect(result == start, "\(context)")
                    continue
                }
                guard calendar.isWorkingDay(result),
                    calendar.workingDays(from: start, to: result) == n,
                    (n > 0) == (result > start)
                else {
                    Issue.record("\(context), which is not a working day or does not count back to \(n)")
                    return
                }
            }
        }

        @Test(arguments: calendars.indices)
        func stepsAgreeWithNextAndPreviousWorkingDay(_ index: Int) {
            let calendar = Self.calendars[index]
            var random = SeededRandom(seed: 0xC0FF_EE00 + UInt64(index))
            let first = LocalDate(year: 1991, month: 1, day: 1)!.daysSinceEpoch
            let last = LocalDate(year: 2100, month: 12, day: 31)!.daysSinceEpoch
            for _ in 0..<20_000 {
                let day = LocalDate(daysSinceEpoch: Int.random(in: first...last, using: &random))
                let next = calendar.nextWorkingDay(onOrAfter: day.adding(days: 1))
                let previous = calendar.previousWorkingDay(onOrBefore: day.adding(days: -1))
                guard calendar.adding(workingDays: 1, to: day) == next,
                    calendar.adding(workingDays: -1, to: day) == previous,
                    calendar.isWorkingDay(next), calendar.isWorkingDay(previous),
                    calendar.workingDays(from: previous, to: next) == (calendar.isWorkingDay(day) ? 2 : 1)
                else {
                    Issue.record("\(calendar.id): one working day either side of \(day) disagrees")
                    return
                }
            }
        }

        @Test func addsLongRunsOfWorkingDays() {
            let fi = FinnishCalendar()
            let start = date("1991-01-01")
            let end = fi.adding(workingDays: 25_000, to: start)
            #expect(fi.workingDays(from: start, to: end) == 25_000)
            #expect(fi.adding(workingDays: -25_000, to: end) == fi.previousWorkingDay(onOrBefore: start))
        }
    }
}
