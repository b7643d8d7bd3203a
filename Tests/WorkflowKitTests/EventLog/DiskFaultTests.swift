import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A failing disk under the event log: the worker runs with the `faultfs` shim
/// (`Tests/FaultInjection/faultfs.c`, built here with the system's C compiler) loaded
/// by `LD_PRELOAD`, which makes writes or flushes of the log's files fail with `EIO`
/// or `ENOSPC` while a file exists. See docs/reliability.md.
@Suite("Event log on a failing disk", .serialized, .timeLimit(.minutes(3)))
struct DiskFaultTests {
    /// The shim, compiled once per run into a temporary directory.
    static let shim: Result<String, ShimError> = {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("FaultInjection/faultfs.c").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("faultfs-\(UUID().uuidString).so").path
        for compiler in ["cc", "clang", "gcc"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [compiler, "-shared", "-fPIC", "-O1", "-o", output, source, "-ldl"]
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return .success(output) }
        }
        return .failure(ShimError())
    }()

    struct ShimError: Error, CustomStringConvertible {
        var description: String { "No C compiler (cc, clang or gcc) could build Tests/FaultInjection/faultfs.c." }
    }

    /// Runs the worker with the shim failing `ops` on files ending in `suffix`.
    static func run(_ arguments: [String], suffix: String, ops: String, errno: String, arm: String) throws
        -> (status: Int32, lines: [String], errors: String)
    {
        let shim = try Self.shim.get()
        let worker = try MultiProcessTests.Worker(
            arguments,
            environment: [
                "LD_PRELOAD": shim, "FAULTFS_SUFFIX": suffix, "FAULTFS_OPS": ops, "FAULTFS_ERRNO": errno, "FAULTFS_ARM": arm,
            ])
        return worker.finish()
    }

    @Test(
        "appends on a failing disk: the failed ones are never visible, the acknowledged ones never lost, and the log recovers",
        arguments: [
            ("write", "EIO", "writing the event log '%@' (or its write-ahead log '%@-wal') failed with a disk I/O error; nothing of it was written"),
            ("write", "ENOSPC", "the disk is full writing the event log '%@' (or its write-ahead log '%@-wal'); nothing of it was written"),
            ("fsync", "EIO", "flushing the event log '%@' (or its write-ahead log '%@-wal') to disk failed (fsync); it was not acknowledged"),
        ])
    func failingAppends(ops: String, errno: String, message: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let result = try Self.run(
            ["fault-append", "--db", path, "--arm", directory.path("armed"), "--count", "8", "--fail-from", "3", "--fail-until", "5"],
            suffix: "events.sqlite-wal", ops: ops, errno: errno, arm: directory.path("armed"))
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("faultfs: "), "no fault was injected")
        let expected = message.replacingOccurrences(of: "%@", with: path)
        #expect(result.lines.filter { $0.hasPrefix("ok ") }.map { $0.split(separator: " ")[1] } == ["1", "2", "6", "7", "8"], "\(result.lines)")
        for line in result.lines where line.hasPrefix("fail ") {
            #expect(line.contains("The append to stream 'f' failed: " + expected), "\(line)")
        }

        let store = try SQLiteEventStore(path: path)
        let events = try await store.read(stream: "f").collect()
        #expect(events.map(\.metadata.commandID) == ["cmd-1", "cmd-2", "cmd-6", "cmd-7", "cmd-8"])
        #expect(try await store.verify().isIntact)
        try await store.append([NewEvent(type: "Step", payload: Data("{}".utf8))], to: "f", expected: .exact(5))
    }

    /// After a failed flush the commit's pages may reach the disk all the same: a crash
    /// before the next commit can leave the failed append in the log — whole, never in
    /// part — and retrying it with its command id never writes it twice.
    @Test("a crash right after a failed fsync: the append is absent or whole, and its retry is exact")
    func crashAfterFailedFlush() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        let result = try Self.run(
            ["fault-append", "--db", path, "--arm", directory.path("armed"), "--count", "4", "--fail-from", "3", "--fail-until", "4",
             "--kill-after-failure", "yes"],
            suffix: "events.sqlite-wal", ops: "fsync", errno: "EIO", arm: directory.path("armed"))
        #expect(result.status == SIGKILL)
        #expect(result.lines.last == "crash after-failed-append cmd-3")

        let store = try SQLiteEventStore(path: path)
        #expect(try await store.verify().isIntact)
        let before = try await store.read(stream: "f").collect().map(\.metadata.commandID)
        #expect(before == ["cmd-1", "cmd-2"] || before == ["cmd-1", "cmd-2", "cmd-3"], "\(before)")
        let retried = try await store.append(
            [try NewEvent(type: "Step", encoding: ["index": 3])], to: "f", expected: .any, metadata: EventMetadata(commandID: "cmd-3"))
        #expect(retried.wasAlreadyApplied == (before.count == 3))
        #expect(try await store.read(stream: "f").collect().map(\.metadata.commandID) == ["cmd-1", "cmd-2", "cmd-3"])
        print("crash after a failed fsync: the failed append was \(before.count == 3 ? "found whole" : "absent") after the restart")
    }

    @Test("recording a delivered reminder on a failing disk: the daemon stops with the error, and the next run records it once")
    func failingReminderRecording() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let out = directory.path("delivered.txt")
        let arm = directory.path("armed")
        let definition = try EngineFixtures.vatGeneric()
        let engine = Engine(database: try WorkflowDatabase(path: path), now: { EngineFixtures.at("2026-03-02") })
        for index in 0..<4 {
            try await engine.open(
                definition, caseID: StreamID("c-\(index)"),
                fields: ["releaseDate": .date(LocalDate("2026-09-02")!.adding(days: index))], by: Acting("worker:test"))
        }
        let now = EngineFixtures.at("2026-06-15")
        let due = try await WorkflowDatabase(path: path).pendingReminders().filter { $0.fireAt <= now }.map(\.id)
        try #require(due.count >= 2)

        let failed = try Self.run(
            ["deliver", "--db", path, "--now", "\(now)", "--out", out, "--arm", arm, "--arm-at", "1"],
            suffix: "cases.sqlite-wal", ops: "fsync", errno: "EIO", arm: arm)
        #expect(failed.status == 1)
        #expect(failed.errors.contains("faultfs: "), "no fault was injected")
        #expect(failed.errors.contains("flushing the event log '\(path)' (or its write-ahead log '\(path)-wal') to disk failed (fsync)"), "\(failed.errors)")
        let first = try #require(failed.lines.first?.split(separator: " ").last.map(String.init))
        #expect(try await CrashPointTests.recorded(path).isEmpty)

        // The fault clears: the log verifies, and the next run delivers and records everything once.
        try FileManager.default.removeItem(atPath: arm)
        #expect(try await WorkflowDatabase(path: path).events.verify().isIntact)
        let rerun = try MultiProcessTests.Worker(["deliver", "--db", path, "--now", "\(now + 600_000)", "--out", out]).finish()
        #expect(rerun.status == 0, "\(rerun.errors)")
        let recorded = try await CrashPointTests.recorded(path)
        #expect(recorded.count == due.count && Set(recorded) == Set(due))
        let delivered = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(delivered.filter { $0 == first }.count == 2, "the reminder whose recording failed was not delivered again")
    }
}
