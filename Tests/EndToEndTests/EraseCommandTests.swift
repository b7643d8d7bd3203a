import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine erase`, and the master key as the CLI finds it.
@Suite("aso-engine erase")
struct EraseCommandTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path

    static func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> ProcessOutput {
        var all = arguments + ["--db", directory.path("cases.sqlite"), "--actor", "anna", "--now", "2026-06-01"]
        if arguments.first == "open" { all += ["--processes", processes] }
        return try BuiltProduct.run("aso-engine", all, currentDirectory: directory.url)
    }

    @Test("erase shreds a case's personal data; the log verifies and the case is still listed")
    func erase() throws {
        let directory = try TemporaryDirectory()
        let opened = try Self.run(
            ["open", "vat-generic", "--case", "c-1", "--set", "releaseDate=2026-12-23", "--worker", "anna"], in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        // No key was configured: one is made beside the log, and the warning says so on stderr.
        #expect(opened.stderr.contains("cases.sqlite.master-key"))
        #expect(FileManager.default.fileExists(atPath: directory.path("cases.sqlite.master-key")))

        let refused = try Self.run(["erase", "c-1"], in: directory)
        #expect(refused.status != 0)
        let erased = try Self.run(["erase", "c-1", "--reason", "Retention period ended."], in: directory)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.contains("erased"))
        let again = try Self.run(["erase", "c-1", "--reason", "Again."], in: directory)
        #expect(again.status == 1 && again.stderr.contains("already erased"))

        let show = try Self.run(["show", "c-1"], in: directory).stdout
        #expect(show.contains("erased      2026-06-01: Retention period ended."))
        #expect(!show.contains("releaseDate"))
        #expect(try Self.run(["verify"], in: directory).status == 0)
        let cases = try Self.run(["cases", "--json"], in: directory).stdout
        let row = try #require((try JSONSerialization.jsonObject(with: Data(cases.utf8)) as? [[String: Any]])?.first)
        #expect(row["case"] as? String == "c-1" && row["erasedOn"] as? String == "2026-06-01")
        #expect(try Self.run(["history", "c-1"], in: directory).stdout.contains("personal data erased: Retention period ended."))
        let record = try Self.run(["record", "c-1", "--set", "releaseDate=2027-01-01"], in: directory)
        #expect(record.status == 1 && record.stderr.contains("erased"))
    }

    @Test("a wrong master key file is a clear error, and nothing is written")
    func wrongKey() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.run(["open", "vat-generic", "--case", "c-1", "--set", "releaseDate=2026-12-23"], in: directory).status == 0)
        let wrong = directory.path("wrong.key")
        try Data((Data(repeating: 7, count: 32).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: wrong))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: wrong)
        let before = try Self.run(["history", "c-1"], in: directory).stdout
        let refused = try Self.run(["close", "c-1", "--reason", "Done.", "--master-key-file", wrong], in: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot unwrap") && refused.stderr.contains("wrong.key"))
        #expect(try Self.run(["history", "c-1"], in: directory).stdout == before)
    }
}
