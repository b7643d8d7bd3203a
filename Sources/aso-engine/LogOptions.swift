import ArgumentParser
import Logging
import WorkflowKit

/// `--log-level` and `--log-format`, for the commands that run until stopped (`serve`, `daemon`).
struct LogOptions: ParsableArguments {
    enum Level: String, CaseIterable, ExpressibleByArgument {
        case trace, debug, info, notice, warning, error, critical

        var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
    }

    enum Format: String, CaseIterable, ExpressibleByArgument {
        case text, json
    }

    @Option(name: .customLong("log-level"), help: ArgumentHelp("The least severe entries written to standard error.", valueName: "level"))
    var level: Level = .info

    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp("Plain text lines, or one JSON object per line (timestamp, level, label, message, metadata).", valueName: "format"))
    var format: Format = .text

    /// Sends every logger of the process to standard error at `--log-level` in `--log-format`.
    func bootstrap() {
        let level = self.level.level
        switch format {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }
}
