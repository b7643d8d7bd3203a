import Foundation
import Synchronization
import GRDB
import Logging
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

@Suite("Reminders")
struct ReminderTests {
    static let calendar = FinnishCalendar()

    static func vatGeneric() throws -> ProcessDefinition {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("processes/vat-generic.yaml").path
        let library = ProcessLoader().load(paths: [path])
        return try #require(library.definition(id: "vat-generic"), "\(library.diagnostics)")
    }

    static func at(_ date: String, hour: Int = 8) -> Int64 {
        Int64(calendar.instant(LocalDate(date)!, hour: hour, minute: 0).timeIntervalSince1970 * 1000)
    }

    @Test("the ladder of a task: window start, before due, on due, escalation after due")
    func planner() throws {
        let definition = try Self.vatGeneric()
        let instance = ReminderPlanner.TaskInstance(
            caseID: "c-1", task: "map-housing", occurrence: 1, role: "responsible-worker",
            earliest: LocalDate("2026-06-23"), due: LocalDate("2026-10-23"))
        let reminders = ReminderPlanner().plan(instance, definition: definition, calendar: Self.calendar, from: LocalDate("2026-06-01")!)
        #expect(reminders.map(\.kind) == [.windowOpens, .dueSoon, .due, .escalation, .escalation])
        #expect(reminders.map(\.fireOn.description) == ["2026-06-23", "2026-10-16", "2026-10-23", "2026-10-28", "2026-11-09"])
        #expect(reminders.map(\.role) == ["responsible-worker", "responsible-worker", "responsible-worker", "chair", "unit-manager"])
        #expect(reminders.map(\.rung) == [nil, nil, nil, 0, 1])
        #expect(reminders[0].fireAt == Self.at("2026-06-23"))
        // Stable ids: planning again gives the same ids; a different instant gives another.
        let again = ReminderPlanner().plan(instance, definition: definition, calendar: Self.calendar, from: LocalDate("2026-06-01")!)
        #expect(again.map(\.id) == reminders.map(\.id))
        #expect(Set(reminders.map(\.id)).count == 5)
        // Each rung tells its role once ('times: 1'): the ladder climbs and stops.
        #expect(ReminderPlanner().next(after: reminders[3], definition: definition, calendar: Self.calendar) == nil)
        #expect(ReminderPlanner().next(after: reminders[4], definition: definition, calendar: Self.calendar) == nil)
        // Reminders whose day has passed when the task opens are not planned, except escalation.
        let late = ReminderPlanner().plan(instance, definition: definition, calendar: Self.calendar, from: LocalDate("2026-10-20")!)
        #expect(late.map(\.kind) == [.due, .escalation, .escalation])
    }

    @Test("the daemon delivers each reminder once, late ones marked, and escalates until the task is done")
    func daemonDelivers() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-06-01", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try Self.vatGeneric()
        try await engine.open(
            definition, caseID: "c-1", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: Acting("worker:anna"))
        let pending = try await database.pendingReminders(caseID: "c-1")
        #expect(pending.map { "\($0.task) \($0.kind.rawValue) \($0.fireOn)" } == [
            "map-housing window-opens 2026-06-23",
            "ask-consent due-soon 2026-10-16", "map-housing due-soon 2026-10-16",
            "ask-consent due 2026-10-23", "map-housing due 2026-10-23",
            "map-housing escalation 2026-10-28", "map-housing escalation 2026-11-09",
        ])

        let sink = CollectingSink()
        let daemon = ReminderDaemon(database: database, sinks: [sink], id: "d1", now: time.provider)
        #expect(try await daemon.tick().isEmpty)

        time.set(milliseconds: Self.at("2026-06-23"))
        let first = try await daemon.tick()
        #expect(first.map(\.reminder.kind) == [.windowOpens])
        #expect(first.allSatisfy { !$0.late })
        #expect(try await daemon.tick().isEmpty)

        // The daemon was down from October 1st to the 28th: of each task's missed
        // reminders the latest comes, late, saying how many it replaces; and the
        // ladder's first rung, to the chair.
        time.set(milliseconds: Self.at("2026-10-28", hour: 10))
        let missed = try await daemon.tick()
        #expect(missed.map { "\($0.reminder.task) \($0.reminder.kind.rawValue) \($0.reminder.superseded)" }.sorted() == [
            "ask-consent due 1", "map-housing due 1", "map-housing escalation 0",
        ])
        #expect(missed.allSatisfy { $0.late })
        #expect(missed.filter { $0.reminder.kind == .escalation }.map(\.reminder.role) == ["chair"])
        // The chair is told once; the ladder's next rung is the unit manager's.
        let after = try await database.pendingReminders(caseID: "c-1")
        #expect(after.map { "\($0.task) \($0.kind.rawValue) \($0.fireOn) \($0.role)" } == [
            "map-housing escalation 2026-11-09 unit-manager",
        ])

        // Doing the task drops its pending reminders.
        try await engine.execute(.complete(task: "map-housing"), on: "c-1", by: Acting("worker:anna"))
        #expect(try await database.pendingReminders(caseID: "c-1").isEmpty)
        time.set(milliseconds: Self.at("2026-11-30"))
        #expect(try await daemon.tick().isEmpty)

        // Every delivery is in the log once, as the daemon's event in the case's stream.
        let sent = try await database.events.read(stream: "c-1").collect().filter { $0.type == "ReminderSent" }
        #expect(sent.count == 4)
        #expect(sent.allSatisfy { $0.metadata.actor == "d1" })
        #expect(Set(sink.deliveries.map(\.reminder.id)).count == sink.deliveries.count)
        #expect(try await database.events.verify().isIntact)
    }

    @Test("a tick that fails on a busy log is tried again: the daemon stays up and delivers once the log is free")
    func daemonOutlastsBusyLog() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-06-01", hour: 9))
        var options = SQLiteEventStore.Options()
        options.busyTimeout = .milliseconds(50)
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"), options: options)
        let engine = Engine(database: database, now: time.provider)
        try await engine.open(
            try Self.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: Acting("worker:anna"))
        time.set(milliseconds: Self.at("2026-10-28", hour: 10))
        // Another program holds the write lock until the test lets it go: claiming a
        // reminder fails with "busy" meanwhile. The test waits until the lock is held (a
        // loaded machine may start the holder late) rather than for a fixed time.
        let holder = try DatabaseQueue(path: directory.path("cases.sqlite"))
        let locked = ManagedFlag()
        let release = ManagedFlag()
        let holding = Task.detached {
            try await holder.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.set()
                while !release.isSet { Thread.sleep(forTimeInterval: 0.01) }
                try db.execute(sql: "COMMIT")
            }
        }
        for _ in 0..<1_000 where !locked.isSet { try await Task.sleep(for: .milliseconds(10)) }
        #expect(locked.isSet)
        let sink = CollectingSink()
        let lines = CapturedLines()
        var daemon = ReminderDaemon(
            database: database, sinks: [sink], id: "d1", now: time.provider,
            logger: Logger(label: "test", factory: { _ in CapturingHandler(lines: lines) }))
        daemon.maximumSleep = .milliseconds(200)
        let stop = ManagedFlag()
        let running = Task { try await daemon.run(isStopping: { stop.isSet }) }
        // Two ticks failed on the busy log (the daemon kept trying), and nothing went out.
        func failedTicks() -> Int { lines.all.count { $0.contains("a tick failed on the event log; it is tried again") } }
        for _ in 0..<1_000 where failedTicks() < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(failedTicks() >= 2, "\(lines.all)")
        #expect(sink.deliveries.isEmpty)
        release.set()
        try await holding.value
        for _ in 0..<100 where sink.deliveries.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!sink.deliveries.isEmpty)
        stop.set()
        try await running.value
        let sent = try await database.events.readAll(after: 0).collect().filter { $0.type == "ReminderSent" }
        #expect(sent.count == sink.deliveries.count)
    }

    @Test("with records in flight, a tick records every delivery once, in claim order, and the projections agree")
    func recordsInFlight() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-06-01", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try Self.vatGeneric()
        for index in 0..<12 {
            try await engine.open(
                definition, caseID: StreamID("c-\(index)"), fields: ["releaseDate": .date(LocalDate("2026-12-23")!)],
                by: Acting("worker:anna"))
        }
        let sink = CollectingSink()
        var daemon = ReminderDaemon(database: database, sinks: [sink], id: "d1", now: time.provider)
        daemon.recordsInFlight = 8
        daemon.batchSize = 5
        time.set(milliseconds: Self.at("2026-10-28", hour: 10))
        let delivered = try await daemon.tick()
        #expect(delivered.count == 36)
        #expect(delivered.map(\.reminder.id) == sink.deliveries.map(\.reminder.id))
        #expect(try await daemon.tick().isEmpty)
        let sent = try await database.events.readAll(after: 0).collect().filter { $0.type == "ReminderSent" }
        #expect(sent.count == delivered.count)
        #expect(Set(sent.compactMap(\.metadata.commandID)) == Set(delivered.map { "reminder:\($0.reminder.id)" }))
        let live = try await database.projectionSnapshot()
        try await database.rebuildProjections()
        #expect(try await database.projectionSnapshot() == live)
        #expect(try await database.events.verify().isIntact)
    }

    @Test("a moved due date moves the reminders; a failing sink means delivery again later, recorded once")
    func movedAndRetried() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-06-01", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        try await engine.open(
            try Self.vatGeneric(), caseID: "c-2", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)],
            by: Acting("worker:anna"))
        try await engine.execute(.record(values: ["releaseDate": .date(LocalDate("2027-01-29")!)]), on: "c-2", by: Acting("worker:anna"))
        // 2027-01-29 - 2 months is Sunday 2026-11-29: the due date moves to Monday.
        let moved = try await database.pendingReminders(caseID: "c-2").filter { $0.task == "map-housing" }
        #expect(moved.map { "\($0.kind.rawValue) \($0.fireOn)" } == [
            "window-opens 2026-07-29", "due-soon 2026-11-23", "due 2026-11-30", "escalation 2026-12-03",
            "escalation 2026-12-15",
        ])

        let sink = CollectingSink()
        sink.failing = true
        var daemon = ReminderDaemon(database: database, sinks: [sink], id: "d1", now: time.provider)
        daemon.lease = 60_000
        time.set(milliseconds: Self.at("2026-07-29"))
        #expect(try await daemon.tick().isEmpty)
        // Claimed but not delivered: after the lease the reminder comes again, same id.
        sink.failing = false
        #expect(try await daemon.tick().isEmpty)
        time.advance(byMilliseconds: 61_000)
        let retried = try await daemon.tick()
        #expect(retried.map(\.reminder.kind) == [.windowOpens])
        #expect(retried[0].reminder.id == moved[0].id)
        let sent = try await database.events.read(stream: "c-2").collect().filter { $0.type == "ReminderSent" }
        #expect(sent.count == 1)
    }

    @Test("two daemons on one database deliver each reminder once")
    func twoDaemons() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-03-02", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try Self.vatGeneric()
        for index in 0..<40 {
            let release = LocalDate("2026-09-01")!.adding(days: index * 3)
            try await engine.open(definition, caseID: StreamID("c-\(index)"), fields: ["releaseDate": .date(release)], by: Acting("w"))
        }
        let planned = try await database.pendingReminders().filter { $0.fireAt <= Self.at("2026-12-31", hour: 12) }
        let plannedEscalations = planned.filter { $0.kind == .escalation }.count
        let sinks = (CollectingSink(), CollectingSink())
        let second = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let daemons = (
            ReminderDaemon(database: database, sinks: [sinks.0], id: "d1", now: time.provider),
            ReminderDaemon(database: second, sinks: [sinks.1], id: "d2", now: time.provider)
        )
        var day = LocalDate("2026-03-02")!
        while day <= LocalDate("2026-12-31")! {
            time.set(milliseconds: Self.at(day.description, hour: 12))
            async let a = daemons.0.tick()
            async let b = daemons.1.tick()
            _ = try await (a, b)
            day = day.adding(days: 1)
        }
        let all = sinks.0.deliveries + sinks.1.deliveries
        #expect(Set(all.map(\.reminder.id)).count == all.count)
        // Nothing was done, so every planned reminder came, and each rung of the
        // ladders told its role once (the built-in ladders climb and stop).
        #expect(all.filter { $0.reminder.kind != .escalation }.count == planned.count - plannedEscalations)
        #expect(all.filter { $0.reminder.kind == .escalation }.count == plannedEscalations)
        let sentEvents = try await database.events.readAll(after: 0).collect().filter { $0.type == "ReminderSent" }
        #expect(sentEvents.count == all.count)
    }
}

/// A flag one task sets and another reads.
private final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
