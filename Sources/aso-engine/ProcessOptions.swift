import ArgumentParser
import Foundation
import Processes
import WorkflowKit

/// `--processes DIR`: a folder of process files added to the built-in ones.
///
/// Without the option, a `processes` folder in the current directory is used when there
/// is one (the folder a coordinator keeps their files in, which `validate` and `test`
/// also check by default); else the built-in processes alone. A folder that is given
/// but missing or unreadable is an error, never silently ignored.
struct ProcessOptions: ParsableArguments {
    @Option(
        name: .customLong("processes"),
        help: ArgumentHelp(
            "A folder of process files that add to the built-in processes, or replace those with the same id (default: ./processes when it exists).",
            valueName: "dir"))
    var givenFolder: String?

    /// The folder in use: the one given, or `processes` here when it exists.
    var processes: String? {
        givenFolder ?? (Self.isDirectory(ProcessCatalog.defaultDirectory) ? ProcessCatalog.defaultDirectory : nil)
    }

    /// Where processes come from, for messages.
    var source: String { processes.map { "the built-in processes and '\($0)'" } ?? "the built-in processes" }

    /// A missing, dangling or unreadable folder ends the command with exit 1.
    func validate() throws {
        guard let givenFolder else { return }
        if let problem = Self.problem(withFolder: givenFolder) { throw UserError(problem) }
    }

    /// Why `path` cannot be used as a folder of process files, or nil when it can.
    static func problem(withFolder path: String) -> String? {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            if let target = try? manager.destinationOfSymbolicLink(atPath: path) {
                return "The process folder '\(path)' (--processes) is a link to '\(target)', which does not exist."
            }
            return "There is no process folder '\(path)' (--processes)."
        }
        if !isDirectory(path) {
            return path.hasSuffix(".yaml") || path.hasSuffix(".yml") || manager.isReadableFile(atPath: path)
                ? nil : "The process file '\(path)' (--processes) cannot be read."
        }
        if (try? manager.contentsOfDirectory(atPath: path)) == nil {
            return "The process folder '\(path)' (--processes) cannot be read."
        }
        return nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

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
