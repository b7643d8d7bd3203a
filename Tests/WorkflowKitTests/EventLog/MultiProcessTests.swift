import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Several real OS processes on one log file: conflicts, interleaving and SIGKILL.
@Suite("Event log across processes", .serialized, .timeLimit(.minutes(5)))
struct MultiProcessTests {
    /// A worker process whose standard output is collected until it exits.
    final class Worker: @unchecked Sendable {
        let process = Process()
        private let output = Pipe()
        private let errors = Pipe()
        private let lock = NSLock()
        private var collected = Data()
        private var reader: Thread?

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = try BuiltProduct.url(named: "eventlog-worker")
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let handle = output.fileHandleForReading
            let thread = Thread { [self] in
                let data = handle.readDataToEndOfFile()
                lock.withLock { collected = data }
            }
            reader = thread
            thread.start()
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
        }

        /// Waits for exit and returns the complete lines it printed.
        func finish() -> (status: Int32, lines: [String], errors: String) {
            process.waitUntilExit()
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // The reader has read to the end of the output once its thread is done.
            while reader?.isFinished == false { usleep(1000) }
            let text = String(decoding: lock.withLock { collected }, as: UTF8.self)
            // A line cut short by SIGKILL has no newline: it was never acknowledged.
            var lines = text.components(separatedBy: "\n")
            lines.removeLast()
            return (process.terminationStatus, lines, errorText)
        }
    }

    @Test("processes racing for one stream: each version is won by exactly one, the rest conflict")
    func racingProcesses() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        _ = try SQLiteEventStore(path: path)  // create and migrate before the race
        let target = 60
        let workers = try (0..<4).map { index in
            try Worker(["contend", "--db", path, "--stream", "shared", "--target", "\(target)", "--worker", "w\(index)"])
        }
        var wins: [Int64: [String]] = [:]
        var conflicts = 0
        for (index, worker) in workers.enumerated() {
            let result = worker.finish()
            #expect(result.status == 0, "worker \(index) failed: \(result.errors)")
            for line in result.lines {
                if line.hasPrefix("won ") {
                    wins[Int64(line.dropFirst(4))!, default: []].append("w\(index)")
                } else if line.hasPrefix("conflict ") {
                    conflicts += 1
                } else {
                    Issue.record("unexpected worker output: \(line)")
                }
            }
        }
        #expect(wins.keys.sorted() == Array(1...Int64(target)))
        #expect(wins.values.allSatisfy { $0.count == 1 })

        let store = try SQLiteEventStore(path: path)
        let events = try await store.read(stream: "shared").collect()
        #expect(events.map(\.version) == Array(1...Int64(target)))
        for event in events {
            let payload = try event.decode([String: String].self)
            #expect(payload["version"] == String(event.version))
            #expect(wins[event.version] == [payload["worker"]!])
        }
        #expect(try await store.verify().isIntact)
        // Conflicts are expected but their number depends on scheduling.
        print("racing processes: \(target) versions won, \(conflicts) conflicts")
    }

    @Test("batches appended by concurrent processes occupy consecutive positions")
    func batchesDoNotInterleave() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        _ = try SQLiteEventStore(path: path)
        let workers = try (0..<3).map { index in
            try Worker(["batches", "--db", path, "--prefix", "p\(index)", "--count", "30", "--batch", "10"])
        }
        for worker in workers {
            let result = worker.finish()
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.lines.count == 30)
        }
        let store = try SQLiteEventStore(path: path)
        let all = try await store.readAll(after: 0).collect()
        #expect(all.count == 3 * 30 * 10)
        #expect(all.map(\.position) == Array(1...Int64(all.count)))
        // Every run of ten consecutive positions belongs to one stream, versions 1...10.
        for start in stride(from: 0, to: all.count, by: 10) {
            let batch = all[start..<start + 10]
            #expect(Set(batch.map(\.stream)).count == 1)
            #expect(batch.map(\.version) == Array(1...10))
        }
        #expect(try await store.verify().isIntact)
    }

    @Test("a writer killed with SIGKILL loses no acknowledged append and leaves no partial one")
    func sigkill() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        _ = try SQLiteEventStore(path: path)
        var generator = SystemRandomNumberGenerator()
        var acknowledged: [(stream: String, first: Int64, last: Int64, ids: [String])] = []
        for _ in 0..<6 {
            let worker = try Worker(["append-forever", "--db", path, "--prefix", "k", "--batch", "3", "--tasks", "4"])
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600, using: &generator)))
            worker.kill()
            let result = worker.finish()
            #expect(result.status == SIGKILL)
            for line in result.lines {
                let parts = line.split(separator: " ")
                guard parts.count == 5, parts[0] == "ok" else {
                    Issue.record("unexpected worker output: \(line)")
                    continue
                }
                acknowledged.append(
                    (String(parts[1]), Int64(parts[2])!, Int64(parts[3])!, parts[4].split(separator: ",").map(String.init)))
            }
        }
        #expect(!acknowledged.isEmpty)

        let store = try SQLiteEventStore(path: path)
        let report = try await store.verify()
        #expect(report.isIntact, "\(report)")
        let all = try await store.readAll(after: 0).collect()
        let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position, $0) })
        for ack in acknowledged {
            let stored = (ack.first...ack.last).compactMap { byPosition[$0] }
            #expect(stored.map(\.id.uuidString) == ack.ids, "acknowledged batch at \(ack.first) is missing")
            #expect(stored.allSatisfy { $0.stream.rawValue == ack.stream })
        }
        // No partial batch: every command id holds exactly three events, in one run of positions.
        let byCommand = Dictionary(grouping: all, by: { $0.metadata.commandID ?? "" })
        for (_, batch) in byCommand {
            #expect(batch.count == 3)
            #expect(batch.map(\.position).sorted() == Array(batch[0].position...(batch[0].position + 2)))
        }
        print("sigkill: \(acknowledged.count) acknowledged batches, \(all.count) events after restart")
    }

    @Test("a subscription in one process sees events appended by another", .timeLimit(.minutes(1)))
    func followAcrossProcesses() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("events.sqlite")
        var options = SQLiteEventStore.Options()
        options.pollInterval = .milliseconds(20)
        let store = try SQLiteEventStore(path: path, options: options)
        let received = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var count = 0
                for try await event in store.follow(after: 0) {
                    #expect(event.stream.rawValue.hasPrefix("x-"))
                    count += 1
                    if count == 50 { break }
                }
                return count
            }
            let worker = try Worker(["batches", "--db", path, "--prefix", "x", "--count", "5", "--batch", "10"])
            #expect(worker.finish().status == 0)
            return try await group.next() ?? 0
        }
        #expect(received == 50)
    }
}
