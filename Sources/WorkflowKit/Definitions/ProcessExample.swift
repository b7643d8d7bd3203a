/// An example written in a process file: given field values, an opening date
/// and events, the case is expected to be in a state with tasks due on given
/// dates. `aso-engine test` checks them; so does validation.
public struct ProcessExample: Sendable, Hashable, Codable {
    /// What the example shows.
    public var name: String
    /// Field values of the case.
    public var fields: [String: ExpressionValue]
    /// When the case was opened.
    public var openedOn: LocalDate
    /// Events that happen, in order, each on a date.
    public var events: [Occurrence]
    /// Parties named in the client's consent (nil: no consent given).
    public var consent: [String]?
    /// What must hold afterwards.
    public var expect: Expectation

    /// An event on a date.
    public struct Occurrence: Sendable, Hashable, Codable {
        /// The event id.
        public var event: String
        /// The day it happens.
        public var date: LocalDate
        /// Creates a value from its parts (see the properties for their meaning).
        public init(event: String, date: LocalDate) {
            self.event = event
            self.date = date
        }
    }

    /// What an example expects; every part is optional.
    public struct Expectation: Sendable, Hashable, Codable {
        /// The state the case is in.
        public var state: String?
        /// Whether the case was put on the fast track.
        public var fastTrack: Bool?
        /// Expected dates of open tasks, by task id.
        public var tasks: [String: TaskExpectation]

        /// Creates a value from its parts (see the properties for their meaning).
        public init(state: String? = nil, fastTrack: Bool? = nil, tasks: [String: TaskExpectation] = [:]) {
            self.state = state
            self.fastTrack = fastTrack
            self.tasks = tasks
        }
    }

    /// Expected dates of one task.
    public struct TaskExpectation: Sendable, Hashable, Codable {
        /// The expected earliest start.
        public var earliest: LocalDate?
        /// The expected due date (after the day-off rule).
        public var due: LocalDate?
        /// The expected reminder dates, in any order.
        public var reminders: [LocalDate]?
        /// Every escalation expected up to the last date listed, in order: a
        /// rung that repeats (`every`) must be listed each time it tells its role.
        public var escalations: [Escalation]?
        /// Creates a value from its parts (see the properties for their meaning).
        public init(earliest: LocalDate? = nil, due: LocalDate? = nil, reminders: [LocalDate]? = nil, escalations: [Escalation]? = nil) {
            self.earliest = earliest
            self.due = due
            self.reminders = reminders
            self.escalations = escalations
        }
    }

    /// One expected escalation: the role told, and the day.
    public struct Escalation: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The role told.
        public var role: String
        /// The day it is told.
        public var date: LocalDate
        /// Creates a value from its parts (see the properties for their meaning).
        public init(role: String, date: LocalDate) {
            self.role = role
            self.date = date
        }
        /// `chair on 2027-07-01`.
        public var description: String { "\(role) on \(date)" }
    }

    /// Creates a value from its parts (see the properties for their meaning).
    public init(name: String, fields: [String: ExpressionValue], openedOn: LocalDate, events: [Occurrence] = [], consent: [String]? = nil, expect: Expectation) {
        self.name = name
        self.fields = fields
        self.openedOn = openedOn
        self.events = events
        self.consent = consent
        self.expect = expect
    }
}
