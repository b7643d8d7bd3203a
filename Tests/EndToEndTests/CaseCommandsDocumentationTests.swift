import Foundation
import Testing
import WorkflowKitTesting

/// The walkthrough in `docs/cli.md` runs as written: every `aso-engine` line of its
/// first shell block, in a folder holding a copy of the repository's `processes/`.
@Suite("docs/cli.md walkthrough")
struct CaseCommandsDocumentationTests {
    static let root = Repository.root(of: #filePath)

    @Test("every walkthrough line exits as the page says")
    func walkthrough() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let block = try #require(page.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        let lines = block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("aso-engine ") }
        #expect(lines.count >= 15)
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(
            at: Self.root.appendingPathComponent("processes"), to: directory.url.appendingPathComponent("processes"))
        for line in lines {
            let expected: Int32 = line.hasSuffix("# exit 1") ? 1 : 0
            let result = try BuiltProduct.run("aso-engine", Array(Repository.shellWords(line).dropFirst()), currentDirectory: directory.url)
            #expect(result.status == expected, "\(line): \(result.stderr)")
            if expected == 0 {
                #expect(!result.stdout.isEmpty, "\(line) printed nothing")
            } else {
                #expect(!result.stderr.isEmpty && result.stdout.isEmpty, "\(line)")
            }
        }
    }
}
