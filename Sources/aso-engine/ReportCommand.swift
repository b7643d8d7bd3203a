import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine report`: the outcomes the work is judged by.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Outcomes per process: cases opened and closed, housed before release and in which form, time to first meeting, tasks on time and late, escalations.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Only this process.", valueName: "id"))
    var process: String?

    @Option(name: .long, help: ArgumentHelp("The first day of the period.", valueName: "date"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("The last day of the period.", valueName: "date"))
    var to: String?

    func run() async throws {
        let period = try [from, to].map { text -> LocalDate? in
            guard let text else { return nil }
            guard let date = LocalDate(text) else { throw ValidationError("--from and --to take dates like 2026-01-01, not '\(text)'.") }
            return date
        }
        let database = try await global.openStore(changesData: false)
        let report = try await OutcomeReport.build(
            events: database.eventLog.readAll(after: 0), definitions: { try await database.definition(hash: $0) },
            process: process, from: period[0], to: period[1], read: { try await database.caseEvent($0) })
        if global.json {
            try printJSON([
                "from": jsonOrNull(report.from), "to": jsonOrNull(report.to),
                "processes": report.processes.map { figures in
                    [
                        "process": figures.process, "casesOpened": figures.casesOpened, "casesClosed": figures.casesClosed,
                        "fastTracked": figures.fastTracked, "tasksOnTime": figures.tasksOnTime, "tasksLate": figures.tasksLate,
                        "escalations": figures.escalations, "values": figures.values, "closedIn": figures.closedIn,
                        "casesReopened": figures.casesReopened,
                        "workingDaysFromOpening": figures.workingDaysFromOpening.mapValues { days in
                            ["cases": days.count, "median": median(days) as Any, "mean": mean(days) as Any]
                        },
                    ] as [String: Any]
                },
            ])
            return
        }
        let span = "\(report.from?.description ?? "the beginning") to \(report.to?.description ?? "now")"
        print("Outcomes from \(span)")
        if report.processes.isEmpty { print("No cases.") }
        for figures in report.processes {
            print("\n\(figures.process)")
            var rows: [[String]] = [
                ["cases opened", "\(figures.casesOpened)"], ["cases on the fast track", "\(figures.fastTracked)"],
                ["cases closed", "\(figures.casesClosed)"], ["tasks done on time", "\(figures.tasksOnTime)"],
                ["tasks done late", "\(figures.tasksLate)"], ["escalations", "\(figures.escalations)"],
            ]
            for (state, count) in figures.closedIn.sorted(by: { $0.key < $1.key }) where state != "closed" {
                rows.append(["cases closed in '\(state)'", "\(count)"])
            }
            if figures.casesReopened > 0 { rows.append(["cases reopened", "\(figures.casesReopened)"]) }
            for (field, counts) in figures.values.sorted(by: { $0.key < $1.key }) {
                rows.append([field, counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")])
            }
            for (field, days) in figures.workingDaysFromOpening.sorted(by: { $0.key < $1.key }) {
                rows.append([
                    "\(field): working days from opening",
                    "median \(median(days).map(String.init) ?? "-"), mean \(mean(days).map { String(format: "%.1f", $0) } ?? "-") (\(days.count) cases)",
                ])
            }
            printTable(["outcome", "value"], rows)
        }
    }
}

func median(_ values: [Int]) -> Int? {
    guard !values.isEmpty else { return nil }
    return values.sorted()[values.count / 2]
}

func mean(_ values: [Int]) -> Double? {
    guard !values.isEmpty else { return nil }
    return Double(values.reduce(0, +)) / Double(values.count)
}
