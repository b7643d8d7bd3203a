import Foundation
import GRDB
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// What only the SQLite store promises: the file on disk, its schema and its guards.
@Suite("SQLite event store")
struct SQLiteEventStoreTests {
    private func events(_ count: Int) throws -> [NewEvent] {
        try (0..<count).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
    }

    /// Opens the file behind the store's back, without the store's triggers in the way.
    private func tamper(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS events_are_never_updated")
            try db.execute(sql: "DROP TRIGGER IF EXISTS events_are_never_deleted")
            try db.execute(sql: sql)
        }
    }

    @Test("the database file and its WAL are readable and writable by the owner only")
    func ownerOnlyFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await store.append(events(1), to: "case-1", expected: .noStream)
        for file in [path, path + "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
    }

    @Test("commits are flushed with synchronous=FULL unless NORMAL is chosen")
    func durability() throws {
        let directory = try TemporaryDirectory()
        #expect(try SQLiteEventStore(path: directory.path("full.sqlite")).writerSynchronousLevel() == 2)
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        #expect(try SQLiteEventStore(path: directory.path("normal.sqlite"), options: options).writerSynchronousLevel() == 1)
    }

    @Test("the schema is migrated once, under fixed ids, and reopening keeps the events")
    func migrations() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        do {
            let store = try SQLiteEventStore(path: path)
            try await store.append(events(2), to: "case-1", expected: .noStream)
        }
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.version(of: "case-1") == 2)
        let queue = try DatabaseQueue(path: path)
        let ids = try await queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(ids == ["2026-11-25-event-log-v1", "2026-11-30-event-log-written-at-authentication"])
        let journal = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test("stored events can be neither updated nor deleted through SQL")
    func appendOnlyTriggers() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await store.append(events(2), to: "case-1", expected: .noStream)
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE events SET type = 'Other' WHERE position = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "DELETE FROM events WHERE position = 2") }
        }
        #expect(try await store.verify().isIntact)
    }

    @Test("verify names the first position where an edited payload breaks the chain")
    func tamperedPayload() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let store = try SQLiteEventStore(path: path)
        for index in 0..<10 {
            try await store.append(events(3), to: StreamID("case-\(index % 3)"), expected: .any)
        }
        #expect(try await store.verify().isIntact)
        try tamper(path, #"UPDATE events SET payload = CAST('{"index":7}' AS BLOB) WHERE position = 17"#)
        let report = try await store.verify()
        #expect(report.firstBrokenPosition == 17)
        #expect(report.eventsChecked == 16)
        #expect(report.description.contains("broken at position 17"))
    }

    @Test("verify notices an edited hash, a rewritten chain's end, and a deleted event")
    func tamperedChain() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await store.append(events(10), to: "case-1", expected: .noStream)

        // Recomputing one event's hash after editing it still breaks at its successor.
        try tamper(path, "UPDATE events SET actor = 'someone-else', hash = zeroblob(32) WHERE position = 4")
        #expect(try await store.verify().firstBrokenPosition == 4)

        let other = try TemporaryDirectory()
        let otherPath = other.path("events.sqlite")
        let second = try SQLiteEventStore(path: otherPath)
        try await second.append(events(10), to: "case-1", expected: .noStream)
        try tamper(otherPath, "DELETE FROM events WHERE position = 6")
        let report = try await second.verify()
        #expect(report.firstBrokenPosition == 6)
        #expect(report.problem?.contains("missing") == true)

        let third = try TemporaryDirectory()
        let thirdPath = third.path("events.sqlite")
        let reordered = try SQLiteEventStore(path: thirdPath)
        try await reordered.append(events(4), to: "case-1", expected: .noStream)
        try tamper(thirdPath, "UPDATE events SET recorded_at = recorded_at + 1 WHERE position = 4")
        #expect(try await reordered.verify().firstBrokenPosition == 4)
    }

    @Test("a file that is not a database gives a clear error and is left as it was")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("notes.sqlite")
        let text = Data(String(repeating: "this is not a database\n", count: 100).utf8)
        try text.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: EventStoreError.self) { try SQLiteEventStore(path: path) }
        #expect(error?.code == .storage)
        #expect(error?.message == "Cannot open the event log at '\(path)'.")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
    }

    @Test("two spellings of one name stored before the id rule are two streams, and verify keeps them apart")
    func unicodeSpellingsVerify() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.path("log.sqlite"))
        for id in ["jos\u{E9}", "jose\u{301}", "jos\u{E9}"] {
            try await store.append(events(1), to: StreamID(id), expected: .any)
        }
        #expect(try await store.verify().isIntact)
    }
}
