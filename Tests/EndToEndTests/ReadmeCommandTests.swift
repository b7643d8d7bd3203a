import Foundation
import Testing
import WorkflowKitTesting

/// Every `swift run aso-engine …` line in the README's coordinator section runs, as
/// written, against the repository's own process files.
@Suite("README commands")
struct ReadmeCommandTests {
    static let root = Repository.root(of: #filePath)

    @Test("the coordinator commands run and succeed")
    func coordinatorCommands() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## For coordinators").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        let commands = block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("swift run aso-engine ") }
        #expect(commands.count >= 5)
        for command in commands {
            let arguments = Array(Repository.shellWords(command).dropFirst(3))
            let result = try BuiltProduct.run("aso-engine", arguments, currentDirectory: Self.root)
            #expect(result.status == 0, "\(command) failed: \(result.stderr)")
            #expect(!result.stdout.isEmpty, "\(command) printed nothing")
            if arguments.first == "eval" {
                #expect(result.stdout.hasPrefix("2026-12-29"))
            }
        }
    }
}
