import Foundation

/// Loads process files: parses the YAML, resolves `extends`, reads, validates
/// and checks the examples, and returns a ``ProcessLibrary`` with the valid
/// definitions and every problem found. Never crashes on malformed input.
///
/// ```swift
/// let library = ProcessLoader().load(paths: ["processes"])
/// if library.isValid, let vat = library.definition(id: "vat-generic") { … }
/// ```
public struct ProcessLoader: Sendable {
    /// The calendars process files may name with `calendar:`.
    public var calendars: CalendarRegistry

    /// Directories searched for a process that a file `extends` by id when it is
    /// not beside the file (e.g. the built-in processes); used by ``load(paths:)``.
    public var baseDirectories: [String]

    /// Creates a value from its parts (see the properties for their meaning).
    public init(calendars: CalendarRegistry = .standard, baseDirectories: [String] = []) {
        self.calendars = calendars
        self.baseDirectories = baseDirectories
    }

    /// One process file's text, named by the path shown in diagnostics.
    public struct Source: Sendable {
        /// The path shown in diagnostics; `extends` paths are relative to it.
        public var file: String
        /// The YAML text.
        public var text: String
        /// Creates a value from its parts (see the properties for their meaning).
        public init(file: String, text: String) {
            self.file = file
            self.text = text
        }
    }

    /// Loads the given files and every `.yaml`/`.yml` file in the given directories.
    public func load(paths: [String]) -> ProcessLibrary {
        var sources: [Source] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(.error("There is no file or directory '\(path)'.", at: FileLocation(file: path, line: 0, column: 0)))
                continue
            }
            let files = isDirectory.boolValue ? Self.processFiles(in: path) : [path]
            for file in files {
                let size = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue
                if let size, size > YAMLBudget.maximumBytes {
                    // Refused unread: a huge file would cost its size in memory before parsing.
                    diagnostics.append(
                        .error(
                            "The file is \(size) bytes long; a process file may be at most \(YAMLBudget.maximumBytes) bytes.",
                            at: FileLocation(file: file, line: 1, column: 1)))
                    continue
                }
                guard let data = FileManager.default.contents(atPath: file) else {
                    diagnostics.append(.error("The file '\(file)' could not be read.", at: FileLocation(file: file, line: 0, column: 0)))
                    continue
                }
                sources.append(Source(file: file, text: String(decoding: data, as: UTF8.self)))
            }
        }
        var library = load(sources: sources, readingSiblings: true)
        library.diagnostics = (diagnostics + library.diagnostics).sortedByLocation()
        return library
    }

    /// The process files of a directory (recursively, and through a symbolic link to
    /// the directory itself), sorted by path, named as under `directory`.
    static func processFiles(in directory: String) -> [String] {
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var files: [String] = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
            let relative = url.path.hasPrefix(base.path) ? String(url.path.dropFirst(base.path.count)) : "/" + url.lastPathComponent
            files.append((directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + relative)
        }
        return files.sorted()
    }

    /// Loads process files given as text (`extends` resolves among them only).
    public func load(sources: [Source]) -> ProcessLibrary {
        load(sources: sources, readingSiblings: false)
    }

    func load(sources: [Source], readingSiblings: Bool) -> ProcessLibrary {
        var resolver = ExtendsResolver(sources: sources, readsSiblings: readingSiblings, baseDirectories: readingSiblings ? baseDirectories : [])
        var diagnostics: [Diagnostic] = []
        var processes: [LoadedProcess] = []
        var failingExamplesOnly: [LoadedProcess] = []
        var seenIDs: [String: String] = [:]
        var allResults: [ExampleResult] = []
        for index in sources.indices {
            let resolved = resolver.resolve(index)
            guard let tree = resolved.tree else { continue }
            let file = sources[index].file
            var reader = ProcessReader(file: file)
            let read = reader.read(tree)
            guard let definition = read else {
                diagnostics += reader.diagnostics
                continue
            }
            if let other = seenIDs[definition.id] {
                diagnostics += reader.diagnostics
                diagnostics.append(.error("The process id '\(definition.id)' is already used by '\(other)'; each process needs its own id.", at: reader.map.location(of: "process") ?? tree.location))
                continue
            }
            seenIDs[definition.id] = file
            var validator = ProcessValidator(definition: definition, map: reader.map, calendars: calendars)
            validator.validate()
            let found = reader.diagnostics + validator.diagnostics
            diagnostics += Self.explainingNearMisses(resolver.nearMisses[index] ?? [], in: found)
            guard !found.containsErrors, !resolver.mergeFailed.contains(index),
                let calendar = definition.makeCalendar(registry: calendars)
            else { continue }
            var results: [ExampleResult] = []
            for (exampleIndex, example) in definition.examples.enumerated() {
                let run = definition.run(example, calendar: calendar)
                let location = reader.map.location(of: "examples.\(exampleIndex)") ?? tree.location
                var result = ExampleResult(process: definition.id, name: example.name, location: location, failures: run.failures, state: run.state)
                if location.file != file, let base = resolved.chain.first {
                    result.inheritedFrom = base
                    result.reportedAt = resolver.extendsLocation(index) ?? location
                }
                results.append(result)
                if !result.passed { diagnostics.append(.error(result.failureMessage(file: file), at: result.reportedAt)) }
            }
            allResults += results
            let loaded = LoadedProcess(
                definition: definition, file: file, extendsChain: resolved.chain,
                sourceMap: reader.map, exampleResults: results)
            if results.allSatisfy(\.passed) {
                processes.append(loaded)
            } else {
                failingExamplesOnly.append(loaded)
            }
        }
        diagnostics += resolver.diagnostics
        return ProcessLibrary(
            processes: processes, diagnostics: Array(Set(diagnostics)).sortedByLocation(),
            files: sources.map(\.file), exampleResults: allResults, processesFailingOnlyExamples: failingExamplesOnly)
    }

    /// `found` with the near misses of an extending file added: a new task (or
    /// state, role, …) whose id is close to one of the base's, and which has
    /// errors, is reported as that mistake (an error naming the first of them)
    /// instead of its errors, which only lead to completing the unintended new
    /// entry. Other near misses are warnings.
    static func explainingNearMisses(_ nearMisses: [SourceNode.NearMiss], in found: [Diagnostic]) -> [Diagnostic] {
        var result = found
        for miss in nearMisses {
            let related = result.filter { $0.message.lowercased().contains("\(miss.kind) '\(miss.id.lowercased())'") }
            let errors = related.filter { $0.severity == .error }
            if let first = errors.sorted(by: { ($0.line, $0.column) < ($1.line, $1.column) }).first {
                result.removeAll { related.contains($0) }
                result.append(.error(miss.message(problem: first.message), at: miss.location))
            } else {
                result.append(.warning(miss.message(), at: miss.location))
            }
        }
        return result
    }
}
