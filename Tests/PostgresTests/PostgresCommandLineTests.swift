import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// The case-work commands with `--db postgres://…`, run as a user would: the same
/// commands, answers and access rules as on a SQLite file.
@Suite("aso-engine on PostgreSQL", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresCommandLineTests {
    static let masterKey = Data(repeating: 3, count: 32).base64EncodedString()

    func run(_ arguments: [String], as actor: String, url: String) throws -> ProcessOutput {
        try BuiltProduct.run(
            "aso-engine", arguments + ["--db", url, "--actor", actor], environment: ["ASO_MASTER_KEY": Self.masterKey])
    }

    @Test("a case opened, worked on, read and erased from the command line, with the directory's access rules")
    func caseWork() async throws {
        let url = try PostgresTestServer.freshURL()
        for arguments in [
            ["cora", "--organisation", "community-sanctions-office", "--role", "coordinator"],
            ["anna", "--organisation", "prison", "--role", "responsible-worker"],
            ["lisa", "--organisation", "landlord", "--role", "housing-worker"],
            ["pia", "--organisation", "prison", "--role", "coordinator"],
        ] {
            let added = try run(["principals", "add"] + arguments, as: "cora", url: url)
            #expect(added.status == 0, "\(added.stderr)")
        }
        let stranger = try run(["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23"], as: "mallory", url: url)
        #expect(stranger.status == 1 && stranger.stderr.contains("'mallory' is not in the directory of principals"), "\(stranger.stderr)")
        let opened = try run(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23", "--worker", "anna"], as: "anna", url: url)
        #expect(opened.status == 0 && opened.stdout == "vat-1\n", "\(opened.stderr)")
        let recorded = try run(["record", "vat-1", "--set", "housingWishes=near the sea"], as: "anna", url: url)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let completed = try run(["complete", "vat-1", "map-housing"], as: "anna", url: url)
        #expect(completed.status == 0 && completed.stdout.contains("completed"), "\(completed.stderr)")

        let shown = try run(["show", "vat-1"], as: "anna", url: url)
        #expect(shown.status == 0 && shown.stdout.contains("near the sea") && shown.stdout.contains("ask-consent"), "\(shown.stderr)")
        // Not revealed to the landlord without consent, as on SQLite.
        let hidden = try run(["show", "vat-1"], as: "lisa", url: url)
        #expect(hidden.status == 1 && hidden.stderr == "Case 'vat-1' does not exist.\n", "\(hidden.stderr)")
        #expect(try run(["cases"], as: "anna", url: url).stdout.contains("vat-1"))
        #expect(!(try run(["cases"], as: "lisa", url: url).stdout.contains("vat-1")))
        #expect(try run(["tasks", "--case", "vat-1"], as: "anna", url: url).stdout.contains("ask-consent"))
        let history = try run(["history", "vat-1"], as: "anna", url: url)
        #expect(history.status == 0 && history.stdout.contains("TaskCompleted"), "\(history.stdout)")
        let accessLog = try run(["access-log", "vat-1"], as: "anna", url: url)
        #expect(accessLog.status == 0 && accessLog.stdout.contains("show"), "\(accessLog.stdout)")
        #expect(try run(["principals", "refusals"], as: "cora", url: url).stdout.contains("lisa"))

        let closed = try run(["close", "vat-1", "--reason", "moved away"], as: "anna", url: url)
        #expect(closed.status == 0, "\(closed.stderr)")
        let byWorker = try run(["erase", "vat-1", "--reason", "asked by the client"], as: "anna", url: url)
        #expect(byWorker.status == 1 && byWorker.stderr.contains("needs the role 'coordinator'"), "\(byWorker.stderr)")
        // Erasure is for a coordinator of the lead organisation (the prison's), not of any organisation.
        let byOther = try run(["erase", "vat-1", "--reason", "asked by the client"], as: "cora", url: url)
        #expect(byOther.status == 1 && byOther.stderr == "Case 'vat-1' does not exist.\n", "\(byOther.stderr)")
        let erased = try run(["erase", "vat-1", "--reason", "asked by the client"], as: "pia", url: url)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(!(try run(["show", "vat-1"], as: "anna", url: url).stdout.contains("near the sea")))

        // The log is one tamper-evident record on the server too.
        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        #expect(try await store.verify().isIntact)
        #expect(try await store.caseKey(for: "vat-1") == nil)
        await store.close()
    }

    @Test("refused on PostgreSQL, with the reason: --now, no master key; rebuild runs")
    func refusals() throws {
        let url = try PostgresTestServer.freshURL()
        let simulated = try run(["open", "vat-generic", "--set", "releaseDate=2027-06-23", "--now", "2026-06-01"], as: "anna", url: url)
        #expect(simulated.status == 1 && simulated.stderr.contains("Leave out --now"), "\(simulated.stderr)")
        // rebuild, report and diff take it.
        let rebuilt = try run(["rebuild"], as: "anna", url: url)
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("Rebuilt the projections"), "\(rebuilt.stderr)")
        let noKey = try BuiltProduct.run(
            "aso-engine", ["cases", "--db", url], environment: ["ASO_MASTER_KEY": "", "ASO_MASTER_KEY_FILE": ""])
        #expect(noKey.status == 1 && noKey.stderr.contains("no master key is configured"), "\(noKey.stderr)")
    }

    @Test("rotate-master-key on PostgreSQL: the new key opens the cases, the old one no longer does, and a program still on the old key stores no new case key")
    func rotateMasterKey() async throws {
        let url = try PostgresTestServer.freshURL()
        let directory = try TemporaryDirectory()
        let opened = try run(
            ["open", "vat-generic", "--case", "vat-1", "--set", "releaseDate=2027-06-23", "--set", "housingWishes=near the sea", "--worker", "anna"],
            as: "anna", url: url)
        #expect(opened.status == 0, "\(opened.stderr)")
        // A program that opened the database before the rotation, and still holds the old key.
        let stale = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))

        let newKey = directory.path("new.key")
        let rotated = try run(["rotate-master-key", "--new-key-file", newKey], as: "anna", url: url)
        #expect(rotated.status == 0 && rotated.stdout.contains("Re-wrapped 1 case key"), "\(rotated.stdout) \(rotated.stderr)")
        #expect(rotated.stdout.contains("now opens only with the new key"))
        #expect(FileManager.default.fileExists(atPath: newKey))

        let withNewKey = ["ASO_MASTER_KEY": "", "ASO_MASTER_KEY_FILE": newKey]
        let shown = try BuiltProduct.run("aso-engine", ["show", "vat-1", "--db", url, "--actor", "anna"], environment: withNewKey)
        #expect(shown.status == 0 && shown.stdout.contains("near the sea"), "\(shown.stderr)")
        let withOldKey = try run(["show", "vat-1"], as: "anna", url: url)
        #expect(withOldKey.status == 1 && withOldKey.stderr.contains("not the key this event log was written with"), "\(withOldKey.stderr)")

        // The stale program cannot store a case key wrapped with the old key: refused, nothing written.
        let before = try await stale.events.lastPosition()
        let library = ProcessLoader().load(paths: [Repository.root(of: #filePath).appendingPathComponent("processes/vat-generic.yaml").path])
        let refused = await #expect(throws: (any Error).self) {
            try await Engine(store: stale).open(
                try #require(library.definition(id: "vat-generic")), caseID: "vat-2", fields: ["releaseDate": .date(LocalDate("2027-06-23")!)],
                by: Acting("anna"))
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("rotated"), "\(String(describing: refused))")
        #expect(try await stale.events.lastPosition() == before)
        await stale.close()

        // The same key again is refused, and so is no key at all.
        let same = try BuiltProduct.run("aso-engine", ["rotate-master-key", "--new-key-file", newKey, "--db", url], environment: withNewKey)
        #expect(same.status == 1 && same.stderr.contains("already wrapped with"), "\(same.stderr)")
        // The chain verifies with the new key; the cases open and work on.
        let fresh = try await PostgresCaseStore.open(url: url, masterKey: .file(newKey))
        #expect(try await fresh.verify().isIntact)
        try await Engine(store: fresh).open(
            try #require(library.definition(id: "vat-generic")), caseID: "vat-2", fields: ["releaseDate": .date(LocalDate("2027-06-23")!)],
            by: Acting("anna"))
        await fresh.close()
    }

    @Test("serve on PostgreSQL: the API lists, commands replay by Idempotency-Key, the daemon delivers; two servers share the database")
    func serve() async throws {
        let url = try PostgresTestServer.freshURL()
        let directory = try TemporaryDirectory()
        #expect(try run(["principals", "add", "cora", "--organisation", "community-sanctions-office", "--role", "coordinator"], as: "cora", url: url).status == 0)
        // Opened sixty days ago for a release three weeks from now: its first tasks are overdue,
        // and their reminders due, whichever day the daemon (on the real clock: PostgreSQL
        // holds no simulation) sees. Both dates come from one reading of the clock.
        let now = Date()
        let release = FinnishCalendar().localDate(at: now).adding(days: 21)
        let setup = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        let opened = Int64((now.timeIntervalSince1970 - 60 * 86_400) * 1000)
        let library = ProcessLoader().load(paths: [Repository.root(of: #filePath).appendingPathComponent("processes/vat-generic.yaml").path])
        try await Engine(store: setup, now: { opened }).open(
            try #require(library.definition(id: "vat-generic")), caseID: "c1", fields: ["releaseDate": .date(release)],
            responsibleWorker: "cora", by: Acting("cora"))
        await setup.close()
        let created = try run(["token", "create", "--for", "cora"], as: "cora", url: url)
        let token = try #require(created.stdout.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("aso_") }, "\(created.stdout)")
        let environment = ["ASO_MASTER_KEY": Self.masterKey]
        let delivered = directory.path("delivered.jsonl")
        let first = try RunningServer(["--db", url, "--daemon", "--sink", "jsonl:\(delivered)"], environment: environment)
        let second = try RunningServer(["--db", url], environment: environment)
        let listed = try first.request("GET", "/v1/cases", token: token)
        #expect(listed.status == 200 && listed.text.contains("\"c1\""), "\(listed.text)")
        let headers = ["Idempotency-Key": "complete-1", "If-Match": "\"4\""]
        let completed = try first.request("POST", "/v1/cases/c1/tasks/map-housing/completion", token: token, headers: headers, json: [:])
        #expect(completed.status == 200 && completed.text.contains("TaskCompleted"), "\(completed.text)")
        // The same key on the other server: the first outcome, nothing appended again.
        let replayed = try second.request("POST", "/v1/cases/c1/tasks/map-housing/completion", token: token, headers: headers, json: [:])
        #expect(replayed.status == 200 && replayed.text == completed.text, "\(replayed.text)")
        let tasks = try second.request("GET", "/v1/tasks", token: token)
        #expect(tasks.status == 200 && !tasks.text.contains("map-housing") && tasks.text.contains("ask-consent"), "\(tasks.text)")
        // The daemon in the first server delivers the overdue tasks' reminders.
        var lines: [Substring] = []
        for _ in 0..<100 {
            lines = ((try? String(contentsOfFile: delivered, encoding: .utf8)) ?? "").split(separator: "\n")
            if !lines.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!lines.isEmpty, "the daemon delivered nothing")
        let stoppedFirst = first.stop()
        let stoppedSecond = second.stop()
        #expect(stoppedFirst.status == 0 && stoppedSecond.status == 0, "\(stoppedFirst.stderr) \(stoppedSecond.stderr)")
        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        #expect(try await store.eventLog.events(of: "c1", fromVersion: 1).filter { $0.type == "TaskCompleted" }.count == 1)
        #expect(try await store.verify().isIntact)
        let sent = try await store.eventLog.events(of: "c1", fromVersion: 1).filter { $0.type == ReminderSent.typeName }
        #expect(sent.count >= lines.count)
        await store.close()
    }
}
