import ArgumentParser
import Foundation
import WorkflowKit

/// `aso-engine erase CASE --reason TEXT`: destroys a case's personal data by deleting its key.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a case's personal data for good by deleting its key; the log and the non-personal facts stay.")

    @Argument(help: ArgumentHelp("The case id.", valueName: "case"))
    var caseID: String

    @Option(name: .long, help: ArgumentHelp("Why, e.g. the retention period ended (recorded; no personal data).", valueName: "text"))
    var reason: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (engine, database) = try await global.openCaseEngine()
        let gate = try await AccessGate(database: database, global: global)
        if gate.policy.directory.isEnforced {
            let (state, _) = try await refusingWithExit { try await engine.load(caseStream(caseID)) }
            try await gate.authorizeErasure(of: state)
        }
        let result = try await refusingWithExit {
            try await engine.execute(.erase(reason: reason), on: caseStream(caseID), by: gate.actor).append
        }
        if global.json {
            try printJSON(["case": caseID, "erased": true, "version": result.version] as [String: Any])
        } else {
            print("Case '\(caseID)' erased: its personal values can no longer be read.")
        }
    }
}
