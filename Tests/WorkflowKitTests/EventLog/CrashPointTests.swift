import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Crashes at named points, not after a random delay: the worker kills itself with
/// SIGKILL on the Nth pass through a point and says so, and each test asserts that the
/// kill happened there and what the log holds afterwards.
@Suite("Event log crash points", .serialized, .timeLimit(.minutes(3)))
struct CrashPointTests {
    typealias Worker = MultiProcessTests.Worker

    /// Runs the worker to its crash and returns its other lines and its `crash POINT …`
    /// line (other threads may still print a line or two while the kill lands).
    static func crashed(_ arguments: [String]) throws -> (lines: [String], crash: [String]) {
        let result = try Worker(arguments).finish()
        #expect(result.status == SIGKILL, "the worker was not killed at its crash point: \(result.errors)")
        let crash = try #require(result.lines.first { $0.hasPrefix("crash ") }, "no crash line").split(separator: " ").map(String.init)
        return (result.lines.filter { !$0.hasPrefix("crash ") }, crash)
    }

    @Test("killed after an append's commit, before acknowledging it: the append is durable, and retrying its command is a no-op", arguments: [1, 5])
    func afterCommitBeforeAcknowledging(crashAt: Int) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let (lines, crash) = try Self.crashed(["crash-after-commit", "--db", path, "--stream", "c", "--crash-at", "\(crashAt)"])
        #expect(crash == ["crash", "after-commit", "cmd-\(crashAt)", "\(crashAt)"])
        #expect(lines == (1..<crashAt).map { "ok cmd-\($0) \($0)" })

        let store = try SQLiteEventStore(path: path)
        let events = try await store.read(stream: "c").collect()
        #expect(events.map(\.metadata.commandID) == (1...crashAt).map { "cmd-\($0)" })
        // The client never heard back and retries: the log answers with the original result.
        let retried = try await store.append(
            [try NewEvent(type: "Step", encoding: ["index": crashAt])], to: "c", expected: .any,
            metadata: EventMetadata(commandID: "cmd-\(crashAt)"))
        #expect(retried.wasAlreadyApplied)
        #expect(retried.firstPosition == Int64(crashAt))
        #expect(try await store.lastPosition() == Int64(crashAt))
        #expect(try await store.verify().isIntact)
    }

    @Test("killed inside a group commit of several callers: none of the group is written, every acknowledged append is", arguments: [1, 4])
    func insideAGroupCommit(crashAt: Int) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        _ = try SQLiteEventStore(path: path)
        let (lines, crash) = try Self.crashed(["crash-in-group", "--db", path, "--tasks", "6", "--crash-at", "\(crashAt)"])
        #expect(crash.count == 5 && crash[1] == "in-group")
        let groupSize = Int(crash[2]) ?? 0
        let first = Int64(crash[3]) ?? 0
        #expect(groupSize >= 2, "the crash was not inside a group of several appends")

        let store = try SQLiteEventStore(path: path)
        #expect(try await store.lastPosition() == first - 1, "part of the killed group was written")
        let all = try await store.readAll(after: 0).collect()
        let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position, $0) })
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[0] == "ok", let low = Int64(parts[2]), let high = Int64(parts[3]) else {
                Issue.record("unexpected worker output: \(line)")
                continue
            }
            #expect(high < first, "an append of the killed group was acknowledged")
            #expect((low...high).allSatisfy { byPosition[$0]?.stream.rawValue == String(parts[1]) })
        }
        #expect(try await store.verify().isIntact)
    }

    @Test("killed after a reminder's delivery, before recording it: the next run delivers it again and records it once")
    func afterDeliveryBeforeRecording() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let out = directory.path("delivered.txt")
        let definition = try EngineFixtures.vatGeneric()
        let engine = Engine(database: try WorkflowDatabase(path: path), now: { EngineFixtures.at("2026-03-02") })
        for index in 0..<6 {
            try await engine.open(
                definition, caseID: StreamID("c-\(index)"),
                fields: ["releaseDate": .date(LocalDate("2026-09-02")!.adding(days: index))], by: Acting("worker:test"))
        }
        let now = EngineFixtures.at("2026-06-15")
        let due = try await WorkflowDatabase(path: path).pendingReminders().filter { $0.fireAt <= now }.map(\.id)
        try #require(due.count >= 3)

        let (lines, crash) = try Self.crashed(["deliver", "--db", path, "--now", "\(now)", "--out", out, "--crash-at", "3"])
        #expect(lines.isEmpty)
        let delivered = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(delivered.count == 3)
        #expect(crash == ["crash", "after-delivery", delivered[2]])
        #expect(try await Self.recorded(path) == Array(delivered.prefix(2)))

        // After the killed daemon's claims lapse, a new run delivers the rest, the third again.
        let rerun = try Worker(["deliver", "--db", path, "--now", "\(now + 2000)", "--out", out]).finish()
        #expect(rerun.status == 0, "\(rerun.errors)")
        let all = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(all.count == due.count + 1)
        #expect(all.filter { $0 == delivered[2] }.count == 2)
        let recorded = try await Self.recorded(path)
        #expect(recorded.count == due.count, "a reminder was recorded twice or not at all")
        #expect(Set(recorded) == Set(due))
        #expect(try await WorkflowDatabase(path: path).events.verify().isIntact)
    }

    static func recorded(_ path: String) async throws -> [String] {
        try await WorkflowDatabase(path: path).events.readAll(after: 0).collect()
            .filter { $0.type == ReminderSent.typeName }
            .map { try $0.decode(ReminderSent.self).reminder }
    }
}
