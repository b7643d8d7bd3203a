import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The digest sink: one file per role per day, listing everything due for it, while
/// each reminder is still delivered and recorded per task.
@Suite("Reminders: the digest sink")
struct DigestSinkTests {
    @Test("three cases due the same day: one digest for the owner's role that day, one line per reminder, each recorded per task")
    func oneMessagePerRolePerDay() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: ReminderCatchUpTests.at("2026-09-01", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try ReminderCatchUpTests.definition()
        for index in 0..<3 {
            try await engine.open(
                definition, caseID: StreamID("c-\(index)"), fields: ["deadline": .date(LocalDate("2026-10-01")!)], by: Acting("w"))
        }
        let digests = directory.path("digests")
        let daemon = ReminderDaemon(database: database, sinks: [DigestSink(directory: digests)], id: "d1", now: time.provider)
        // The daemon runs each morning at 08:00.
        var delivered: [Delivery] = []
        var day = LocalDate("2026-09-24")!
        while day <= LocalDate("2026-10-01")! {
            time.set(milliseconds: ReminderCatchUpTests.at(day.description))
            delivered = try await daemon.tick()
            day = day.adding(days: 1)
        }
        // On the due date each case's two tasks remind their owner: six reminders, one file.
        #expect(delivered.count == 6)
        let files = try FileManager.default.contentsOfDirectory(atPath: digests).sorted()
        #expect(files == ["2026-09-24-worker.txt", "2026-09-30-worker.txt", "2026-10-01-worker.txt"])
        let text = try String(contentsOfFile: (digests as NSString).appendingPathComponent("2026-10-01-worker.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "Due for the role 'worker' on 2026-10-01:")
        #expect(lines.count == 1 + 6)
        #expect(delivered.allSatisfy { delivery in text.contains(delivery.reminder.id) })
        // Each reminder is recorded in its own case, per task.
        for index in 0..<3 {
            let sent = try await database.events.read(stream: StreamID("c-\(index)")).collect().filter { $0.type == ReminderSent.typeName }
            #expect(try sent.map { try $0.decode(ReminderSent.self).task }.sorted() == ["bounded", "unbounded", "unbounded", "unbounded"])
        }

        // The next working day the lead's escalations go to the lead's own digest.
        time.set(milliseconds: ReminderCatchUpTests.at("2026-10-02"))
        #expect(try await daemon.tick().allSatisfy { $0.reminder.role == "lead" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: digests).sorted().last == "2026-10-02-lead.txt")
    }
}
