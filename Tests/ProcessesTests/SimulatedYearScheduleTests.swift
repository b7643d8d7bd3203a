import Foundation
import Processes
import Synchronization
import Testing
import WorkflowKit
import WorkflowKitTesting

/// Over a simulated year with hundreds of cases, the reminders the daemon delivered are
/// exactly the ones the process files' ladders call for, each at the first morning tick
/// after its time while its task was still open — worked out here independently, after
/// the fact, from the case histories.
/// Deliveries as the demo reports them, in order.
final class Deliveries: Sendable {
    private let list = Mutex<[Delivery]>([])
    func append(_ delivery: Delivery) { list.withLock { $0.append(delivery) } }
    var deliveries: [Delivery] { list.withLock { $0 } }
}

@Suite("Simulated year: delivered reminders equal the schedule")
struct SimulatedYearScheduleTests {
    static let processes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("processes").path

    /// One planned reminder, as this test works it out.
    struct Expected: Hashable {
        var caseID: String
        var task: String
        var occurrence: Int
        var kind: ReminderKind
        var rung: Int?
        var fireOn: LocalDate
        var fireAt: Int64
        var id: String {
            Reminder(
                caseID: StreamID(caseID), process: "", task: task, title: "", occurrence: occurrence, role: "",
                kind: kind, due: nil, fireOn: fireOn, fireAt: fireAt, rung: rung
            ).id
        }
    }

    @Test("every delivery is expected, and every expected reminder was delivered, at the expected tick")
    func deliveredEqualsExpected() async throws {
        let directory = try TemporaryDirectory()
        let library = ProcessLoader().load(paths: [Self.processes])
        let definitions = library.processes.map(\.definition)
        #expect(!definitions.isEmpty)
        var simulation = DemoSimulation.Options()
        simulation.cases = 200
        let demo = try DemoSimulation(path: directory.path("year.sqlite"), definitions: definitions, options: simulation)
        let database = demo.database
        let collected = Deliveries()
        let summary = try await demo.run(onReminder: { collected.append($0) }, onProgress: { _ in })
        #expect(summary.casesOpened == 200)
        let calendar = FinnishCalendar()
        func at(_ date: LocalDate, _ hour: Int) -> Int64 {
            Int64((calendar.instant(date, hour: hour, minute: 0).timeIntervalSince1970 * 1000).rounded())
        }
        let ticks = (0..<simulation.days).map { at(simulation.start.adding(days: $0), 8) }
        /// The first morning tick at or after `instant`, if the year has one.
        func tick(onOrAfter instant: Int64) -> Int64? {
            var low = 0
            var high = ticks.count
            while low < high {
                let middle = (low + high) / 2
                if ticks[middle] < instant { low = middle + 1 } else { high = middle }
            }
            return low < ticks.count ? ticks[low] : nil
        }

        var expected: [String: Int64] = [:]  // reminder id -> tick it is delivered at
        let all = try await database.events.readAll(after: 0).collect()
        for (caseID, events) in Dictionary(grouping: all, by: { $0.stream.rawValue }) {
            guard let opened = try events.first.flatMap({ try CaseEvent($0) }), case .opened(let body) = opened else { continue }
            let definition = try #require(try await database.definition(hash: body.definition))
            // Working days of the case's own calendar (a region may close its office for days).
            let calendar = try #require(definition.makeCalendar())
            // Each task's current planning segment: its dates, and when it was (re)planned.
            struct Segment { var occurrence: Int; var earliest: LocalDate?; var due: LocalDate?; var from: LocalDate; var start: Int64 }
            var segments: [String: Segment] = [:]
            var delivered: Set<String> = []
            /// Closes a task's segment at `end`: its reminders that fall due before then are expected.
            func close(_ task: String, at end: Int64) {
                guard let segment = segments.removeValue(forKey: task),
                    let taskDefinition = definition.task(task)?.task
                else { return }
                var planned: [Expected] = []
                for rule in taskDefinition.reminders {
                    guard let anchor = rule.anchor == .due ? segment.due : segment.earliest else { continue }
                    let date = rule.offset.apply(to: anchor, calendar: calendar)
                    guard date >= segment.from else { continue }
                    let kind: ReminderKind =
                        rule.anchor == .windowStart ? .windowOpens
                        : rule.offset.amount < 0 ? .dueSoon : rule.offset.amount == 0 ? .due : .overdue
                    planned.append(Expected(caseID: caseID, task: task, occurrence: segment.occurrence, kind: kind, fireOn: date, fireAt: at(date, 8)))
                }
                for reminder in planned where !delivered.contains(reminder.id) {
                    if let time = tick(onOrAfter: max(reminder.fireAt, segment.start)), time < end {
                        expected[reminder.id] = time
                        delivered.insert(reminder.id)
                    }
                }
                // Escalation rungs: the first on its day (or at once when overdue already), then
                // each next step counted from the previous one's day, while the task stays open.
                guard let due = segment.due else { return }
                for (rung, rule) in taskDefinition.escalation.enumerated() {
                    var date = max(rule.firstDate(due: due, calendar: calendar), calendar.nextWorkingDay(onOrAfter: segment.from))
                    var inserted = segment.start
                    while true {
                        let reminder = Expected(caseID: caseID, task: task, occurrence: segment.occurrence, kind: .escalation, rung: rung, fireOn: date, fireAt: at(date, 8))
                        guard !delivered.contains(reminder.id), let time = tick(onOrAfter: max(reminder.fireAt, inserted)), time < end else { break }
                        expected[reminder.id] = time
                        delivered.insert(reminder.id)
                        // A rung with 'times' stops after telling its role that many times.
                        guard let next = rule.nextDate(after: date, due: due, calendar: calendar), next > date else { break }
                        date = next
                        inserted = time
                    }
                }
            }
            for event in events {
                guard let caseEvent = try CaseEvent(event) else { continue }
                let instant = event.recordedAt
                switch caseEvent {
                case .taskOpened(let task):
                    close(task.task, at: instant)
                    segments[task.task] = Segment(occurrence: task.occurrence, earliest: task.earliest, due: task.due, from: task.on, start: instant)
                case .taskRescheduled(let task):
                    if let old = segments[task.task] {
                        close(task.task, at: instant)
                        segments[task.task] = Segment(occurrence: old.occurrence, earliest: task.earliest, due: task.due, from: task.on, start: instant)
                    }
                case .taskCompleted(let task): close(task.task, at: instant)
                case .taskCancelled(let task): close(task.task, at: instant)
                case .taskSuspended(let task): close(task.task, at: instant)
                case .caseClosed: for task in Array(segments.keys) { close(task, at: instant) }
                default: break
                }
            }
            for task in Array(segments.keys) { close(task, at: Int64.max) }
        }

        let deliveries = collected.deliveries
        let actual = Dictionary(deliveries.map { ($0.reminder.id, $0.deliveredAt) }, uniquingKeysWith: { first, _ in first })
        #expect(actual.count == deliveries.count, "a reminder was delivered twice")
        let missing = expected.filter { actual[$0.key] != $0.value }
        let unexpected = actual.filter { expected[$0.key] != $0.value }
        let byID = Dictionary(deliveries.map { ($0.reminder.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (id, time) in unexpected.prefix(5) {
            let d = byID[id]!.reminder
            print("UNEXPECTED \(d.caseID) \(d.task) #\(d.occurrence) \(d.kind) \(d.fireOn) rung \(d.rung.map(String.init) ?? "-") at \(time) expected \(expected[id].map(String.init) ?? "none")")
        }
        #expect(missing.isEmpty, "\(missing.count) expected reminders were not delivered at their tick")
        #expect(unexpected.isEmpty, "\(unexpected.count) deliveries were not expected at their tick")
        #expect(expected.count > 1_000)
        print("simulated year: \(expected.count) reminders expected, \(actual.count) delivered")
    }
}
