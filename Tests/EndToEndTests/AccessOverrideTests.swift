import Foundation
import Testing
import WorkflowKitTesting

/// Lawful overrides and their review, through the built `aso-engine`, on a simulation
/// log whose time is `--now`.
@Suite("access overrides")
struct AccessOverrideTests {
    static let reason = "Report of concern: the duty to assess the need for child welfare."
    static let basis = "Child Welfare Act 417/2007 §26"

    static func run(_ arguments: [String], as actor: String, now: String, in directory: TemporaryDirectory) throws -> ProcessOutput {
        try AccessControlTests.run(arguments, as: actor, now: now, in: directory)
    }

    /// The access-control directory, a holder of `statutory-override` who also chairs
    /// meetings, and a data-protection officer; and case vat-1, led by the prison.
    static func setUp(in directory: TemporaryDirectory) throws {
        try AccessControlTests.directory(in: directory)
        for arguments in [
            ["sam", "--organisation", "child-welfare", "--role", "statutory-override", "--role", "chair"],
            ["dora", "--organisation", "community-sanctions-office", "--role", "data-protection-officer"],
        ] {
            let added = try run(["principals", "add"] + arguments, as: "cora", now: "2026-06-01", in: directory)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let opened = try run(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-12-23", "--worker", "anna"], as: "anna", now: "2026-06-01",
            in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
    }

    static func json(_ output: ProcessOutput) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)\(output.stderr)")
    }

    @Test("an override lets its holder read the case, with the reason in the access log, until it ends; it never lets them act")
    func override() throws {
        let directory = try TemporaryDirectory()
        try Self.setUp(in: directory)
        let hidden = try Self.run(["show", "vat-1"], as: "sam", now: "2026-06-02T09:00", in: directory)
        #expect(hidden.status == 1 && hidden.stderr == "Case 'vat-1' does not exist.\n")

        let granted = try Self.run(
            ["override", "vat-1", "--reason", Self.reason, "--basis", Self.basis, "--hours", "8"], as: "sam", now: "2026-06-02T09:00", in: directory)
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(granted.stdout.contains("may read case 'vat-1' until 2026-06-02T17:00:00+03:00"))

        let shown = try Self.run(["show", "vat-1", "--purpose", "assessment"], as: "sam", now: "2026-06-02T10:00", in: directory)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("releaseDate = 2026-12-23"))
        #expect(try Self.run(["cases"], as: "sam", now: "2026-06-02T10:00", in: directory).stdout.contains("vat-1"))

        // Reading is all it allows: commands are refused (sam chairs, but not through the override), and append nothing.
        let before = try Self.run(["history", "vat-1"], as: "anna", now: "2026-06-02T10:00", in: directory).stdout
        for command in [["complete", "vat-1", "invite-prison"], ["record", "vat-1", "--set", "releaseDate=2026-12-30"]] {
            let refused = try Self.run(command, as: "sam", now: "2026-06-02T10:30", in: directory)
            #expect(refused.status == 1 && refused.stderr.contains("reads it under an override"), "\(refused.stderr)")
        }
        #expect(try Self.run(["history", "vat-1"], as: "anna", now: "2026-06-02T11:00", in: directory).stdout == before)

        // The client's access log shows the read, marked with the override's reason and basis, and the override.
        let log = try Self.json(try Self.run(["access-log", "vat-1", "--json"], as: "anna", now: "2026-06-02T12:00", in: directory))
        let reads = try #require(log["reads"] as? [[String: Any]])
        let samRead = try #require(reads.first { $0["who"] as? String == "sam" })
        #expect(samRead["purpose"] as? String == "assessment")
        let mark = try #require(samRead["override"] as? [String: Any])
        #expect(mark["reason"] as? String == Self.reason && mark["basis"] as? String == Self.basis)
        #expect(reads.first { $0["who"] as? String == "anna" }?["override"] is NSNull)
        let overrides = try #require(log["overrides"] as? [[String: Any]])
        #expect(overrides.count == 1 && overrides[0]["who"] as? String == "sam" && overrides[0]["until"] as? String == "2026-06-02T17:00:00+03:00")
        let text = try Self.run(["access-log", "vat-1"], as: "anna", now: "2026-06-02T12:00", in: directory).stdout
        #expect(text.contains("UNDER OVERRIDE") && text.contains("\(Self.reason) (\(Self.basis))"))

        // Once it ends, the case is hidden again.
        let ended = try Self.run(["show", "vat-1"], as: "sam", now: "2026-06-02T17:00", in: directory)
        #expect(ended.status == 1 && ended.stderr == "Case 'vat-1' does not exist.\n")
        #expect(!(try Self.run(["cases"], as: "sam", now: "2026-06-02T17:00", in: directory).stdout.contains("vat-1")))
    }

    @Test("an override needs the role, a reason and a basis, and lasts at most 72 hours; a refusal appends nothing but the security event")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        try Self.setUp(in: directory)
        // pia holds the role, and sees the case anyway: her organisation leads it.
        let pia = try Self.run(
            ["principals", "add", "pia", "--organisation", "prison", "--role", "statutory-override"], as: "cora", now: "2026-06-01", in: directory)
        #expect(pia.status == 0, "\(pia.stderr)")
        let verified = try Self.run(["verify"], as: "anna", now: "2026-06-02", in: directory).stdout
        for (arguments, message) in [
            (["--reason", "", "--basis", Self.basis], "An override needs a reason (why the case must be read); it is empty."),
            (["--reason", "  ", "--basis", Self.basis], "An override needs a reason"),
            (["--reason", Self.reason, "--basis", ""], "An override needs a basis"),
            (["--reason", Self.reason, "--basis", Self.basis, "--hours", "73"], "An override lasts 1 to 72 hours, not 73"),
            (["--reason", Self.reason, "--basis", Self.basis, "--hours", "0"], "An override lasts 1 to 72 hours, not 0"),
        ] {
            let refused = try Self.run(["override", "vat-1"] + arguments, as: "sam", now: "2026-06-02", in: directory)
            #expect(refused.status == 1 && refused.stderr.hasPrefix(message) && refused.stdout.isEmpty, "\(arguments): \(refused.stderr)")
        }
        let missing = try Self.run(["override", "vat-1", "--basis", Self.basis], as: "sam", now: "2026-06-02", in: directory)
        #expect(missing.status == 2 && missing.stderr.contains("--reason"))
        let seen = try Self.run(["override", "vat-1", "--reason", Self.reason, "--basis", Self.basis], as: "pia", now: "2026-06-02", in: directory)
        #expect(seen.status == 1 && seen.stderr.contains("without an override: none is needed"))
        #expect(try Self.run(["verify"], as: "anna", now: "2026-06-02", in: directory).stdout == verified)

        // Without the role: refused and recorded, for a case that exists as for one that does not.
        let noRole = try Self.run(["override", "vat-1", "--reason", Self.reason, "--basis", Self.basis], as: "lisa", now: "2026-06-02", in: directory)
        let noRoleUnknown = try Self.run(["override", "vat-9", "--reason", Self.reason, "--basis", Self.basis], as: "lisa", now: "2026-06-02", in: directory)
        #expect(noRole.status == 1 && noRole.stderr == "Reading a case under an override needs the role 'statutory-override'; 'lisa' does not hold it.\n")
        #expect(noRoleUnknown.stderr == noRole.stderr)
        let unknown = try Self.run(["override", "vat-9", "--reason", Self.reason, "--basis", Self.basis], as: "sam", now: "2026-06-02", in: directory)
        #expect(unknown.status == 1 && unknown.stderr == "Case 'vat-9' does not exist.\n")
        let refusals = try Self.run(["principals", "refusals"], as: "cora", now: "2026-06-02", in: directory).stdout
        #expect(refusals.split(separator: "\n").filter { $0.contains("override") }.count == 3)
    }

    @Test("access-review lists each override with what was read under it and the refused attempts, for reviewers only, and records itself")
    func review() throws {
        let directory = try TemporaryDirectory()
        try Self.setUp(in: directory)
        #expect(
            try Self.run(["override", "vat-1", "--reason", Self.reason, "--basis", Self.basis], as: "sam", now: "2026-06-02T09:00", in: directory)
                .status == 0)
        #expect(try Self.run(["show", "vat-1"], as: "sam", now: "2026-06-02T10:00", in: directory).status == 0)
        #expect(try Self.run(["history", "vat-1"], as: "sam", now: "2026-06-02T10:05", in: directory).status == 0)
        #expect(try Self.run(["show", "vat-1"], as: "lisa", now: "2026-06-02T10:10", in: directory).status == 1)

        let notReviewer = try Self.run(["access-review"], as: "anna", now: "2026-06-03", in: directory)
        #expect(notReviewer.status == 1 && notReviewer.stderr.contains("needs the role 'coordinator' or 'data-protection-officer'"))

        let review = try Self.json(try Self.run(["access-review", "--json"], as: "dora", now: "2026-06-03", in: directory))
        let overrides = try #require(review["overrides"] as? [[String: Any]])
        #expect(overrides.count == 1)
        #expect(overrides[0]["who"] as? String == "sam" && overrides[0]["case"] as? String == "vat-1")
        #expect(overrides[0]["reason"] as? String == Self.reason && overrides[0]["basis"] as? String == Self.basis)
        #expect(overrides[0]["from"] as? String == "2026-06-02T09:00:00+03:00" && overrides[0]["until"] as? String == "2026-06-03T09:00:00+03:00")
        let reads = try #require(overrides[0]["reads"] as? [[String: Any]])
        #expect(reads.compactMap { $0["purpose"] as? String } == ["show", "history"])
        let refusals = try #require(review["refusals"] as? [[String: Any]])
        #expect(refusals.contains { $0["who"] as? String == "lisa" && $0["action"] as? String == "show" && $0["case"] as? String == "vat-1" })
        #expect(refusals.contains { $0["who"] as? String == "anna" && $0["action"] as? String == "access-review" })
        let reviews = try #require(review["reviews"] as? [[String: Any]])
        #expect(reviews.count == 1 && reviews[0]["who"] as? String == "dora" && reviews[0]["when"] as? String == "2026-06-03T12:00:00+03:00")

        // The coordinator reviews from a later day: the override had ended; both reviews are listed.
        let later = try Self.run(["access-review", "--since", "2026-06-04"], as: "cora", now: "2026-06-05", in: directory)
        #expect(later.status == 0, "\(later.stderr)")
        #expect(later.stdout.contains("Access review since 2026-06-04T00:00:00+03:00"))
        #expect(later.stdout.contains("No overrides.") && later.stdout.contains("No refused attempts."))
        #expect(!later.stdout.contains("dora") && later.stdout.contains("cora"))
        let whole = try Self.run(["access-review"], as: "cora", now: "2026-06-05", in: directory).stdout
        #expect(whole.contains(Self.reason) && whole.contains("Reads under overrides:") && whole.contains("dora"))
        let badDate = try Self.run(["access-review", "--since", "June"], as: "cora", now: "2026-06-05", in: directory)
        #expect(badDate.status == 2 && badDate.stderr.contains("--since must be an ISO-8601 date"))
    }

    @Test("the override example in docs/cli.md runs as written, on the real clock")
    func documentedExample() throws {
        let root = Repository.root(of: #filePath)
        let page = try String(contentsOf: root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let section = try #require(page.components(separatedBy: "## Reading without consent").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        let lines = block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("aso-engine ") }
        #expect(lines.count == 11)
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(at: root.appendingPathComponent("processes"), to: directory.url.appendingPathComponent("processes"))
        var outputs: [String] = []
        for line in lines {
            let expected: Int32 = line.hasSuffix("# exit 1") ? 1 : 0
            let result = try BuiltProduct.run("aso-engine", Array(Repository.shellWords(line).dropFirst()), currentDirectory: directory.url)
            #expect(result.status == expected, "\(line): \(result.stderr)")
            #expect(expected == 1 ? !result.stderr.isEmpty : !result.stdout.isEmpty, "\(line)")
            outputs.append(result.stdout)
        }
        #expect(outputs[outputs.count - 2].contains("child welfare assessment") && outputs[outputs.count - 2].contains("UNDER OVERRIDE"))
        #expect(outputs[outputs.count - 1].contains("Report of concern") && outputs[outputs.count - 1].contains("complete"))
    }
}
