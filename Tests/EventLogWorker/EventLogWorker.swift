// A real OS process that appends to an event log, driven by the multi-process,
// interleaving and SIGKILL tests. Each acknowledged append is printed as one line
// with a single write(2), so that a test reading the pipe after a SIGKILL sees
// exactly the appends that returned success.
import Foundation
import WorkflowKit

@main
struct EventLogWorker {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else {
            fail("usage: eventlog-worker contend|append-forever|batches|crash-after-commit|crash-in-group|deliver --db PATH [options]")
        }
        let options = parseOptions(Array(arguments.dropFirst()))
        guard let path = options["db"] else { fail("--db is required") }
        do {
            if mode.hasPrefix("crash-") || mode.hasPrefix("fault-") || mode == "deliver" {
                try await runCrashMode(mode, path: path, options: options)
                return
            }
            let store = try SQLiteEventStore(path: path)
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
            default:
                fail("unknown mode \(mode)")
            }
        } catch {
            fail("error: \(error)")
        }
    }

    /// Races other workers for each next version of one stream.
    static func contend(_ store: SQLiteEventStore, stream: StreamID, target: Int64, worker: String) async throws {
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
    static func appendForever(_ store: SQLiteEventStore, prefix: String, batch: Int, tasks: Int) async throws {
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
    static func batches(_ store: SQLiteEventStore, prefix: String, count: Int, batch: Int) async throws {
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
