import Crypto
import Foundation
import GRDB
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// `verify` against someone who can write the database file but has no master key: each
/// test changes the real file as such a person would and runs the built `aso-engine`.
@Suite("tamper evidence")
struct TamperEvidenceTests {
    typealias Hardening = IntegrityHardeningTests

    /// A log with a case, a read of its personal values and a consent after it; a
    /// simulation unless `real`.
    static func log(real: Bool = false) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        #expect(try Hardening.open("c-1", now: real ? nil : "2026-06-01", in: directory).status == 0)
        #expect(try Hardening.run(["show", "c-1"], now: real ? nil : "2026-06-02", in: directory).status == 0)
        #expect(try Hardening.run(["consent", "c-1", "--parties", "prison"], now: real ? nil : "2026-06-03", in: directory).status == 0)
        let verify = try Hardening.run(["verify"], in: directory)
        #expect(verify.status == 0 && verify.stdout.contains("Every event is authenticated"), "\(verify.stdout)")
        return directory
    }

    /// Rewrites every event with its hash recomputed and no authentication, as a script
    /// without the log's key can.
    static func rechainWithoutAuthentication(_ directory: TemporaryDirectory) throws {
        let queue = try DatabaseQueue(path: directory.path("cases.sqlite"))
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY position")
            var previous = EventHasher.genesis
            var versions: [String: Int64] = [:]
            for (index, row) in rows.enumerated() {
                let stream: String = row["stream"]
                versions[stream, default: 0] += 1
                let event = RecordedEvent(
                    position: Int64(index + 1), stream: StreamID(rawValue: stream), version: versions[stream]!,
                    id: UUID(uuidString: row["event_id"])!, type: row["type"], schemaVersion: row["schema_version"],
                    payload: row["payload"],
                    metadata: EventMetadata(
                        actor: row["actor"], organisation: row["organisation"], role: row["role"],
                        correlationID: row["correlation_id"], causationID: row["causation_id"], commandID: row["command_id"]),
                    recordedAt: row["recorded_at"], hash: Data(), writtenAt: row["written_at"])
                let hash = EventHasher.hash(of: event, previous: previous)
                previous = hash
                try db.execute(
                    sql: "UPDATE events SET position = ?, version = ?, hash = ?, mac = NULL WHERE position = ?",
                    arguments: [-event.position, event.version, hash, row["position"] as Int64])
            }
            try db.execute(sql: "UPDATE events SET position = -position")
            try db.execute(
                sql: """
                    CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END;
                    CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END;
                    """)
        }
    }

    /// The file's bytes, with its write-ahead log's (SQLite makes an empty one for a
    /// reader: empty and absent are the same).
    static func contents(_ directory: TemporaryDirectory) -> [Data] {
        ["cases.sqlite", "cases.sqlite-wal"].map { FileManager.default.contents(atPath: directory.path($0)) ?? Data() }
    }

    @Test("an edited payload or a removed read, rechained with every authentication removed, fails verify (also --keys)", arguments: [false, true])
    func strippedAuthentication(removeRead: Bool) throws {
        let directory = try Self.log()
        if removeRead {
            try Hardening.tamper(directory, "DELETE FROM events WHERE type = 'PersonalDataRead'")
        } else {
            try Hardening.tamper(
                directory, "UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), 'prison', 'prison\",\"landlord') AS BLOB) WHERE type = 'ConsentRecorded'")
        }
        try Self.rechainWithoutAuthentication(directory)
        for arguments in [["verify"], ["verify", "--keys"]] {
            let verify = try Hardening.run(arguments, in: directory)
            #expect(verify.status == 1, "\(arguments): \(verify.stdout)")
            #expect(
                verify.stdout.hasPrefix(
                    "The event log is broken at position 1: the event carries no authentication, though the log authenticates every event from position 1 on"),
                "\(arguments): \(verify.stdout)")
        }
        // Without the master key, the rule still holds: the authentications must be there.
        try FileManager.default.moveItem(atPath: directory.path("cases.sqlite.master-key"), toPath: directory.path("elsewhere.key"))
        let keyless = try Hardening.run(["verify"], in: directory)
        #expect(keyless.status == 1 && keyless.stdout.contains("carries no authentication"), "\(keyless.stdout)")
    }

    @Test("the record of where the authentication begins, removed or moved, fails verify and is refused by every command")
    func removedStart() throws {
        let directory = try Self.log()
        try Self.rechainWithoutAuthentication(directory)
        try Hardening.tamper(directory, "UPDATE chain_key SET authenticated_from = NULL")
        let verify = try Hardening.run(["verify"], in: directory)
        #expect(verify.status == 1 && verify.stdout.contains("no longer records from which position its events are authenticated"), "\(verify.stdout)")
        let show = try Hardening.run(["show", "c-1"], in: directory)
        #expect(show.status == 1 && show.stderr.contains("no longer records from which position"), "\(show.stderr)")
        // A start moved past the rewritten events does not match the log.
        try Hardening.tamper(directory, "UPDATE chain_key SET authenticated_from = (SELECT MAX(position) + 1 FROM events)")
        let moved = try Hardening.run(["verify"], in: directory)
        #expect(moved.status == 1 && moved.stdout.contains("does not match the log"), "\(moved.stdout)")
    }

    @Test("a deleted chain key is a failure naming it: verify writes nothing, and no command makes a new key")
    func deletedChainKey() throws {
        let directory = try Self.log()
        try Hardening.tamper(directory, "DELETE FROM chain_key")
        let before = Self.contents(directory)
        for arguments in [["verify"], ["verify", "--keys"], ["verify", "--json"]] {
            let verify = try Hardening.run(arguments, in: directory)
            #expect(verify.status == 1, "\(arguments): \(verify.stdout)")
            #expect(verify.stdout.contains("no chain key (the chain_key row is missing)"), "\(arguments): \(verify.stdout)")
        }
        #expect(Self.contents(directory) == before)
        let show = try Hardening.run(["show", "c-1"], in: directory)
        #expect(show.status == 1 && show.stderr.contains("its chain key is gone"), "\(show.stderr)")
        let count = try DatabaseQueue(path: directory.path("cases.sqlite")).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chain_key")
        }
        #expect(count == 0)
    }

    @Test("an append-only trigger replaced by one of the same name that does nothing fails verify; no command writes on")
    func replacedTrigger() throws {
        let directory = try Self.log()
        try Hardening.tamper(
            directory,
            """
            CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events WHEN 0
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END;
            CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END;
            CREATE TRIGGER events_audit AFTER INSERT ON events BEGIN SELECT 1; END;
            """, restoreTriggers: false)
        let verify = try Hardening.run(["verify"], in: directory)
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(
            verify.stdout.contains(
                "the append-only triggers are not the engine's (defined otherwise than the engine defines them: events_are_never_updated; triggers the engine never made: 'events_audit')"),
            "\(verify.stdout)")
        let record = try Hardening.run(["record", "c-1", "--set", "releaseDate=2027-01-01"], in: directory)
        #expect(record.status == 1 && record.stderr.contains("has had its append-only triggers changed"), "\(record.stderr)")
    }

    @Test("a program without the master key cannot append to a log that authenticates its events, even before its first event")
    func appendWithoutKey() async throws {
        let directory = try TemporaryDirectory()
        _ = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let store = try SQLiteEventStore(path: directory.path("cases.sqlite"))
        let refused = await #expect(throws: EventStoreError.self) {
            try await store.append([try NewEvent(type: "Step", encoding: ["index": 1])], to: "c-1", expected: .any)
        }
        #expect(refused?.code == .unauthenticated)
        #expect(try await store.lastPosition() == 0)
    }

    @Test("a deleted case key fails plain verify, with or without the master key")
    func deletedCaseKey() throws {
        let directory = try Self.log()
        try Hardening.tamper(directory, "DELETE FROM case_keys WHERE case_id = 'c-1'")
        let verify = try Hardening.run(["verify"], in: directory)
        #expect(verify.status == 1 && verify.stdout.contains("key is gone with no erasure recorded (deleted outside the engine): c-1"), "\(verify.stdout)")
        try FileManager.default.moveItem(atPath: directory.path("cases.sqlite.master-key"), toPath: directory.path("elsewhere.key"))
        let keyless = try Hardening.run(["verify", "--json"], in: directory)
        #expect(keyless.status == 1 && keyless.stdout.contains("\"missingCaseKeys\":[\"c-1\"]"), "\(keyless.stdout)")
    }

    @Test("a log an earlier version wrote verifies, and the first command that opens it records where its authentication begins")
    func earlierVersions() throws {
        // Written by the version before the start was recorded: every event authenticated.
        let recent = try Self.log(real: true)
        try Hardening.tamper(
            recent,
            """
            ALTER TABLE chain_key DROP COLUMN authenticated_from; ALTER TABLE chain_key DROP COLUMN authenticated_from_mac;
            ALTER TABLE chain_key DROP COLUMN simulation;
            DELETE FROM grdb_migrations WHERE identifier IN ('2026-12-08-chain-key-authenticated-from', '2026-12-08-chain-key-simulation')
            """)
        #expect(try Hardening.run(["verify"], in: recent).stdout.contains("Every event is authenticated"))
        #expect(try Hardening.run(["cases"], in: recent).status == 0)
        let json = try Hardening.run(["verify", "--json"], in: recent)
        #expect(json.status == 0 && json.stdout.contains("\"authenticationRequiredFrom\":1"), "\(json.stdout)")

        // Written before the log authenticated its events: no chain key until a command opens it.
        let old = try Self.log(real: true)
        try Self.rechainWithoutAuthentication(old)
        try Hardening.tamper(
            old,
            """
            DROP TABLE chain_key;
            DELETE FROM grdb_migrations
            WHERE identifier IN ('2026-11-30-chain-key', '2026-12-08-chain-key-authenticated-from', '2026-12-08-chain-key-simulation')
            """)
        let events = try DatabaseQueue(path: old.path("cases.sqlite")).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
        let unopened = try Hardening.run(["verify"], in: old)
        #expect(unopened.status == 1 && unopened.stdout.contains("no chain key"), "\(unopened.stdout)")
        #expect(try Hardening.run(["show", "c-1"], now: nil, in: old).status == 0)
        let upgraded = try Hardening.run(["verify"], in: old)
        #expect(upgraded.status == 0, "\(upgraded.stdout)")
        #expect(upgraded.stdout.contains("Events from position \(events + 1) on are authenticated with the log's key"), "\(upgraded.stdout)")
    }

    @Test("real casework cannot be turned into a simulation: neither the old settings row nor the chain key row lets --now write")
    func simulationFlag() throws {
        let directory = try TemporaryDirectory()
        #expect(try Hardening.open("c-1", now: nil, in: directory).status == 0)
        try Hardening.tamper(directory, "INSERT OR REPLACE INTO log_settings VALUES ('simulation', 'yes')")
        let close = try Hardening.run(["close", "c-1", "--reason", "Done."], now: "2020-01-01", in: directory)
        #expect(close.status == 1 && close.stderr.contains("holds real casework"), "\(close.stderr)")
        try Hardening.tamper(directory, "UPDATE chain_key SET simulation = 1")
        let again = try Hardening.run(["close", "c-1", "--reason", "Done."], now: "2020-01-01", in: directory)
        #expect(again.status == 1 && again.stderr.contains("holds real casework"), "\(again.stderr)")
        let verify = try Hardening.run(["verify"], now: nil, in: directory)
        #expect(verify.status == 1 && verify.stdout.contains("does not match the log"), "\(verify.stdout)")
    }

    @Test("verify reports an event of real casework recorded at another time than it was written")
    func misdatedEvent() async throws {
        let directory = try TemporaryDirectory()
        #expect(try Hardening.open("c-1", now: nil, in: directory).status == 0)
        // A program writing with a clock set back, as the simulation flag once allowed.
        var options = SQLiteEventStore.Options()
        options.now = { Int64(SimulatedDay.noon("2020-01-01")) }
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"), options: options)
        #expect(try database.isSimulation == false)
        try await database.events.append([try NewEvent(type: "Noted", encoding: ["note": "back-dated"])], to: "c-1", expected: .any)
        let position = try await database.events.lastPosition()
        let verify = try Hardening.run(["verify"], now: nil, in: directory)
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(
            verify.stdout.hasPrefix("The event log is broken at position \(position): the event (Noted of 'c-1') is recorded as of 2020-01-01T10:00:00Z but was written at"),
            "\(verify.stdout)")
        // A simulation's times are set by hand, and verify expects so.
        let simulation = try TemporaryDirectory()
        #expect(try Hardening.open("c-1", now: "2020-01-01", in: simulation).status == 0)
        #expect(try Hardening.run(["verify"], now: nil, in: simulation).status == 0)
    }

    @Test("a case cannot be closed before the day it was opened")
    func closedBeforeOpened() throws {
        let directory = try TemporaryDirectory()
        #expect(try Hardening.open("c-1", now: "2026-06-01", in: directory).status == 0)
        let close = try Hardening.run(["close", "c-1", "--reason", "Done."], now: "2020-01-01", in: directory)
        #expect(close.status == 1 && close.stderr.contains("was opened on 2026-06-01; it cannot be closed on 2020-01-01, before it was opened"), "\(close.stderr)")
        #expect(try Hardening.run(["close", "c-1", "--reason", "Done."], now: "2026-06-01", in: directory).status == 0)
    }
}
