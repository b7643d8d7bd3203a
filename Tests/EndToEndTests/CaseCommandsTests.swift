import Foundation
import Testing
import WorkflowKitTesting

/// The case commands, run as a worker runs them: the built `aso-engine` binary as a
/// real process, through whole cases of the shipped `vat-generic` process.
@Suite("aso-engine case commands")
struct CaseCommandsTests {
    /// The package's own `processes/` directory.
    static let processes = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("processes").path

    /// A database in a fresh temporary directory, and the binary run against it.
    struct Session {
        let directory: TemporaryDirectory
        var db: String { directory.path("cases.sqlite") }

        init() throws { directory = try TemporaryDirectory() }

        /// Runs `aso-engine ARGUMENTS --db DB [--processes PROCESSES] [--now NOW] --actor anna`
        /// (`--processes` for the commands that load process files).
        func run(_ arguments: [String], now: String? = nil, actor: String = "anna") throws -> ProcessOutput {
            var all = arguments + ["--db", db, "--actor", actor]
            if ["open", "migrate", "diff"].contains(arguments.first) { all += ["--processes", CaseCommandsTests.processes] }
            if let now { all += ["--now", now] }
            return try BuiltProduct.run("aso-engine", all, currentDirectory: directory.url)
        }

        /// Runs a command that must succeed.
        @discardableResult
        func ok(_ arguments: [String], now: String? = nil, actor: String = "anna") throws -> ProcessOutput {
            let output = try run(arguments, now: now, actor: actor)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
            return output
        }

        func json(_ arguments: [String], now: String? = nil) throws -> Any {
            let output = try ok(arguments + ["--json"], now: now)
            return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        }

        /// The open tasks of `caseID` as JSON rows.
        func tasks(of caseID: String) throws -> [[String: Any]] {
            try json(["tasks", "--case", caseID]) as? [[String: Any]] ?? []
        }

        func due(_ task: String, of caseID: String) throws -> String? {
            try tasks(of: caseID).first { $0["task"] as? String == task }?["due"] as? String
        }

        /// The lines of `history CASE`.
        func history(_ caseID: String) throws -> [String] {
            try ok(["history", caseID]).stdout.split(separator: "\n").map(String.init)
        }

        /// Opens a vat-generic case released on 2026-12-23, on 2026-06-01.
        func openCase(_ id: String = "vat-1", worker: String = "anna") throws {
            let output = try ok(
                ["open", "vat-generic", "--case", id, "--set", "releaseDate=2026-12-23", "--worker", worker], now: "2026-06-01")
            #expect(output.stdout == "\(id)\n")
        }
    }

    @Test("open prints the id; show and tasks list the case's dates as ISO dates")
    func openShowAndTasks() throws {
        let session = try Session()
        let opened = try session.json(
            ["open", "vat-generic", "--set", "releaseDate=2026-12-23", "--set", "sentence=prison", "--worker", "anna"],
            now: "2026-06-01") as? [String: Any]
        let id = try #require(opened?["case"] as? String)
        #expect(opened?["state"] as? String == "mapping")
        #expect(opened?["fastTrack"] is NSNull)
        #expect((opened?["tasks"] as? [[String: Any]])?.count == 2)

        let show = try session.ok(["show", id])
        #expect(show.stdout.contains("state       mapping"))
        #expect(show.stdout.contains("worker      anna"))
        #expect(show.stdout.contains("consent     none"))
        #expect(show.stdout.contains("map-housing  responsible-worker  2026-06-23  2026-10-23"))
        #expect(show.stdout.contains("  releaseDate = 2026-12-23"))
        #expect(show.stdout.contains("  sentence = prison"))

        let shown = try session.json(["show", id]) as? [String: Any]
        #expect(shown?["process"] as? String == "vat-generic")
        #expect((shown?["definition"] as? String)?.count == 64)
        #expect((shown?["fields"] as? [String: Any])?["releaseDate"] as? String == "2026-12-23")

        let tasks = try session.tasks(of: id)
        #expect(tasks.count == 2)
        for task in tasks {
            #expect(task["case"] as? String == id)
            #expect(task["process"] as? String == "vat-generic")
            #expect(task["role"] as? String == "responsible-worker")
            #expect(task["earliest"] as? String == "2026-06-23")
            #expect(task["due"] as? String == "2026-10-23")
            #expect(task["suspended"] as? Bool == false)
        }
        #expect(Set(tasks.compactMap { $0["task"] as? String }) == ["map-housing", "ask-consent"])

        let cases = try session.json(["cases", "--open"]) as? [[String: Any]]
        #expect(cases?.map { $0["case"] as? String } == [id])
        #expect(cases?.first?["nextDue"] as? String == "2026-10-23")

        // Opened six weeks before release: the fast track, with its reason.
        let late = try session.json(
            ["open", "vat-generic", "--case", "late", "--set", "releaseDate=2026-12-23"], now: "2026-11-02") as? [String: Any]
        #expect(late?["case"] as? String == "late")
        #expect(late?["state"] as? String == "fast-mapping")
        #expect(late?["fastTrack"] as? String == "Opened less than 2 months before release.")
        let overdueInOctober = try session.json(["tasks", "--overdue"], now: "2026-10-24") as? [[String: Any]]
        #expect(overdueInOctober?.compactMap { $0["task"] as? String } == ["ask-consent", "map-housing"])
        let overdueInNovember = try session.json(["tasks", "--overdue"], now: "2026-11-10") as? [[String: Any]]
        #expect(
            overdueInNovember?.compactMap { $0["task"] as? String } == ["ask-consent", "map-housing", "ask-consent-fast", "map-housing-fast"])
        let byRole = try session.json(["tasks", "--role", "chair"]) as? [[String: Any]]
        #expect(byRole?.isEmpty == true)
        let dueBefore = try session.json(["tasks", "--due-before", "2026-11-01"]) as? [[String: Any]]
        #expect(dueBefore?.count == 2)
    }

    @Test("a refused command exits 1, names the state and the allowed events, and appends nothing")
    func refusedCommand() throws {
        let session = try Session()
        try session.openCase()
        let before = try session.history("vat-1")
        let refused = try session.run(["fire", "vat-1", "meeting-held"], now: "2026-06-02")
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(
            refused.stderr
                == "The event 'meeting-held' is not allowed in state 'mapping' of case 'vat-1'; allowed there: consent-given, client-declined, contact-lost.\n")
        #expect(try session.history("vat-1") == before)

        let unknown = try session.run(["show", "no-such-case"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "Case 'no-such-case' does not exist.\n")
        #expect(try session.run(["history", "no-such-case"]).status == 1)

        // A wrong value is refused without repeating it.
        let wrong = try session.run(["record", "vat-1", "--set", "releaseDate=soon"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("'releaseDate'"))
        #expect(!wrong.stderr.contains("soon"))

        let current = try session.run(["migrate", "vat-1"])
        #expect(current.status == 1)
        #expect(current.stderr == "Case 'vat-1' already follows this version of 'vat-generic'.\n")
        let noTask = try session.run(["explain", "vat-1", "no-such-task"])
        #expect(noTask.status == 1)
        #expect(noTask.stderr == "Process 'vat-generic' has no task 'no-such-task'.\n")
        let taken = try session.run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2026-12-23"])
        #expect(taken.status == 1)
        #expect(taken.stderr == "Case 'vat-1' already exists; choose another id with --case.\n")
        #expect(try session.history("vat-1") == before)

        let usage = try session.run(["consent", "vat-1"])
        #expect(usage.status == 2, "\(usage.stderr)")
        let noDatabase = try BuiltProduct.run("aso-engine", ["cases", "--db", session.directory.path("none.sqlite")])
        #expect(noDatabase.status == 1)
        #expect(noDatabase.stderr.contains("There is no event log at"))
    }

    @Test("consent decides what may be disclosed and which tasks may be done")
    func consent() throws {
        let session = try Session()
        try session.openCase()
        let noConsent = try session.run(["disclose", "vat-1", "prison", "--purpose", "advance information"])
        #expect(noConsent.status == 1)
        #expect(noConsent.stderr == "Case 'vat-1' has no consent in force; nothing may be disclosed to 'prison'.\n")

        let given = try session.ok(["consent", "vat-1", "--parties", "prison,landlord"], now: "2026-06-10")
        #expect(given.stdout.contains("consent given, naming landlord, prison"))
        #expect(given.stdout.contains("entered state 'notify' from 'mapping' on 'consent-given'"))
        // One invitation per party: the one to adult social work, which this consent does not name, is suspended.
        let tasks = try session.tasks(of: "vat-1")
        let invite = tasks.first { $0["task"] as? String == "invite-adult-social-work" }
        #expect(invite?["suspended"] as? Bool == true)
        #expect(tasks.first { $0["task"] as? String == "invite-landlord" }?["suspended"] as? Bool == false)
        let before = try session.history("vat-1")
        let refused = try session.run(["complete", "vat-1", "invite-adult-social-work"], now: "2026-06-11")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Task 'invite-adult-social-work' is suspended"))
        let outside = try session.run(["share", "vat-1", "adult-social-work", "--purpose", "advance information"])
        #expect(outside.status == 1)
        #expect(outside.stderr == "The client's consent does not name 'adult-social-work'; nothing may be disclosed to it.\n")
        #expect(try session.history("vat-1") == before)

        try session.ok(["disclose", "vat-1", "prison", "--purpose", "advance information"], now: "2026-06-11")
        #expect(try session.history("vat-1").last?.contains("information disclosed to 'prison': advance information") == true)

        try session.ok(["consent", "vat-1", "--parties", "prison,adult-social-work"], now: "2026-06-12")
        #expect(try session.history("vat-1").contains { $0.contains("task 'invite-adult-social-work' resumed") })
        try session.ok(["complete", "vat-1", "invite-adult-social-work"], now: "2026-06-15")
        let withdrawn = try session.ok(["consent", "vat-1", "--withdraw"], now: "2026-06-16")
        #expect(withdrawn.stdout.contains("consent withdrawn"))
        let shown = try session.json(["show", "vat-1"]) as? [String: Any]
        #expect(shown?["consent"] is NSNull)
    }

    @Test("a moved release date reschedules the tasks, and history says why")
    func movedReleaseDate() throws {
        let session = try Session()
        try session.openCase()
        #expect(try session.due("map-housing", of: "vat-1") == "2026-10-23")
        let recorded = try session.ok(["record", "vat-1", "--set", "releaseDate=2027-01-15"], now: "2026-06-03", actor: "ben")
        #expect(recorded.stdout.contains("task 'map-housing' rescheduled: due 2026-10-23 → 2026-11-16"))
        #expect(try session.due("map-housing", of: "vat-1") == "2026-11-16")
        #expect(try session.due("ask-consent", of: "vat-1") == "2026-11-16")

        let history = try session.json(["history", "vat-1"]) as? [[String: Any]] ?? []
        let reschedule = history.first { $0["type"] as? String == "TaskRescheduled" }
        #expect(reschedule?["who"] as? String == "ben")
        #expect(reschedule?["when"] as? String == "2026-06-03T12:00:00+03:00")
        #expect(reschedule?["version"] as? Int == 6)
        #expect((reschedule?["summary"] as? String)?.hasSuffix("The field 'releaseDate' changed.") == true)
        #expect(history.map { $0["position"] as? Int } == Array(1...history.count).map { $0 })
        // History names the field, never its value.
        let recordedLine = try session.history("vat-1").first { $0.contains("FieldsRecorded") }
        #expect(recordedLine?.hasSuffix("recorded releaseDate") == true)
        #expect(recordedLine?.contains("2027-01-15") == false)

        let explained = try session.ok(["explain", "vat-1", "map-housing"], now: "2026-06-03")
        #expect(explained.stdout.contains("due        2026-11-16"))
        #expect(explained.stdout.contains("releaseDate (2027-01-15) - 2 months"))
        #expect(explained.stdout.contains("calendar: fi"))
    }

    @Test("a whole case: handover, meeting, memo, close; rebuild changes nothing; verify passes")
    func wholeCase() throws {
        let session = try Session()
        try session.openCase()
        try session.openCase("vat-2", worker: "ben")

        let handover = try session.ok(["handover", "vat-1", "--to", "carl"], now: "2026-06-05")
        #expect(handover.stdout == "responsibility handed over from anna to carl\n")
        #expect(try session.ok(["show", "vat-1"]).stdout.contains("worker      carl"))
        #expect(try session.history("vat-1").last?.contains("responsibility handed over from anna to carl") == true)

        try session.ok(["consent", "vat-1", "--parties", "prison,adult-social-work"], now: "2026-06-10")
        try session.ok(["complete", "vat-1", "notify-chair"], now: "2026-06-11")
        try session.ok(["fire", "vat-1", "meeting-held"], now: "2026-06-22")
        #expect(try session.due("agree-actions", of: "vat-1") == "2026-06-24")
        let badOutcome = try session.run(["complete", "vat-1", "agree-actions", "--set", "housingForm=castle"], now: "2026-06-23")
        #expect(badOutcome.status == 1)
        #expect(!badOutcome.stderr.contains("castle"))
        try session.ok(
            ["complete", "vat-1", "agree-actions", "--set", "housingForm=supported", "--set", "supportLinked=true"], now: "2026-06-23")
        try session.ok(["complete", "vat-1", "write-memo"], now: "2026-06-25")
        try session.ok(["fire", "vat-1", "memo-sent"], now: "2026-06-26")
        #expect(try session.due("follow-up-housing", of: "vat-1") == "2026-07-27")
        let shown = try session.json(["show", "vat-1"]) as? [String: Any]
        #expect(shown?["state"] as? String == "follow-up")
        #expect((shown?["fields"] as? [String: Any])?["supportLinked"] as? Bool == true)

        let closed = try session.ok(["close", "vat-2", "--reason", "Moved to another region."], now: "2026-06-30")
        #expect(closed.stdout.contains("case closed: Moved to another region."))
        let afterClose = try session.run(["handover", "vat-2", "--to", "dana"])
        #expect(afterClose.status == 1)
        #expect(afterClose.stderr.contains("Case 'vat-2' is closed"))
        let open = try session.json(["cases", "--open"]) as? [[String: Any]]
        #expect(open?.map { $0["case"] as? String } == ["vat-1"])
        let all = try session.json(["cases"]) as? [[String: Any]]
        #expect(all?.first { $0["case"] as? String == "vat-2" }?["closedReason"] as? String == "Moved to another region.")

        let tasksBefore = try session.ok(["tasks", "--json"]).stdout
        let casesBefore = try session.ok(["cases", "--json"]).stdout
        let rebuilt = try session.ok(["rebuild"])
        #expect(rebuilt.stdout.hasPrefix("Rebuilt the projections from "))
        let replayed = try session.json(["rebuild"]) as? [String: Any]
        #expect((replayed?["eventsReplayed"] as? Int ?? 0) > 20)
        #expect(try session.ok(["tasks", "--json"]).stdout == tasksBefore)
        #expect(try session.ok(["cases", "--json"]).stdout == casesBefore)

        let verified = try session.ok(["verify"])
        #expect(verified.stdout.hasPrefix("The event log is intact:"))
    }
}
