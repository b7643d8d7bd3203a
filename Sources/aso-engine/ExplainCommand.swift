import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine explain CASE TASK`: why a task is due when it is.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explain a task's dates in a case: each rule, its anchor date and the calendar.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Argument(help: ArgumentHelp("The task id.", valueName: "task"))
    var task: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (engine, database) = try await global.openCaseEngine(changesData: false)
        let reader = try await AccessGate.read(caseStream(caseID), for: "explain", database: database, global: global)
        // The anchor dates shown can be personal (a release date): the read is recorded.
        let (schedule, state) = try await refusingWithExit {
            let schedule = try await engine.explain(
                task: task, of: caseStream(caseID), purpose: "explain", by: reader.actor, underOverride: reader.override)
            return (schedule, try await engine.load(caseStream(caseID)).0)
        }
        let open = state.openTask(task)
        if global.json {
            try printJSON([
                "case": caseID, "task": task, "open": open != nil, "earliest": jsonOrNull(schedule.earliest),
                "due": jsonOrNull(schedule.due), "reminders": schedule.reminders.map(\.description),
                "explanation": schedule.explanation,
            ] as [String: Any])
            return
        }
        print("task '\(task)' of case '\(caseID)'\(open == nil ? " (not open now)" : "")")
        print("earliest   \(cell(schedule.earliest))")
        print("due        \(cell(schedule.due))")
        print("reminders  \(schedule.reminders.isEmpty ? "none" : schedule.reminders.map(\.description).joined(separator: ", "))")
        print("why:")
        for line in schedule.explanation {
            print("  \(line)")
        }
    }
}
