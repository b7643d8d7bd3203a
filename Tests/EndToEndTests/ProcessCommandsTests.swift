import Foundation
import Testing
import WorkflowKitTesting

/// The definition commands, run as a coordinator runs them: the built
/// `aso-engine` binary as a real process.
@Suite struct ProcessCommandsTests {
    /// The package's own `processes/` directory.
    static let processes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("processes").path

    static let valid = """
        process: mini
        fields:
          releaseDate: { type: date }
        roles: { worker: Worker, chair: Chair }
        events: { done: Done }
        states:
          start:
            initial: true
            tasks:
              map: { title: Map, role: worker, due: releaseDate - 2 months, remind: [on due] }
            on: { done: end }
          end: { final: true }
        examples:
          - name: Two months before release
            given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01 }
            expect: { state: start, tasks: { map: { due: 2026-10-23 } } }

        """

    func run(_ arguments: [String], in directory: TemporaryDirectory? = nil) throws -> ProcessOutput {
        try BuiltProduct.run("aso-engine", arguments, currentDirectory: directory?.url)
    }

    func write(_ text: String, _ name: String, in directory: TemporaryDirectory) throws {
        try Data(text.utf8).write(to: directory.url.appendingPathComponent(name))
    }

    @Test func validateAcceptsTheShippedProcesses() throws {
        let output = try run(["validate", Self.processes])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("valid in"))
    }

    @Test func validateReportsEveryProblemAsFileLineColumn() throws {
        let directory = try TemporaryDirectory()
        let broken = Self.valid.replacingOccurrences(of: "role: worker", with: "role: wroker")
            .replacingOccurrences(of: "on: { done: end }", with: "on: { done: ned }")
        try write(broken, "broken.yaml", in: directory)
        let output = try run(["validate", "broken.yaml"], in: directory)
        #expect(output.status == 1)
        let lines = output.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("broken.yaml:10:32: error: Unknown role 'wroker' in the task 'map' (did you mean 'worker'?)."), "\(lines)")
        #expect(lines.contains("broken.yaml:11:17: error: Unknown state 'ned' as the target of 'done' in the state 'start' (did you mean 'end'?)."), "\(lines)")
        #expect(lines.last == "3 errors, 0 warnings in 1 file.", "\(lines)")
        let json = try run(["validate", "broken.yaml", "--json"], in: directory)
        #expect(json.status == 1)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false)
        let first = (report?["diagnostics"] as? [[String: Any]])?.first
        #expect(first?["line"] as? Int == 10 && first?["column"] as? Int == 32 && first?["severity"] as? String == "error")
    }

    @Test func validateUsage() throws {
        let missing = try run(["validate", "/nonexistent/dir"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("There is no file or directory '/nonexistent/dir'."))
        let usage = try run(["validate", "--no-such-option"])
        #expect(usage.status == 2, "\(usage.stderr)")
    }

    @Test func testRunsTheExamples() throws {
        let directory = try TemporaryDirectory()
        try write(Self.valid, "mini.yaml", in: directory)
        let passing = try run(["test", "mini.yaml"], in: directory)
        #expect(passing.status == 0, "\(passing.stderr)")
        #expect(passing.stdout == "PASS mini: Two months before release\n1 of 1 example passed.\n")
        try write(Self.valid.replacingOccurrences(of: "due: 2026-10-23", with: "due: 2026-10-22"), "mini.yaml", in: directory)
        let failing = try run(["test", "mini.yaml"], in: directory)
        #expect(failing.status == 1)
        let json = try run(["test", "mini.yaml", "--json"], in: directory)
        #expect(json.status == 1)
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["passed"] as? Bool == false)
        #expect(rows?.first?["failures"] as? [String] == ["task 'map': expected due 2026-10-22, got 2026-10-23"])
        #expect(failing.stdout.contains("FAIL mini: Two months before release (mini.yaml:14:5)\n     task 'map': expected due 2026-10-22, got 2026-10-23\n"), "\(failing.stdout)")
    }

    @Test func testTheShippedExamples() throws {
        let output = try run(["test", Self.processes])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("PASS vat-generic: Consent just before Christmas"))
    }

    @Test func evalExplainsWorkingDays() throws {
        let output = try run(["eval", "d + 2 working days", "--set", "d=2026-12-23"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "2026-12-29")
        #expect(lines.contains { $0.contains("2026-12-29 = d (2026-12-23) + 2 working days, counted in calendar fi") && $0.contains("Christmas Eve") })
        #expect(lines.suffix(2) == [
            "  Tuesday 2026-12-29 is a working day (calendar fi).",
            "  No region's closed days are counted; give --process ID to use a process's calendar and closed days.",
        ])

        let guardOutput = try run(["eval", "openedOn > releaseDate - 2 months", "--set", "releaseDate=2026-12-23", "--opened-on", "2026-11-02", "--json"])
        #expect(guardOutput.status == 0)
        #expect(guardOutput.stdout.contains("\"value\" : \"true\""))
        #expect(guardOutput.stdout.contains("\"type\" : \"bool\""))

        // 1 January is New Year's Day, and 2-3 January 2027 are a weekend.
        let today = try run(["eval", "today + 1 working day", "--now", "2026-12-31"])
        #expect(today.stdout.hasPrefix("2027-01-04"), "\(today.stdout)")

        let bad = try run(["eval", "d + 2", "--set", "d=2026-12-23"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: d + 2\n           ^ A number needs a unit to be added to a date, e.g. '+ 2 days' or '+ 2 working days'.\n")
    }

    @Test func processesListsVersionsAndFiles() throws {
        let output = try run(["processes", "--processes", Self.processes])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("PROCESS") == true)
        #expect(lines.contains { $0.hasPrefix("vat-generic ") && $0.contains("vat-generic.yaml") })
        let json = try run(["processes", "--processes", Self.processes, "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.contains { $0["id"] as? String == "vat-generic" && ($0["version"] as? String)?.count == 64 } == true)
    }

    @Test func graphDrawsMermaidAndDot() throws {
        let mermaid = try run(["graph", "vat-generic", "--processes", Self.processes])
        #expect(mermaid.status == 0, "\(mermaid.stderr)")
        #expect(mermaid.stdout.contains("stateDiagram-v2"))
        #expect(mermaid.stdout.contains("    [*] --> mapping\n"))
        #expect(mermaid.stdout.contains("    mapping --> notify : consent-given [consent.given]\n"))
        #expect(mermaid.stdout.contains("    closed --> [*]\n"))
        let dot = try run(["graph", "vat-generic", "--format", "dot", "--processes", Self.processes])
        #expect(dot.stdout.hasPrefix("digraph \"vat-generic\" {"))
        #expect(dot.stdout.contains("\"mapping\" -> \"notify\" [label=\"consent-given [consent.given]\"];"))
        let unknown = try run(["graph", "no-such-process", "--processes", Self.processes])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("There is no valid process 'no-such-process'"))
    }

    @Test func resolvePrintsALoadableProcessFile() throws {
        let directory = try TemporaryDirectory()
        let output = try run(["resolve", "vat-generic", "--processes", Self.processes])
        #expect(output.status == 0, "\(output.stderr)")
        try write(output.stdout, "resolved.yaml", in: directory)
        let again = try run(["validate", "resolved.yaml"], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        let json = try run(["resolve", "vat-generic", "--processes", Self.processes, "--json"])
        #expect(json.stdout.contains("\"id\" : \"vat-generic\""))
    }
}
