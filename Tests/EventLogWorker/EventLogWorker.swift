// A real OS process that appends to an event log, driven by the multi-process,
// interleaving and SIGKILL tests. Each acknowledged append is printed as one line
// with a single write(2), so that a test reading the pipe after a SIGKILL sees
// exactly the appends that returned success.
import Foundation
import WorkflowKit
import WorkflowSQLite
import WorkflowPostgres

@main
struct EventLogWorker {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else {
            fail("usage: eventlog-worker contend|append-forever|batches|race|once|append-retrying|stall|crash-after-commit|crash-in-group|deliver --db PATH-OR-POSTGRES-URL [options]")
        }
        let options = parseOptions(Array(arguments.dropFirst()))
        guard let path = options["db"] else { fail("--db is required") }
        do {
            if mode.hasPrefix("crash-") || mode.hasPrefix("fault-") || mode == "deliver" {
                try await runCrashMode(mode, path: path, options: options)
                return
            }
            let store: any EventStore
            if PostgresLocation.isURL(path) {
                var postgresOptions = PostgresEventStore.Options()
                if let idle = options["idle-timeout-ms"].flatMap(Int64.init) {
                    postgresOptions.idleInTransactionTimeout = .milliseconds(idle)
                }
                if let lock = options["lock-timeout-ms"].flatMap(Int64.init) {
                    postgresOptions.lockTimeout = .milliseconds(lock)
                }
                if let deadline = options["append-deadline-ms"].flatMap(Int64.init) {
                    postgresOptions.appendDeadline = .milliseconds(deadline)
                }
                if let stall = options["stall-ms"].flatMap(Int64.init) {
                    // Holds the log head inside the transaction, as a hung appender would.
                    postgresOptions.beforeCommit = { _ in
                        emit("stalling")
                        try? await Task.sleep(for: .milliseconds(stall))
                    }
                }
                store = try await PostgresEventStore.open(url: path, options: postgresOptions)
            } else {
                store = try SQLiteEventStore(path: path)
            }
            switch mode {
            case "contend":
                try await contend(store, stream: StreamID(options["stream"] ?? "contended"),
                                  target: Int64(options["target"] ?? "50") ?? 50, worker: options["worker"] ?? "w")
            case "append-forever":
                try await appendForever(store, prefix: options["prefix"] ?? "s", batch: Int(options["batch"] ?? "3") ?? 3,
                                        tasks: Int(options["tasks"] ?? "4") ?? 4)
            case "batches":
                try await batches(store, prefix: options["prefix"] ?? "b", count: Int(options["count"] ?? "20") ?? 20,
                                  batch: Int(options["batch"] ?? "10") ?? 10)
            case "race":
                try await race(store, stream: StreamID(options["stream"] ?? "raced"), barrier: options["barrier"] ?? "")
            case "once":
                try await once(store, stream: StreamID(options["stream"] ?? "once"), command: options["command"] ?? "", barrier: options["barrier"] ?? "")
            case "append-retrying":
                try await appendRetrying(store, prefix: options["prefix"] ?? "r", batch: Int(options["batch"] ?? "3") ?? 3,
                                         tasks: Int(options["tasks"] ?? "2") ?? 2)
            case "stall":
                let events = try (0..<3).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
                do {
                    let result = try await store.append(events, to: StreamID(options["stream"] ?? "stalled"), expected: .noStream)
                    emit("ok \(result.firstPosition) \(result.lastPosition)")
                } catch {
                    emit("failed \(error)")
                }
            default:
                fail("unknown mode \(mode)")
            }
        } catch {
            fail("error: \(error)")
        }
    }

    /// Races other workers for each next version of one stream.
    static func contend(_ store: any EventStore, stream: StreamID, target: Int64, worker: String) async throws {
        while true {
            let current = try await store.version(of: stream)
            if current >= target { break }
            let event = try NewEvent(type: "Claimed", encoding: ["worker": worker, "version": String(current + 1)])
            do {
                let result = try await store.append([event], to: stream, expected: .exact(current))
                emit("won \(result.version)")
            } catch let conflict as VersionConflict {
                emit("conflict \(conflict.expected) \(conflict.actual)")
            }
        }
    }

    /// Appends batches from several tasks until killed; prints each acknowledged batch.
    static func appendForever(_ store: any EventStore, prefix: String, batch: Int, tasks: Int) async throws {
        let run = UUID().uuidString.prefix(8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    let stream = StreamID("\(prefix)-\(run)-\(task)")
                    var version: Int64 = 0
                    while true {
                        let events = try (0..<batch).map { index in
                            try NewEvent(type: "Step", encoding: ["index": index])
                        }
                        let result = try await store.append(
                            events, to: stream, expected: .exact(version),
                            metadata: EventMetadata(commandID: UUID().uuidString))
                        version = result.version
                        let ids = events.map(\.id.uuidString).joined(separator: ",")
                        emit("ok \(stream) \(result.firstPosition) \(result.lastPosition) \(ids)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Appends `count` batches concurrently, each to its own stream.
    static func batches(_ store: any EventStore, prefix: String, count: Int, batch: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    let events = try (0..<batch).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
                    let result = try await store.append(events, to: StreamID("\(prefix)-\(index)"), expected: .noStream)
                    emit("ok \(result.stream) \(result.firstPosition) \(result.lastPosition)")
                }
            }
            try await group.waitForAll()
        }
    }

    /// Waits for the barrier file, so that every racer starts at once.
    static func wait(for barrier: String) async throws {
        guard !barrier.isEmpty else { return }
        emit("ready")
        while !FileManager.default.fileExists(atPath: barrier) { try await Task.sleep(for: .milliseconds(1)) }
    }

    /// One append at "no stream" after the barrier: prints won or conflict.
    static func race(_ store: any EventStore, stream: StreamID, barrier: String) async throws {
        let event = try NewEvent(type: "Claimed", encoding: ["pid": String(ProcessInfo.processInfo.processIdentifier)])
        try await wait(for: barrier)
        do {
            let result = try await store.append([event], to: stream, expected: .noStream)
            emit("won \(result.version)")
        } catch let conflict as VersionConflict {
            emit("conflict \(conflict.actual)")
        }
    }

    /// One append with a given command id after the barrier: prints whether it applied it.
    static func once(_ store: any EventStore, stream: StreamID, command: String, barrier: String) async throws {
        let events = try (0..<2).map { try NewEvent(type: "Opened", encoding: ["index": $0]) }
        try await wait(for: barrier)
        let result = try await store.append(events, to: stream, expected: .any, metadata: EventMetadata(commandID: command))
        emit("\(result.wasAlreadyApplied ? "already" : "applied") \(result.firstPosition) \(result.lastPosition)")
    }

    /// Appends batches from several tasks until killed, each with a command id of its own,
    /// retried with that id after any storage failure (a server restart, a lost
    /// connection) until it is acknowledged; prints each acknowledged batch.
    static func appendRetrying(_ store: any EventStore, prefix: String, batch: Int, tasks: Int) async throws {
        let run = UUID().uuidString.prefix(8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    let stream = StreamID("\(prefix)-\(run)-\(task)")
                    while true {
                        let events = try (0..<batch).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
                        let command = UUID().uuidString
                        while true {
                            do {
                                let result = try await store.append(
                                    events, to: stream, expected: .any, metadata: EventMetadata(commandID: command))
                                let ids = events.map(\.id.uuidString).joined(separator: ",")
                                emit("ok \(stream) \(result.firstPosition) \(result.lastPosition) \(ids)")
                                break
                            } catch let error as EventStoreError where error.code == .storage {
                                FileHandle.standardError.write(Data("retrying: \(error)\n".utf8))
                                try await Task.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func parseOptions(_ arguments: [String]) -> [String: String] {
        var options: [String: String] = [:]
        var index = 0
        while index + 1 < arguments.count {
            if arguments[index].hasPrefix("--") {
                options[String(arguments[index].dropFirst(2))] = arguments[index + 1]
            }
            index += 2
        }
        return options
    }

    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}
