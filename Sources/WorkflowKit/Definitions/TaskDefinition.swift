/// A task that opens when a case enters a state: who owns it, its window
/// (earliest start and due date), reminders, escalation, and what it records.
public struct TaskDefinition: Sendable, Hashable, Codable, Identifiable {
    /// What to do with a due date that falls on a day off.
    public enum DayOffRule: String, Sendable, Hashable, Codable {
        /// Move it to the next working day (Act 150/1930 §5): the default.
        case nextWorkingDay = "next-working-day"
        /// Keep it on the day off.
        case keep
    }

    /// The id, unique in the process, e.g. `map-housing`.
    public var id: String
    /// What to do, in words.
    public var title: String
    /// The title in other languages, by language code (`fi`, `sv`, `en`), when the
    /// process file gives several; ``title`` is the one shown when no language is asked for.
    public var titles: [String: String]? = nil

    /// The title in `language` (a code such as `sv`), or ``title`` when it has none.
    public func title(in language: String) -> String { titles?[language] ?? title }
    /// The role that owns the task.
    public var role: String
    /// The earliest day the task should start (the window's start).
    public var earliest: ProcessExpression?
    /// The due date.
    public var due: ProcessExpression?
    /// What happens to a due date that falls on a day off.
    public var dueOnDayOff: DayOffRule
    /// When reminders are sent.
    public var reminders: [ReminderRule]
    /// Who is told when the task is overdue, and how often.
    public var escalation: [EscalationRule]
    /// Parties involved: the client's consent must name them.
    public var involves: [String]
    /// Fields set when the task is completed.
    public var outcomes: [String]
    /// When set, the task opens again after each completion.
    public var repeatRule: RepeatRule?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(
        id: String, title: String, role: String, earliest: ProcessExpression? = nil, due: ProcessExpression? = nil,
        dueOnDayOff: DayOffRule = .nextWorkingDay, reminders: [ReminderRule] = [], escalation: [EscalationRule] = [],
        involves: [String] = [], outcomes: [String] = [], repeatRule: RepeatRule? = nil
    ) {
        self.id = id
        self.title = title
        self.role = role
        self.earliest = earliest
        self.due = due
        self.dueOnDayOff = dueOnDayOff
        self.reminders = reminders
        self.escalation = escalation
        self.involves = involves
        self.outcomes = outcomes
        self.repeatRule = repeatRule
    }

    enum CodingKeys: String, CodingKey {
        case id, title, titles, role, earliest, due, dueOnDayOff, reminders, escalation, involves, outcomes
        case repeatRule = "repeat"
    }
}

/// When a reminder is sent: an offset from the window's start or from the due date.
public struct ReminderRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The date a reminder is counted from.
    public enum Anchor: String, Sendable, Hashable, Codable {
        /// The task's earliest start.
        case windowStart = "window start"
        /// The task's due date.
        case due
    }

    /// What the offset counts from.
    public var anchor: Anchor
    /// The offset: negative before the anchor, positive after, zero on it.
    public var offset: DateDuration

    /// Creates a value from its parts (see the properties for their meaning).
    public init(anchor: Anchor, offset: DateDuration) {
        self.anchor = anchor
        self.offset = offset
    }

    /// As written in process files: "on due", "5 working days before due".
    public var description: String {
        if offset.amount == 0 { return anchor == .due ? "on due" : "at window start" }
        let size = DateDuration(abs(offset.amount), offset.unit)
        return "\(size) \(offset.amount < 0 ? "before" : "after") \(anchor.rawValue)"
    }

    /// The reminder's date, given the anchor's date.
    public func date(from anchorDate: LocalDate, calendar: any BusinessCalendar) -> LocalDate {
        offset.apply(to: anchorDate, calendar: calendar)
    }
}

/// One rung of an escalation ladder: tell a role once a task is overdue by a
/// given time, and again every so often.
public struct EscalationRule: Sendable, Hashable, Codable {
    /// The role told.
    public var to: String
    /// How long overdue the task is when this rung starts (0 = on the day after the due date).
    public var after: DateDuration
    /// How often to repeat while the task stays overdue (nil: once).
    public var every: DateDuration?
    /// How many times this rung tells its role in all, counting the first (nil: no
    /// bound while the task stays overdue; a rung without `every` tells once).
    public var times: Int?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(to: String, after: DateDuration, every: DateDuration? = nil, times: Int? = nil) {
        self.to = to
        self.after = after
        self.every = every
        self.times = times
    }
}

extension EscalationRule {
    /// The first day this rung tells its role: the first working day after the
    /// task has been overdue for ``after`` (with `after: 0 working days`, the first
    /// working day after the due date).
    public func firstDate(due: LocalDate, calendar: any BusinessCalendar) -> LocalDate {
        calendar.nextWorkingDay(onOrAfter: after.apply(to: due, calendar: calendar).adding(days: 1))
    }

    /// The day after `previous` this rung tells its role again (nil when it
    /// tells only once), moved to a working day.
    public func nextDate(after previous: LocalDate, calendar: any BusinessCalendar) -> LocalDate? {
        every.map { calendar.nextWorkingDay(onOrAfter: $0.apply(to: previous, calendar: calendar)) }
    }

    /// Every day this rung tells its role for a task due on `due`, in order, up to
    /// and including the first day after `through` (or all of them when the rung
    /// is bounded by ``times``). A rung with `every` and no `times` goes on while
    /// the task stays overdue: the list stops after `through`.
    public func dates(due: LocalDate, through: LocalDate, calendar: any BusinessCalendar) -> [LocalDate] {
        var dates = [firstDate(due: due, calendar: calendar)]
        while let last = dates.last, last <= through, times.map({ dates.count < $0 }) ?? true,
            let next = nextDate(after: last, calendar: calendar), next > last
        {
            dates.append(next)
        }
        return dates
    }

    /// The day after `previous` this rung tells its role again for a task due on
    /// `due`, or nil when the rung does not repeat or has told its role ``times`` times.
    public func nextDate(after previous: LocalDate, due: LocalDate, calendar: any BusinessCalendar) -> LocalDate? {
        guard let times else { return nextDate(after: previous, calendar: calendar) }
        let sequence = dates(due: due, through: previous, calendar: calendar)
        guard sequence.filter({ $0 <= previous }).count < times, let next = sequence.first(where: { $0 > previous }) else { return nil }
        return next
    }
}

/// A task that comes back: e.g. a monthly follow-up until the case closes.
public struct RepeatRule: Sendable, Hashable, Codable {
    /// The time between one occurrence's due date and the next.
    public var every: DateDuration
    /// A yes/no condition that stops the repetition; nil repeats until the case closes.
    public var until: ProcessExpression?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(every: DateDuration, until: ProcessExpression? = nil) {
        self.every = every
        self.until = until
    }
}
