import Foundation
import Processes
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowSQLite

/// The late tasks per month that `/outcomes` shows come from the period's own report,
/// counted in its one pass over the log. Over a simulated year they equal what the page
/// showed before: a report built for each month alone (cut to the period).
@Suite("Outcome report: late tasks per month in one pass")
struct OutcomeReportMonthsTests {
    @Test("each month's late tasks equal those of the report built for that month alone")
    func monthsEqualMonthlyReports() async throws {
        let directory = try TemporaryDirectory()
        let definitions = ProcessLoader().load(paths: [SimulatedYearScheduleTests.processes]).processes.map(\.definition)
        var options = DemoSimulation.Options()
        options.cases = 80
        let demo = try DemoSimulation(path: directory.path("year.sqlite"), definitions: definitions, options: options)
        let summary = try await demo.run(onReminder: { _ in }, onProgress: { _ in })
        #expect(summary.tasksLate > 0, "a year with no late task tests nothing")
        let database = demo.database
        let end = options.start.adding(days: options.days - 1)
        // A period cut mid-month at both ends, and one longer than 24 months (the page shows
        // the first 24), both across a year's end.
        let periods: [(LocalDate, LocalDate)] = [
            (options.start.adding(days: -20), end.adding(days: -50)),
            (options.start.adding(months: -14), end.adding(months: 2)),
        ]
        var lateSeen = 0
        for (from, to) in periods {
            for process in [nil, "vat-generic"] {
                let report = try await OutcomeReport.build(
                    events: database.eventLog.readAll(after: 0), definitions: { try await database.definition(hash: $0) },
                    process: process, from: from, to: to, read: { try await database.caseEvent($0) })
                // The way the page counted them before: one report per month.
                var monthly: [(month: LocalDate, late: Int)] = []
                var monthStart = LocalDate(year: from.year, month: from.month, day: 1)!
                while monthStart <= to && monthly.count < 24 {
                    let monthEnd = monthStart.adding(months: 1).adding(days: -1)
                    let alone = try await OutcomeReport.build(
                        events: database.eventLog.readAll(after: 0), definitions: { try await database.definition(hash: $0) },
                        process: process, from: max(monthStart, from), to: min(monthEnd, to), read: { try? CaseEvent($0) })
                    monthly.append((monthStart, alone.processes.map(\.tasksLate).reduce(0, +)))
                    monthStart = monthStart.adding(months: 1)
                }
                let months = report.tasksLateByMonth(limit: 24)
                #expect(months.map(\.month) == monthly.map(\.month), "\(from)…\(to) \(process ?? "all")")
                #expect(months.map(\.late) == monthly.map(\.late), "\(from)…\(to) \(process ?? "all")")
                // Every process's months add up to its late tasks in the period.
                for figures in report.processes {
                    #expect(figures.tasksLateByMonth.values.reduce(0, +) == figures.tasksLate, "\(figures.process)")
                }
                lateSeen += months.map(\.late).reduce(0, +)
            }
        }
        #expect(lateSeen > 0)
    }
}
