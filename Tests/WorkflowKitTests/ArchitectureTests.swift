import Foundation
import Testing
import WorkflowKitTesting

/// The layout the storage redesign promises, checked on the sources themselves: the
/// engine's library holds no storage client, each backend's client stays in its own
/// target, and WorkflowKit's folders depend on each other in one direction only.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = Repository.root(of: #filePath)

    /// The Swift files under `Sources/<target>`, with their text.
    static func sources(of target: String) throws -> [(path: String, text: String)] {
        let folder = root.appendingPathComponent("Sources/\(target)")
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return try walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().map { relative in
            (relative, try String(contentsOf: folder.appendingPathComponent(relative), encoding: .utf8))
        }
    }

    static func imports(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ").map(String.init)
            guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                words[..<index].allSatisfy({ ["public", "package", "internal", "@testable", "@_implementationOnly"].contains($0) })
            else { return nil }
            return words[index + 1]
        })
    }

    @Test("each storage client is imported by its backend only")
    func storageClientsStayInTheirBackends() throws {
        let owners = ["GRDB": "WorkflowSQLite", "GRDBSQLite": "WorkflowSQLite", "PostgresNIO": "WorkflowPostgres"]
        var misplaced: [String] = []
        for target in ["WorkflowKit", "WorkflowSQLite", "WorkflowPostgres", "Processes", "WorkflowServer", "WorkflowKitTesting"] {
            for (path, text) in try Self.sources(of: target) {
                for module in Self.imports(text) where owners[module].map({ $0 != target }) ?? false {
                    misplaced.append("Sources/\(target)/\(path) imports \(module)")
                }
            }
        }
        #expect(misplaced == [])
        // And the check can see an import at all.
        #expect(try Self.sources(of: "WorkflowSQLite").contains { Self.imports($0.text).contains("GRDB") })
    }

    @Test("WorkflowKit's folders depend on each other without a cycle")
    func foldersWithoutCycles() throws {
        let files = try Self.sources(of: "WorkflowKit").map { file -> (folder: String, text: String) in
            (String(file.path.prefix { $0 != "/" }), Self.code(file.text))
        }.filter { $0.folder.contains(".") == false }
        // Which folder declares each top-level type (names declared in two folders are left out).
        var declared: [String: Set<String>] = [:]
        let declaration = #/(?m)^(?:(?:public|package|private|fileprivate|final|indirect)\s+)*(?:struct|enum|class|actor|protocol|typealias)\s+([A-Z]\w*)/#
        for file in files {
            for match in file.text.matches(of: declaration) { declared[String(match.1), default: []].insert(file.folder) }
        }
        let owner = declared.compactMapValues { $0.count == 1 ? $0.first : nil }
        var edges: [String: Set<String>] = [:]
        for file in files {
            for match in file.text.matches(of: #/\b([A-Z]\w*)\b/#) {
                if let other = owner[String(match.1)], other != file.folder { edges[file.folder, default: []].insert(other) }
            }
        }
        #expect(edges["Engine"]?.contains("EventLog") == true, "the scan finds the engine's use of the event log")
        #expect(Self.cycle(in: edges) == nil)
    }

    /// Swift text without comments and string literals' contents, roughly: enough that
    /// a type named in a doc comment or a message does not count as a dependency.
    static func code(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = String(line)
            if let comment = line.range(of: "//") { line = String(line[..<comment.lowerBound]) }
            return line.replacing(#/"[^"]*"/#, with: "\"\"")
        }.joined(separator: "\n")
    }

    /// A cycle of folders, as a path, when there is one.
    static func cycle(in edges: [String: Set<String>]) -> [String]? {
        var state: [String: Bool] = [:]  // false: on the path; true: done
        var path: [String] = []
        func visit(_ node: String) -> [String]? {
            if state[node] == true { return nil }
            if state[node] == false { return Array(path[path.firstIndex(of: node)!...]) + [node] }
            state[node] = false
            path.append(node)
            for next in (edges[node] ?? []).sorted() {
                if let found = visit(next) { return found }
            }
            path.removeLast()
            state[node] = true
            return nil
        }
        for node in edges.keys.sorted() {
            if let found = visit(node) { return found }
        }
        return nil
    }

    @Test("the cycle finder finds a cycle")
    func cycleFinder() {
        #expect(Self.cycle(in: ["A": ["B"], "B": ["C"], "C": ["A"]]) == ["A", "B", "C", "A"])
        #expect(Self.cycle(in: ["A": ["B"], "B": ["C"]]) == nil)
    }
}
