import Foundation
import Synchronization
import WorkflowKit
import WorkflowSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// Named crash points: the worker kills itself with SIGKILL on the Nth pass through
/// one of them, after printing `crash POINT …` (one write(2)), so that a test knows the
/// kill happened, where, and with what in flight.
extension EventLogWorker {
    static func runCrashMode(_ mode: String, path: String, options: [String: String]) async throws {
        let crashAt = options["crash-at"].flatMap { Int($0) }
        switch mode {
        case "crash-after-commit":
            try await crashAfterCommit(path: path, stream: StreamID(options["stream"] ?? "c"), crashAt: crashAt ?? 1)
        case "crash-in-group":
            try await crashInGroup(path: path, tasks: Int(options["tasks"] ?? "6") ?? 6, crashAt: crashAt ?? 1)
        case "fault-append":
            try await faultAppend(
                path: path, arm: options["arm"] ?? "armed", count: Int(options["count"] ?? "8") ?? 8,
                failing: (Int(options["fail-from"] ?? "3") ?? 3)...(Int(options["fail-until"] ?? "5") ?? 5),
                killAfterFailure: options["kill-after-failure"] == "yes")
        default:
            try await crashAfterDelivery(
                path: path, now: Int64(options["now"] ?? "0") ?? 0, file: options["out"] ?? "delivered.txt", crashAt: crashAt,
                arm: options["arm"], armAt: options["arm-at"].flatMap { Int($0) })
        }
    }

    /// Dies now, as `kill -9` would: no cleanup, no flush beyond what was written.
    static func crash(at point: String, _ detail: String = "") -> Never {
        emit("crash \(point)\(detail.isEmpty ? "" : " " + detail)")
        kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// `after-commit`: appends one event per command `cmd-1`, `cmd-2`, … to `stream`;
    /// the Nth append has committed when the worker dies, before it prints `ok`.
    static func crashAfterCommit(path: String, stream: StreamID, crashAt: Int) async throws {
        let store = try SQLiteEventStore(path: path)
        for index in 1... {
            let event = try NewEvent(type: "Step", encoding: ["index": index])
            let result = try await store.append(
                [event], to: stream, expected: .any, metadata: EventMetadata(commandID: "cmd-\(index)"))
            if index == crashAt { crash(at: "after-commit", "cmd-\(index) \(result.firstPosition)") }
            emit("ok cmd-\(index) \(result.firstPosition)")
        }
    }

    /// `in-group`: several tasks append concurrently; the worker dies inside the Nth
    /// transaction that group-commits at least two appends, before its COMMIT, printing
    /// the positions that transaction had written.
    static func crashInGroup(path: String, tasks: Int, crashAt: Int) async throws {
        let passes = Counter()
        var options = SQLiteEventStore.Options()
        options.beforeCommit = { appends in
            guard appends.count >= 2, passes.next() == crashAt else { return }
            let first = appends.map(\.firstPosition).min() ?? 0
            let last = appends.map(\.lastPosition).max() ?? 0
            EventLogWorker.crash(at: "in-group", "\(appends.count) \(first) \(last)")
        }
        let store = try SQLiteEventStore(path: path, options: options)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    let stream = StreamID("g-\(task)")
                    while true {
                        let events = try (0..<2).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
                        let result = try await store.append(events, to: stream, expected: .any)
                        emit("ok \(stream) \(result.firstPosition) \(result.lastPosition)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// `after-delivery`: delivers the reminders due at `now` to a file sink, one line
    /// per reminder id; the Nth delivery is in the file when the worker dies, before
    /// the daemon records it.
    ///
    /// With `arm`, the file that arms the fault-injection shim is created after the
    /// `armAt`th delivery, so that recording that delivery meets a failing disk.
    static func crashAfterDelivery(
        path: String, now: Int64, file: String, crashAt: Int?, arm: String? = nil, armAt: Int? = nil
    ) async throws {
        let database = try WorkflowDatabase(path: path)
        let sink = CrashingFileSink(path: file, crashAt: crashAt, arm: arm, armAt: armAt)
        var daemon = ReminderDaemon(database: database, sinks: [sink], id: "worker", now: { now })
        daemon.lease = 1000
        let delivered = try await daemon.tick()
        emit("delivered \(delivered.count)")
    }
}

extension EventLogWorker {
    /// `fault-append`: appends one event per command `cmd-1` … `cmd-COUNT` to stream `f`,
    /// creating the file `arm` (which arms the fault-injection shim) before the first of
    /// `failing` and removing it after the last. Prints `ok N POSITION` or `fail N ERROR`
    /// for each; with `killAfterFailure`, dies after the first failure instead.
    static func faultAppend(
        path: String, arm: String, count: Int, failing: ClosedRange<Int>, killAfterFailure: Bool
    ) async throws {
        let store = try SQLiteEventStore(path: path)
        for index in 1...count {
            if index == failing.lowerBound { _ = FileManager.default.createFile(atPath: arm, contents: nil) }
            if index == failing.upperBound + 1 { try FileManager.default.removeItem(atPath: arm) }
            do {
                let result = try await store.append(
                    [try NewEvent(type: "Step", encoding: ["index": index])], to: "f", expected: .any,
                    metadata: EventMetadata(commandID: "cmd-\(index)"))
                emit("ok \(index) \(result.firstPosition)")
            } catch {
                emit("fail \(index) \(error)")
                if killAfterFailure { crash(at: "after-failed-append", "cmd-\(index)") }
            }
        }
    }
}

/// A thread-safe pass counter.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

/// Appends each reminder's id to a file (a line per delivery), and on the Nth delivery
/// kills the process once the line is written.
struct CrashingFileSink: ReminderSink {
    let path: String
    let crashAt: Int?
    let arm: String?
    let armAt: Int?
    private let count = Counter()

    init(path: String, crashAt: Int?, arm: String? = nil, armAt: Int? = nil) {
        self.path = path
        self.crashAt = crashAt
        self.arm = arm
        self.armAt = armAt
    }

    var name: String { "file:\(path)" }

    func deliver(_ delivery: Delivery) async throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let line = Array((delivery.reminder.id + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == line.count else { throw CocoaError(.fileWriteUnknown) }
        let pass = count.next()
        if pass == crashAt { EventLogWorker.crash(at: "after-delivery", delivery.reminder.id) }
        if pass == armAt, let arm {
            EventLogWorker.emit("armed after \(delivery.reminder.id)")
            _ = FileManager.default.createFile(atPath: arm, contents: nil)
        }
    }
}
