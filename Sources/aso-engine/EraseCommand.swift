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
        let database = try global.openDatabase()
        let gate = try await AccessGate(database: database, global: global)
        if gate.policy.directory.isEnforced {
            let (state, _) = try await refusingWithExit { try await Engine(database: database).load(caseStream(caseID)) }
            try await gate.authorizeErasure(of: state)
        }
        let result = try await refusingWithExit {
            try await database.erase(case: caseStream(caseID), reason: reason, by: gate.actor)
        }
        if global.json {
            try printJSON(["case": caseID, "erased": true, "version": result.version] as [String: Any])
        } else {
            print("Case '\(caseID)' erased: its personal values can no longer be read.")
        }
    }
}
