import Foundation
import Synchronization
import Testing
import WorkflowKit
import WorkflowKitTesting
import WorkflowPostgres

/// The engine and the reminder daemon across an immediate restart of their PostgreSQL
/// server (`pg_ctl restart -m immediate`: every backend killed, nothing shut down
/// cleanly). A command whose append was cut off is retried with its command id until it is
/// acknowledged; afterwards every acknowledged command is in the log once, the
/// projections and the schedule are what a rebuild from the log gives, and the chain
/// verifies. Each test has a server of its own: the other suites' connections must not see
/// it restart.
@Suite("PostgreSQL: the engine and the daemon across a server restart", .serialized, .enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1"))
struct PostgresRestartTests {
    static let masterKey = MasterKeySource.base64(Data(repeating: 5, count: 32).base64EncodedString())
    /// An append on a connection the restart killed may get no answer at all; it fails after
    /// this deadline (60 s by default) and is retried.
    static var options: PostgresEventStore.Options {
        var options = PostgresEventStore.Options()
        options.appendDeadline = .seconds(5)
        return options
    }
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let calendar = FinnishCalendar()

    func at(_ date: String) -> Int64 {
        Int64(calendar.instant(LocalDate(date)!, hour: 9, minute: 0).timeIntervalSince1970 * 1000)
    }

    func vatGeneric() throws -> ProcessDefinition {
        let library = ProcessLoader().load(paths: [Repository.root(of: #filePath).appendingPathComponent("processes/vat-generic.yaml").path])
        return try #require(library.definition(id: "vat-generic"), "\(library.diagnostics)")
    }

    /// Runs `body` until it succeeds, for at most a minute; returns how many attempts failed.
    func retrying(_ body: () async throws -> Void) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var failures = 0
        while true {
            do {
                try await body()
                return failures
            } catch {
                failures += 1
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The projections and the schedule as they are, and as a rebuild from the log makes them.
    func checkProjections(_ store: PostgresCaseStore) async throws {
        let cases = try await store.cases(process: nil, includeClosed: true)
        let tasks = try await store.tasks(TaskQuery())
        let reminders = try await store.pendingReminders()
        try await store.rebuildProjections()
        #expect(try await store.cases(process: nil, includeClosed: true) == cases)
        #expect(try await store.tasks(TaskQuery()) == tasks)
        #expect(try await store.pendingReminders() == reminders)
        #expect(try await store.verify().isIntact)
    }

    @Test("engine commands: every acknowledged one is in the log once, none half there, and the projections agree with the log")
    func engineCommands() async throws {
        let server = try OwnServer()
        defer { server.stop() }
        let url = server.url + "?schema=engine_restart"
        let store = try await PostgresCaseStore.open(url: url, options: Self.options, masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        let engine = Engine(store: store, now: time.provider)
        let definition = try vatGeneric()
        let cases = (0..<4).map { StreamID(rawValue: "vat-\($0)") }
        for id in cases {
            try await engine.open(
                definition, caseID: id, fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], responsibleWorker: "worker:anna", by: anna,
                commandID: "open-\(id)")
        }
        let acknowledged = Locked<[String]>([])
        let failures = Locked(0)
        let restarted = Locked(false)
        // One writer per case, each sending commands with ids of their own, while the server restarts.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in cases {
                group.addTask {
                    var index = 0
                    // Until 20 commands of this writer went through after the restart.
                    var afterRestart = 0
                    while afterRestart < 20 {
                        let commandID = "\(id)-record-\(index)"
                        let failed = try await retrying {
                            try await engine.execute(
                                .record(values: ["housingWishes": .text("wish \(index)")]), on: id, by: anna, commandID: commandID)
                        }
                        failures.withLock { $0 += failed }
                        acknowledged.withLock { $0.append(commandID) }
                        if restarted.withLock({ $0 }) { afterRestart += 1 }
                        index += 1
                    }
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while acknowledged.withLock({ $0.count }) < 40 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                try server.restart()
                restarted.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        // (Whether a command failed depends on where the restart fell: the pool replaces
        // idle connections the restart killed without a command noticing.)
        print("engine commands across a restart: \(acknowledged.withLock { $0.count }) acknowledged, \(failures.withLock { $0 }) failed attempts retried")

        // Every acknowledged command is applied, once: one append of its own in the log.
        let log = try await store.events.readAll(after: 0).collect()
        let byCommand = Dictionary(grouping: log, by: { $0.metadata.commandID ?? "" })
        for commandID in acknowledged.withLock({ $0 }) {
            let events = byCommand[commandID] ?? []
            #expect(!events.isEmpty, "acknowledged command \(commandID) is not in the log")
            #expect(Set(events.map(\.stream)).count == 1)
            let positions = events.map(\.position).sorted()
            #expect(positions == Array((positions.first ?? 0)...(positions.last ?? -1)), "command \(commandID) is split")
        }
        // Each case's last recorded wish is its last acknowledged command's.
        for id in cases {
            let state = try await engine.load(id).0
            let last = acknowledged.withLock { $0.last { $0.hasPrefix("\(id)-record-") } }
            #expect(state.fields["housingWishes"] == .text("wish \(last?.split(separator: "-").last ?? "")"))
            #expect(try await store.caseSummary(id)?.version == (try await store.events.version(of: id)))
        }
        try await checkProjections(store)
        await store.close()
    }

    @Test("daemon ticks: every due reminder is recorded once, and the schedule agrees with the log")
    func daemonTicks() async throws {
        let server = try OwnServer()
        defer { server.stop() }
        let url = server.url + "?schema=daemon_restart"
        let store = try await PostgresCaseStore.open(url: url, options: Self.options, masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        let engine = Engine(store: store, now: time.provider)
        let definition = try vatGeneric()
        for index in 0..<30 {
            try await engine.open(
                definition, caseID: StreamID(rawValue: "vat-\(index)"), fields: ["releaseDate": .date(LocalDate("2026-12-23")!)],
                responsibleWorker: "worker:anna", by: anna)
        }
        // Every case's window opening, due-soon, due and first escalation reminders are due.
        time.set(milliseconds: at("2026-10-29"))
        let due = try await store.pendingReminders().filter { $0.fireAt <= time.now }
        try #require(due.count >= 150)

        let sink = SlowSink()
        var daemon = ReminderDaemon(store: store, sinks: [sink], id: "d1", now: time.provider)
        daemon.collapsesLateReminders = false
        // Reminders claimed when the restart cut a tick off are delivered again once their
        // claim lapses (on the database's clock): a short lease keeps the test short.
        daemon.lease = 2_000
        let ticking = daemon
        let failedTicks = Locked(0)
        let deliveredAtRestart = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Ticks until nothing is due, as the daemon's loop does: a failed tick is tried again.
                let deadline = ContinuousClock.now + .seconds(90)
                while ContinuousClock.now < deadline {
                    do {
                        let delivered = try await ticking.tick()
                        let pendingDue = try await store.pendingReminders().contains { $0.fireAt <= time.now }
                        if delivered.isEmpty && !pendingDue { return }
                    } catch {
                        failedTicks.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
                Issue.record("the daemon did not deliver everything due within 90 s")
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(60)
                while sink.count < 10 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                deliveredAtRestart.withLock { $0 = sink.count }
                try server.restart()
            }
            try await group.waitForAll()
        }
        // The restart fell among the deliveries (a delivery whose record failed is
        // released and delivered again by a later tick).
        #expect((10..<due.count).contains(deliveredAtRestart.withLock { $0 }), "the restart did not fall among the deliveries")
        print("daemon across a restart: \(due.count) due, \(sink.count) deliveries, \(failedTicks.withLock { $0 }) failed ticks")

        // Every reminder due before the restart went out, and each is recorded exactly once
        // (a sink may have been given one twice: its record was cut off by the restart).
        let sent = try await store.events.readAll(after: 0).collect().filter { $0.type == ReminderSent.typeName }
            .map { try JSONDecoder().decode(ReminderSent.self, from: $0.payload).reminder }
        #expect(Set(sent).count == sent.count, "a reminder was recorded twice")
        #expect(Set(due.map(\.id)).isSubset(of: Set(sent)))
        #expect(Set(sink.delivered).isSuperset(of: Set(sent)))
        #expect(try await store.pendingReminders().filter { $0.fireAt <= time.now }.isEmpty)
        try await checkProjections(store)
        await store.close()
    }
}

/// A sink that takes a little while per reminder, so that the restart falls among deliveries.
final class SlowSink: ReminderSink {
    private let state = Mutex<[String]>([])
    var name: String { "slow" }
    var count: Int { state.withLock { $0.count } }
    var delivered: [String] { state.withLock { $0 } }

    func deliver(_ delivery: Delivery) async throws {
        try await Task.sleep(for: .milliseconds(15))
        state.withLock { $0.append(delivery.reminder.id) }
    }
}

/// A value behind a lock that task-group closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
