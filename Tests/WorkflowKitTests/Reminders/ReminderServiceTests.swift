import Foundation
import Logging
import ServiceLifecycle
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The daemon and the retention sweep as services in an application's `ServiceGroup`.
@Suite("Library services")
struct ReminderServiceTests {
    typealias F = EngineFixtures

    @Test("the reminder service delivers what is due, then ends on the group's graceful shutdown")
    func reminderService() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        try await Engine(database: database, now: time.provider).open(
            try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: Acting("worker:anna"))
        time.set(milliseconds: F.at("2026-11-02"))
        let sink = CollectingSink()
        let daemon = ReminderDaemon(store: database, sinks: [sink], id: "d1", now: time.provider)
        let group = ServiceGroup(services: [ReminderService(daemon: daemon)], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for _ in 0..<200 where sink.deliveries.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!sink.deliveries.isEmpty)
        let recorded = try await database.events.read(stream: "c-1").collect().filter { $0.type == ReminderSent.typeName }
        #expect(recorded.count == sink.deliveries.count)
    }

    @Test("the retention service sweeps at start and logs what it erased, counts the next sweep from its injected clock, and ends on graceful shutdown")
    func retentionService() async throws {
        // 23:00 in Helsinki (UTC+2 in December): the next sweep is at 00:05, 65 minutes on.
        let evening = Date(timeIntervalSince1970: 1_796_158_800)  // 2026-12-01T21:00:00Z
        #expect(RetentionService.secondsUntilNextSweep(now: evening) == 65 * 60)
        // At two at night: the next midnight's, not one a few minutes back.
        let night = evening.addingTimeInterval(3 * 3600)
        #expect(RetentionService.secondsUntilNextSweep(now: night) == 22 * 3600 + 5 * 60)

        // A case closed ten years and a day ago (its period has ended) and one closed yesterday.
        let fixture = try RetentionTests.Fixture()
        let definition = try RetentionTests.definition()
        try await fixture.plant("old", definition: definition, closeOn: "2026-06-15")
        try await fixture.plant("recent", definition: definition, closeOn: "2036-06-15")
        fixture.set("2036-06-16")
        let before = try await fixture.database.events.lastPosition()

        // The service sweeps at start: it erases the one, keeps the other, and says so.
        let lines = CapturedLines()
        let service = RetentionService(
            sweep: RetentionSweep(engine: fixture.engine, currentRules: [:]), actor: Acting("daemon", role: "retention"), now: { evening },
            logger: Logger(label: "test", factory: { _ in CapturingHandler(lines: lines) }))
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for _ in 0..<1_000 where !lines.all.contains(where: { $0.contains("retention sweep:") }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        let logged = lines.all
        #expect(logged.filter { $0.contains("retention sweep:") } == ["info retention sweep: 1 erased, 1 kept [:]"], "\(logged)")
        #expect(logged.contains { $0.contains("retention period ended: personal data erased") && $0.contains("\"case.id\": old") }, "\(logged)")
        let appended = try await fixture.database.events.readAll(after: before).collect()
        #expect(appended.map(\.stream) == ["old"] && appended.map(\.metadata.actor) == ["daemon"], "\(appended.map(\.type))")
        #expect(try await fixture.engine.load("old").0.erased != nil)
        #expect(try await fixture.engine.load("recent").0.erased == nil)
    }
}
