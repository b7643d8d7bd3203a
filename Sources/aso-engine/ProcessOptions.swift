import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `--processes DIR`: where process files are loaded from.
struct ProcessOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The directory of process files.", valueName: "dir"))
    var processes: String = ProcessCatalog.defaultDirectory

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
