import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine test [FILE|DIR]...`: runs the examples written in process files.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the examples written in process files: one PASS or FAIL line per example.",
        discussion: "Exits with 1 when any example fails or any file has an error.")

    @Argument(help: ArgumentHelp("Process files or directories (default: processes).", valueName: "file|dir"))
    var paths: [String] = []

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let library = fileLoader().load(paths: paths.isEmpty ? [defaultProcessFolder()] : paths)
        let results = library.exampleResults
        let failedExamples = Set(results.filter { !$0.passed }.map(\.reportedAt))
        // Problems other than the failing examples themselves stop the files they are in.
        let otherErrors = library.diagnostics.filter { $0.severity == .error && !failedExamples.contains($0.location) }
        for diagnostic in otherErrors { printError(diagnostic.description) }
        if global.json {
            let rows: [[String: Any]] = results.map {
                ["process": $0.process, "name": $0.name, "location": $0.location.description, "passed": $0.passed, "failures": $0.failures,
                 "inheritedFrom": $0.inheritedFrom.map { $0 as Any } ?? NSNull()]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            if results.contains(where: { !$0.passed }) || !otherErrors.isEmpty { throw ExitCode(1) }
            return
        }
        for result in results {
            if result.passed {
                print("PASS \(result.process): \(result.name)")
            } else {
                let file = library.processesFailingOnlyExamples.first { $0.definition.id == result.process }?.file ?? result.reportedAt.file
                let origin = result.inheritedFrom.map { "inherited from \($0), written at \(result.location)" } ?? result.location.description
                print("FAIL \(result.process): \(result.name) (\(origin))")
                for failure in result.failures { print("     \(failure)") }
                if let advice = result.replacementAdvice(file: file) { print("     \(advice)") }
            }
        }
        let failed = results.filter { !$0.passed }.count
        print("\(results.count - failed) of \(counted(results.count, "example")) passed\(failed > 0 ? ", \(failed) failed" : "")\(otherErrors.isEmpty ? "" : "; \(counted(otherErrors.count, "error")) stopped some files from being tested").")
        if failed > 0 || !otherErrors.isEmpty { throw ExitCode(1) }
    }
}
