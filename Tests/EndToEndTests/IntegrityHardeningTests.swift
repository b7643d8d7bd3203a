import Foundation
import GRDB
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Attacks on the log with the file in hand, and on identifiers and time through the
/// command line, each against the built `aso-engine`.
@Suite("integrity hardening")
struct IntegrityHardeningTests {
    static let processes = Repository.root(of: #filePath).appendingPathComponent("processes").path

    /// Runs a command on `cases.sqlite` in `directory`; `now` nil means the real clock.
    static func run(
        _ arguments: [String], now: String? = "2026-06-01", input: String? = nil, in directory: TemporaryDirectory
    ) throws -> ProcessOutput {
        var all = arguments + ["--db", directory.path("cases.sqlite"), "--actor", "anna"]
        if let now { all += ["--now", now] }
        if arguments.first == "open" { all += ["--processes", processes] }
        return try BuiltProduct.run("aso-engine", all, input: input, currentDirectory: directory.url)
    }

    static func open(_ id: String, now: String? = "2026-06-01", in directory: TemporaryDirectory) throws -> ProcessOutput {
        try run(["open", "vat-generic", "--case", id, "--set", "releaseDate=2026-12-23", "--worker", "anna"], now: now, in: directory)
    }

    /// Runs SQL on the file as an attacker would: the triggers dropped first, put back after.
    static func tamper(_ directory: TemporaryDirectory, _ sql: String, restoreTriggers: Bool = true) throws {
        let queue = try DatabaseQueue(path: directory.path("cases.sqlite"))
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted")
            try db.execute(sql: sql)
            if restoreTriggers {
                try db.execute(
                    sql: """
                        CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END;
                        CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END;
                        """)
            }
        }
    }

    /// Recomputes every hash from `position` on, as a script without the log's key can.
    static func rechain(_ directory: TemporaryDirectory) async throws {
        var options = SQLiteEventStore.Options()
        options.refusesTamperedFile = false
        let store = try SQLiteEventStore(path: directory.path("cases.sqlite"), options: options)
        var events = try await store.readAll(after: 0).collect()
        var previous = EventHasher.genesis
        var versions: [StreamID: Int64] = [:]
        for index in events.indices {
            events[index].position = Int64(index + 1)
            versions[events[index].stream, default: 0] += 1
            events[index].version = versions[events[index].stream]!
            events[index].hash = EventHasher.hash(of: events[index], previous: previous)
            previous = events[index].hash
        }
        let rows = events
        let queue = try DatabaseQueue(path: directory.path("cases.sqlite"))
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted; DELETE FROM events")
            defer {
                try? db.execute(
                    sql: """
                        CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END;
                        CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END;
                        """)
            }
            for event in rows {
                try db.execute(
                    sql: """
                        INSERT INTO events (position, stream, version, event_id, type, schema_version, payload, actor, organisation,
                            role, correlation_id, causation_id, command_id, recorded_at, hash, written_at, mac)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        event.position, event.stream.rawValue, event.version, event.id.uuidString.lowercased(), event.type,
                        event.schemaVersion, event.payload, event.metadata.actor, event.metadata.organisation, event.metadata.role,
                        event.metadata.correlationID, event.metadata.causationID, event.metadata.commandID, event.recordedAt,
                        event.hash, event.writtenAt, event.authentication,
                    ])
            }
        }
    }

    @Test("ids with line breaks, terminal escapes or 100,000 characters are refused, and nothing is created")
    func hostileIDs() throws {
        let directory = try TemporaryDirectory()
        for (id, expected) in [
            ("c-1\n2026-06-15 reminder delivered", "must contain only letters"),
            ("c-\u{1B}[31mred", "must contain only letters"),
            (String(repeating: "x", count: 100_000), "must be at most 128 characters long (it has 100000)"),
            ("_c", "must start with a letter or a digit"),
        ] {
            let refused = try Self.open(id, in: directory)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(expected), "\(refused.stderr.prefix(300))")
            #expect(!refused.stderr.contains("\u{1B}") && refused.stderr.count < 400)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("cases.sqlite")))
        let actor = try BuiltProduct.run("aso-engine", ["cases", "--db", directory.path("x.sqlite"), "--actor", "anna\nroot"])
        #expect(actor.status == 2 && actor.stderr.contains("The actor id 'anna\\u{a}root' given with --actor"))
    }

    @Test("an id typed composed or decomposed is one case; the log verifies")
    func unicodeForms() throws {
        let directory = try TemporaryDirectory()
        let decomposed = "jose\u{301}"
        #expect(try Self.open(decomposed, in: directory).status == 0)
        let again = try Self.open("jos\u{E9}", in: directory)
        #expect(again.status == 1 && again.stderr.contains("already exists"))
        let cases = try Self.run(["cases", "--json"], in: directory).stdout
        // Compared as bytes: String comparison would take the two forms as equal.
        #expect(Data(cases.utf8).range(of: Data("\"jos\u{E9}\"".utf8)) != nil)
        #expect(Data(cases.utf8).range(of: Data(decomposed.utf8)) == nil)
        for form in [decomposed, "jos\u{E9}"] {
            #expect(try Self.run(["show", form], in: directory).status == 0)
        }
        let consent = try Self.run(["consent", "jos\u{E9}", "--parties", "prison,land\u{7}lord"], in: directory)
        #expect(consent.status == 1 && consent.stderr.contains("The party id"))
        #expect(try Self.run(["verify"], in: directory).status == 0)
    }

    @Test("dropped triggers: verify reports them and no command writes on")
    func droppedTriggers() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        try Self.tamper(directory, "SELECT 1", restoreTriggers: false)
        let verify = try Self.run(["verify"], in: directory)
        #expect(verify.status == 1 && verify.stdout.contains("the append-only triggers are missing"))
        let record = try Self.run(["record", "c-1", "--set", "releaseDate=2027-01-01"], in: directory)
        #expect(record.status == 1 && record.stderr.contains("has lost its append-only triggers"))
    }

    @Test("events removed from the end are found against the head an earlier verify printed", arguments: [false, true])
    func truncation(wholeCase: Bool) throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        #expect(try Self.open("c-2", in: directory).status == 0)
        let first = try Self.run(["verify", "--json"], in: directory)
        let head = try #require((try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])?["head"] as? String)
        #expect(try Self.run(["verify", "--expect", head], in: directory).status == 0)
        if wholeCase {
            try Self.tamper(directory, "DELETE FROM events WHERE stream = 'c-2'; DELETE FROM case_keys WHERE case_id = 'c-2'")
        } else {
            try Self.tamper(directory, "DELETE FROM events WHERE position > (SELECT MAX(position) - 2 FROM events)")
        }
        // Nothing inside the file shows it; the head kept outside does.
        #expect(try Self.run(["verify"], in: directory).status == 0)
        let anchored = try Self.run(["verify", "--expect", head], in: directory)
        #expect(anchored.status == 1 && anchored.stdout.contains("events at the end were removed"), "\(anchored.stdout)")
    }

    @Test("an edited payload or a removed read, with the chain recomputed, fails on the authentication", arguments: [false, true])
    func rechained(removeRead: Bool) async throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        #expect(try Self.run(["show", "c-1"], now: "2026-06-02", in: directory).status == 0)
        // The read is followed by more work, so that removing it renumbers what comes after.
        #expect(try Self.run(["consent", "c-1", "--parties", "prison"], now: "2026-06-03", in: directory).status == 0)
        #expect(try Self.run(["verify"], in: directory).stdout.contains("Every event is authenticated"))
        if removeRead {
            try Self.tamper(directory, "DELETE FROM events WHERE type = 'PersonalDataRead'")
        } else {
            try Self.tamper(directory, "UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), 'anna', 'eve') AS BLOB) WHERE position = 1")
        }
        try await Self.rechain(directory)
        let verify = try Self.run(["verify"], in: directory)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("authentication does not match"), "\(verify.stdout)")
    }

    @Test("a case key deleted in the file is an integrity error, not an erasure; nothing is written")
    func deletedCaseKey() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        try Self.tamper(directory, "DELETE FROM case_keys WHERE case_id = 'c-1'")
        let keys = try Self.run(["verify", "--keys"], in: directory)
        #expect(keys.status == 1 && keys.stdout.contains("key is gone with no erasure recorded") && keys.stdout.contains("c-1"))
        let before = try Self.run(["verify", "--json"], in: directory).stdout
        for arguments in [["show", "c-1"], ["record", "c-1", "--set", "releaseDate=2027-01-01"], ["history", "c-1"]] {
            let refused = try Self.run(arguments, in: directory)
            #expect(refused.status == 1 && refused.stderr.contains("its key is gone and no erasure was recorded"), "\(arguments) \(refused.stderr)")
        }
        #expect(try Self.run(["verify", "--json"], in: directory).stdout == before)
    }

    @Test("real casework runs on the real clock: --now is refused where it would change data, and every event records the real time")
    func realTime() async throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", now: nil, in: directory).status == 0)
        let before = try Self.run(["verify", "--json"], now: nil, in: directory).stdout
        for arguments in [["close", "c-1", "--reason", "Done."], ["retention"], ["erase", "c-1", "--reason", "x"]] {
            let refused = try Self.run(arguments, now: "2015-01-01", in: directory)
            #expect(refused.status == 1 && refused.stderr.contains("holds real casework"), "\(arguments): \(refused.stderr)")
        }
        #expect(try Self.run(["verify", "--json"], now: nil, in: directory).stdout == before)
        // A read may look at another day; what it records is stamped with the real time.
        #expect(try Self.run(["show", "c-1"], now: "2019-01-01", in: directory).status == 0)
        let events = try await WorkflowDatabase(path: directory.path("cases.sqlite")).events.readAll(after: 0).collect()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for event in events {
            let written = try #require(event.writtenAt)
            #expect(abs(written - now) < 600_000)
            #expect(abs(event.recordedAt - written) < 60_000)
        }
    }

    @Test("in a simulation the recorded time is simulated, and the real time is recorded beside it")
    func simulation() async throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", now: "2026-06-01", in: directory).status == 0)
        #expect(try Self.run(["close", "c-1", "--reason", "Done."], now: "2026-07-01", in: directory).status == 0)
        let events = try await WorkflowDatabase(path: directory.path("cases.sqlite")).events.readAll(after: 0).collect()
        let last = try #require(events.last)
        #expect(last.recordedAt == Int64(SimulatedDay.noon("2026-07-01")))
        #expect(try #require(last.writtenAt) > Int64(Date().timeIntervalSince1970 * 1000) - 600_000)
    }

    @Test("log files others could read are made owner-only, with a warning")
    func filePermissions() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        chmod(directory.path("cases.sqlite"), 0o644)
        let listed = try Self.run(["cases"], in: directory)
        #expect(listed.status == 0 && listed.stderr.contains("it is now owner-only"))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: directory.path("cases.sqlite"))[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test("a master key file others can read, or a link planted beside the log, is refused")
    func keyFileChecks() throws {
        let directory = try TemporaryDirectory()
        #expect(try Self.open("c-1", in: directory).status == 0)
        let keyFile = directory.path("cases.sqlite.master-key")
        chmod(keyFile, 0o666)
        let open = try Self.run(["show", "c-1"], in: directory)
        #expect(open.status == 1 && open.stderr.contains("can be read or written by others (mode 666)"))
        chmod(keyFile, 0o600)
        try FileManager.default.moveItem(atPath: keyFile, toPath: directory.path("elsewhere.key"))
        try FileManager.default.createSymbolicLink(atPath: keyFile, withDestinationPath: directory.path("elsewhere.key"))
        let linked = try Self.run(["show", "c-1"], in: directory)
        #expect(linked.status == 1 && linked.stderr.contains("is a symbolic link"))
    }

    @Test("personal values can come from standard input instead of the command line")
    func valuesFromStandardInput() throws {
        let directory = try TemporaryDirectory()
        let opened = try Self.run(
            ["open", "vat-generic", "--case", "c-1", "--values-from", "-"], input: "# the client's dates\nreleaseDate=2026-12-23\n",
            in: directory)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try Self.run(["show", "c-1"], in: directory).stdout.contains("2026-12-23"))
    }
}

/// Noon in Helsinki of a day, as `--now DATE` means it, in milliseconds.
enum SimulatedDay {
    static func noon(_ text: String) -> Double {
        let date = LocalDate(text)!
        return FinnishCalendar().instant(date, hour: 12, minute: 0).timeIntervalSince1970 * 1000
    }
}
