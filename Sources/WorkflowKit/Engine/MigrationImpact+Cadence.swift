extension MigrationImpact {
    /// A repeating task whose next occurrence would move: "visit: next occurrence
    /// 2026-08-01 → 2026-07-15 (every 1 month → every 2 weeks)".
    public struct CadenceChange: Sendable, Hashable, CustomStringConvertible {
        public var task: String
        /// The rule before and after ("every 1 month"; nil when the task does not repeat).
        public var previousRule: String?
        public var rule: String?
        /// The due date of the occurrence that completing the open one would open, under
        /// each version (nil when that version opens none).
        public var previousNextDue: LocalDate?
        public var nextDue: LocalDate?

        public var description: String {
            "\(task): next occurrence \(previousNextDue?.description ?? "none") → \(nextDue?.description ?? "none")"
                + " (\(previousRule ?? "no repetition") → \(rule ?? "no repetition"))"
        }
    }

    /// The open tasks whose repetition differs between `current` and `target`, with the
    /// next occurrence each version would open when the open one is completed today —
    /// worked out by the engine's own decisions on the case as it is and as migrated.
    static func cadenceChanges(
        of state: CaseState, following current: ProcessDefinition, migrated: CaseState, to target: ProcessDefinition,
        today: LocalDate, calendar: any BusinessCalendar
    ) -> [CadenceChange] {
        var changes: [CadenceChange] = []
        for open in state.openTasks {
            let before = current.state(state.state)?.tasks.first { $0.id == open.task }?.repeatRule
            let after = target.state(migrated.state)?.tasks.first { $0.id == open.task }?.repeatRule
            guard before != after else { continue }
            let previousNext = nextDue(of: open.task, in: state, definition: current, today: today, calendar: calendar)
            let next = nextDue(of: open.task, in: migrated, definition: target, today: today, calendar: calendar)
            guard previousNext != next else { continue }
            changes.append(
                CadenceChange(
                    task: open.task, previousRule: before.map(ProcessDiff.describe), rule: after.map(ProcessDiff.describe),
                    previousNextDue: previousNext, nextDue: next))
        }
        return changes
    }

    /// The due date of the occurrence of `task` that completing it today would open.
    private static func nextDue(
        of task: String, in state: CaseState, definition: ProcessDefinition, today: LocalDate, calendar: any BusinessCalendar
    ) -> LocalDate? {
        guard let events = try? CaseDecider.decide(.complete(task: task), state: state, definition: definition, today: today, calendar: calendar)
        else { return nil }
        for case .taskOpened(let opened) in events where opened.task == task { return opened.due }
        return nil
    }
}
