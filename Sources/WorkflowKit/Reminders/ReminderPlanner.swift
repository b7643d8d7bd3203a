import Foundation

/// Turns an open task and its process's reminder ladder into reminders. Pure.
public struct ReminderPlanner: Sendable {
    /// The local hour (in the process calendar's zone) at which a day's reminders fire.
    public var hour: Int
    public var minute: Int

    public init(hour: Int = 8, minute: Int = 0) {
        self.hour = hour
        self.minute = minute
    }

    /// The task as the schedule sees it.
    public struct TaskInstance: Sendable, Hashable {
        public var caseID: StreamID
        public var task: String
        public var occurrence: Int
        public var role: String
        public var earliest: LocalDate?
        public var due: LocalDate?

        public init(caseID: StreamID, task: String, occurrence: Int, role: String, earliest: LocalDate?, due: LocalDate?) {
            self.caseID = caseID
            self.task = task
            self.occurrence = occurrence
            self.role = role
            self.earliest = earliest
            self.due = due
        }
    }

    /// The reminders of `instance` that fire on or after `from`: each rule of the task's
    /// `remind:` list, and the first reminder of each escalation rung (an escalation whose
    /// first day has passed fires on `from`, because the task is overdue now).
    public func plan(
        _ instance: TaskInstance, definition: ProcessDefinition, calendar: any BusinessCalendar, from: LocalDate
    ) -> [Reminder] {
        guard let task = definition.task(instance.task)?.task else { return [] }
        var reminders: [Reminder] = []
        for rule in task.reminders {
            guard let anchor = rule.anchor == .due ? instance.due : instance.earliest else { continue }
            let date = rule.date(from: anchor, calendar: calendar)
            guard date >= from else { continue }
            let kind: ReminderKind
            switch rule.anchor {
            case .windowStart: kind = .windowOpens
            case .due: kind = rule.offset.amount < 0 ? .dueSoon : rule.offset.amount == 0 ? .due : .overdue
            }
            reminders.append(make(instance, task: task, definition: definition, kind: kind, role: instance.role, on: date, calendar: calendar))
        }
        if let due = instance.due {
            for (rung, rule) in task.escalation.enumerated() {
                let date = max(rule.firstDate(due: due, calendar: calendar), calendar.nextWorkingDay(onOrAfter: from))
                reminders.append(
                    make(instance, task: task, definition: definition, kind: .escalation, role: rule.to, on: date, calendar: calendar, rung: rung))
            }
        }
        var seen: Set<String> = []
        return reminders.filter { seen.insert($0.id).inserted }.sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
    }

    /// The next reminder of an escalation rung after `reminder`, when the rung repeats.
    public func next(after reminder: Reminder, definition: ProcessDefinition, calendar: any BusinessCalendar) -> Reminder? {
        guard reminder.kind == .escalation, let rung = reminder.rung,
            let task = definition.task(reminder.task)?.task, rung < task.escalation.count,
            let date = next(rule: task.escalation[rung], after: reminder.fireOn, due: reminder.due, calendar: calendar),
            date > reminder.fireOn
        else { return nil }
        let instance = TaskInstance(
            caseID: reminder.caseID, task: reminder.task, occurrence: reminder.occurrence, role: reminder.role,
            earliest: nil, due: reminder.due)
        return make(instance, task: task, definition: definition, kind: .escalation, role: reminder.role, on: date, calendar: calendar, rung: rung)
    }

    private func next(rule: EscalationRule, after previous: LocalDate, due: LocalDate?, calendar: any BusinessCalendar) -> LocalDate? {
        guard let due else { return rule.nextDate(after: previous, calendar: calendar) }
        return rule.nextDate(after: previous, due: due, calendar: calendar)
    }

    /// The reminder that replaces `reminder` and every later one of its rung that is
    /// due at `now` (milliseconds since 1970): for a repeating escalation rung, its
    /// last day whose time has come (within the rung's `times`); otherwise the reminder
    /// itself. It carries `superseded` so that the message can say what it stands for.
    /// Late reminders (sorted by case, task, occurrence and time) grouped by open task's
    /// rung — the owner's reminders count as one rung, each escalation rung as another —
    /// each group with the count its last one stands for once the others fold into it.
    package static func lateRungs(_ reminders: [Reminder]) -> [(reminders: [Reminder], superseded: Int)] {
        var groups: [String: [Reminder]] = [:]
        var order: [String] = []
        for reminder in reminders {
            let key = [reminder.caseID.rawValue, reminder.task, String(reminder.occurrence), reminder.rung.map(String.init) ?? "owner"]
                .joined(separator: "\u{1F}")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(reminder)
        }
        return order.compactMap { key in
            guard let group = groups[key], let last = group.last else { return nil }
            return (group, last.superseded + group.dropLast().reduce(0) { $0 + 1 + $1.superseded })
        }
    }

    package func latest(
        replacing reminder: Reminder, superseded: Int, now: Int64, definition: ProcessDefinition, calendar: any BusinessCalendar
    ) -> Reminder {
        var latest = reminder
        var skipped = 0
        while let next = next(after: latest, definition: definition, calendar: calendar), next.fireAt <= now {
            latest = next
            skipped += 1
        }
        latest.superseded = superseded + skipped
        return latest
    }

    func make(
        _ instance: TaskInstance, task: TaskDefinition, definition: ProcessDefinition, kind: ReminderKind, role: String,
        on date: LocalDate, calendar: any BusinessCalendar, rung: Int? = nil
    ) -> Reminder {
        let instant = calendar.instant(date, hour: hour, minute: minute)
        let milliseconds = Int64((instant.timeIntervalSince1970 * 1000).rounded())
        return Reminder(
            caseID: instance.caseID, process: definition.id, task: task.id, title: task.title, occurrence: instance.occurrence,
            role: role, kind: kind, due: instance.due, fireOn: date, fireAt: milliseconds, rung: rung)
    }
}
