public import WorkflowKit

/// The processes an engine runs: every process file in a directory, loaded and
/// validated through ``ProcessLoader`` (built-in processes will join them).
public struct ProcessCatalog: Sendable {
    /// Where process files are looked for when no directory is given.
    public static let defaultDirectory = "processes"

    /// The directory the files came from.
    public let directory: String
    /// The result of loading it: the valid processes and every problem.
    public let library: ProcessLibrary

    /// Loads every `.yaml`/`.yml` file in `directory`.
    public init(directory: String = ProcessCatalog.defaultDirectory, loader: ProcessLoader = ProcessLoader()) {
        self.directory = directory
        self.library = loader.load(paths: [directory])
    }

    /// The valid processes, in file order.
    public var processes: [LoadedProcess] { library.processes }

    /// The process with `id`, if it loaded without errors.
    public func process(id: String) -> LoadedProcess? { library.process(id: id) }

    /// The resolved definition with `id`, if it loaded without errors.
    public func definition(id: String) -> ProcessDefinition? { library.definition(id: id) }
}
