import Foundation
import Testing
import WorkflowKitTesting

/// What a new user meets first, run as they would run it: a mistyped `--processes`,
/// a `processes/` folder of their own, options before the command, and a daemon
/// started before any case exists.
@Suite("aso-engine on first use")
struct FirstUseTests {
    static let processes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("processes").path

    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> ProcessOutput {
        try BuiltProduct.run("aso-engine", arguments, currentDirectory: directory.url)
    }

    @Test("a --processes folder that is missing or a dangling link is an error naming it, not ignored")
    func missingProcessFolder() throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("cases.sqlite")
        let missing = directory.path("procesess")
        let dangling = directory.path("linked")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory.path("gone"))
        for (folder, message) in [
            (missing, "There is no process folder '\(missing)' (--processes)."),
            (dangling, "The process folder '\(dangling)' (--processes) is a link to '\(directory.path("gone"))', which does not exist."),
        ] {
            for arguments in [
                ["processes"], ["diff", "vat-generic", "--db", db],
                ["open", "vat-generic", "--case", "c-1", "--set", "releaseDate=2026-12-23", "--db", db],
            ] {
                let result = try Self.run(arguments + ["--processes", folder], in: directory)
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(!result.stdout.contains("already follows"))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test("without --processes, a processes/ folder in the current folder is used; else the built-in processes")
    func defaultProcessFolder() throws {
        let directory = try TemporaryDirectory()
        let builtIn = try Self.run(["processes", "--json"], in: directory)
        #expect(builtIn.status == 0, "\(builtIn.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(builtIn.stdout.utf8)) as? [[String: Any]])
        let shipped = try #require(rows.first { $0["id"] as? String == "vat-generic" })
        #expect(shipped["builtIn"] as? Bool == true)

        try FileManager.default.createDirectory(atPath: directory.path("processes"), withIntermediateDirectories: true)
        let text = try String(contentsOfFile: Self.processes + "/vat-generic.yaml", encoding: .utf8)
        let title = try #require(text.split(separator: "\n").first { $0.hasPrefix("title:") })
        try text.replacingOccurrences(of: String(title), with: "title: Our own VAT process")
            .write(toFile: directory.path("processes/vat-generic.yaml"), atomically: true, encoding: .utf8)
        let own = try Self.run(["processes", "--json"], in: directory)
        #expect(own.status == 0, "\(own.stderr)")
        let ownRows = try #require(try JSONSerialization.jsonObject(with: Data(own.stdout.utf8)) as? [[String: Any]])
        let overridden = try #require(ownRows.first { $0["id"] as? String == "vat-generic" })
        #expect(overridden["title"] as? String == "Our own VAT process")
        #expect(overridden["file"] as? String == "processes/vat-generic.yaml")
        #expect(ownRows.count == rows.count)
        #expect(try Self.run(["processes", "--help"], in: directory).stdout.contains("default: ./processes when it exists"))
    }

    @Test("the options every command accepts may come before the command's name")
    func optionsBeforeTheCommand() throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("cases.sqlite")
        let opened = try Self.run(
            ["--db", db, "--now", "2026-06-01", "--actor", "anna", "--processes", Self.processes,
             "open", "vat-generic", "--case", "c-1", "--set", "releaseDate=2026-12-23"], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        let listed = try Self.run(["--json", "--db=\(db)", "cases"], in: directory)
        #expect(listed.status == 0, "\(listed.stderr)")
        let cases = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(cases?.map { $0["case"] as? String } == ["c-1"])
        // Placed before a command that does not take it, an option is still a usage error.
        let misplaced = try Self.run(["--db", db, "graph", "vat-generic"], in: directory)
        #expect(misplaced.status == 2)
        #expect(misplaced.stderr.contains("Unknown option '--db'"))
    }

    @Test("daemon on a log that does not exist yet creates it and runs")
    func daemonCreatesTheLog() throws {
        let directory = try TemporaryDirectory()
        let db = directory.path("new.sqlite")
        let daemon = try Self.run(["daemon", "--db", db, "--once", "--now", "2026-06-15T09:00"], in: directory)
        #expect(daemon.status == 0, "\(daemon.stderr)")
        #expect(daemon.stderr.contains("created an empty event log"))
        #expect(FileManager.default.fileExists(atPath: db))
        let verified = try Self.run(["verify", "--db", db], in: directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        let again = try Self.run(["daemon", "--db", db, "--once", "--now", "2026-06-15T09:00"], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("created an empty event log"))
    }
}
