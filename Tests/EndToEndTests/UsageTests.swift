import Foundation
import Testing
import WorkflowKitTesting

/// The command line's exit codes: 0 success, 1 user error, 2 usage.
@Suite("aso-engine usage")
struct UsageTests {
    @Test("an unknown option or subcommand is a usage error: exit 2 with the usage on stderr")
    func usageError() throws {
        for arguments in [["--bogus"], ["no-such-command"], ["verify", "--db"]] {
            let result = try BuiltProduct.run("aso-engine", arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("Usage: aso-engine"))
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("help exits 0 and lists the subcommands in their groups")
    func help() throws {
        let result = try BuiltProduct.run("aso-engine", ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: aso-engine <subcommand>"))
        let groups = ["CASEWORK", "PROCESSES", "PEOPLE AND ACCESS", "OPERATIONS", "DATA PROTECTION"]
        let headings = result.stdout.split(separator: "\n").map(String.init).filter { $0.hasSuffix("SUBCOMMANDS:") }
        #expect(headings == groups.map { "\($0) SUBCOMMANDS:" }, "every subcommand is in a group: \(result.stdout)")
        // Each group lists its own: open under casework, serve under operations, erase under data protection.
        for (group, command) in [("CASEWORK", "open"), ("PROCESSES", "validate"), ("PEOPLE AND ACCESS", "token"),
            ("OPERATIONS", "serve"), ("DATA PROTECTION", "erase")]
        {
            let section = result.stdout.components(separatedBy: "\(group) SUBCOMMANDS:").last?.components(separatedBy: "SUBCOMMANDS:").first ?? ""
            #expect(section.contains("  \(command) "), "\(command) under \(group)")
        }
    }

    @Test("--version prints the version of CHANGELOG.md's newest release")
    func version() throws {
        let changelog = try String(
            contentsOf: Repository.root(of: #filePath).appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = try #require(
            changelog.split(separator: "\n").first { $0.hasPrefix("## [") && !$0.hasPrefix("## [Unreleased]") })
        let version = try #require(newest.dropFirst(4).split(separator: "]").first)
        let result = try BuiltProduct.run("aso-engine", ["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(version)\n")
    }

    @Test("the completion script docs/cli.md names is printed for each shell")
    func completion() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try BuiltProduct.run("aso-engine", ["--generate-completion-script", shell])
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            #expect(result.stdout.contains("aso-engine"))
            #expect(result.stdout.contains("rotate-master-key"), "\(shell): every subcommand completes")
        }
        let page = try String(contentsOf: Repository.root(of: #filePath).appendingPathComponent("docs/cli.md"), encoding: .utf8)
        #expect(page.contains("aso-engine --generate-completion-script bash"))
    }
}
