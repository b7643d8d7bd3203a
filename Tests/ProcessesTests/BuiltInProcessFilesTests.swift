import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The process files the project ships in `processes/`, and their pages in
/// `docs/processes/`: every file validates, every example in it passes, and each
/// page's diagram is what `aso-engine graph` prints for the process today.
@Suite("Built-in process files and their documentation pages")
struct BuiltInProcessFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let processes = root.appendingPathComponent("processes")
    static let pages = root.appendingPathComponent("docs/processes")

    static func yamlFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: processes, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" || $0.pathExtension == "yml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func library() -> ProcessLibrary { ProcessLoader().load(paths: [processes.path]) }

    @Test("the shipped processes are all there")
    func shippedProcesses() {
        let ids = Set(Self.library().processes.map(\.definition.id))
        for id in [
            "aso-joensuu", "vat-generic", "vat-turku", "vat-tampere", "vat-vaasa", "child-welfare-kuopio", "walk-in-housing",
        ] {
            #expect(ids.contains(id), "process '\(id)' is missing from processes/")
        }
    }

    @Test("every process file validates without errors")
    func everyFileValidates() throws {
        let library = Self.library()
        let errors = library.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
        let loadedFiles = Set(library.processes.map { URL(fileURLWithPath: $0.file).lastPathComponent })
        for file in try Self.yamlFiles() {
            #expect(loadedFiles.contains(file.lastPathComponent), "\(file.lastPathComponent) defines no usable process")
        }
    }

    @Test("every process file has examples, and they all pass")
    func examplesPass() {
        let library = Self.library()
        for process in library.processes {
            #expect(!process.exampleResults.isEmpty, "\(process.definition.id) has no examples")
            for result in process.exampleResults {
                #expect(result.passed, "\(result.process): \(result.name): \(result.failures.joined(separator: "; "))")
            }
        }
        #expect(library.exampleResults.allSatisfy { $0.passed })
    }

    /// The text between `<!-- graph:begin -->` and `<!-- graph:end -->`, without
    /// the ```mermaid fence.
    static func graphBlock(in page: String) -> String? {
        guard let begin = page.range(of: "<!-- graph:begin -->"),
            let end = page.range(of: "<!-- graph:end -->", range: begin.upperBound..<page.endIndex)
        else { return nil }
        var block = page[begin.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        guard block.hasPrefix("```mermaid\n"), block.hasSuffix("```") else { return nil }
        block = String(block.dropFirst("```mermaid\n".count).dropLast(3))
        return block
    }

    @Test("every process has a documentation page, listed in the index")
    func everyProcessHasAPage() throws {
        let index = try String(contentsOf: Self.pages.appendingPathComponent("index.md"), encoding: .utf8)
        for process in Self.library().processes {
            let id = process.definition.id
            let page = Self.pages.appendingPathComponent("\(id).md")
            #expect(FileManager.default.fileExists(atPath: page.path), "docs/processes/\(id).md is missing")
            #expect(index.contains("(\(id).md)"), "docs/processes/index.md does not link \(id).md")
        }
    }

    @Test("each page's diagram is what `aso-engine graph` prints now")
    func pageGraphsAreCurrent() throws {
        let pages = try FileManager.default.contentsOfDirectory(at: Self.pages, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" && $0.lastPathComponent != "index.md" }
        #expect(!pages.isEmpty)
        for page in pages {
            let id = page.deletingPathExtension().lastPathComponent
            let text = try String(contentsOf: page, encoding: .utf8)
            let block = try #require(Self.graphBlock(in: text), "docs/processes/\(id).md has no graph block")
            let result = try BuiltProduct.run(
                "aso-engine", ["graph", id, "--processes", Self.processes.path, "--format", "mermaid"],
                currentDirectory: Self.root)
            #expect(result.status == 0, "aso-engine graph \(id) failed: \(result.stderr)")
            #expect(
                block.trimmingCharacters(in: .newlines) == result.stdout.trimmingCharacters(in: .newlines),
                "docs/processes/\(id).md: the diagram is out of date; paste the output of `aso-engine graph \(id) --format mermaid`")
        }
    }
}
