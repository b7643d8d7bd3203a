import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// `aso-engine demo`, the newcomer's first command.
@Suite("aso-engine demo")
struct DemoCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("a small simulated year runs, prints reminders and a summary, and leaves an intact log")
    func smallYear() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("demo.sqlite")
        let result = try BuiltProduct.run("aso-engine", ["demo", "--cases", "40", "--db", path], currentDirectory: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        for line in ["Summary of the year", "cases opened            40", "tasks done on time", "tasks done late",
                     "reminders delivered", "escalations", "housed before release"] {
            #expect(result.stdout.contains(line), "missing '\(line)'")
        }
        #expect(result.stdout.contains("due-soon") && result.stdout.contains("ESCALATION"))
        // The demo makes its database's master key itself and says where, on stdout, with no warning.
        #expect(result.stdout.contains("Master key: \(path).master-key"))
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
        let permissions = try FileManager.default.attributesOfItem(atPath: path + ".master-key")[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        // Reminder lines carry ids, roles and dates, never a field value.
        #expect(!result.stdout.contains("releaseDate"))
        let database = try WorkflowDatabase(path: path)
        #expect(try await database.events.verify().isIntact)
        let sent = try await database.events.readAll(after: 0).collect().filter { $0.type == ReminderSent.typeName }.count
        let delivered = result.stdout.split(separator: "\n").filter { $0.hasPrefix("20") }.count
        #expect(sent == delivered)

        // The same seed gives the same year.
        let again = try BuiltProduct.run(
            "aso-engine", ["demo", "--cases", "40", "--db", directory.path("again.sqlite")], currentDirectory: Self.root)
        func strip(_ text: String) -> String {
            text.split(separator: "\n").filter { !$0.contains("sqlite") && !$0.hasPrefix("Simulated in") }.joined(separator: "\n")
        }
        #expect(strip(again.stdout) == strip(result.stdout))
    }

    @Test("an existing file is refused and left alone")
    func existingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("taken.sqlite")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        let result = try BuiltProduct.run("aso-engine", ["demo", "--db", path], currentDirectory: Self.root)
        #expect(result.status == 1)
        #expect(result.stderr.contains("exists already"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }
}
