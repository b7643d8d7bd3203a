import ArgumentParser
import Foundation
import WorkflowKit

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The event log's SQLite file.", valueName: "path"))
    var db: String = "aso-engine.sqlite"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The file holding the master key that wraps the case keys (else ASO_MASTER_KEY_FILE, ASO_MASTER_KEY, or a key file beside the log).",
            valueName: "path"))
    var masterKeyFile: String?

    @Option(name: .long, help: ArgumentHelp("Simulated current time (ISO-8601 date or date-time).", valueName: "time"))
    var now: String?

    @Option(name: .long, help: ArgumentHelp("Who is acting, recorded with every event.", valueName: "id"))
    var actor: String?

    @Flag(name: .long, help: "Print data as JSON.")
    var json = false

    func validate() throws {
        if let actor, !actor.isEmpty, let problem = Identifier.problem(with: Identifier.normalized(actor)) {
            throw ValidationError("The actor id \(Identifier.escaped(actor, limit: 40)) given with --actor \(problem).")
        }
    }
}

/// A failure the user can act on: printed as one line, exit code 1.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// Prints `message` to standard error and exits with 1.
    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(1)
    }
}
