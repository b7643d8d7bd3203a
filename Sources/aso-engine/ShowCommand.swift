import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine show CASE`: the case as it is now.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a case: state, process version, responsible worker, consent, open tasks and field values.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why the case is read, recorded in its access log (default: show).", valueName: "text"))
    var purpose = "show"

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (engine, database) = try await global.openCaseEngine(changesData: false)
        let reader = try await AccessGate.read(caseStream(caseID), for: "show", database: database, global: global)
        // The read is recorded (who, when, why, which fields, under which override) before anything is printed.
        let (state, definition) = try await refusingWithExit {
            try await engine.read(caseStream(caseID), purpose: purpose, by: reader.actor, underOverride: reader.override)
        }
        if global.json {
            var object: [String: Any] = [
                "case": state.id.rawValue, "process": state.process, "definition": state.definition, "state": state.state,
                "version": state.version, "responsibleWorker": jsonOrNull(state.responsibleWorker),
                "fastTrack": jsonOrNull(state.fastTrack), "openedOn": jsonOrNull(state.openedOn),
                "legalBasis": jsonOrNull(state.legalBasis),
                "consent": state.consent.map { $0.sorted() as Any } ?? NSNull(),
                "tasks": state.openTasks.map(\.jsonObject),
                "fields": state.fields.mapValues(jsonValue),
                "closed": NSNull(),
                "erased": NSNull(),
            ]
            if let closed = state.closed { object["closed"] = ["reason": closed.reason, "on": closed.on.description] }
            if let erased = state.erased { object["erased"] = ["reason": erased.reason, "on": erased.on.description] }
            try printJSON(object)
            return
        }
        print("case        \(state.id)")
        print("process     \(state.process) (version \(state.definition.prefix(12)))")
        let stateTitle = definition.state(state.state)?.title
        print("state       \(state.state)\(stateTitle.map { " (\($0))" } ?? "")")
        print("opened      \(cell(state.openedOn))")
        print("worker      \(state.responsibleWorker ?? "none")")
        print("fast track  \(state.fastTrack ?? "no")")
        print("legal basis \(state.legalBasis ?? "not recorded")")
        print("consent     \(state.consent.map { $0.isEmpty ? "given, naming nobody" : $0.sorted().joined(separator: ", ") } ?? "none")")
        if let closed = state.closed { print("closed      \(closed.on): \(closed.reason)") }
        if let erased = state.erased { print("erased      \(erased.on): \(erased.reason) (personal values are gone)") }
        print("")
        if state.openTasks.isEmpty {
            print("No open tasks.")
        } else {
            print("Open tasks:")
            printTable(
                ["TASK", "ROLE", "EARLIEST", "DUE", ""],
                state.openTasks.map { [$0.task, $0.role, cell($0.earliest), cell($0.due), $0.suspended ? "suspended" : ""] })
        }
        print("")
        if state.fields.isEmpty {
            print("No field values.")
        } else {
            print("Fields:")
            for id in state.fields.keys.sorted() {
                print("  \(id) = \(state.fields[id]!)")
            }
        }
    }
}
