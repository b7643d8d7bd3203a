import Foundation
import GRDB
import Synchronization
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// "Append these events, and write this in the same transaction": the SQLite log's one
/// way for a caller to commit writes of its own with an append (the privacy layer's
/// case keys go this way), without the log knowing what they are.
@Suite("Extra writes in an append's transaction")
struct ExtraWriteTests {
    /// A caller's own error, which the log knows nothing about.
    struct Refusal: Error, Equatable {
        var stream: String
    }

    private func events(_ count: Int) throws -> [NewEvent] {
        try (0..<count).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
    }

    /// Whether the first commit was seen, and the store it is in.
    final class Started: Sendable {
        private let waited = Mutex(false)
        let store = Mutex<SQLiteEventStore?>(nil)

        /// True the first time only.
        func first() -> Bool {
            waited.withLock { waited in
                defer { waited = true }
                return !waited
            }
        }
    }

    /// A store with a `notes` table of its caller's; `beforeCommit` runs inside each
    /// write transaction before its commit.
    private func store(
        _ directory: TemporaryDirectory, beforeCommit: (@Sendable ([AppendResult]) -> Void)? = nil
    ) throws -> SQLiteEventStore {
        var options = SQLiteEventStore.Options()
        options.beforeCommit = beforeCommit
        return try SQLiteEventStore(
            path: directory.path("log.sqlite"), options: options,
            migrations: [("test-notes", { db in try db.execute(sql: "CREATE TABLE notes (stream TEXT, position INTEGER)") })])
    }

    /// Notes the append's stream and first position.
    private func note() -> ExtraWrite {
        ExtraWrite { appended, db in
            try db.execute(
                sql: "INSERT INTO notes (stream, position) VALUES (?, ?)", arguments: [appended[0].stream.rawValue, appended[0].position])
        }
    }

    private func notes(_ store: SQLiteEventStore) async throws -> [String] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT stream, position FROM notes ORDER BY position").map { "\($0[0] as String)@\($0[1] as Int64)" }
        }
    }

    @Test("an extra write commits with the append's events, sees them, and is skipped when the command id was applied")
    func commitsWithTheEvents() async throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        try await store.append(events(2), to: "a", expected: .noStream, metadata: EventMetadata(), alongside: [note()])
        let metadata = EventMetadata(commandID: "cmd-1")
        let first = try await store.append(events(1), to: "b", expected: .noStream, metadata: metadata, alongside: [note()])
        let again = try await store.append(events(1), to: "b", expected: .noStream, metadata: metadata, alongside: [note()])
        #expect(again.wasAlreadyApplied && again.lastPosition == first.lastPosition)
        #expect(try await notes(store) == ["a@1", "b@3"])
        // A refused append writes nothing of its caller's either.
        await #expect(throws: VersionConflict.self) {
            try await store.append(events(1), to: "a", expected: .exact(1), metadata: EventMetadata(), alongside: [note()])
        }
        #expect(try await notes(store) == ["a@1", "b@3"])
    }

    @Test("an error an extra write throws reaches its caller as thrown, and nothing of that append is written")
    func errorPassesThrough() async throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        let refusing = ExtraWrite { appended, _ in throw Refusal(stream: appended[0].stream.rawValue) }
        let error = await #expect(throws: Refusal.self) {
            try await store.append(events(3), to: "a", expected: .noStream, metadata: EventMetadata(), alongside: [note(), refusing])
        }
        #expect(error == Refusal(stream: "a"))
        #expect(try await store.lastPosition() == 0)
        #expect(try await notes(store) == [])
        // A database error in an extra write is the log's storage error, naming the stream.
        let broken = ExtraWrite { _, db in try db.execute(sql: "INSERT INTO no_such_table VALUES (1)") }
        let storage = await #expect(throws: EventStoreError.self) {
            try await store.append(events(1), to: "b", expected: .noStream, metadata: EventMetadata(), alongside: [broken])
        }
        #expect(storage?.code == .storage)
        #expect(storage?.message.contains("stream 'b'") == true)
        #expect(try await store.lastPosition() == 0)
    }

    @Test("inside a group commit, a failing extra write fails its own append only")
    func failureIsolatedInGroup() async throws {
        let directory = try TemporaryDirectory()
        // The first commit holds the writer until every append was handed to it, so that
        // the others wait for it and commit as one group, however busy the machine is.
        let started = Started()
        let store = try store(directory) { _ in
            guard started.first(), let store = started.store.withLock({ $0 }) else { return }
            let deadline = Date().addingTimeInterval(30)
            while store.submittedAppends < 45 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        }
        started.store.withLock { $0 = store }
        // Every third append's extra write notes it, then refuses: the note and the
        // events are rolled back with its savepoint, and its neighbours commit.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<45 {
                group.addTask {
                    var alongside = [note()]
                    if index % 3 == 0 { alongside.append(ExtraWrite { _, _ in throw Refusal(stream: "s-\(index)") }) }
                    do {
                        try await store.append(
                            events(2), to: StreamID("s-\(index)"), expected: .noStream, metadata: EventMetadata(), alongside: alongside)
                        return (index, true)
                    } catch let refusal as Refusal {
                        #expect(refusal == Refusal(stream: "s-\(index)"))
                        return (index, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for try await (index, succeeded) in group { outcomes[index] = succeeded }
            return outcomes
        }
        let statistics = store.commitStatistics
        #expect(statistics.transactions < statistics.appends, "no append was grouped: \(statistics)")
        for index in 0..<45 {
            #expect(outcomes[index] == (index % 3 != 0))
            #expect(try await store.version(of: StreamID("s-\(index)")) == (index % 3 == 0 ? 0 : 2))
        }
        let all = try await store.readAll(after: 0).collect()
        #expect(all.count == 30 * 2)
        #expect(all.map(\.position) == Array(1...Int64(all.count)))
        let noted = try await notes(store)
        #expect(noted.count == 30)
        #expect(Set(noted) == Set(all.filter { $0.version == 1 }.map { "\($0.stream)@\($0.position)" }))
        #expect(try await store.verify().isIntact)
    }
}
