import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// After a daemon has been down, each open task's rung gets its latest missed
/// reminder once, marked late, instead of every reminder it missed; and a rung's
/// `times:` bounds how often it tells its role.
@Suite("Reminders: catch-up and bounded ladders")
struct ReminderCatchUpTests {
    static let calendar = FinnishCalendar()

    /// A task reminded twice before its due date and escalated every working day
    /// with no bound, and a task whose ladder climbs and stops.
    static let source = """
        process: nag
        title: A task nobody does
        calendar: fi
        fields:
          deadline: { type: date, title: Deadline, required: true }
        roles:
          worker: { title: Worker }
          lead: { title: Team lead }
          manager: { title: Manager }
        events:
          finished: Finished
        states:
          open:
            title: Open
            initial: true
            tasks:
              unbounded:
                title: Do it
                role: worker
                due: deadline
                remind: [5 working days before due, 1 working day before due, on due]
                escalate: { to: lead, after: 0 working days, every: 1 working day }
              bounded:
                title: Do the other thing
                role: worker
                due: deadline
                remind: [on due]
                escalate:
                  - { to: lead, after: 1 working day, every: 2 working days, times: 3 }
                  - { to: manager, after: 10 working days, times: 1 }
            on:
              finished: done
          done:
            title: Done
            final: true
        """

    static func definition() throws -> ProcessDefinition {
        let library = ProcessLoader().load(sources: [.init(file: "nag.yaml", text: source)])
        return try #require(library.definition(id: "nag"), "\(library.diagnostics)")
    }

    static func at(_ date: String, hour: Int = 8) -> Int64 {
        Int64(calendar.instant(LocalDate(date)!, hour: hour, minute: 0).timeIntervalSince1970 * 1000)
    }

    @Test("'times' bounds a rung: the lead is told three times, two working days apart, the manager once")
    func boundedLadder() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-09-01", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        try await engine.open(try Self.definition(), caseID: "c-1", fields: ["deadline": .date(LocalDate("2026-10-01")!)], by: Acting("w"))
        let sink = CollectingSink()
        let daemon = ReminderDaemon(database: database, sinks: [sink], id: "d1", now: time.provider)
        var day = LocalDate("2026-09-01")!
        while day <= LocalDate("2026-12-31")! {
            // Each day at 08:00, when the day's reminders fire: none is late.
            time.set(milliseconds: Self.at(day.description))
            try await daemon.tick()
            day = day.adding(days: 1)
        }
        let bounded = sink.deliveries.filter { $0.reminder.task == "bounded" && $0.reminder.kind == .escalation }
        #expect(bounded.map { "\($0.reminder.role) \($0.reminder.fireOn)" } == [
            // Due Thursday 1 October, 1 working day overdue on Friday 2 October:
            // the lead is told from the next working day, Monday 5 October.
            "lead 2026-10-05", "lead 2026-10-07", "lead 2026-10-09", "manager 2026-10-16",
        ])
        #expect(sink.deliveries.allSatisfy { !$0.late && $0.reminder.superseded == 0 })
        // The unbounded rung goes on every working day, as written.
        let unbounded = sink.deliveries.filter { $0.reminder.task == "unbounded" && $0.reminder.kind == .escalation }
        #expect(unbounded.count > 50)
    }

    @Test("a daemon down for six months delivers at most one late reminder per open task rung, and loses none")
    func sixMonthsDown() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: Self.at("2026-03-02", hour: 9))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try Self.definition()
        for index in 0..<30 {
            let deadline = LocalDate("2026-03-16")!.adding(days: index * 5)
            try await engine.open(definition, caseID: StreamID("c-\(index)"), fields: ["deadline": .date(deadline)], by: Acting("w"))
        }
        let sink = CollectingSink()
        let daemon = ReminderDaemon(database: database, sinks: [sink], id: "d1", now: time.provider)
        #expect(try await daemon.tick().isEmpty)

        // Down from 2 March to 2 September 2026 (a Wednesday), 10:00.
        time.set(milliseconds: Self.at("2026-09-02", hour: 10))
        let caughtUp = try await daemon.tick()
        #expect(caughtUp.allSatisfy { $0.late })
        var perRung: [String: Int] = [:]
        for delivery in caughtUp {
            let reminder = delivery.reminder
            perRung["\(reminder.caseID) \(reminder.task) \(reminder.rung.map(String.init) ?? "owner")", default: 0] += 1
        }
        #expect(perRung.values.allSatisfy { $0 == 1 })
        // Nothing due is lost: every case's two tasks and every rung of their ladders
        // (owner, the lead's and the manager's rungs of 'bounded', the lead's of 'unbounded').
        #expect(perRung.count == 30 * 5)
        // The one that comes stands for what it replaces: the owner's three reminders
        // of 'unbounded' are one, replacing two; the unbounded rung comes for its
        // latest day, 2 September, replacing every earlier working day.
        let owner = try #require(caughtUp.first { $0.reminder.caseID == "c-0" && $0.reminder.task == "unbounded" && $0.reminder.rung == nil })
        #expect(owner.reminder.kind == .due && owner.reminder.superseded == 2)
        let ladder = try #require(caughtUp.first { $0.reminder.caseID == "c-0" && $0.reminder.task == "unbounded" && $0.reminder.rung == 0 })
        #expect(ladder.reminder.fireOn == LocalDate("2026-09-02") && ladder.reminder.superseded > 100)
        let lead = try #require(caughtUp.first { $0.reminder.caseID == "c-0" && $0.reminder.task == "bounded" && $0.reminder.rung == 0 })
        #expect(lead.reminder.superseded == 2)
        // The record says so too.
        let sent = try await database.events.read(stream: "c-0").collect().filter { $0.type == "ReminderSent" }
        let recorded = try sent.map { try $0.decode(ReminderSent.self) }
        #expect(recorded.count == 5)
        #expect(recorded.first { $0.task == "unbounded" && $0.rung == 0 }?.superseded == ladder.reminder.superseded)
        #expect(String(decoding: ladder.json, as: UTF8.self).contains("\"superseded\":"))

        // The unbounded rung goes on from now, not from where it stopped.
        let pending = try await database.pendingReminders(caseID: "c-0")
        #expect(pending.map { "\($0.task) \($0.rung.map(String.init) ?? "-") \($0.fireOn)" } == ["unbounded 0 2026-09-03"])
        time.set(milliseconds: Self.at("2026-09-02", hour: 11))
        #expect(try await daemon.tick().isEmpty)
        #expect(try await database.events.verify().isIntact)
    }
}
