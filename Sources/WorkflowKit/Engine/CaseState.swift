/// A case as its events make it: the fold of its history.
public struct CaseState: Sendable, Hashable {
    /// A task that is open in the case.
    public struct OpenTask: Sendable, Hashable {
        public var task: String
        public var role: String
        public var earliest: LocalDate?
        public var due: LocalDate?
        public var occurrence: Int
        public var openedOn: LocalDate
        /// For a repetition: the date its series counts from (see ``TaskOpened/seriesStart``).
        public var seriesStart: LocalDate?
        /// True while consent the task needs is withdrawn.
        public var suspended: Bool
        /// The id of the worker who claimed the task, while one has.
        public var claimedBy: String? = nil
    }

    /// A task done, for reports.
    public struct CompletedTask: Sendable, Hashable {
        public var task: String
        public var occurrence: Int
        public var due: LocalDate?
        public var on: LocalDate
        public var late: Bool
    }

    public var id: StreamID
    /// The number of events folded so far (the stream's version).
    public var version: Int64 = 0
    /// The stream version of the last event that changed the case: reads recorded in its
    /// access log move ``version`` but not this (an HTTP `ETag` names it, so that a read
    /// does not make everyone else's copy stale).
    public var revision: Int64 = 0
    public var process = ""
    /// The content hash of the definition the case follows.
    public var definition = ""
    public var state = ""
    public var fields: [String: ExpressionValue] = [:]
    public var openedOn: LocalDate?
    /// When each named event last happened.
    public var eventDates: [String: LocalDate] = [:]
    /// The parties the client's consent names; nil when there is none in force.
    public var consent: Set<String>?
    public var responsibleWorker: String?
    /// Why the case is on the fast track, when it is.
    public var fastTrack: String?
    /// The statutory duty the case's data is processed under, as recorded when it opened.
    public var legalBasis: String?
    /// Open tasks by task id, in the order they opened.
    public var openTasks: [OpenTask] = []
    public var completedTasks: [CompletedTask] = []
    /// How many times each task has opened.
    public var occurrences: [String: Int] = [:]
    public var disclosures: [InformationDisclosed] = []
    public var closed: CaseClosed?
    /// Set when the case's personal data was destroyed.
    public var erased: CaseErased?

    public init(id: StreamID) {
        self.id = id
    }

    /// Whether the case has been opened (it has at least its first event).
    public var exists: Bool { version > 0 }

    public var isClosed: Bool { closed != nil }

    /// The open task with `id`.
    public func openTask(_ id: String) -> OpenTask? {
        openTasks.first { $0.task == id }
    }

    /// The context expressions of this case are evaluated in.
    public func evaluationContext(today: LocalDate?, calendar: any BusinessCalendar) -> EvaluationContext {
        EvaluationContext(
            fields: fields, openedOn: openedOn, today: today, eventDates: eventDates,
            consent: consent.map { EvaluationContext.Consent(parties: $0) }, calendar: calendar)
    }
}
