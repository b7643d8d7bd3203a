import Foundation
import Testing
import WorkflowKit

/// Every example in docs/process-language.md works as the document says: each
/// ```yaml block loads without errors (blocks after an `<!-- invalid: … -->`
/// comment produce exactly that error), and each line `EXPR => VALUE` of an
/// ```expr block evaluates to VALUE.
@Suite struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Block {
        var language: String
        var text: String
        var line: Int
        var invalid: String?
    }

    static func blocks() throws -> [Block] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/process-language.md"), encoding: .utf8)
        var blocks: [Block] = []
        var current: Block?
        var pendingInvalid: String?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if var block = current {
                if line == "```" {
                    blocks.append(block)
                    current = nil
                } else {
                    block.text += line + "\n"
                    current = block
                }
            } else if line.hasPrefix("```") {
                current = Block(language: String(line.dropFirst(3)), text: "", line: index + 1, invalid: pendingInvalid)
                pendingInvalid = nil
            } else if line.hasPrefix("<!-- invalid: "), line.hasSuffix(" -->") {
                pendingInvalid = String(line.dropFirst("<!-- invalid: ".count).dropLast(" -->".count))
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                pendingInvalid = nil
            }
        }
        return blocks
    }

    /// The shipped process files, so that doc blocks can extend them.
    static func shippedSources() throws -> [ProcessLoader.Source] {
        let directory = root.appendingPathComponent("processes")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted().map {
            ProcessLoader.Source(file: "processes/\($0)", text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8))
        }
    }

    @Test func everyYAMLBlockLoadsAsDocumented() throws {
        let blocks = try Self.blocks().filter { $0.language == "yaml" }
        #expect(blocks.count >= 8)
        let shipped = try Self.shippedSources()
        for block in blocks {
            let file = "docs/process-language.md@\(block.line).yaml"
            let library = ProcessLoader().load(sources: [.init(file: file, text: block.text)] + shipped)
            let errors = library.diagnostics.filter { $0.severity == .error }
            if let expected = block.invalid {
                let found = errors.map { "\($0.line):\($0.column): \($0.message)" }
                #expect(found == [expected], "block at line \(block.line)")
            } else {
                #expect(errors.isEmpty, "block at line \(block.line): \(errors.map(\.description))")
                #expect(library.diagnostics.filter { $0.file == file }.isEmpty, "block at line \(block.line): \(library.diagnostics.map(\.description))")
                let loaded = library.processes.first { $0.file == file }
                #expect(loaded != nil, "block at line \(block.line)")
                #expect(loaded?.exampleResults.allSatisfy(\.passed) ?? false)
            }
        }
    }

    @Test func everyExpressionExampleEvaluatesAsDocumented() throws {
        let lines = try Self.blocks().filter { $0.language == "expr" }.flatMap { $0.text.split(separator: "\n") }
        #expect(lines.count >= 5)
        for line in lines {
            let parts = line.components(separatedBy: " => ")
            try #require(parts.count == 2, "\(line)")
            let expression = try ProcessExpression(parsing: parts[0])
            let value = expression.evaluate(in: EvaluationContext(calendar: FinnishCalendar())).value
            #expect(value?.description == parts[1], "\(line)")
        }
    }
}
