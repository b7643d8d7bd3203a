import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// `aso-engine daemon --db postgres://…` in several OS processes sharing one queue.
@Suite("PostgreSQL: daemons in several processes", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresDaemonProcessTests {
    static let masterKey = Data(repeating: 5, count: 32).base64EncodedString()

    @Test("three daemon processes on one database: every due reminder delivered once and recorded once")
    func threeProcesses() async throws {
        let directory = try TemporaryDirectory()
        let url = try PostgresTestServer.url(for: directory)
        // Cases opened ten days ago whose tasks are overdue now, on the real clock the daemons use.
        let calendar = FinnishCalendar()
        let now = Date()
        let today = calendar.localDate(at: now)
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
        // Nothing due is left behind.
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(try await store.pendingReminders().allSatisfy { $0.fireAt > after })
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
