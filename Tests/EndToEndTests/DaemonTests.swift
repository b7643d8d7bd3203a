import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `aso-engine daemon` as real processes: webhooks to a real server on loopback,
/// SIGKILL and restart, two daemons on one file, and SIGTERM.
@Suite("aso-engine daemon", .serialized, .timeLimit(.minutes(5)))
struct DaemonTests {
    static let calendar = FinnishCalendar()
    static let processes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("processes").path

    /// A database with `count` vat-generic cases opened on `openedOn`, released one day
    /// apart from `firstRelease`.
    static func makeCases(
        _ count: Int, at path: String, openedOn: LocalDate, firstRelease: LocalDate, spread: Int = 90, offset: Int = 0
    ) async throws {
        let library = ProcessLoader().load(paths: [processes])
        let definition = try #require(library.definition(id: "vat-generic"))
        let time = ManualTime(milliseconds: millis(openedOn, hour: 9))
        let database = try WorkflowDatabase(path: path)
        // A simulation: the daemon runs on it with --now.
        try database.markAsSimulation()
        let engine = Engine(database: database, now: time.provider)
        for index in offset..<(offset + count) {
            try await engine.open(
                definition, caseID: StreamID("c-\(index)"),
                fields: ["releaseDate": .date(firstRelease.adding(days: index % spread))], by: Acting("worker:test"))
        }
    }

    static func millis(_ date: LocalDate, hour: Int) -> Int64 {
        Int64(calendar.instant(date, hour: hour, minute: 0).timeIntervalSince1970 * 1000)
    }

    static func recorded(_ path: String) async throws -> [String] {
        let database = try WorkflowDatabase(path: path)
        return try await database.events.readAll(after: 0).collect()
            .filter { $0.type == ReminderSent.typeName }
            .map { try $0.decode(ReminderSent.self).reminder }
    }

    static func ids(inLines text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        }
    }

    /// A daemon process with its output collected.
    final class Daemon: @unchecked Sendable {
        let process = Process()
        let errors = Pipe()
        init(_ arguments: [String]) throws {
            process.executableURL = try BuiltProduct.url(named: "aso-engine")
            process.arguments = ["daemon"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
        }
        func wait() -> Int32 {
            _ = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    @Test("webhook: a real server that fails for a while and recovers gets every reminder, keyed by its id")
    func webhookRecovers() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        try await Self.makeCases(12, at: path, openedOn: LocalDate("2026-03-02")!, firstRelease: LocalDate("2026-09-02")!)
        // The first seven requests fail: the first reminder exhausts its retries, the second
        // succeeds on its third attempt, the rest at once.
        let server = try LoopbackHTTPServer { number, _ in number <= 7 ? 503 : 200 }
        defer { server.stop() }
        let first = try BuiltProduct.run(
            "aso-engine", ["daemon", "--db", path, "--once", "--now", "2026-06-15T09:00", "--lease", "1", "--sink", "webhook:\(server.url())"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try await Self.recorded(path).count == 11)
        // The claim on the undelivered one lapses; the next run delivers it.
        let second = try BuiltProduct.run(
            "aso-engine", ["daemon", "--db", path, "--once", "--now", "2026-06-15T09:00:05", "--lease", "1", "--sink", "webhook:\(server.url())"])
        #expect(second.status == 0, "\(second.stderr)")
        let recorded = try await Self.recorded(path)
        #expect(recorded.count == 12)
        #expect(Set(recorded).count == 12)

        let succeeded = server.received.enumerated().filter { $0.offset >= 7 }.map(\.element)
        #expect(succeeded.count == 12)
        for request in server.received {
            #expect(request.method == "POST")
            #expect(request.headers["content-type"] == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            #expect(request.headers["idempotency-key"] == body["id"] as? String)
            #expect(Set(body.keys).isSuperset(of: ["id", "case", "process", "task", "role", "kind", "due", "at", "late"]))
        }
        #expect(Set(succeeded.compactMap { $0.headers["idempotency-key"] }) == Set(recorded))
    }

    @Test("a daemon killed with SIGKILL at random moments loses no reminder and records none twice")
    func sigkillAndRestart() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let output = directory.path("delivered.jsonl")
        try await Self.makeCases(150, at: path, openedOn: LocalDate("2026-03-02")!, firstRelease: LocalDate("2026-09-02")!)
        let due = try await WorkflowDatabase(path: path).pendingReminders()
            .filter { $0.fireAt <= Self.millis(LocalDate("2026-06-15")!, hour: 9) }.map(\.id)
        #expect(due.count == 150)

        var generator = SystemRandomNumberGenerator()
        var second = 0
        var kills = 0
        func deliveries() -> Int { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").count { $0 == "\n" } }
        while true {
            second += 2
            let now = String(format: "2026-06-15T09:00:%02d", second)
            let before = deliveries()
            let daemon = try Daemon([
                "--db", path, "--once", "--now", now, "--lease", "1", "--sink", "exec:cat >> '\(output)'",
            ])
            // Killed at a random moment after this run's first delivery, with the rest still to go.
            let deadline = ContinuousClock.now + .seconds(60)
            while kills < 4 && daemon.process.isRunning && deliveries() == before && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...50, using: &generator)))
            if daemon.process.isRunning && kills < 4 {
                kill(daemon.process.processIdentifier, SIGKILL)
                // The daemon may have finished between the check and the kill: then it
                // exited 0, and the run is complete.
                let status = daemon.wait()
                #expect(status == SIGKILL || status == 0)
                if status == 0 { break }
                kills += 1
            } else {
                #expect(daemon.wait() == 0)
                break
            }
        }
        let recorded = try await Self.recorded(path)
        #expect(Set(recorded) == Set(due))
        #expect(recorded.count == due.count, "a reminder was recorded twice")
        let delivered = Self.ids(inLines: try String(contentsOfFile: output, encoding: .utf8))
        #expect(Set(delivered) == Set(due))
        // At least once: only a reminder in flight at a kill may have gone out twice.
        #expect(delivered.count - Set(delivered).count <= kills)
        #expect(kills >= 1, "every daemon finished before it could be killed")
    }

    @Test("two daemons on one file deliver each reminder once (one recording 16 in flight)")
    func twoDaemons() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        try await Self.makeCases(120, at: path, openedOn: LocalDate("2026-03-02")!, firstRelease: LocalDate("2026-09-02")!)
        let outputs = (directory.path("a.jsonl"), directory.path("b.jsonl"))
        let a = try Daemon(["--db", path, "--once", "--now", "2026-06-15T09:00", "--id", "a", "--sink", "exec:cat >> '\(outputs.0)'"])
        let b = try Daemon([
            "--db", path, "--once", "--now", "2026-06-15T09:00", "--id", "b", "--records-in-flight", "16", "--sink", "exec:cat >> '\(outputs.1)'",
        ])
        #expect(a.wait() == 0)
        #expect(b.wait() == 0)
        let first = Self.ids(inLines: (try? String(contentsOfFile: outputs.0, encoding: .utf8)) ?? "")
        let second = Self.ids(inLines: (try? String(contentsOfFile: outputs.1, encoding: .utf8)) ?? "")
        #expect(first.count + second.count == 120)
        #expect(Set(first).isDisjoint(with: Set(second)))
        let recorded = try await Self.recorded(path)
        #expect(recorded.count == 120 && Set(recorded) == Set(first + second))
    }

    @Test("SIGTERM ends the daemon after the delivery in flight, exit 0; the rest go out next time at once")
    func sigterm() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let output = directory.path("delivered.jsonl")
        // Opened two days before the daemon's simulated time, with a window that opened then:
        // reminders due at once. The daemon's time starts at --now and runs on, so the test
        // does not depend on the day it runs (nor on midnight passing during it).
        let today = LocalDate("2026-06-15")!
        try await Self.makeCases(30, at: path, openedOn: today.adding(days: -2), firstRelease: today.adding(days: -2).adding(months: 6), spread: 1)
        let daemon = try Daemon(["--db", path, "--max-interval", "1", "--now", "2026-06-15T09:00", "--sink", "exec:sleep 0.1; cat >> '\(output)'"])
        for _ in 0..<100 where ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").isEmpty {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.wait() == 0)
        let delivered = Self.ids(inLines: try String(contentsOfFile: output, encoding: .utf8))
        let recorded = try await Self.recorded(path)
        #expect(Set(delivered) == Set(recorded), "a delivery in flight was not finished and recorded")
        #expect(recorded.count < 30)
        #expect(try await WorkflowDatabase(path: path).pendingReminders().filter { $0.kind == .windowOpens }.count == 30 - recorded.count)
        // Nothing is left claimed: another run delivers the rest at once.
        let rest = try BuiltProduct.run("aso-engine", ["daemon", "--db", path, "--once", "--now", "2026-06-15T09:01", "--sink", "jsonl:\(output)"])
        #expect(rest.status == 0)
        #expect(try await Self.recorded(path).count == 30)
    }
}
