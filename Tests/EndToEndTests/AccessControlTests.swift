import Foundation
import Testing
import WorkflowKitTesting

/// The directory of principals and the access rules, through the built `aso-engine`.
@Suite("access control")
struct AccessControlTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path

    static func run(_ arguments: [String], as actor: String, now: String = "2026-06-01", in directory: TemporaryDirectory) throws -> ProcessOutput {
        var all = arguments + ["--db", directory.path("cases.sqlite"), "--actor", actor, "--now", now]
        if arguments.first == "open" { all += ["--processes", processes] }
        return try BuiltProduct.run("aso-engine", all, currentDirectory: directory.url)
    }

    /// What refusals on vat-1 must leave behind: nothing but their security events (its
    /// access log read by its responsible worker).
    static func trace(in directory: TemporaryDirectory, now: String = "2026-06-01") -> RefusalTrace {
        RefusalTrace(database: directory.path("cases.sqlite"), caseID: "vat-1") {
            try run(["access-log", "vat-1", "--json"], as: "anna", now: now, in: directory)
        }
    }

    /// A directory: a coordinator of the community sanctions office, a prison worker, a
    /// chair, a landlord, a social worker and the prison's coordinator.
    static func directory(in directory: TemporaryDirectory) throws {
        let first = try run(["principals", "add", "anna", "--organisation", "prison", "--role", "responsible-worker"], as: "cora", in: directory)
        #expect(first.status == 1 && first.stderr.contains("The first principal must hold the 'coordinator' role"))
        for arguments in [
            ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
            ["anna", "--organisation", "prison", "--role", "responsible-worker"],
            ["carl", "--organisation", "community-sanctions-office", "--role", "chair"],
            ["lisa", "--organisation", "landlord", "--role", "housing-worker"],
            ["bob", "--organisation", "adult-social-work", "--role", "responsible-worker"],
            ["pia", "--organisation", "prison", "--role", "coordinator"],
        ] {
            let added = try run(["principals", "add"] + arguments, as: "cora", in: directory)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let notCoordinator = try run(["principals", "add", "eve", "--organisation", "prison", "--role", "coordinator"], as: "anna", in: directory)
        #expect(notCoordinator.status == 1 && notCoordinator.stderr.contains("needs the role 'coordinator'"))
    }

    @Test("who sees a case: the lead organisation and the parties the consent names, while it is in force; others get 'not found'")
    func sight() throws {
        let directory = try TemporaryDirectory()
        try Self.directory(in: directory)
        let stranger = try Self.run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-12-23"], as: "mallory", in: directory)
        #expect(stranger.status == 1 && stranger.stderr.contains("'mallory' is not in the directory of principals"))
        let opened = try Self.run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-12-23", "--worker", "anna"], as: "anna", in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        let trace = Self.trace(in: directory)

        // Not revealed to exist: the same sentence as a case that does not exist, and nothing appended to it.
        var hidden: ProcessOutput?
        let mark = try trace.expectRefused("lisa showing vat-1", since: try trace.mark()) {
            hidden = try Self.run(["show", "vat-1"], as: "lisa", in: directory)
            return hidden?.status == 1 && hidden?.stderr == "Case 'vat-1' does not exist.\n"
        }
        try trace.expectRefused("lisa showing a case that does not exist", since: mark) {
            let unknown = try Self.run(["show", "vat-9"], as: "lisa", in: directory)
            return unknown.status == 1 && unknown.stderr == hidden?.stderr.replacingOccurrences(of: "vat-1", with: "vat-9")
        }
        let refusals = try Self.run(["principals", "refusals"], as: "cora", in: directory).stdout
        #expect(refusals.contains("lisa") && refusals.contains("show") && refusals.contains("notFound"))

        #expect(try Self.run(["consent", "vat-1", "--parties", "landlord,prison"], as: "anna", now: "2026-06-10", in: directory).status == 0)
        #expect(try Self.run(["show", "vat-1"], as: "lisa", now: "2026-06-11", in: directory).status == 0)
        #expect(try Self.run(["show", "vat-1"], as: "bob", now: "2026-06-11", in: directory).status == 1)
        // Lists show only what each may see: the case to its lead organisation and the consent's parties.
        #expect(try Self.run(["cases"], as: "lisa", now: "2026-06-11", in: directory).stdout.contains("vat-1"))
        #expect(!(try Self.run(["cases"], as: "bob", now: "2026-06-11", in: directory).stdout.contains("vat-1")))
        #expect(!(try Self.run(["tasks"], as: "bob", now: "2026-06-11", in: directory).stdout.contains("vat-1")))
        #expect(!(try Self.run(["cases"], as: "mallory", now: "2026-06-11", in: directory).stdout.contains("vat-1")))
        #expect(try Self.run(["consent", "vat-1", "--withdraw"], as: "anna", now: "2026-06-12", in: directory).status == 0)
        #expect(try Self.run(["show", "vat-1"], as: "lisa", now: "2026-06-13", in: directory).status == 1)
    }

    @Test("who may act: a task's role, the responsible worker for changes, a coordinator to erase; a refusal names the role")
    func actions() throws {
        let directory = try TemporaryDirectory()
        try Self.directory(in: directory)
        #expect(try Self.run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-12-23", "--worker", "anna"], as: "anna", in: directory).status == 0)
        let consent = try Self.run(
            ["consent", "vat-1", "--parties", "prison,adult-social-work,community-sanctions-office"], as: "anna", now: "2026-06-10", in: directory)
        #expect(consent.status == 0, "\(consent.stderr)")
        let before = try Self.run(["history", "vat-1"], as: "anna", now: "2026-06-10", in: directory)
        try #require(before.status == 0 && !before.stdout.isEmpty, "\(before.stderr)")

        // Nothing is appended to the case, nor read from it, by any refusal.
        let trace = Self.trace(in: directory, now: "2026-06-11")
        var mark = try trace.mark()
        // bob sees the case (the consent names his organisation) and holds responsible-worker, but in another organisation.
        mark = try trace.expectRefused("bob completing the responsible worker's task", since: mark) {
            let notLead = try Self.run(["complete", "vat-1", "notify-chair"], as: "bob", now: "2026-06-11", in: directory)
            return notLead.status == 1 && notLead.stderr.contains("needs the role 'responsible-worker'")
        }
        mark = try trace.expectRefused("carl closing", since: mark) {
            let closeByOther = try Self.run(["close", "vat-1", "--reason", "x"], as: "carl", now: "2026-06-11", in: directory)
            return closeByOther.status == 1 && closeByOther.stderr.contains("is for its responsible worker")
        }
        mark = try trace.expectRefused("anna completing a chair's task", since: mark) {
            let chairTask = try Self.run(["complete", "vat-1", "invite-prison"], as: "anna", now: "2026-06-11", in: directory)
            return chairTask.status == 1 && chairTask.stderr.contains("needs the role 'chair'")
        }
        try trace.expectRefused("anna erasing", since: mark) {
            let eraseByWorker = try Self.run(["erase", "vat-1", "--reason", "x"], as: "anna", now: "2026-06-11", in: directory)
            return eraseByWorker.status == 1 && eraseByWorker.stderr.contains("needs the role 'coordinator'")
        }
        #expect(try Self.run(["history", "vat-1"], as: "anna", now: "2026-06-11", in: directory).stdout == before.stdout)

        // A chair of another case's consent party sees the tasks of the role, not the case.
        let carlTasks = try Self.run(["tasks", "--role", "chair"], as: "carl", now: "2026-06-11", in: directory).stdout
        #expect(carlTasks.contains("invite-prison"))
        #expect(try Self.run(["complete", "vat-1", "notify-chair"], as: "anna", now: "2026-06-11", in: directory).status == 0)
        let chair = try Self.run(["complete", "vat-1", "invite-prison"], as: "carl", now: "2026-06-12", in: directory)
        #expect(chair.status == 0, "\(chair.stderr)")
        // A coordinator erases only their own organisation's cases: cora's office is a party the
        // consent names, so she sees the case but may not erase it; the prison's coordinator may.
        #expect(try Self.run(["show", "vat-1"], as: "cora", now: "2026-06-13", in: directory).status == 0)
        try trace.expectRefused("cora erasing another organisation's case", since: try trace.mark()) {
            let other = try Self.run(["erase", "vat-1", "--reason", "x"], as: "cora", now: "2026-06-13", in: directory)
            return other.status == 1
                && other.stderr.contains("is for a holder of 'coordinator' of its lead organisation 'prison'; 'cora' acts for 'community-sanctions-office'")
        }
        #expect(try Self.run(["erase", "vat-1", "--reason", "Test of the rules."], as: "pia", now: "2026-06-13", in: directory).status == 0)
        let list = try Self.run(["principals", "list"], as: "anna", in: directory).stdout
        #expect(list.contains("cora") && list.contains("community-sanctions-office") && list.contains("coordinator"))
    }

    @Test("the principals example in docs/cli.md runs as written")
    func documentedExample() throws {
        let page = try String(contentsOf: Repository.root(of: #filePath).appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let section = try #require(page.components(separatedBy: "## Who may do what").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        let lines = block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("aso-engine ") }
        #expect(lines.count == 6)
        let directory = try TemporaryDirectory()
        for line in lines {
            let result = try BuiltProduct.run("aso-engine", Array(Repository.shellWords(line).dropFirst()), currentDirectory: directory.url)
            #expect(result.status == 0 && !result.stdout.isEmpty, "\(line): \(result.stderr)")
        }
    }

    @Test("reminders name the people who hold their role for the case; a role nobody holds is reported")
    func remindersNamePeople() throws {
        let directory = try TemporaryDirectory()
        try Self.directory(in: directory)
        let opened = try Self.run(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-09-02", "--worker", "anna"], as: "anna", now: "2026-03-02",
            in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try Self.run(["consent", "vat-1", "--parties", "prison"], as: "anna", now: "2026-03-03", in: directory).status == 0)
        // Nobody holds 'chair' any longer: its reminders name no one, and the daemon says so.
        #expect(try Self.run(["principals", "remove", "carl", "--reason", "Left."], as: "cora", in: directory).status == 0)
        let out = directory.path("reminders.jsonl")
        let daemon = try Self.run(["daemon", "--once", "--no-retention", "--sink", "jsonl:\(out)"], as: "daemon", now: "2026-06-15T09:00", in: directory)
        #expect(daemon.status == 0, "\(daemon.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!objects.isEmpty)
        for object in objects {
            let recipients = try #require(object["recipients"] as? [String], "\(object)")
            switch object["role"] as? String {
            case "responsible-worker": #expect(recipients == ["anna"])
            case "chair": #expect(recipients.isEmpty && object["vacant"] as? Bool == true)
            default: break
            }
        }
        #expect(objects.contains { $0["role"] as? String == "responsible-worker" })
        // The chair's invitation to the prison (the consent names it) is due by now.
        #expect(objects.contains { $0["role"] as? String == "chair" })
        #expect(daemon.stderr.contains("nobody holds the reminder's role"))
    }
}
