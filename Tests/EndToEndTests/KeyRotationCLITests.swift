import Foundation
import Testing
import WorkflowKitTesting

/// `aso-engine rotate-master-key`, run as the built binary.
@Suite("aso-engine rotate-master-key")
struct KeyRotationCLITests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path
    static let releaseDate = "2026-12-23"

    /// Runs `aso-engine` on the log in `directory` with the master key from `keyFile`.
    static func run(_ arguments: [String], keyFile: String?, in directory: TemporaryDirectory) throws -> ProcessOutput {
        var all = arguments + ["--db", directory.path("cases.sqlite"), "--actor", "anna", "--now", "2026-06-01"]
        if let keyFile { all += ["--master-key-file", keyFile] }
        if arguments.first == "open" { all += ["--processes", processes] }
        return try BuiltProduct.run(
            "aso-engine", all, environment: [:], currentDirectory: directory.url)
    }

    static func writeKey(_ byte: UInt8, to path: String) throws {
        try Data((Data(repeating: byte, count: 32).base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: path))
        // Key files must be owner-only, as the engine checks.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    @Test("rotating to a new key file it creates: the case shows with the new key, the old key is refused")
    func rotatesToACreatedKeyFile() throws {
        let directory = try TemporaryDirectory()
        let oldKey = directory.path("old.key")
        try Self.writeKey(1, to: oldKey)
        for id in ["c-1", "c-2"] {
            let opened = try Self.run(
                ["open", "vat-generic", "--case", id, "--set", "releaseDate=\(Self.releaseDate)"], keyFile: oldKey, in: directory)
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        let before = try Self.run(["show", "c-1"], keyFile: oldKey, in: directory)
        #expect(before.status == 0 && before.stdout.contains(Self.releaseDate), "\(before.stderr)")

        let keysFolder = try TemporaryDirectory()
        let newKey = keysFolder.path("new.key")
        let rotated = try Self.run(["rotate-master-key", "--new-key-file", newKey], keyFile: oldKey, in: directory)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stdout.contains("Created the new master key file '\(newKey)'"))
        #expect(rotated.stdout.contains("Re-wrapped 2 case keys"))
        #expect(rotated.stdout.contains("the key file '\(oldKey)' (--master-key-file)"))
        #expect(rotated.stdout.contains("Backups made before this rotation open only with the old key"))
        let attributes = try FileManager.default.attributesOfItem(atPath: newKey)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: newKey, encoding: .utf8)
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)

        let after = try Self.run(["show", "c-1"], keyFile: newKey, in: directory)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains(Self.releaseDate))
        let refused = try Self.run(["show", "c-1"], keyFile: oldKey, in: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot unwrap") && refused.stderr.contains("old.key"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        #expect(try Self.run(["verify"], keyFile: nil, in: directory).status == 0)
        // The same log through ASO_MASTER_KEY_FILE.
        let viaEnvironment = try BuiltProduct.run(
            "aso-engine", ["show", "c-2", "--db", directory.path("cases.sqlite")],
            environment: ["ASO_MASTER_KEY_FILE": newKey], currentDirectory: directory.url)
        #expect(viaEnvironment.status == 0 && viaEnvironment.stdout.contains(Self.releaseDate), "\(viaEnvironment.stderr)")
    }

    @Test("an existing new key file is read; the current key, a malformed key or a wrong current key is refused")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let oldKey = directory.path("old.key")
        try Self.writeKey(1, to: oldKey)
        #expect(
            try Self.run(["open", "vat-generic", "--case", "c-1", "--set", "releaseDate=\(Self.releaseDate)"], keyFile: oldKey, in: directory)
                .status == 0)

        let same = try Self.run(["rotate-master-key", "--new-key-file", oldKey], keyFile: oldKey, in: directory)
        #expect(same.status == 1 && same.stderr.contains("already wrapped with"), "\(same.stderr)")
        let malformed = directory.path("malformed.key")
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: malformed))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: malformed)
        let bad = try Self.run(["rotate-master-key", "--new-key-file", malformed], keyFile: oldKey, in: directory)
        #expect(bad.status == 1 && bad.stderr.contains("not 32 bytes of base64"), "\(bad.stderr)")
        // A wrong current key: refused before the new key file is made.
        let wrong = directory.path("wrong.key")
        try Self.writeKey(2, to: wrong)
        let unused = directory.path("unused.key")
        let wrongCurrent = try Self.run(["rotate-master-key", "--new-key-file", unused], keyFile: wrong, in: directory)
        #expect(wrongCurrent.status == 1 && wrongCurrent.stderr.contains("cannot unwrap"), "\(wrongCurrent.stderr)")
        #expect(!FileManager.default.fileExists(atPath: unused))
        // Usage errors exit 2.
        #expect(try Self.run(["rotate-master-key"], keyFile: oldKey, in: directory).status == 2)
        #expect(try Self.run(["rotate-master-key", "--new-key-file", directory.path("")], keyFile: oldKey, in: directory).status == 2)
        #expect(try Self.run(["show", "c-1"], keyFile: oldKey, in: directory).status == 0)

        let newKey = directory.path("new.key")
        try Self.writeKey(3, to: newKey)
        let rotated = try Self.run(["rotate-master-key", "--new-key-file", newKey, "--json"], keyFile: oldKey, in: directory)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any]
        #expect(json?["rewrappedCaseKeys"] as? Int == 1)
        #expect(json?["createdNewKeyFile"] as? Bool == false)
        #expect(try Self.run(["show", "c-1"], keyFile: newKey, in: directory).stdout.contains(Self.releaseDate))
        #expect(try Self.run(["show", "c-1"], keyFile: oldKey, in: directory).status == 1)
    }

    @Test("the example in docs/cli.md prints what the page shows")
    func documentedExample() throws {
        let page = try String(
            contentsOf: Repository.root(of: #filePath).appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let section = try #require(page.components(separatedBy: "## The master key: `rotate-master-key").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```\n").dropFirst().first)
        let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let command = try #require(lines.first?.hasPrefix("$ aso-engine ") == true ? lines.first : nil)
        let expected = lines.dropFirst().joined(separator: "\n")

        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("secrets"), withIntermediateDirectories: true)
        try Self.writeKey(9, to: directory.path("secrets/aso-2026.key"))
        for id in ["vat-1", "vat-2", "vat-3"] {
            let opened = try BuiltProduct.run(
                "aso-engine",
                ["open", "vat-generic", "--case", id, "--set", "releaseDate=\(Self.releaseDate)", "--processes", Self.processes,
                 "--master-key-file", "secrets/aso-2026.key"],
                currentDirectory: directory.url)
            #expect(opened.status == 0, "\(opened.stderr)")
        }
        let result = try BuiltProduct.run(
            "aso-engine", Array(Repository.shellWords(String(command.dropFirst(2))).dropFirst()), currentDirectory: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected)
    }
}
