/// Everything an expression can read when it is evaluated: the case's field
/// values, its opening date, today, the dates of events, consent, and the calendar
/// that counts working days. Plain values: evaluation does no I/O.
public struct EvaluationContext: Sendable {
    /// The case's field values by field id; a field without a value is absent.
    public var fields: [String: ExpressionValue]
    /// The date the case was opened.
    public var openedOn: LocalDate?
    /// The current date (from the injected clock, never the wall clock).
    public var today: LocalDate?
    /// The date each event last happened, by event id.
    public var eventDates: [String: LocalDate]
    /// The client's consent to disclose: nil when none has been given.
    public var consent: Consent?
    /// The calendar that counts working days.
    public var calendar: any BusinessCalendar

    /// The client's written consent, naming the parties that may be told.
    public struct Consent: Sendable, Hashable, Codable {
        /// Party ids named in the consent.
        public var parties: Set<String>
        /// Creates a value from its parts (see the properties for their meaning).
        public init(parties: Set<String>) { self.parties = parties }
    }

    /// Creates a value from its parts (see the properties for their meaning).
    public init(
        fields: [String: ExpressionValue] = [:], openedOn: LocalDate? = nil, today: LocalDate? = nil,
        eventDates: [String: LocalDate] = [:], consent: Consent? = nil, calendar: any BusinessCalendar
    ) {
        self.fields = fields
        self.openedOn = openedOn
        self.today = today
        self.eventDates = eventDates
        self.consent = consent
        self.calendar = calendar
    }
}

/// The result of evaluating an expression: the value (nil when it depends on
/// something absent) and the steps that explain it.
public struct Evaluation: Sendable, Hashable, CustomStringConvertible {
    /// The value, or nil when an input it needs has no value yet.
    public var value: ExpressionValue?
    /// One line per rule applied, in the order applied, e.g.
    /// "2026-10-23 = releaseDate (2026-12-23) - 2 months".
    public var steps: [String]

    /// Creates a value from its parts (see the properties for their meaning).
    public init(value: ExpressionValue?, steps: [String]) {
        self.value = value
        self.steps = steps
    }

    /// The value as a guard: absent counts as false.
    public var isTrue: Bool { value?.bool ?? false }

    /// The value and its explanation, one step per line.
    public var description: String {
        ([value?.description ?? "(no value)"] + steps.map { "  " + $0 }).joined(separator: "\n")
    }
}
