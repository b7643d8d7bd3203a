import Foundation
import Testing
import WorkflowKitTesting

/// The inspection commands on a process whose only problems are failing
/// examples, and `eval`'s explanations (issue 18, items 4, 5 and 8).
@Suite struct InspectionCommandsTests {
    /// A process whose example expects the wrong due date.
    static let failing = """
        process: rooms
        title: Huoneet — Seinäjoki
        fields:
          releaseDate: { type: date, required: true }
        roles: { worker: Worker }
        events: { done: Done }
        closedDays:
          - { name: Office closed after Midsummer, date: 2027-06-28 }
        states:
          start:
            initial: true
            tasks:
              book-room: { title: Book the room, role: worker, due: releaseDate - 1 month, remind: [on due] }
            on: { done: end }
          end: { final: true }
        examples:
          - name: Expects the wrong day
            given: { fields: { releaseDate: 2027-07-25 }, openedOn: 2027-06-01 }
            expect: { tasks: { book-room: { due: 2027-06-25 } } }

        """

    func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> ProcessOutput {
        try BuiltProduct.run("aso-engine", arguments, currentDirectory: directory.url)
    }

    func folder() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("mine"), withIntermediateDirectories: true)
        try Data(Self.failing.utf8).write(to: directory.url.appendingPathComponent("mine/rooms.yaml"))
        return directory
    }

    static let warning = "warning: The process 'rooms' is shown although some of its examples fail (see above); no case can be opened or migrated with it until they pass."

    @Test func inspectionToolsWorkWhileOnlyExamplesFail() throws {
        let directory = try folder()
        let resolve = try run(["resolve", "rooms", "--processes", "mine"], in: directory)
        #expect(resolve.status == 0, "\(resolve.stderr)")
        #expect(resolve.stdout.contains("title: Huoneet — Seinäjoki\n"), "UTF-8 is printed as written: \(resolve.stdout)")
        #expect(resolve.stderr.contains("error: The example 'Expects the wrong day' fails"))
        #expect(resolve.stderr.hasSuffix(Self.warning + "\n"), "\(resolve.stderr)")

        let graph = try run(["graph", "mine/rooms.yaml"], in: directory)
        #expect(graph.status == 0, "\(graph.stderr)")
        #expect(graph.stdout.contains("stateDiagram-v2"))
        #expect(graph.stderr.hasSuffix(Self.warning + "\n"))

        let diff = try run(["diff", "mine/rooms.yaml", "mine/rooms.yaml"], in: directory)
        #expect(diff.status == 0, "\(diff.stderr)")

        // open refuses it.
        let open = try run(["open", "rooms", "--processes", "mine", "--set", "releaseDate=2027-07-25", "--db", "cases.sqlite"], in: directory)
        #expect(open.status != 0)
        #expect(open.stderr.contains("There is no valid process 'rooms'"), "\(open.stderr)")
    }

    @Test func testSaysWhichExamplesAreInheritedAndHowToReplaceThem() throws {
        let directory = try folder()
        let fixed = Self.failing.replacingOccurrences(of: "due: 2027-06-25 }", with: "due: 2027-06-29 }")
        try Data(fixed.utf8).write(to: directory.url.appendingPathComponent("mine/rooms.yaml"))
        let region = "process: rooms-region\nextends: rooms\nclosedDays:\n  - { name: Closed after Midsummer, date: 2027-06-29 }\n"
        try Data(region.utf8).write(to: directory.url.appendingPathComponent("mine/rooms-region.yaml"))
        let output = try run(["test", "mine"], in: directory)
        #expect(output.status == 1)
        let lines = output.stdout.components(separatedBy: "\n")
        #expect(lines.contains("PASS rooms: Expects the wrong day"), "\(output.stdout)")
        #expect(lines.contains("FAIL rooms-region: Expects the wrong day (inherited from rooms, written at mine/rooms.yaml:17:5)"), "\(output.stdout)")
        #expect(lines.contains(
            "     This example is inherited from 'rooms' (written at mine/rooms.yaml:17:5); an extending file inherits the examples of its base until it has its own 'examples:'. Write 'examples:' in rooms-region.yaml, copying the base's and adapting their dates to this process, to replace them."))
        #expect(output.stderr.isEmpty, "the failure is not repeated as another error: \(output.stderr)")
    }

    /// A region's file in its own folder, extending a built-in process.
    static let region = """
        process: vat-region
        extends: vat-generic
        title: Housing before release (our region)
        states:
          mapping:
            tasks:
              map-housing:
                due: releaseDate - 3 months
        examples:
          - name: Due three months before release
            given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01 }
            expect: { tasks: { map-housing: { due: 2026-09-23 } } }

        """

    @Test func aRegionsOwnFolderExtendsTheBuiltInProcesses() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("my-region"), withIntermediateDirectories: true)
        try Data(Self.region.utf8).write(to: directory.url.appendingPathComponent("my-region/vat-region.yaml"))
        let validate = try run(["validate", "my-region"], in: directory)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout == "1 process valid in 1 file (0 warnings).\n")
        let test = try run(["test", "my-region"], in: directory)
        #expect(test.stdout.hasPrefix("PASS vat-region: Due three months before release\n"), "\(test.stdout)\(test.stderr)")

        let misspelt = Self.region.replacingOccurrences(of: "extends: vat-generic", with: "extends: vat-generc")
        try Data(misspelt.utf8).write(to: directory.url.appendingPathComponent("my-region/vat-region.yaml"))
        let wrong = try run(["validate", "my-region"], in: directory)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.hasPrefix(
            "my-region/vat-region.yaml:2:10: error: 'extends: vat-generc' names no process found beside this file (did you mean 'vat-generic'?).\n"), "\(wrong.stderr)")
    }

    /// The `eval --process` output shown in docs/process-language.md is what the command prints.
    @Test func theDocumentedEvalOutputIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/process-language.md"), encoding: .utf8)
        let command = "$ aso-engine eval 'releaseDate - 2 months' --set releaseDate=2027-08-27 --process vat-turku\n"
        let shown = try #require(page.components(separatedBy: command).dropFirst().first?.components(separatedBy: "```").first)
        let output = try run(["eval", "releaseDate - 2 months", "--set", "releaseDate=2027-08-27", "--process", "vat-turku"], in: try TemporaryDirectory())
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == shown)
    }

    @Test func evalUsesTheProcessCalendarAndSaysWhereADueDateMoves() throws {
        let directory = try folder()
        let plain = try run(["eval", "releaseDate - 1 month", "--set", "releaseDate=2027-07-25"], in: directory)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.components(separatedBy: "\n").contains(
            "  As a due date it moves to the next working day, Monday 2027-06-28 (unless the task has 'dueOnDayOff: keep')."), "\(plain.stdout)")
        #expect(plain.stdout.contains("No region's closed days are counted; give --process ID to use a process's calendar and closed days."))

        // In the process's calendar, 2027-06-28 is closed too: the due date moves to Tuesday.
        let inProcess = try run(["eval", "releaseDate - 1 month", "--set", "releaseDate=2027-07-25", "--process", "mine/rooms.yaml"], in: directory)
        #expect(inProcess.status == 0, "\(inProcess.stderr)")
        #expect(inProcess.stdout.contains("As a due date it moves to the next working day, Tuesday 2027-06-29"), "\(inProcess.stdout)")
        #expect(!inProcess.stdout.contains("No region's closed days"))
        #expect(inProcess.stderr.hasSuffix(Self.warning + "\n"))
    }
}
