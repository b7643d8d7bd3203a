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

    @Test("help exits 0")
    func help() throws {
        let result = try BuiltProduct.run("aso-engine", ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: aso-engine <subcommand>"))
    }
}
