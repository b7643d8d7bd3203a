import Foundation
import Testing
import WorkflowKitTesting

/// `daemon`'s log in the format and at the level asked for.
@Suite("daemon's log")
struct DaemonLogTests {
    @Test("--log-format json: every line is JSON, the master key warning included; --log-level warning keeps only warnings")
    func jsonLines() throws {
        let directory = try TemporaryDirectory()
        let json = try BuiltProduct.run(
            "aso-engine", ["daemon", "--once", "--db", "cases.sqlite", "--now", "2026-06-01", "--log-format", "json"],
            currentDirectory: directory.url)
        #expect(json.status == 0, "\(json.stderr)")
        var entries: [[String: Any]] = []
        for line in json.stderr.split(separator: "\n") {
            entries.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)"))
        }
        let messages = entries.map { "\($0["level"] ?? "") \($0["message"] ?? "")" }
        #expect(messages.contains { $0.hasPrefix("warning created a new master key file") }, "\(json.stderr)")
        #expect(messages.contains("info delivered 0 reminders"), "\(json.stderr)")

        let quiet = try BuiltProduct.run(
            "aso-engine", ["daemon", "--once", "--db", "other.sqlite", "--now", "2026-06-01", "--log-level", "warning"],
            currentDirectory: directory.url)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.contains("created a new master key file") && !quiet.stderr.contains("delivered"), "\(quiet.stderr)")
        let silent = try BuiltProduct.run(
            "aso-engine", ["daemon", "--once", "--db", "third.sqlite", "--now", "2026-06-01", "--log-level", "error"],
            currentDirectory: directory.url)
        #expect(silent.status == 0 && silent.stderr.isEmpty, "\(silent.stderr)")
    }
}
