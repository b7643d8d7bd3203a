import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// The process-language reference covers every key the shipped process files use.
    @Suite struct ReferenceCoverageTests {
        static let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        /// Paths (with `*` for any key or index) whose keys are ids the file
        /// declares or names, not words of the language.
        static let idPaths: Set<String> = [
            "fields", "parties", "roles", "events", "states", "states.*.tasks", "states.*.on", "documents",
            "examples.*.given.fields", "examples.*.given.events.*", "examples.*.given.events", "examples.*.expect.tasks",
        ]

        /// Every key of the language used in `node`, with a place it is used.
        static func keys(of node: SourceNode, path: [String], into result: inout [String: String]) {
            let pattern = path.joined(separator: ".")
            if let pairs = node.pairs {
                let isIDs = idPaths.contains(pattern)
                for (key, value) in pairs {
                    if !isIDs { result[key.name] = result[key.name] ?? key.location.description }
                    keys(of: value, path: path + [isIDs ? "*" : key.name], into: &result)
                }
            } else if let items = node.items {
                for item in items { keys(of: item, path: path + ["*"], into: &result) }
            }
        }

        @Test func everyKeyUsedUnderProcessesIsInTheReference() throws {
            let directory = Self.root.appendingPathComponent("processes")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
            #expect(files.count >= 5)
            var used: [String: String] = [:]
            for name in files {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                let (node, problems) = SourceNode.parse(text, file: "processes/\(name)")
                #expect(problems.isEmpty, "\(problems)")
                if let node { Self.keys(of: node, path: [], into: &used) }
            }
            #expect(used.keys.contains("description"), "the shipped files use 'description'")
            let reference = try String(contentsOf: Self.root.appendingPathComponent("docs/process-language.md"), encoding: .utf8)
            for (key, place) in used.sorted(by: { $0.key < $1.key }) {
                let documented = reference.contains("`\(key)`") || reference.contains("`\(key):") || reference.contains("\n\(key):")
                    || reference.contains(" \(key): ") || reference.contains("{ \(key):")
                #expect(documented, "the key '\(key)' (used at \(place)) is not in docs/process-language.md")
            }
        }

        @Test func theCollectorSkipsIdsButFindsKeys() {
            let (node, _) = SourceNode.parse("process: x\nstates:\n  s1:\n    tasks:\n      t1: { title: T, role: r }\n    on: { done: s2 }\n", file: "x.yaml")
            var used: [String: String] = [:]
            if let node { Self.keys(of: node, path: [], into: &used) }
            #expect(Set(used.keys) == ["process", "states", "tasks", "title", "role", "on"])
        }
    }
}
