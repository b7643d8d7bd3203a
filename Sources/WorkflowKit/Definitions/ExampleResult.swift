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

    /// Whether every expectation held.
    public var passed: Bool { failures.isEmpty }
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
                failures.append("task '\(taskID)': expected due \(due), got \(show(schedule.due))")
            }
            if let earliest = expected.earliest, earliest != schedule.earliest {
                failures.append("task '\(taskID)': expected earliest \(earliest), got \(show(schedule.earliest))")
            }
            if let reminders = expected.reminders, reminders.sorted() != schedule.reminders {
                failures.append("task '\(taskID)': expected reminders [\(reminders.map(\.description).joined(separator: ", "))], got [\(schedule.reminders.map(\.description).joined(separator: ", "))]")
            }
        }
        return (failures, state?.id)
    }
}
