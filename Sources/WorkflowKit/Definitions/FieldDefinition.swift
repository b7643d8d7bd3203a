/// A case field: a typed value recorded about a case (a date, a choice, …).
public struct FieldDefinition: Sendable, Hashable, Codable, Identifiable {
    /// What kind of value a field holds.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case date, text, number, bool, choice, parties

        /// The expression type of the field's value (nil for a list of parties).
        public var expressionType: ExpressionType? {
            switch self {
            case .date: .date
            case .text, .choice: .text
            case .number: .number
            case .bool: .bool
            case .parties: nil
            }
        }
    }

    /// The id, e.g. `releaseDate`.
    public var id: String
    /// What coordinators and workers see.
    public var title: String
    /// The title in other languages, by language code (`fi`, `sv`, `en`), when the
    /// process file gives several; ``title`` is the one shown when no language is asked for.
    public var titles: [String: String]? = nil

    /// The title in `language` (a code such as `sv`), or ``title`` when it has none.
    public func title(in language: String) -> String { titles?[language] ?? title }
    /// The kind of value.
    public var type: Kind
    /// The allowed values of a choice (empty for other kinds).
    public var values: [String]
    /// Whether the value is personal data (encrypted at rest, never in logs or messages).
    public var personal: Bool
    /// Whether the case cannot be opened without it.
    public var required: Bool

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String, type: Kind, values: [String] = [], personal: Bool = false, required: Bool = false) {
        self.id = id
        self.title = title
        self.type = type
        self.values = values
        self.personal = personal
        self.required = required
    }
}

/// An organisation that can take part in a case, e.g. the prison.
public struct PartyDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The id, e.g. `prison`.
    public var id: String
    /// The organisation's name.
    public var title: String

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }
}

/// Who owns a task, e.g. the responsible worker or the group's chair.
public struct RoleDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The id, e.g. `chair`.
    public var id: String
    /// What the role is called.
    public var title: String
    /// The party the role belongs to, when it belongs to one.
    public var party: String?

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String, party: String? = nil) {
        self.id = id
        self.title = title
        self.party = party
    }
}

/// Something that happens to a case and may move it to another state.
public struct EventDefinition: Sendable, Hashable, Codable, Identifiable {
    /// The id, e.g. `consent-given`.
    public var id: String
    /// What happened, in words.
    public var title: String

    /// The event the engine records by itself when every task of the current
    /// state is complete.
    public static let allTasksDone = "all-tasks-done"

    /// Creates a value from its parts (see the properties for their meaning).
    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }
}
