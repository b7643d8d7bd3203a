import ArgumentParser
import Foundation
import WorkflowKit

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The event log's SQLite file, or a postgres:// URL for the commands that run on PostgreSQL (else ASO_DATABASE_URL).", valueName: "path"))
    var db: String = ProcessInfo.processInfo.environment["ASO_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "aso-engine.sqlite"

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

extension GlobalOptions {
    /// Options that may come before the subcommand's name (`aso-engine --db x.sqlite open …`),
    /// with whether each takes a value.
    static let leadingOptions: [String: Bool] = [
        "--db": true, "--master-key-file": true, "--now": true, "--actor": true, "--processes": true, "--json": false,
    ]

    /// `arguments` with global options given before the subcommand moved after it (before
    /// any `--`), where the subcommand parses them; anything else is left as it is.
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            let name = String(first.prefix { $0 != "=" })
            guard let takesValue = leadingOptions[name] else { break }
            leading.append(first)
            rest = rest.dropFirst()
            if takesValue && !first.contains("="), let value = rest.first {
                leading.append(value)
                rest = rest.dropFirst()
            }
        }
        guard !leading.isEmpty, let command = rest.first, !command.hasPrefix("-") else { return arguments }
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }
}
