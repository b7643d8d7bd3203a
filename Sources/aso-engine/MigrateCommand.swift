import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine migrate CASE`: moves a case to the loaded version of its process.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a case to the currently loaded version of its process (or to --to FILE-or-PROCESS).",
        discussion: "Run 'aso-engine diff' first to see what the move would change.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("A process file or id to migrate to (default: the case's process in --processes).", valueName: "target"))
    var to: String?

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let engine = try await global.openCaseEngine().engine
        let (state, _) = try await refusingWithExit { try await engine.load(caseStream(caseID)) }
        let target = try ProcessArgument.definition(to ?? state.process, options: processOptions)
        try await execute(.migrate(to: target), on: caseID, global: global)
    }
}
