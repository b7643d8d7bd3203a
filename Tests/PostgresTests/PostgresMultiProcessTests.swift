import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL log's guarantees across real OS processes sharing one server: no gap
/// and no reordering seen by a tailing reader, one winner per expected version, a command
/// id applied once, and nothing acknowledged lost when a writer is killed or the server
/// restarts.
@Suite(
    "PostgreSQL event log across processes", .serialized, .timeLimit(.minutes(5)),
    .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresMultiProcessTests {
    private func open(_ url: String) async throws -> PostgresEventStore {
        var options = PostgresEventStore.Options()
        options.pollInterval = .milliseconds(20)
        return try await PostgresEventStore.open(url: url, options: options)
    }

    /// One acknowledged batch a worker printed: `ok STREAM FIRST LAST ID,ID,…`.
    struct Acknowledged {
        var stream: String, first: Int64, last: Int64, ids: [String]
        init?(_ line: String) {
            let parts = line.split(separator: " ")
            guard parts.count == 5, parts[0] == "ok", let first = Int64(parts[2]), let last = Int64(parts[3]) else { return nil }
            self.stream = String(parts[1])
            self.first = first
            self.last = last
            self.ids = parts[4].split(separator: ",").map(String.init)
        }
    }

    @Test("a tailing reader sees positions 1…N in order with no gap while 16 writers in 4 processes append")
    func tailingReaderDuringConcurrentWriters() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await open(url)
        let target = 2_000
        let seen = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var positions: [Int64] = []
                positions.reserveCapacity(target)
                for try await event in store.follow(after: 0) {
                    positions.append(event.position)
                    if positions.count == target { break }
                }
                return positions
            }
            let workers = try (0..<4).map { index in
                try ChildProcess("eventlog-worker", ["append-forever", "--db", url, "--prefix", "w\(index)", "--batch", "2", "--tasks", "4"])
            }
            // Let them run until the reader has its events, then stop them.
            let positions = try await group.next() ?? []
            for worker in workers { worker.kill() }
            for worker in workers { _ = worker.finish() }
            group.cancelAll()
            return positions
        }
        #expect(seen.count == target)
        #expect(seen == Array(1...Int64(target)), "first gap or reordering at index \(zip(seen, 1...).first { $0.0 != $0.1 }.map { "\($0.1)" } ?? "-")")
        #expect(try await store.verify().isIntact)
        await store.close()
    }

    @Test("20 processes append at the same expected version: exactly one wins")
    func twentyRacers() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await open(url)  // the schema exists before the race
        let directory = try TemporaryDirectory()
        let barrier = directory.path("go")
        let racers = try (0..<20).map { _ in
            try ChildProcess("eventlog-worker", ["race", "--db", url, "--stream", "claimed", "--barrier", barrier])
        }
        for racer in racers { #expect(try await racer.waitForLine { $0 == "ready" } != nil) }
        _ = FileManager.default.createFile(atPath: barrier, contents: Data())
        var won = 0
        var conflicts = 0
        for racer in racers {
            let result = racer.finish()
            #expect(result.status == 0, "\(result.errors)")
            won += result.lines.filter { $0 == "won 1" }.count
            conflicts += result.lines.filter { $0 == "conflict 1" }.count
        }
        #expect(won == 1)
        #expect(conflicts == 19)
        #expect(try await store.version(of: "claimed") == 1)
        await store.close()
    }

    @Test("the same command id sent by two processes at once is applied once")
    func sameCommandTwice() async throws {
        let url = try PostgresTestServer.freshURL()
        let store = try await open(url)
        let directory = try TemporaryDirectory()
        for round in 0..<5 {
            let barrier = directory.path("go-\(round)")
            let senders = try (0..<2).map { _ in
                try ChildProcess("eventlog-worker", ["once", "--db", url, "--stream", "case-\(round)", "--command", "open-\(round)", "--barrier", barrier])
            }
            for sender in senders { #expect(try await sender.waitForLine { $0 == "ready" } != nil) }
            _ = FileManager.default.createFile(atPath: barrier, contents: Data())
            let lines = senders.flatMap { sender -> [String] in
                let result = sender.finish()
                #expect(result.status == 0, "\(result.errors)")
                return result.lines.filter { $0 != "ready" }
            }
            #expect(lines.filter { $0.hasPrefix("applied ") }.count == 1, "\(lines)")
            #expect(lines.filter { $0.hasPrefix("already ") }.count == 1, "\(lines)")
            // Both were told the same positions.
            #expect(Set(lines.map { $0.split(separator: " ").dropFirst().joined(separator: " ") }).count == 1)
            #expect(try await store.version(of: StreamID("case-\(round)")) == 2)
        }
        #expect(try await store.lastPosition() == 10)
        await store.close()
    }

    @Test("a writer killed with SIGKILL loses no acknowledged append and leaves no partial one")
    func sigkill() async throws {
        let url = try PostgresTestServer.freshURL()
        var acknowledged: [Acknowledged] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let worker = try ChildProcess("eventlog-worker", ["append-forever", "--db", url, "--prefix", "k", "--batch", "3", "--tasks", "4"])
            _ = try await worker.waitForLine { $0.hasPrefix("ok ") }
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...400, using: &generator)))
            worker.kill()
            let result = worker.finish()
            #expect(result.status == SIGKILL)
            acknowledged += result.lines.compactMap(Acknowledged.init)
        }
        try await checkLog(url, acknowledged: acknowledged, batch: 3)
    }

    @Test("an immediate server restart during appends: nothing acknowledged is lost, nothing unacknowledged is half there, writers go on")
    func serverRestart() async throws {
        // A server of its own: the other suites' connections must not see it restart.
        let server = try OwnServer()
        defer { server.stop() }
        let url = server.url + "?schema=restart"
        _ = try await open(url)
        let workers = try (0..<2).map { index in
            try ChildProcess(
                "eventlog-worker", ["append-retrying", "--db", url, "--prefix", "r\(index)", "--batch", "3", "--tasks", "3", "--append-deadline-ms", "5000"])
        }
        for worker in workers { _ = try await worker.waitForLine { $0.hasPrefix("ok ") } }
        try await Task.sleep(for: .milliseconds(300))
        let before = workers.map { $0.lines.count }
        try server.restart()
        // The writers reconnect and go on: each acknowledges more after the restart.
        for (index, worker) in workers.enumerated() {
            let more = try await worker.waitForLines(before[index] + 20, timeout: .seconds(60))
            if !more {
                worker.kill()
                let result = worker.finish()
                Issue.record("worker \(index) did not go on after the restart (status \(result.status)): \(result.errors.suffix(2000))")
            }
        }
        for worker in workers { worker.kill() }
        let results = workers.map { $0.finish() }
        #expect(results.contains { $0.errors.contains("retrying") }, "the restart was not noticed by any writer")
        try await checkLog(url, acknowledged: results.flatMap { $0.lines.compactMap(Acknowledged.init) }, batch: 3)
    }

    /// Every acknowledged batch is in the log whole; every command id holds one whole
    /// batch in consecutive positions; the chain verifies.
    private func checkLog(_ url: String, acknowledged: [Acknowledged], batch: Int) async throws {
        #expect(!acknowledged.isEmpty)
        let store = try await open(url)
        let report = try await store.verify()
        #expect(report.isIntact, "\(report)")
        let all = try await store.readAll(after: 0).collect()
        #expect(all.map(\.position) == Array(1...Int64(all.count)))
        let byPosition = Dictionary(uniqueKeysWithValues: all.map { ($0.position, $0) })
        for ack in acknowledged {
            let stored = (ack.first...ack.last).compactMap { byPosition[$0] }
            #expect(stored.map(\.id.uuidString) == ack.ids, "acknowledged batch at \(ack.first) is missing")
            #expect(stored.allSatisfy { $0.stream.rawValue == ack.stream })
        }
        for (_, events) in Dictionary(grouping: all, by: { $0.metadata.commandID ?? "" }) {
            #expect(events.count == batch)
            let first = events.map(\.position).min()!
            #expect(events.map(\.position).sorted() == Array(first..<(first + Int64(batch))))
        }
        print("checked \(acknowledged.count) acknowledged batches, \(all.count) events")
        await store.close()
    }
}

/// A throwaway server started by `scripts/postgres-server` for one test, which may
/// restart it.
final class OwnServer: Sendable {
    let url: String
    private let data: String
    private let control: String

    init() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-\(UUID().uuidString).env").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        // system(3) rather than Process: it waits for its own child, and the server it
        // starts keeps none of this process's pipes open.
        let script = Repository.root(of: #filePath).appendingPathComponent("scripts/postgres-server").path
        let status = system("'\(script)' start > '\(output)' 2>/dev/null")
        guard status == 0 else { throw OwnServerError(description: "scripts/postgres-server start failed (\(status))") }
        var values: [String: String] = [:]
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            guard line.hasPrefix("export "), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 7)..<equals])
            values[name] = String(line[line.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        guard let url = values["ASO_TEST_POSTGRES_URL"], let data = values["ASO_TEST_POSTGRES_DATA"], let control = values["ASO_TEST_POSTGRES_CTL"]
        else { throw OwnServerError(description: "scripts/postgres-server printed no server") }
        self.url = url
        self.data = data
        self.control = control
    }

    /// `pg_ctl restart -m immediate`: every backend is killed, nothing is shut down cleanly.
    func restart() throws {
        let status = system("\(control) -D '\(data)' -l '\(data)/server.log' -m immediate -w -t 60 restart >/dev/null 2>&1")
        guard status == 0 else { throw OwnServerError(description: "pg_ctl restart failed (\(status))") }
    }

    func stop() {
        let script = Repository.root(of: #filePath).appendingPathComponent("scripts/postgres-server").path
        _ = system("'\(script)' stop '\(data)' >/dev/null 2>&1")
    }
}

struct OwnServerError: Error, CustomStringConvertible {
    var description: String
}
