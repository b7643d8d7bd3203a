import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine diff` and `migrate`, run as a coordinator runs them: two versions of a
/// process file and a database with open cases.
@Suite("aso-engine diff")
struct DiffCommandTests {
    /// The shipped vat-generic process without its examples (they pin the old dates).
    static func shippedProcess() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("processes/vat-generic.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        return String(text[..<text.range(of: "\nexamples:")!.lowerBound]) + "\n"
    }

    @Test("a changed due rule: the changed task, the affected open case, and the migration")
    func changedDueRule() throws {
        let directory = try TemporaryDirectory()
        let old = try Self.shippedProcess()
        let new = old.replacingOccurrences(
            of: "        due: releaseDate - 2 months\n        remind: [at window start",
            with: "        due: releaseDate - 3 months\n        remind: [at window start")
        #expect(new != old)
        let withoutAsk = old.replacingOccurrences(of: "      ask-consent:", with: "      ask-for-consent:")
        try Data(old.utf8).write(to: directory.url.appendingPathComponent("old.yaml"))
        try Data(new.utf8).write(to: directory.url.appendingPathComponent("new.yaml"))
        try Data(withoutAsk.utf8).write(to: directory.url.appendingPathComponent("renamed.yaml"))
        func run(_ arguments: [String]) throws -> ProcessOutput {
            try BuiltProduct.run("aso-engine", arguments + ["--db", "cases.sqlite", "--now", "2026-06-03"], currentDirectory: directory.url)
        }

        let offline = try run(["diff", "old.yaml", "new.yaml", "--db", "none.sqlite"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains("  changed task 'map-housing'\n      due: releaseDate - 2 months → releaseDate - 3 months\n"))

        for id in ["early", "closed"] {
            let opened = try run(["open", "old.yaml", "--case", id, "--set", "releaseDate=2026-12-23"])
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        #expect(try run(["close", "closed", "--reason", "Moved away."]).status == 0)

        let diff = try run(["diff", "old.yaml", "new.yaml"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("Open cases of 'vat-generic': 1, affected if migrated: 1"), "\(diff.stdout)")
        #expect(diff.stdout.contains("  early (state mapping, version "))
        #expect(diff.stdout.contains("      map-housing: due 2026-10-23 → 2026-09-23\n"))
        #expect(!diff.stdout.contains("closed ("))

        let json = try run(["diff", "new.yaml", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let changes = (object?["versions"] as? [[String: Any]])?.first?["changes"] as? [[String: Any]]
        #expect(changes?.first?["id"] as? String == "map-housing")
        #expect(changes?.first?["kind"] as? String == "changed")
        let cases = object?["cases"] as? [[String: Any]]
        #expect(cases?.count == 1)
        let taskChange = (cases?.first?["taskChanges"] as? [[String: Any]])?.first
        #expect(taskChange?["previousDue"] as? String == "2026-10-23")
        #expect(taskChange?["due"] as? String == "2026-09-23")

        let impossible = try run(["diff", "old.yaml", "renamed.yaml"])
        #expect(impossible.stdout.contains("added task 'ask-for-consent'"))
        #expect(impossible.stdout.contains("removed task 'ask-consent'"))
        #expect(impossible.stdout.contains("cannot migrate: Case 'early' cannot migrate: its open task 'ask-consent' does not exist"))
        let refused = try run(["migrate", "early", "--to", "renamed.yaml"])
        #expect(refused.status == 1)

        let migrated = try run(["migrate", "early", "--to", "new.yaml"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("task 'map-housing' rescheduled: due 2026-10-23 → 2026-09-23."))
        let tasks = try run(["tasks", "--case", "early", "--json"])
        #expect(tasks.stdout.contains("\"due\" : \"2026-09-23\""))
        let after = try run(["diff", "new.yaml"])
        #expect(after.stdout.contains("Every open case of 'vat-generic' already follows version"))
        #expect(after.stdout.contains("early (state mapping, version ") && after.stdout.contains("already follows this version"))
    }
}
