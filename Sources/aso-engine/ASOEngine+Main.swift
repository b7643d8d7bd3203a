import ArgumentParser
import Foundation

extension ASOEngine {
    /// Runs the command line with the project's exit codes: 0 success, 1 a user
    /// error (the command printed what and where), 2 usage (ArgumentParser's own
    /// validation errors, which it would otherwise end with 64). Global options may
    /// come before the subcommand (see ``GlobalOptions/movingLeadingOptions(_:)``).
    static func main() async {
        do {
            var command = try parseAsRoot(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
