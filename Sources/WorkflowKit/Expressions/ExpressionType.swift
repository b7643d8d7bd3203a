/// The type of an expression's value, checked when a process file loads.
public enum ExpressionType: String, Sendable, Hashable, Codable, CustomStringConvertible {
    case date, number, bool, text, duration

    /// The type's name as coordinators read it in messages.
    public var description: String {
        switch self {
        case .date: "a date"
        case .number: "a number"
        case .bool: "yes/no (true or false)"
        case .text: "text"
        case .duration: "a duration"
        }
    }
}

/// What an expression may refer to: the process's fields with their types, its
/// events and its parties. Used to type-check expressions when a file loads.
public struct ExpressionEnvironment: Sendable {
    /// The type of each field usable in expressions; a field mapped to nil
    /// exists but has no expression type (a list of parties).
    public var fields: [String: ExpressionType?]
    /// The ids of the process's events.
    public var events: Set<String>
    /// The ids of the process's parties.
    public var parties: Set<String>
    /// When false, references to unknown events and parties are not errors
    /// (for `aso-engine eval` without a process).
    public var checksReferences: Bool

    /// Creates a value from its parts (see the properties for their meaning).
    public init(fields: [String: ExpressionType?] = [:], events: Set<String> = [], parties: Set<String> = [], checksReferences: Bool = true) {
        self.fields = fields
        self.events = events
        self.parties = parties
        self.checksReferences = checksReferences
    }
}
