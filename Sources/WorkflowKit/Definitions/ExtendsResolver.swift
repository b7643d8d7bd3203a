import Foundation

/// Resolves `extends:` across process files: finds the extended process (by id
/// among the loaded files and their directory, or by a relative file path),
/// merges the trees, and detects cycles.
struct ExtendsResolver {
    private var sources: [ProcessLoader.Source]
    private let readsSiblings: Bool
    private var parsed: [Int: SourceNode?] = [:]
    private var resolved: [Int: (tree: SourceNode?, chain: [String])] = [:]
    private var siblingsRead: Set<String> = []
    private var inCycle: Set<Int> = []
    private(set) var diagnostics: [Diagnostic] = []
    /// The sources whose merge with their base found errors.
    private(set) var mergeFailed: Set<Int> = []
    /// New ids of each extending source that are close to ids of its base.
    private(set) var nearMisses: [Int: [SourceNode.NearMiss]] = [:]

    /// How many sources were given; later ones are files found beside them.
    private let givenCount: Int
    /// Problems of files found beside the given ones, reported only when such a
    /// file turns out to be the base of a given one.
    private var siblingProblems: [Int: [Diagnostic]] = [:]

    /// Directories searched, after the file's own, for a process extended by id.
    private let baseDirectories: [String]

    init(sources: [ProcessLoader.Source], readsSiblings: Bool, baseDirectories: [String] = []) {
        self.sources = sources
        self.readsSiblings = readsSiblings
        self.givenCount = sources.count
        self.baseDirectories = baseDirectories
    }

    private mutating func tree(_ index: Int) -> SourceNode? {
        if let cached = parsed[index] { return cached }
        var (node, problems) = SourceNode.parse(sources[index].text, file: sources[index].file)
        problems = problems.map { $0.explainingIndentation(in: sources[index].text) }
        if index >= givenCount {
            siblingProblems[index] = problems
            problems = []
        }
        diagnostics += problems
        let usable = problems.containsErrors ? nil : node
        if node == nil, problems.isEmpty {
            diagnostics.append(.error("The file is empty; a process file starts with 'process: <id>'.", at: FileLocation(file: sources[index].file, line: 1, column: 1)))
        }
        parsed[index] = usable
        return usable
    }

    /// The merged tree of source `index` and the ids it extends, nearest first.
    mutating func resolve(_ index: Int) -> (tree: SourceNode?, chain: [String]) {
        resolve(index, stack: [])
    }

    private mutating func resolve(_ index: Int, stack: [Int]) -> (tree: SourceNode?, chain: [String]) {
        if let done = resolved[index] { return done }
        guard let root = tree(index) else { return (nil, []) }
        guard let extendsNode = root["extends"] else { return (root, []) }
        let file = sources[index].file
        guard let target = extendsNode.scalar else {
            diagnostics.append(.error("'extends' must name one process id or file, not \(extendsNode.kindName).", at: extendsNode.location))
            return (nil, [])
        }
        let found = find(target, from: file)
        if let found, let problems = siblingProblems.removeValue(forKey: found) { diagnostics += problems }
        guard let baseIndex = found else {
            let builtIn = baseDirectories.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }
            let known = sources.indices.compactMap { parsed[$0]??["process"]?.scalar } + (readsSiblings ? builtIn : [])
            let hint = Spelling.suggestion(for: target, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            diagnostics.append(.error("'extends: \(target)' names no process found beside this file\(hint).", at: extendsNode.location))
            resolved[index] = (nil, [])
            return (nil, [])
        }
        if baseIndex == index || stack.contains(baseIndex) {
            // Every member of the cycle reports it at its own 'extends'.
            let members = Array((stack + [index]).drop { $0 != baseIndex })
            for (position, member) in members.enumerated() {
                let rotated = Array(members[position...] + members[..<position]) + [member]
                let names = rotated.map { parsed[$0]??["process"]?.scalar ?? sources[$0].file }
                if let location = parsed[member]??["extends"]?.location {
                    diagnostics.append(.error("'extends' makes a cycle: \(names.joined(separator: " → ")); a process cannot extend itself.", at: location))
                }
                inCycle.insert(member)
                resolved[member] = (nil, [])
            }
            return (nil, [])
        }
        let base = resolve(baseIndex, stack: stack + [index])
        guard let baseTree = base.tree else {
            if !inCycle.contains(index) {
                diagnostics.append(.error("'extends: \(target)' cannot be used because that process has errors.", at: extendsNode.location))
            }
            resolved[index] = (nil, [])
            return (nil, [])
        }
        var problems: [Diagnostic] = []
        let baseID = parsed[baseIndex]??["process"]?.scalar ?? target
        let lines = sources[index].text.yamlLines
        var taskStates: [String: String] = [:]
        for (state, value) in baseTree["states"]?.pairs ?? [] {
            for (task, _) in value["tasks"]?.pairs ?? [] { taskStates[task.name] = state.name }
        }
        let context = SourceNode.MergeContext(
            baseID: baseID, isWrittenEmpty: { Self.isWrittenEmpty($0, lines: lines) }, baseTaskStates: taskStates)
        var misses: [SourceNode.NearMiss] = []
        let merged = SourceNode.merge(base: baseTree, override: root.removingExtends, context: context, diagnostics: &problems, nearMisses: &misses)
        nearMisses[index] = misses
        diagnostics += problems
        if problems.containsErrors { mergeFailed.insert(index) }
        let result = (Optional(merged), [baseID] + base.chain)
        resolved[index] = result
        return result
    }

    /// Whether `key` is written with nothing after its colon (or only a comment),
    /// rather than with `null` or `~`.
    static func isWrittenEmpty(_ key: SourceNode.Key, lines: [Substring]) -> Bool {
        let line = key.location.line
        guard line >= 1, line <= lines.count else { return false }
        let scalars = Array(lines[line - 1].unicodeScalars)
        let start = key.location.column - 1
        guard start >= 0, start < scalars.count else { return false }
        guard let colon = scalars[start...].firstIndex(of: ":") else { return false }
        let rest = String(String.UnicodeScalarView(scalars[(colon + 1)...])).trimmedSpaces
        return rest.isEmpty || rest.hasPrefix("#")
    }

    /// Where `extends:` is written in source `index`.
    func extendsLocation(_ index: Int) -> FileLocation? {
        parsed[index]??.keyEntry("extends")?.location
    }

    /// The source index of the process `target` names: a relative path when it
    /// looks like one, else a process id among the sources, else among the
    /// `.yaml` files beside `file`.
    private mutating func find(_ target: String, from file: String) -> Int? {
        let directory = (file as NSString).deletingLastPathComponent
        if target.hasSuffix(".yaml") || target.hasSuffix(".yml") || target.contains("/") {
            let path = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(target)
            let standard = (path as NSString).standardizingPath
            if let index = sources.firstIndex(where: { ($0.file as NSString).standardizingPath == standard }) { return index }
            guard readsSiblings, let data = FileManager.default.contents(atPath: path) else { return nil }
            sources.append(.init(file: path, text: String(decoding: data, as: UTF8.self)))
            return sources.count - 1
        }
        for index in sources.indices where tree(index)?["process"]?.scalar == target { return index }
        guard readsSiblings else { return nil }
        if let found = findBeside(target, in: directory) { return found }
        // Then the base directories (the built-in processes), by file name.
        for base in baseDirectories {
            for name in ["\(target).yaml", "\(target).yml"] {
                let path = (base as NSString).appendingPathComponent(name)
                let known = Set(sources.map { ($0.file as NSString).standardizingPath })
                guard !known.contains((path as NSString).standardizingPath), let data = FileManager.default.contents(atPath: path) else { continue }
                sources.append(.init(file: path, text: String(decoding: data, as: UTF8.self)))
                if tree(sources.count - 1)?["process"]?.scalar == target { return sources.count - 1 }
            }
        }
        return nil
    }

    /// The source index of the process `target` among the files of `directory`.
    private mutating func findBeside(_ target: String, in directory: String) -> Int? {
        guard !siblingsRead.contains(directory) else { return nil }
        siblingsRead.insert(directory)
        let known = Set(sources.map { ($0.file as NSString).standardizingPath })
        // By convention the file is named after the process: use it even when it has errors.
        for name in ["\(target).yaml", "\(target).yml"] {
            let path = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(name)
            if !known.contains((path as NSString).standardizingPath), let data = FileManager.default.contents(atPath: path) {
                sources.append(.init(file: path, text: String(decoding: data, as: UTF8.self)))
                let candidate = sources.count - 1
                let root = tree(candidate)
                if root == nil || root?["process"]?.scalar == target { return candidate }
            }
        }
        let read = Set(sources.map { ($0.file as NSString).standardizingPath })
        for path in ProcessLoader.processFiles(in: directory.isEmpty ? "." : directory) where !read.contains((path as NSString).standardizingPath) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            sources.append(.init(file: path, text: String(decoding: data, as: UTF8.self)))
        }
        for index in sources.indices where tree(index)?["process"]?.scalar == target { return index }
        return nil
    }
}
