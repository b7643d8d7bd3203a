import Foundation
public import WorkflowKit

/// The processes an engine runs: the built-in process files that ship with the
/// package, plus — when given — a coordinator's own folder, whose files add processes
/// or override built-in ones with the same process id.
///
/// Developers get the built-in processes without knowing any path:
/// `ProcessCatalog().definition(id: "vat-generic")`.
public struct ProcessCatalog: Sendable {
    /// The folder coordinators keep their files in, by convention (the repository's
    /// `processes/`, which is where the built-in files live).
    public static let defaultDirectory = "processes"

    /// Where the built-in process files are, inside the package's resources.
    public static var builtInDirectory: String? {
        Bundle.module.resourceURL?.appendingPathComponent("BuiltIn").path
    }

    /// The coordinator's folder, if one was given.
    public let directory: String?
    /// The result of loading: the valid processes and every problem.
    public let library: ProcessLibrary

    /// Loads the built-in processes and, when `directory` is given, every `.yaml`/`.yml`
    /// file in it; a file there whose `process:` id is a built-in one replaces it.
    public init(directory: String? = nil, includeBuiltIn: Bool = true, loader: ProcessLoader = ProcessLoader()) {
        self.directory = directory
        var paths: [String] = []
        if includeBuiltIn, let builtIn = Self.builtInDirectory {
            let overridden = directory.map { Self.processIDs(in: $0) } ?? []
            let files = (try? FileManager.default.contentsOfDirectory(atPath: builtIn)) ?? []
            for name in files.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let file = builtIn + "/" + name
                if let id = Self.processID(inFile: file), overridden.contains(id) { continue }
                paths.append(file)
            }
        }
        if let directory { paths.append(directory) }
        library = loader.load(paths: paths)
    }

    /// The valid processes, built-in first.
    public var processes: [LoadedProcess] { library.processes }

    /// The process with `id`, if it loaded without errors.
    public func process(id: String) -> LoadedProcess? { library.process(id: id) }

    /// The resolved definition with `id`, if it loaded without errors.
    public func definition(id: String) -> ProcessDefinition? { library.definition(id: id) }

    /// Where the catalog's processes come from, for messages.
    public var sourceDescription: String {
        directory.map { "the built-in processes and '\($0)'" } ?? "the built-in processes"
    }

    /// The process ids declared by the files of a folder.
    static func processIDs(in directory: String) -> Set<String> {
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var ids: Set<String> = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
            if let id = processID(inFile: url.path) { ids.insert(id) }
        }
        return ids
    }

    /// The `process:` id at the top level of a file, read without parsing the rest.
    static func processID(inFile path: String) -> String? {
        // An oversized file is not read here; the loader refuses it with an error.
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue
        guard (size ?? 0) <= 1_048_576, let data = FileManager.default.contents(atPath: path) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("process:") {
            let value = line.dropFirst("process:".count).split(separator: "#").first ?? ""
            let id = value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
            return id.isEmpty ? nil : id
        }
        return nil
    }
}
