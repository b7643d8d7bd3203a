/// A process, fully resolved (after `extends`) and validated: the fields, parties,
/// roles, events, states and tasks a case follows.
///
/// Immutable, `Codable` (the engine stores it as JSON, pinned by
/// ``contentHash``) and free of source positions. Obtain one from
/// ``ProcessLoader``.
public struct ProcessDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The process id, e.g. `vat-generic`.
    public var id: String
    /// What the process is called.
    public var title: String
    /// The title in other languages, by language code (`fi`, `sv`, `en`), when the
    /// process file gives several; ``title`` is the one shown when no language is asked for.
    public var titles: [String: String]? = nil

    /// The title in `language` (a code such as `sv`), or ``title`` when it has none.
    public func title(in language: String) -> String { titles?[language] ?? title }
    /// The id of the calendar that counts working days, e.g. `fi`.
    public var calendar: String
    /// The region's own closed days, added to the calendar.
    public var closedDays: [RegionalCalendar.ClosedDays]
    /// Case fields, in the order written.
    public var fields: [FieldDefinition]
    /// Organisations that can take part.
    public var parties: [PartyDefinition]
    /// Roles that own tasks.
    public var roles: [RoleDefinition]
    /// Named events (``EventDefinition/allTasksDone`` is always available too).
    public var events: [EventDefinition]
    /// States, in the order written.
    public var states: [StateDefinition]
    /// Where a case opened too late starts.
    public var fastTrack: FastTrack?
    /// Field ids reported as the outcomes of the process (e.g. housed before release).
    public var report: [String]
    /// Why the organisations may process the client's data at all — their statutory
    /// duty, not the client's consent. Recorded on each case when it opens.
    public var legalBasis: String?
    /// How long a closed case's personal data is kept; nil: kept until erased by hand.
    public var retention: RetentionRule?
    /// Documents disclosed to parties (advance information, memos); nil when none.
    public var documents: [DocumentDefinition]?
    /// Examples from the file (not part of the ``contentHash``).
    public var examples: [ProcessExample]
    /// The ``contentHash`` once computed, shared by copies (and checked against them).
    var contentHashCache = ContentHashCache()

    /// What the JSON form holds: everything but the cache.
    enum CodingKeys: String, CodingKey {
        case id, title, titles, calendar, closedDays, fields, parties, roles, events, states, fastTrack, report, legalBasis,
            retention, documents, examples
    }

    /// Creates a value from its parts (see the properties for their meaning).
    public init(
        id: String, title: String, calendar: String = "fi", closedDays: [RegionalCalendar.ClosedDays] = [],
        fields: [FieldDefinition] = [], parties: [PartyDefinition] = [], roles: [RoleDefinition] = [],
        events: [EventDefinition] = [], states: [StateDefinition] = [], fastTrack: FastTrack? = nil,
        report: [String] = [], legalBasis: String? = nil, retention: RetentionRule? = nil,
        documents: [DocumentDefinition]? = nil, examples: [ProcessExample] = []
    ) {
        self.id = id
        self.title = title
        self.calendar = calendar
        self.closedDays = closedDays
        self.fields = fields
        self.parties = parties
        self.roles = roles
        self.events = events
        self.states = states
        self.fastTrack = fastTrack
        self.report = report
        self.legalBasis = legalBasis
        self.retention = retention
        self.documents = documents
        self.examples = examples
    }

    /// The state new cases start in.
    public var initialState: StateDefinition? { states.first { $0.initial } }

    /// The field with `id`.
    public func field(_ id: String) -> FieldDefinition? { fields.first { $0.id == id } }

    /// The document with `id`.
    public func document(_ id: String) -> DocumentDefinition? { documents?.first { $0.id == id } }

    /// The state with `id`.
    public func state(_ id: String) -> StateDefinition? { states.first { $0.id == id } }

    /// The task with `id` and the state it belongs to.
    public func task(_ id: String) -> (task: TaskDefinition, state: StateDefinition)? {
        for state in states {
            if let task = state.tasks.first(where: { $0.id == id }) { return (task, state) }
        }
        return nil
    }

    /// The types of the fields, for type-checking expressions.
    public var expressionEnvironment: ExpressionEnvironment {
        ExpressionEnvironment(
            fields: Dictionary(fields.map { ($0.id, $0.type.expressionType) }, uniquingKeysWith: { a, _ in a }),
            events: Set(events.map(\.id) + [EventDefinition.allTasksDone]),
            parties: Set(parties.map(\.id)))
    }

    /// The calendar of this process: the base calendar from `registry` with the
    /// region's closed days added, or nil when the registry does not know the base.
    public func makeCalendar(registry: CalendarRegistry = .standard) -> (any BusinessCalendar)? {
        guard let base = registry.calendar(id: calendar) else { return nil }
        if closedDays.isEmpty { return base }
        return RegionalCalendar(base: base, id: "\(calendar)+\(id)", closedDays: closedDays)
    }

    /// The calendar of this process, as ``makeCalendar(registry:)`` makes it from `registry`.
    ///
    /// - Throws: ``UnknownCalendar`` naming this process and its calendar when `registry`
    ///   does not hold the base calendar.
    public func calendar(in registry: CalendarRegistry) throws(UnknownCalendar) -> any BusinessCalendar {
        guard let calendar = makeCalendar(registry: registry) else {
            throw UnknownCalendar(process: id, calendar: self.calendar, registered: registry.ids)
        }
        return calendar
    }
}

extension ProcessDefinition {
    /// The ids of the fields marked personal.
    var personalFields: Set<String> { Set(fields.filter(\.personal).map(\.id)) }
}
