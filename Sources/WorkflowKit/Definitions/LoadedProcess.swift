/// A process file that loaded: its resolved definition, where it came from,
/// its warnings and the results of its examples.
public struct LoadedProcess: Sendable {
    /// The resolved, validated definition.
    public var definition: ProcessDefinition
    /// The file the process was loaded from.
    public var file: String
    /// The ids of the processes it extends, nearest first (empty when none).
    public var extendsChain: [String]
    /// Where each part of the definition was written (across the extends chain).
    public var sourceMap: SourceMap
    /// The results of the examples written in the file.
    public var exampleResults: [ExampleResult]
}

/// Everything a load produced: the processes that are valid and every problem
/// found, in every file, sorted by place.
public struct ProcessLibrary: Sendable {
    /// The processes without errors, in file order.
    public var processes: [LoadedProcess]
    /// Errors and warnings, sorted by file, line and column.
    public var diagnostics: [Diagnostic]
    /// The files read.
    public var files: [String]

    /// Whether no error was found.
    public var isValid: Bool { !diagnostics.containsErrors }

    /// The loaded process with `id`.
    public func process(id: String) -> LoadedProcess? { processes.first { $0.definition.id == id } }

    /// The resolved definition with `id`.
    public func definition(id: String) -> ProcessDefinition? { process(id: id)?.definition }

    /// The results of every example that ran, including those of processes
    /// whose examples fail (examples run only in files without other errors).
    public var exampleResults: [ExampleResult]

    /// Processes whose only errors are failing examples: complete and consistent,
    /// so the inspection tools (`resolve`, `graph`, `eval`, `diff`) can show them,
    /// but not valid, so no case may be opened or migrated with them.
    public var processesFailingOnlyExamples: [LoadedProcess]

    /// The process with `id` as far as it can be inspected: a valid one, or one
    /// whose only errors are failing examples (then `examplesFail` is true).
    public func inspectableProcess(id: String) -> (process: LoadedProcess, examplesFail: Bool)? {
        if let valid = process(id: id) { return (valid, false) }
        return processesFailingOnlyExamples.first { $0.definition.id == id }.map { ($0, true) }
    }
}
