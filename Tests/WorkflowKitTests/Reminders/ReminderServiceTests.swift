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

    @Test("the retention service counts the next sweep from its injected clock, and ends on graceful shutdown")
    func retentionService() async throws {
        // 23:00 in Helsinki (UTC+2 in December): the next sweep is at 00:05, 65 minutes on.
        let evening = Date(timeIntervalSince1970: 1_796_158_800)  // 2026-12-01T21:00:00Z
        #expect(RetentionService.secondsUntilNextSweep(now: evening) == 65 * 60)
        // At two at night: the next midnight's, not one a few minutes back.
        let night = evening.addingTimeInterval(3 * 3600)
        #expect(RetentionService.secondsUntilNextSweep(now: night) == 22 * 3600 + 5 * 60)

        let directory = try TemporaryDirectory()
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: { F.at("2026-06-01") })
        let service = RetentionService(
            sweep: RetentionSweep(engine: engine, currentRules: [:]), actor: Acting("daemon", role: "retention"), now: { evening },
            logger: Logger(label: "test"))
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
