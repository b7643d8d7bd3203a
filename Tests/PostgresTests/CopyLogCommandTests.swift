import Foundation
import PostgresNIO
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting
import WorkflowPostgres

/// `aso-engine copy-log` and `aso-engine verify --db postgres://…`, run as a user would.
@Suite("aso-engine copy-log", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct CopyLogCommandTests {
    @Test("a SQLite log copied into PostgreSQL is the same log: every field, the same head, command ids that still apply once")
    func copiesVerbatim() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let source = try SQLiteEventStore(path: path)
        for index in 0..<40 {
            let metadata = index % 3 == 0
                ? EventMetadata()
                : EventMetadata(
                    actor: "worker:anna", organisation: index % 2 == 0 ? "community-sanctions-office" : nil, role: "responsible-worker",
                    correlationID: "corr-\(index)", causationID: index % 5 == 0 ? "cause-\(index)" : nil, commandID: "cmd-\(index)")
            let events = try (0...(index % 3)).map { try NewEvent(type: "Step", schemaVersion: 1 + index % 2, encoding: ["index": $0, "ä": index]) }
            try await source.append(events, to: StreamID("case-\(index % 7)"), expected: .any, metadata: metadata)
        }
        try await source.saveCheckpoint(named: "exporter", position: 17)
        try await source.saveCheckpoint(named: "forwarder ä", position: 3)
        let sourceEvents = try await source.readAll(after: 0).collect()
        let sourceHead = try #require(try await source.verify().headAnchor)

        let url = try PostgresTestServer.freshURL()
        let copied = try BuiltProduct.run("aso-engine", ["copy-log", "--from", path, "--to", url])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("Copied \(sourceEvents.count) events, 26 command ids and 2 checkpoints"))
        #expect(copied.stdout.contains("Both logs verify with the head \(sourceHead)"))

        let store = try await PostgresEventStore.open(url: url)
        let target = try await store.readAll(after: 0).collect()
        #expect(target == sourceEvents)
        #expect(try await store.verify(expecting: sourceHead).isIntact)
        // The consumers resume where they were.
        #expect(try await store.checkpoints() == ["exporter": 17, "forwarder ä": 3])
        #expect(try await store.subscribe(named: "exporter").start == 17)
        // A command id carried over is still applied once.
        let again = try await store.append(
            [NewEvent(type: "Step", encoding: ["index": 0])], to: "case-1", expected: .any, metadata: EventMetadata(commandID: "cmd-1"))
        #expect(again.wasAlreadyApplied)
        // The copy goes on as a log of its own, extending the same chain.
        let next = try await store.append([NewEvent(type: "Step", encoding: ["index": 1])], to: "case-1", expected: .any)
        #expect(next.firstPosition == Int64(sourceEvents.count) + 1)
        #expect(try await store.verify().isIntact)
        await store.close()

        // A log the event store wrote alone has no chain key: the command line's verify
        // fails it, as it fails the SQLite file it came from.
        let verified = try BuiltProduct.run("aso-engine", ["verify", "--db", url])
        #expect(verified.status == 1, "\(verified.stderr)")
        #expect(
            verified.stdout.contains(
                "the log holds \(sourceEvents.count + 1) events but no chain key (the table \"\(try PostgresLocation(url: url).schema)\".chain_key does not exist)"),
            "\(verified.stdout)")

        // Into a log that is not empty: refused, nothing written.
        let refused = try BuiltProduct.run("aso-engine", ["copy-log", "--from", path, "--to", url])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("already holds \(sourceEvents.count + 1) events"))
    }

    @Test("a checkpoint past the copied head (the source was appended to during the copy) stops the copy")
    func checkpointPastTheHead() async throws {
        let directory = try TemporaryDirectory()
        let source = try SQLiteEventStore(path: directory.path("cases.sqlite"))
        try await source.append([NewEvent(type: "Step", encoding: ["index": 0])], to: "case-1", expected: .noStream)
        try await source.saveCheckpoint(named: "exporter", position: 2)
        let store = try await PostgresEventStore.open(url: try PostgresTestServer.freshURL())
        await #expect {
            try await store.copy(from: source)
        } throws: { error in
            (error as? EventStoreError)?.message.contains("The checkpoint 'exporter' of the source is at position 2, past the copied head 1") == true
        }
        #expect(try await store.checkpoints().isEmpty)
        await store.close()
    }

    @Test("bad input: a path for --to, a missing file, a PostgreSQL URL where the engine needs its file")
    func badInput() throws {
        let directory = try TemporaryDirectory()
        let notURL = try BuiltProduct.run("aso-engine", ["copy-log", "--from", directory.path("x.sqlite"), "--to", "/tmp/y.sqlite"])
        #expect(notURL.status == 1 && notURL.stderr.contains("--to takes a PostgreSQL URL"))
        let missing = try BuiltProduct.run("aso-engine", ["copy-log", "--from", directory.path("none.sqlite"), "--to", "postgres://a@b/c"])
        #expect(missing.status == 1 && missing.stderr.contains("There is no event log at"))
        let engine = try BuiltProduct.run(
            "aso-engine", ["rotate-master-key", "--new-key-file", directory.path("new.key"), "--db", "postgres://aso:secret@127.0.0.1:1/cases"],
            environment: ["ASO_MASTER_KEY": Data(count: 32).base64EncodedString()])
        #expect(engine.status == 1)
        #expect(engine.stderr.contains("Cannot open the event log at 'postgres://aso"), "\(engine.stderr)")
        #expect(!engine.stderr.contains("secret"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("new.key")), "a rotation that could not start left a key file")
        let cases = try BuiltProduct.run(
            "aso-engine", ["cases", "--db", "postgres://aso:secret@127.0.0.1:1/cases"], environment: ["ASO_MASTER_KEY": Data(count: 32).base64EncodedString()])
        #expect(cases.status == 1 && cases.stderr.contains("Cannot open the event log at 'postgres://aso"), "\(cases.stderr)")
        #expect(!cases.stderr.contains("secret"))
        let unreachable = try BuiltProduct.run("aso-engine", ["verify", "--db", "postgres://aso@127.0.0.1:1/cases"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("Cannot open the event log at 'postgres://aso@127.0.0.1:1/cases'"), "\(unreachable.stderr)")
    }

    @Test("a file the engine wrote moves whole: the engine and the daemon go on in PostgreSQL with the same cases, tasks, reminders and sealed values")
    func movesTheEngine() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let url = try PostgresTestServer.url(for: directory)
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let fixture = CaseStoreConformanceTests()
        let database = try WorkflowDatabase(path: path, masterKey: .base64(key))
        let time = ManualTime(milliseconds: fixture.at("2026-06-01"))
        try await fixture.script(Engine(database: database, now: time.provider), time)
        let cases = try await database.cases()
        let tasks = try await database.tasks(TaskQuery())
        let reminders = try await database.pendingReminders()
        let head = try await database.verify().headAnchor

        let withoutKey = try BuiltProduct.run(
            "aso-engine", ["copy-log", "--from", path, "--to", url, "--master-key-file", directory.path("missing.key")])
        #expect(withoutKey.status == 1 && withoutKey.stderr.contains("missing.key"), "\(withoutKey.stderr)")
        let copied = try BuiltProduct.run("aso-engine", ["copy-log", "--from", path, "--to", url], environment: ["ASO_MASTER_KEY": key])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("1 definitions and 1 case keys"), "\(copied.stdout)")
        #expect(copied.stdout.contains("every event's authentication checks"))

        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(key))
        do {
            #expect(try await store.cases(process: nil, includeClosed: true) == cases)
            #expect(try await store.tasks(TaskQuery()) == tasks)
            #expect(try await store.pendingReminders() == reminders)
            #expect(try await store.verify(expecting: head).isIntact)
            // The engine goes on: sealed values open with the copied key, the erased case stays erased.
            let engine = Engine(store: store, now: time.provider)
            #expect(try await engine.load("vat-1").0.fields["housingWishes"] == .text("near the sea"))
            #expect(try await engine.load("vat-2").0.fields["releaseDate"] == nil)
            time.set(milliseconds: fixture.at("2026-06-22"))
            let done = try await engine.execute(.complete(task: "contact-wellbeing-county"), on: "vat-1", by: fixture.anna)
            #expect(!done.events.isEmpty)
            // A command id applied in SQLite is still applied once.
            let again = try await engine.execute(
                .record(values: ["housingWishes": .text("near the sea")]), on: "vat-1", by: fixture.anna, commandID: "wishes-1")
            #expect(again.append.wasAlreadyApplied)
            // The daemon goes on from the copied schedule.
            let sink = CollectingSink()
            time.set(milliseconds: fixture.at("2026-06-24"))
            let delivered = try await ReminderDaemon(store: store, sinks: [sink], id: "d1", now: time.provider).tick()
            #expect(!delivered.isEmpty && sink.deliveries.count == delivered.count)
            #expect(try await store.verify().isIntact)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        let verified = try BuiltProduct.run("aso-engine", ["verify", "--db", url], environment: ["ASO_MASTER_KEY": key])
        #expect(verified.status == 0 && verified.stdout.contains("Every event is authenticated"), "\(verified.stdout)")
        // The record of where the authentication begins came along, so the copy requires it too.
        let schema = "\"\(try PostgresLocation(url: url).schema)\""
        try await withAdmin { admin in
            let start = try await admin.query(
                PostgresQuery(unsafeSQL: "SELECT authenticated_from FROM \(schema).chain_key"), logger: PostgresEventStoreTests.logger
            ).collect()
            #expect(try start.first?.decode(Int64?.self) == 1)
        }
        // A second copy into the same log is refused.
        let twice = try BuiltProduct.run("aso-engine", ["copy-log", "--from", path, "--to", url], environment: ["ASO_MASTER_KEY": key])
        #expect(twice.status == 1 && twice.stderr.contains("already holds"), "\(twice.stderr)")
    }
}
