import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `--processes DIR`: a folder of process files added to the built-in ones.
struct ProcessOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A folder of process files that add to the built-in processes, or replace those with the same id.",
            valueName: "dir"))
    var processes: String?

    /// Where processes come from, for messages.
    var source: String { processes.map { "'\($0)'" } ?? "the built-in processes" }

    /// Loads the catalog, or fails with the load's errors on standard error.
    func loadCatalog() throws -> ProcessCatalog {
        let catalog = ProcessCatalog(directory: processes)
        for diagnostic in catalog.library.diagnostics where diagnostic.severity == .error {
            printError(diagnostic.description)
        }
        return catalog
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// "1 error", "2 warnings".
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : noun.hasSuffix("s") ? "es" : "s")"
}

/// What `validate` and `test` check when given no path: the `processes` folder here,
/// or else the built-in processes.
func defaultProcessFolder() -> String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: ProcessCatalog.defaultDirectory, isDirectory: &isDirectory), isDirectory.boolValue {
        return ProcessCatalog.defaultDirectory
    }
    return ProcessCatalog.builtInDirectory ?? ProcessCatalog.defaultDirectory
}

/// The loader for process files given on the command line: a file that extends a
/// process by id finds it beside itself, or else among the built-in processes.
func fileLoader() -> ProcessLoader {
    ProcessLoader(baseDirectories: ProcessCatalog.builtInDirectory.map { [$0] } ?? [])
}
