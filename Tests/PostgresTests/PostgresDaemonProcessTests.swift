import Foundation
import PostgresNIO
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// `aso-engine daemon --db postgres://…` in several OS processes sharing one queue.
@Suite("PostgreSQL: daemons in several processes", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresDaemonProcessTests {
    static let masterKey = Data(repeating: 5, count: 32).base64EncodedString()

    /// Thirty cases opened ten days before `now` whose tasks are overdue then, on the real
    /// clock the daemons use; the store they are in. (A PostgreSQL database holds no
    /// simulation, so the daemons run on the real clock: every date here is counted from the
    /// one `now` the test takes, and every check holds whichever day the daemons see.)
    func openOverdueCases(url: String, now: Date) async throws -> PostgresCaseStore {
        let today = FinnishCalendar().localDate(at: now)
        let store = try await PostgresCaseStore.open(url: url, masterKey: .base64(Self.masterKey))
        let opened = Int64((now.timeIntervalSince1970 - 10 * 86_400) * 1000)
        let engine = Engine(store: store, now: { opened })
        let library = ProcessLoader().load(paths: [Repository.root(of: #filePath).appendingPathComponent("processes/vat-generic.yaml").path])
        let definition = try #require(library.definition(id: "vat-generic"))
        for index in 0..<30 {
            try await engine.open(
                definition, caseID: StreamID(rawValue: "vat-\(index)"),
                fields: ["releaseDate": .date(today.adding(days: 20 + index % 5))], responsibleWorker: "worker:anna",
                by: Acting("worker:anna"))
        }
        return store
    }

    @Test("three daemon processes on one database: every due reminder delivered once and recorded once")
    func threeProcesses() async throws {
        let directory = try TemporaryDirectory()
        let url = try PostgresTestServer.url(for: directory)
        let now = Date()
        let store = try await openOverdueCases(url: url, now: now)
        let pendingBefore = try await store.pendingReminders()
        #expect(pendingBefore.contains { $0.fireAt <= Int64(now.timeIntervalSince1970 * 1000) })

        let outputs = (0..<3).map { directory.path("d\($0).jsonl") }
        let daemons = try (0..<3).map { index in
            try ChildProcess(
                "aso-engine", ["daemon", "--db", url, "--once", "--no-retention", "--id", "d\(index)", "--sink", "jsonl:\(outputs[index])"],
                environment: ["ASO_MASTER_KEY": Self.masterKey])
        }
        for daemon in daemons {
            let (status, _, errors) = daemon.finish()
            #expect(status == 0, "\(errors)")
        }
        var delivered: [String] = []
        var counts: [Int] = []
        for output in outputs {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                delivered.append(try #require(object?["id"] as? String, "\(line)"))
            }
            counts.append(text.split(separator: "\n").count)
        }
        print("three PostgreSQL daemons: \(delivered.count) reminders delivered, \(counts) by each")
        #expect(!delivered.isEmpty)
        #expect(delivered.count == Set(delivered).count, "a reminder went out twice while its claimant was alive")
        var recorded: [String] = []
        for try await event in store.events.readAll(after: 0) where event.type == ReminderSent.typeName {
            recorded.append(try JSONDecoder().decode(ReminderSent.self, from: event.payload).reminder)
        }
        #expect(recorded.count == Set(recorded).count)
        #expect(Set(recorded) == Set(delivered))
        // Nothing that was due when the daemons started is left behind. (Compared with the
        // time taken before they ran, not after: a reminder falling due while the test ends,
        // at midnight say, is not theirs to have delivered.)
        let started = Int64(now.timeIntervalSince1970 * 1000)
        #expect(try await store.pendingReminders().allSatisfy { $0.fireAt > started })
        await store.close()
    }

    @Test("a daemon whose sessions the server ends reconnects and goes on: every due reminder recorded once")
    func connectionsEnded() async throws {
        let directory = try TemporaryDirectory()
        let base = try PostgresTestServer.url(for: directory)
        // A name of its own for the daemon's sessions, so that ending them ends no one else's.
        let name = "aso-daemon-\(UUID().uuidString.prefix(8).lowercased())"
        let url = base + "&application_name=\(name)"
        let now = Date()
        let store = try await openOverdueCases(url: base, now: now)
        let due = try await store.pendingReminders().filter { $0.fireAt <= Int64(now.timeIntervalSince1970 * 1000) }
        try #require(!due.isEmpty)

        let output = directory.path("delivered.jsonl")
        let daemon = try ChildProcess(
            "aso-engine", ["daemon", "--db", url, "--no-retention", "--id", "d1", "--lease", "2", "--max-interval", "1", "--sink", "jsonl:\(output)"],
            environment: ["ASO_MASTER_KEY": Self.masterKey])
        // End the daemon's sessions three times while it works (as an operator or a failover
        // would), once its first deliveries are out, then let it finish.
        for _ in 0..<400 where ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").isEmpty {
            try await Task.sleep(for: .milliseconds(25))
        }
        var ended = 0
        try await withAdmin { admin in
            for _ in 0..<3 {
                ended += try await admin.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name)",
                    logger: PostgresEventStoreTests.logger
                ).collect().count
                try await Task.sleep(for: .milliseconds(700))
            }
        }
        // Everything due is recorded within 150 s of the last cut: an append on a session the
        // server ended sometimes gets no answer, and fails only at its deadline (60 s).
        let settled = ContinuousClock.now + .seconds(150)
        while ContinuousClock.now < settled,
            try await store.pendingReminders().contains(where: { $0.fireAt <= Int64(now.timeIntervalSince1970 * 1000) })
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        daemon.kill(SIGTERM)
        let (status, _, errors) = daemon.finish()
        #expect(status == 0, "\(errors.suffix(2000))")
        #expect(ended > 0, "no session of the daemon was ended")
        var recorded: [String] = []
        for try await event in store.events.readAll(after: 0) where event.type == ReminderSent.typeName {
            recorded.append(try JSONDecoder().decode(ReminderSent.self, from: event.payload).reminder)
        }
        #expect(recorded.count == Set(recorded).count, "a reminder was recorded twice")
        #expect(Set(due.map(\.id)).isSubset(of: Set(recorded)), "a due reminder was never recorded; the daemon said: \(errors.suffix(4000))")
        let delivered = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(delivered.count >= Set(recorded).count)
        print("daemon with its sessions ended \(ended) times: \(recorded.count) recorded, \(delivered.count) delivered")
        await store.close()
    }

    @Test("a PostgreSQL daemon without a master key, or with --now, is refused with the reason")
    func refusals() async throws {
        let url = try PostgresTestServer.freshURL()
        let noKey = try BuiltProduct.run(
            "aso-engine", ["daemon", "--db", url, "--once"], environment: ["ASO_MASTER_KEY": "", "ASO_MASTER_KEY_FILE": ""])
        #expect(noKey.status == 1 && noKey.stderr.contains("no master key is configured"), "\(noKey.stderr)")
        let simulated = try BuiltProduct.run(
            "aso-engine", ["daemon", "--db", url, "--once", "--now", "2026-06-01"], environment: ["ASO_MASTER_KEY": Self.masterKey])
        #expect(simulated.status == 1 && simulated.stderr.contains("Leave out --now"), "\(simulated.stderr)")
    }
}
