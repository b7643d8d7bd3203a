/// A state of a case, with the tasks that open when a case enters it and the
/// events that move it on.
public struct StateDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The id, e.g. `mapping`.
    public var id: String
    /// What the state is called.
    public var title: String
    /// The title in other languages, by language code (`fi`, `sv`, `en`), when the
    /// process file gives several; ``title`` is the one shown when no language is asked for.
    public var titles: [String: String]? = nil

    /// The title in `language` (a code such as `sv`), or ``title`` when it has none.
    public func title(in language: String) -> String { titles?[language] ?? title }
    /// Whether new cases start here (exactly one state is initial).
    public var initial: Bool
    /// Whether the case is closed when it reaches this state.
    public var final: Bool
    /// The tasks that open on entering the state.
    public var tasks: [TaskDefinition]
    /// The ways out, in the order they are tried.
    public var transitions: [Transition]
    /// For a final state: the state a case closed here goes back to when it is
    /// reopened (e.g. a client who lost contact comes back); nil: it cannot be.
    public var reopen: String?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String, initial: Bool = false, final: Bool = false, tasks: [TaskDefinition] = [], transitions: [Transition] = []) {
        self.id = id
        self.title = title
        self.initial = initial
        self.final = final
        self.tasks = tasks
        self.transitions = transitions
    }
}

/// A move to another state when an event happens and its guard holds.
public struct Transition: Sendable, Hashable, Codable {
    /// The event that triggers the move.
    public var event: String
    /// The state moved to.
    public var to: String
    /// A yes/no condition; the move happens only when it is true (absent counts as false).
    public var guardExpression: ProcessExpression?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(event: String, to: String, guardExpression: ProcessExpression? = nil) {
        self.event = event
        self.to = to
        self.guardExpression = guardExpression
    }

    enum CodingKeys: String, CodingKey {
        case event, to
        case guardExpression = "guard"
    }
}

/// What happens when a case is opened too late for its normal timeline: when
/// the condition holds on the opening date, the case starts in another state.
public struct FastTrack: Sendable, Hashable, Codable {
    /// The condition, e.g. `openedOn > releaseDate - 2 months`.
    public var when: ProcessExpression
    /// The state such a case starts in.
    public var state: String
    /// Why, for the people who see the case flagged.
    public var reason: String

    /// Creates a value from its parts (see the properties for their meaning).
    public init(when: ProcessExpression, state: String, reason: String) {
        self.when = when
        self.state = state
        self.reason = reason
    }
}
