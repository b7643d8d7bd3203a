import Foundation
import Processes
import Synchronization
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Deliveries as the demo reports them, in order.
final class Deliveries: Sendable {
    private let list = Mutex<[Delivery]>([])
    func append(_ delivery: Delivery) { list.withLock { $0.append(delivery) } }
    var deliveries: [Delivery] { list.withLock { $0 } }
}

/// Over a simulated year with hundreds of cases, the reminders the daemon delivered are
/// exactly the ones the process files' ladders call for, each at the first morning tick
/// after its time while its task was still open — worked out here independently, after
/// the fact, from the case histories. Every task's due date and earliest start, and every
/// reminder and escalation date, come from ``DeadlineOracle`` (day-by-day counting over a
/// hand-written holiday table), not from the engine's calendar and schedule rules.
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
        typealias Day = DeadlineOracle.Day
        // 08:00 in Helsinki on `day`, in milliseconds, by Foundation's own calendar.
        var helsinki = Calendar(identifier: .gregorian)
        helsinki.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        func at(_ day: Day, _ hour: Int) -> Int64 {
            let date = helsinki.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: hour))!
            return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
        var days: [Day] = [Day(simulation.start)]
        while days.count < simulation.days { days.append(days[days.count - 1].next) }
        let ticks = days.map { at($0, 8) }
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
        var windowsChecked = 0
        var escalationDays = 0
        var mismatches: [String] = []  // the engine's task dates that differ from the oracle's
        var outOfRange: Set<Day> = []
        let all = try await database.events.readAll(after: 0).collect()
        for caseID in Set(all.map(\.stream.rawValue)).sorted() {
            let history = try await database.caseHistory(StreamID(rawValue: caseID))
            guard case .opened(let body)? = history.first?.event else { continue }
            let definition = try #require(try await database.definition(hash: body.definition))
            // Working days of the case's own calendar (a region may close its office for days).
            var oracle = DeadlineOracle(closedDays: definition.closedDays)
            var facts = DeadlineOracle.Facts(openedOn: Day(body.openedOn), fields: body.fields)
            /// A repeating task just done: the day its next occurrence's series counts from, as the oracle works it out.
            var repeating: [String: Day] = [:]
            // Each task's current planning segment: its dates (the oracle's), the day its series
            // counts from when it is a repetition, and when it was (re)planned.
            struct Segment { var occurrence: Int; var earliest: Day?; var due: Day?; var series: Day?; var from: Day; var start: Int64 }
            var segments: [String: Segment] = [:]
            var delivered: Set<String> = []
            /// The oracle's window for `task` now, compared with the one the engine recorded.
            /// `series`: the day a repetition's series counts from; nil for a task opened by its state.
            func window(_ task: String, occurrence: Int, series: Day?, earliest: LocalDate?, due: LocalDate?, seriesStart: LocalDate?) throws -> (Day?, Day?) {
                guard let taskDefinition = definition.task(task)?.task else {
                    mismatches.append("\(caseID) \(task): the engine opened a task its definition does not have")
                    return (nil, nil)
                }
                let expected: DeadlineOracle.Window
                if let start = series {
                    if seriesStart.map(Day.init) != start {
                        mismatches.append("\(caseID) \(task) #\(occurrence): series start \(seriesStart.map(String.init(describing:)) ?? "none"), oracle \(start)")
                    }
                    let due = oracle.repetitionDue(of: taskDefinition, occurrence: occurrence, start: start)
                    expected = DeadlineOracle.Window(earliest: nil, due: due, rawDue: nil)
                } else {
                    expected = try oracle.window(of: taskDefinition, facts)
                }
                windowsChecked += 1
                if earliest.map(Day.init) != expected.earliest || due.map(Day.init) != expected.due {
                    mismatches.append(
                        "\(caseID) \(task) #\(occurrence): engine earliest \(earliest.map(String.init(describing:)) ?? "none") due \(due.map(String.init(describing:)) ?? "none"), "
                            + "oracle earliest \(expected.earliest.map(String.init(describing:)) ?? "none") due \(expected.due.map(String.init(describing:)) ?? "none")")
                }
                return (expected.earliest, expected.due)
            }
            /// Closes a task's segment at `end`: its reminders that fall due before then are expected.
            func close(_ task: String, at end: Int64) {
                guard let segment = segments.removeValue(forKey: task),
                    let taskDefinition = definition.task(task)?.task
                else { return }
                var planned: [Expected] = []
                for rule in taskDefinition.reminders {
                    guard let anchor = rule.anchor == .due ? segment.due : segment.earliest else { continue }
                    let day = oracle.reminder(rule, anchor: anchor)
                    guard day >= segment.from else { continue }
                    let kind: ReminderKind =
                        rule.anchor == .windowStart ? .windowOpens
                        : rule.offset.amount < 0 ? .dueSoon : rule.offset.amount == 0 ? .due : .overdue
                    planned.append(Expected(caseID: caseID, task: task, occurrence: segment.occurrence, kind: kind, fireOn: day.localDate, fireAt: at(day, 8)))
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
                    let ladder = oracle.escalationDays(rule, due: due, through: due)
                    var day = max(ladder[0], oracle.nextWorkingDay(onOrAfter: segment.from))
                    var inserted = segment.start
                    while true {
                        let reminder = Expected(
                            caseID: caseID, task: task, occurrence: segment.occurrence, kind: .escalation, rung: rung, fireOn: day.localDate,
                            fireAt: at(day, 8))
                        guard !delivered.contains(reminder.id), let time = tick(onOrAfter: max(reminder.fireAt, inserted)), time < end else { break }
                        expected[reminder.id] = time
                        delivered.insert(reminder.id)
                        escalationDays += 1
                        // A rung with 'times' stops after telling its role that many times (its ladder);
                        // one without goes on every 'every' after the day it last told.
                        let next: Day?
                        if let times = rule.times {
                            next = ladder.filter { $0 <= day }.count < times ? ladder.first { $0 > day } : nil
                        } else {
                            next = rule.every.map { oracle.nextWorkingDay(onOrAfter: oracle.move(day, by: $0)) }
                        }
                        guard let next, next > day else { break }
                        day = next
                        inserted = time
                    }
                }
            }
            for (record, caseEvent) in history {
                guard let caseEvent else { continue }
                let instant = record.recordedAt
                switch caseEvent {
                case .fieldsRecorded(let recorded):
                    facts.fields.merge(recorded.values) { $1 }
                    for field in recorded.cleared { facts.fields[field] = nil }
                case .eventOccurred(let occurred):
                    facts.events[occurred.event] = Day(occurred.on)
                case .stateEntered:
                    repeating.removeAll()
                case .taskOpened(let task):
                    close(task.task, at: instant)
                    let series = repeating.removeValue(forKey: task.task)
                    let (earliest, due) = try window(
                        task.task, occurrence: task.occurrence, series: series, earliest: task.earliest, due: task.due, seriesStart: task.seriesStart)
                    segments[task.task] = Segment(
                        occurrence: task.occurrence, earliest: earliest, due: due, series: series, from: Day(task.on), start: instant)
                case .taskRescheduled(let task):
                    if let old = segments[task.task] {
                        close(task.task, at: instant)
                        let (earliest, due) = try window(
                            task.task, occurrence: old.occurrence, series: old.series, earliest: task.earliest, due: task.due, seriesStart: nil)
                        segments[task.task] = Segment(
                            occurrence: old.occurrence, earliest: earliest, due: due, series: old.series, from: Day(task.on), start: instant)
                    }
                case .taskCompleted(let task):
                    let segment = segments[task.task]
                    close(task.task, at: instant)
                    facts.fields.merge(task.outcomes) { $1 }
                    // A series counts from its first occurrence's due date as its rule gives it
                    // when that occurrence is done (else its due date, else the day it was done).
                    if let segment, let taskDefinition = definition.task(task.task)?.task, taskDefinition.repeatRule != nil {
                        let first = segment.occurrence == 1 ? try oracle.window(of: taskDefinition, facts).rawDue : nil
                        repeating[task.task] = segment.series ?? first ?? segment.due ?? Day(task.on)
                    }
                case .taskCancelled(let task): close(task.task, at: instant)
                case .taskSuspended(let task): close(task.task, at: instant)
                case .caseClosed: for task in Array(segments.keys) { close(task, at: instant) }
                default: break
                }
            }
            for task in Array(segments.keys) { close(task, at: Int64.max) }
            outOfRange.formUnion(oracle.outOfRange)
        }
        for line in mismatches.prefix(5) { print("MISMATCH \(line)") }
        #expect(mismatches.isEmpty, "\(mismatches.count) task windows differ from the oracle's")
        #expect(outOfRange.isEmpty, "the oracle was asked about days outside its holiday table: \(outOfRange.sorted().prefix(5))")
        #expect(windowsChecked > 1_000)
        #expect(escalationDays > 0)

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
        print("simulated year: \(windowsChecked) task windows checked, \(expected.count) reminders expected (\(escalationDays) escalations), \(actual.count) delivered")
    }

    @Test("the oracle's written-out holidays and the production calendar agree on every day of 2025-2033")
    func oracleCalendarAgreesWithTheEngine() {
        var oracle = DeadlineOracle(closedDays: [])
        let calendar = FinnishCalendar()
        var day = DeadlineOracle.Day(2025, 1, 1)
        var differences: [String] = []
        var days = 0
        while day.year <= 2033 {
            if oracle.isWorkingDay(day) != calendar.isWorkingDay(day.localDate) { differences.append("\(day)") }
            // The weekday, too: Sakamoto's formula against LocalDate's (Sunday is 0 here, 7 there).
            if day.weekday != (day.localDate.weekday.rawValue % 7) { differences.append("\(day) weekday") }
            day = day.next
            days += 1
        }
        #expect(days == 9 * 365 + 2)  // 2028 and 2032 are leap years
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }
}
