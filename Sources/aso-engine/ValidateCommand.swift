import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine validate [FILE|DIR]...`: checks process files and reports every problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check process files: every problem as file:line:column on standard error.",
        discussion: "Exits with 0 when every file is valid, 1 when any has an error. Examples in the files are checked too.")

    @Argument(help: ArgumentHelp("Process files or directories (default: processes).", valueName: "file|dir"))
    var paths: [String] = []

    @Flag(name: .long, help: "Do not print warnings.")
    var noWarnings = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let library = fileLoader().load(paths: paths.isEmpty ? [defaultProcessFolder()] : paths)
        let shown = library.diagnostics.filter { !noWarnings || $0.severity == .error }
        if global.json {
            struct Report: Encodable {
                var valid: Bool
                var files: [String]
                var processes: [String]
                var diagnostics: [Diagnostic]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let report = Report(valid: library.isValid, files: library.files, processes: library.processes.map(\.definition.id), diagnostics: shown)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if !library.isValid { throw ExitCode(1) }
            return
        }
        for diagnostic in shown { printError(diagnostic.description) }
        let errors = library.diagnostics.filter { $0.severity == .error }.count
        let warnings = library.diagnostics.count - errors
        if errors > 0 {
            printError("\(counted(errors, "error")), \(counted(warnings, "warning")) in \(counted(library.files.count, "file")).")
            throw ExitCode(1)
        }
        print("\(counted(library.processes.count, "process")) valid in \(counted(library.files.count, "file")) (\(counted(warnings, "warning"))).")
    }
}
