public import WorkflowKit

/// A case run in memory through the engine's pure rules: each command is decided
/// against the current state on a date the test sets, and its events are folded in.
///
/// No database and no clock: what a scenario shows is exactly what
/// ``CaseDecider`` and ``CaseState/evolve(_:)`` do.
public struct CaseScenario: Sendable {
    /// The definition the case follows (``run(_:)`` of `.migrate` changes it).
    public private(set) var definition: ProcessDefinition
    /// The day commands are decided on.
    public var today: LocalDate
    /// The case after every event so far.
    public private(set) var state: CaseState
    /// Every event so far, oldest first.
    public private(set) var history: [CaseEvent] = []
    private let calendar: any BusinessCalendar

    /// - Throws: ``ScenarioError`` when the definition's calendar is not registered.
    public init(_ definition: ProcessDefinition, id: StreamID = "case-1", today: LocalDate) throws {
        guard let calendar = definition.makeCalendar() else {
            throw ScenarioError("Process '\(definition.id)' names an unknown calendar '\(definition.calendar)'.")
        }
        self.definition = definition
        self.calendar = calendar
        self.today = today
        self.state = CaseState(id: id)
    }

    /// Decides `command` and folds the events it causes into ``state``.
    ///
    /// - Parameter actor: The id of the worker giving the command (a claim records it).
    /// - Returns: The events the command caused.
    /// - Throws: ``CommandRefused``; the state and history are then unchanged.
    @discardableResult
    public mutating func run(_ command: CaseCommand, by actor: String? = nil) throws -> [CaseEvent] {
        let events = try CaseDecider.decide(
            command, state: state, definition: definition, today: today, calendar: calendar, actor: actor)
        for event in events { state.apply(event) }
        history += events
        if case .migrate(let target) = command { definition = target }
        return events
    }

    /// Moves ``today`` on by `days` calendar days.
    public mutating func advance(days: Int) {
        today = today.adding(days: days)
    }

    /// Loads one process from YAML text.
    ///
    /// - Throws: ``ScenarioError`` listing the diagnostics when the text does not load.
    public static func definition(yaml: String, file: String = "scenario.yaml") throws -> ProcessDefinition {
        let library = ProcessLoader().load(sources: [.init(file: file, text: yaml)])
        guard library.processes.count == 1, let definition = library.processes.first?.definition,
            !library.diagnostics.contains(where: { $0.severity == .error })
        else {
            throw ScenarioError("The process does not load:\n\(library.diagnostics.map(\.description).joined(separator: "\n"))")
        }
        return definition
    }
}

/// A scenario that cannot be set up.
public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
