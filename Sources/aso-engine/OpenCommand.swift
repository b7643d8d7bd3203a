import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine open PROCESS`: opens a case and prints its id.
struct OpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open a case of a process and print the new case's id.",
        discussion: """
            Values given with --set are typed by their form: 2026-12-23 is a date, 12 a number, \
            true/false yes/no, anything else text. Example:
              aso-engine open vat-generic --set releaseDate=2026-12-23 --worker anna --now 2026-06-01
            """)

    @Argument(help: ArgumentHelp("A process id, or a process file.", valueName: "process"))
    var process: String

    @Option(name: .customLong("case"), help: ArgumentHelp("The new case's id (default: a new UUID).", valueName: "id"))
    var caseID: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A field value, e.g. releaseDate=2026-12-23 (repeatable).", valueName: "field=value"))
    var values: [String] = []

    @OptionGroup var valueFile: ValueFileOption

    @Option(name: .long, help: ArgumentHelp("The responsible worker.", valueName: "worker"))
    var worker: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The statutory duty this case's data is processed under, when not the process's 'legalBasis'.", valueName: "text"))
    var legalBasis: String?

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let legalBasis, legalBasis.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--legal-basis must name the law or duty, e.g. 'Social Welfare Act 1301/2014, section 36'.")
        }
    }

    func run() async throws {
        let fields = try parseAssignments(values + valueFile.assignments())
        // Checked before the database is touched: a refused id creates no file.
        let id = try await refusingWithExit {
            StreamID(try Identifier.validated(caseID ?? UUID().uuidString.lowercased(), as: "case id"))
        }
        let definition = try ProcessArgument.definition(process, options: processOptions)
        let (engine, database) = try await global.openCaseEngine(create: true)
        let gate = try await AccessGate(database: database, global: global)
        try gate.authorizeOpening()
        let outcome = try await refusingWithExit {
            do {
                return try await engine.open(
                    definition, caseID: id, fields: fields, responsibleWorker: worker.map(Identifier.normalized), legalBasis: legalBasis, by: gate.actor)
            } catch is VersionConflict {
                throw UserError("Case \(Identifier.escaped(id.rawValue)) already exists; choose another id with --case.")
            }
        }
        let state = outcome.state
        if global.json {
            try printJSON([
                "case": state.id.rawValue, "process": state.process, "definition": state.definition, "state": state.state,
                "fastTrack": jsonOrNull(state.fastTrack), "responsibleWorker": jsonOrNull(state.responsibleWorker),
                "tasks": state.openTasks.map(\.jsonObject),
            ] as [String: Any])
        } else {
            print(state.id)
        }
    }
}
