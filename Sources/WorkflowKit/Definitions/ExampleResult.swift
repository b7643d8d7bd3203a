import Foundation

/// The outcome of checking one example written in a process file.
public struct ExampleResult: Sendable, Hashable {
    /// The process the example belongs to.
    public var process: String
    /// The example's name.
    public var name: String
    /// Where the example was written.
    public var location: FileLocation
    /// One sentence per expectation that did not hold ("expected …, got …"); empty when it passed.
    public var failures: [String]
    /// The state the case ended in.
    public var state: String?
    /// The process the example was inherited from, when it is written in the
    /// extended process's file rather than in this process's own.
    public var inheritedFrom: String?
    /// Where a failure is reported: the example itself, or for an inherited
    /// example the `extends:` line of the process that inherits it.
    public var reportedAt: FileLocation

    init(process: String, name: String, location: FileLocation, failures: [String], state: String?) {
        self.process = process
        self.name = name
        self.location = location
        self.failures = failures
        self.state = state
        self.reportedAt = location
    }

    /// Whether every expectation held.
    public var passed: Bool { failures.isEmpty }

    /// The sentence saying how to replace an inherited example, for `file`.
    public func replacementAdvice(file: String) -> String? {
        guard let base = inheritedFrom else { return nil }
        let name = (file as NSString).lastPathComponent
        return "This example is inherited from '\(base)' (written at \(location)); an extending file inherits the examples of its base until it has its own 'examples:'. Write 'examples:' in \(name), copying the base's and adapting their dates to this process, to replace them."
    }

    /// The error reported when the example fails, for the process in `file`.
    func failureMessage(file: String) -> String {
        let failed = "The example '\(name)' fails: \(failures.joined(separator: "; "))."
        guard let advice = replacementAdvice(file: file) else { return failed }
        return "The inherited example '\(name)' fails for '\(process)': \(failures.joined(separator: "; ")). " + advice
    }
}

extension ProcessDefinition {
    /// Runs `example`: opens a case with its fields on its opening date (on the
    /// fast track when the fast-track condition holds), applies its events in
    /// order (the first transition whose guard holds moves the case), then
    /// compares the state and task dates with what the example expects.
    ///
    /// - Returns: The failures, one sentence each, and the final state.
    public func run(_ example: ProcessExample, calendar: any BusinessCalendar) -> (failures: [String], state: String?) {
        var context = EvaluationContext(fields: example.fields, openedOn: example.openedOn, today: example.openedOn, calendar: calendar)
        if let parties = example.consent { context.consent = .init(parties: Set(parties)) }
        var failures: [String] = []
        let start = startState(in: context)
        var state = start?.state
        let fastTracked = start?.fastTracked ?? false
        for occurrence in example.events {
            context.eventDates[occurrence.event] = occurrence.date
            context.today = occurrence.date
            if let current = state, let transition = transition(from: current, on: occurrence.event, in: context) {
                state = self.state(transition.to)
            }
        }
        let expect = example.expect
        if let expected = expect.state, expected != state?.id {
            failures.append("expected state '\(expected)', got '\(state?.id ?? "none")'")
        }
        if let expected = expect.fastTrack, expected != fastTracked {
            failures.append("expected fastTrack \(expected), got \(fastTracked)")
        }
        for (taskID, expected) in expect.tasks.sorted(by: { $0.key < $1.key }) {
            guard let task = state?.tasks.first(where: { $0.id == taskID }) else {
                failures.append("expected task '\(taskID)' to be open, but it is not a task of the state '\(state?.id ?? "none")'")
                continue
            }
            let schedule = self.schedule(of: task, in: context)
            func show(_ date: LocalDate?) -> String { date?.description ?? "none" }
            if let due = expected.due, due != schedule.due {
                var failure = "task '\(taskID)': expected due \(due), got \(show(schedule.due))"
                if !calendar.isWorkingDay(due), task.dueOnDayOff == .nextWorkingDay, schedule.due == calendar.nextWorkingDay(onOrAfter: due) {
                    failure += " (\(calendar.explainDay(due).dropLast()); a due date on a day off moves to the next working day, \(schedule.due.map { "\($0.weekday) \($0)" } ?? ""))"
                }
                failures.append(failure)
            }
            if let earliest = expected.earliest, earliest != schedule.earliest {
                failures.append("task '\(taskID)': expected earliest \(earliest), got \(show(schedule.earliest))")
            }
            if let expectedEscalations = expected.escalations {
                // Every escalation when no rung repeats; else those up to the last date listed.
                let repeats = task.escalation.contains { $0.every != nil }
                let got = Self.escalations(of: schedule, through: repeats ? expectedEscalations.map(\.date).max() : nil, calendar: calendar)
                if got != expectedEscalations {
                    failures.append("task '\(taskID)': expected escalations [\(expectedEscalations.map(\.description).joined(separator: ", "))], got [\(got.map(\.description).joined(separator: ", "))]")
                }
            }
            if let reminders = expected.reminders, reminders.sorted() != schedule.reminders {
                failures.append("task '\(taskID)': expected reminders [\(reminders.map(\.description).joined(separator: ", "))], got [\(schedule.reminders.map(\.description).joined(separator: ", "))]")
            }
        }
        return (failures, state?.id)
    }

    /// Every escalation of `schedule` on or before `last` (nil: all; at most 1000), by date (then role).
    static func escalations(of schedule: TaskSchedule, through last: LocalDate?, calendar: any BusinessCalendar) -> [ProcessExample.Escalation] {
        var result: [ProcessExample.Escalation] = []
        for step in schedule.escalations {
            var date: LocalDate? = step.date
            while let current = date, last.map({ current <= $0 }) ?? true, result.count < 1000 {
                result.append(.init(role: step.role, date: current))
                date = step.rule.nextDate(after: current, calendar: calendar)
            }
        }
        return result.sorted { ($0.date, $0.role) < ($1.date, $1.role) }
    }
}
