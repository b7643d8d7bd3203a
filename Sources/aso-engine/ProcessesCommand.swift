import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `aso-engine processes`: the loaded processes, their versions and files.
struct ProcessesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processes",
        abstract: "List the loaded processes, their versions (content hash) and the files they came from.")

    @OptionGroup var processOptions: ProcessOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let catalog = try processOptions.loadCatalog()
        if global.json {
            let rows: [[String: Any]] = catalog.processes.map { process in
                [
                    "id": process.definition.id, "title": process.definition.title, "version": process.definition.contentHash,
                    "file": process.file, "builtIn": isBuiltIn(process.file), "extends": process.extendsChain,
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let rows = catalog.processes.map { process in
                [process.definition.id, process.definition.shortHash, shownFile(process.file), process.extendsChain.first.map { "extends \($0)" } ?? "", process.definition.title]
            }
            let header = ["PROCESS", "VERSION", "FILE", "EXTENDS", "TITLE"]
            let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
        let errors = catalog.library.diagnostics.filter { $0.severity == .error }.count
        if errors > 0 {
            printError("\(counted(errors, "error")) in \(processOptions.source): some processes were not loaded (run 'aso-engine validate \(processOptions.processes ?? ProcessCatalog.builtInDirectory ?? "")').")
            throw ExitCode(1)
        }
    }
}

/// Whether `file` is one of the built-in process files.
func isBuiltIn(_ file: String) -> Bool {
    guard let builtIn = ProcessCatalog.builtInDirectory else { return false }
    return file.hasPrefix(builtIn + "/")
}

/// A file as listed: built-in files by name.
func shownFile(_ file: String) -> String {
    isBuiltIn(file) ? "built-in: " + (file as NSString).lastPathComponent : file
}
