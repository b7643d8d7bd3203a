import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine cases`: the cases in the database.
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "List cases: process, state, responsible worker, next due date, when closed and erased.")

    @Option(name: .long, help: ArgumentHelp("Only cases of this process.", valueName: "process"))
    var process: String?

    @Flag(name: .long, help: "Only open cases.")
    var open = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        let all = try await database.cases(process: process, includeClosed: !open)
        // Only the cases the actor may see, once the directory names anyone.
        let visible = try await AccessGate(database: database, global: global).visible(all.map(\.id))
        let cases = all.filter { visible.contains($0.id) }
        if global.json {
            try printJSON(
                cases.map { summary -> [String: Any] in
                    [
                        "case": summary.id.rawValue, "process": summary.process, "definition": summary.definition,
                        "state": summary.state, "responsibleWorker": jsonOrNull(summary.responsibleWorker),
                        "openedOn": summary.openedOn.description, "fastTrack": jsonOrNull(summary.fastTrack),
                        "closedOn": jsonOrNull(summary.closedOn), "closedReason": jsonOrNull(summary.closedReason),
                        "erasedOn": jsonOrNull(summary.erasedOn),
                        "version": summary.version, "nextDue": jsonOrNull(summary.nextDue), "openTasks": summary.openTasks,
                    ]
                })
            return
        }
        if cases.isEmpty {
            print("No cases.")
            return
        }
        printTable(
            ["CASE", "PROCESS", "STATE", "WORKER", "OPENED", "NEXT DUE", "TASKS", "CLOSED", "ERASED"],
            cases.map {
                [
                    $0.id.rawValue, $0.process, $0.state, cell($0.responsibleWorker), $0.openedOn.description, cell($0.nextDue),
                    String($0.openTasks), cell($0.closedOn), cell($0.erasedOn),
                ]
            })
    }
}

/// `aso-engine tasks`: open tasks across cases, earliest due first.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List open tasks across cases, earliest due first.")

    @Option(name: .long, help: ArgumentHelp("Only tasks due before this date.", valueName: "date"))
    var dueBefore: String?

    @Flag(name: .long, help: "Only tasks due before today (--now's date).")
    var overdue = false

    @Option(name: .long, help: ArgumentHelp("Only tasks of this role.", valueName: "role"))
    var role: String?

    @Option(name: .long, help: ArgumentHelp("Only tasks of this process.", valueName: "process"))
    var process: String?

    @Option(name: .customLong("case"), help: ArgumentHelp("Only tasks of this case.", valueName: "case"))
    var caseID: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let dueBefore, LocalDate(dueBefore) == nil {
            throw ValidationError("--due-before must be a date written YYYY-MM-DD, not '\(dueBefore)'.")
        }
    }

    func run() async throws {
        let database = try await global.openStore(changesData: false)
        let query = TaskQuery(
            dueBefore: dueBefore.flatMap(LocalDate.init), overdueOn: overdue ? try global.today() : nil, role: role,
            process: process, caseID: caseID.map(caseStream))
        let gate = try await AccessGate(database: database, global: global)
        let all = try await database.tasks(query)
        // A task of a case the actor may not see is listed only to a holder of its role:
        // seeing a task in a list is not seeing the case.
        let visible = try await gate.visible(all.map(\.caseID))
        let tasks = all.filter { visible.contains($0.caseID) || gate.holds($0.role, in: $0.process) }
        if global.json {
            try printJSON(
                tasks.map { task -> [String: Any] in
                    [
                        "case": task.caseID.rawValue, "task": task.task, "role": task.role, "process": task.process,
                        "earliest": jsonOrNull(task.earliest), "due": jsonOrNull(task.due), "suspended": task.suspended,
                        "occurrence": task.occurrence, "claimedBy": jsonOrNull(task.claimedBy),
                    ]
                })
            return
        }
        if tasks.isEmpty {
            print("No open tasks.")
            return
        }
        printTable(
            ["DUE", "EARLIEST", "CASE", "TASK", "ROLE", "PROCESS", ""],
            tasks.map {
                let notes = [$0.suspended ? "suspended" : nil, $0.claimedBy.map { "claimed by \($0)" }].compactMap { $0 }
                return [cell($0.due), cell($0.earliest), $0.caseID.rawValue, $0.task, $0.role, $0.process, notes.joined(separator: ", ")]
            })
    }
}
