/// What changed between two versions of a process: fields, parties, roles, events,
/// states and tasks added, removed or changed, for coordinators to review before
/// running cases move to the new version.
///
/// Pure: compares two resolved definitions, touches nothing else.
public struct ProcessDiff: Sendable, Hashable {
    /// Whether something was added, removed or changed.
    public enum Kind: String, Sendable, Hashable, Codable {
        case added, removed, changed
    }

    /// One element that differs, with what differs about it.
    public struct Change: Sendable, Hashable, CustomStringConvertible {
        public var kind: Kind
        /// What kind of element: `field`, `party`, `role`, `event`, `state`, `task`, `process`.
        public var element: String
        /// The element's id (the process id for process-wide settings).
        public var id: String
        /// One line per property that differs, e.g. "due: releaseDate - 2 months → releaseDate - 3 months".
        public var details: [String]

        public init(kind: Kind, element: String, id: String, details: [String] = []) {
            self.kind = kind
            self.element = element
            self.id = id
            self.details = details
        }

        /// "changed task 'map-housing': due: releaseDate - 2 months → releaseDate - 3 months".
        public var description: String {
            "\(kind.rawValue) \(element) '\(id)'" + (details.isEmpty ? "" : ": " + details.joined(separator: "; "))
        }
    }

    /// The process id of the new version.
    public var process: String
    /// The content hashes of the two versions.
    public var oldVersion: String
    public var newVersion: String
    /// Every difference: process-wide settings, then fields, parties, roles, events, states and tasks.
    public var changes: [Change]

    /// Whether the versions run cases the same way (examples aside).
    public var isEmpty: Bool { changes.isEmpty }

    /// Compares `old` with `new`.
    public init(from old: ProcessDefinition, to new: ProcessDefinition) {
        process = new.id
        oldVersion = old.contentHash
        newVersion = new.contentHash
        var changes: [Change] = []
        var processDetails: [String] = []
        if old.id != new.id { processDetails.append(Self.line("id", old.id, new.id)) }
        if old.title != new.title { processDetails.append(Self.line("title", old.title, new.title)) }
        if old.calendar != new.calendar { processDetails.append(Self.line("calendar", old.calendar, new.calendar)) }
        if old.closedDays != new.closedDays { processDetails.append("closed days changed") }
        if old.fastTrack != new.fastTrack {
            processDetails.append(Self.line("fast track", old.fastTrack.map(Self.describe), new.fastTrack.map(Self.describe)))
        }
        if old.report != new.report {
            processDetails.append(Self.line("report", old.report.joined(separator: ", "), new.report.joined(separator: ", ")))
        }
        if old.legalBasis != new.legalBasis { processDetails.append(Self.line("legal basis", old.legalBasis, new.legalBasis)) }
        if old.retention != new.retention {
            processDetails.append(Self.line("retention", old.retention.map(Self.describe), new.retention.map(Self.describe)))
        }
        if old.documents != new.documents {
            let describe = { (documents: [DocumentDefinition]?) -> String? in
                documents.map { $0.map { "\($0.id) (\($0.fields.joined(separator: ", "))\($0.openTasks ? "; open tasks" : ""))" }.joined(separator: "; ") }
            }
            processDetails.append(Self.line("documents", describe(old.documents), describe(new.documents)))
        }
        if !processDetails.isEmpty { changes.append(Change(kind: .changed, element: "process", id: new.id, details: processDetails)) }

        changes += Self.compare("field", old.fields, new.fields) { a, b in
            var details: [String] = []
            if a.title != b.title { details.append(Self.line("title", a.title, b.title)) }
            if a.type != b.type { details.append(Self.line("type", a.type.rawValue, b.type.rawValue)) }
            if a.values != b.values {
                details.append(Self.line("values", a.values.joined(separator: ", "), b.values.joined(separator: ", ")))
            }
            if a.required != b.required { details.append(Self.line("required", "\(a.required)", "\(b.required)")) }
            if a.personal != b.personal { details.append(Self.line("personal", "\(a.personal)", "\(b.personal)")) }
            return details
        }
        changes += Self.compare("party", old.parties, new.parties) { a, b in
            a.title != b.title ? [Self.line("title", a.title, b.title)] : []
        }
        changes += Self.compare("role", old.roles, new.roles) { a, b in
            var details: [String] = []
            if a.title != b.title { details.append(Self.line("title", a.title, b.title)) }
            if a.party != b.party { details.append(Self.line("party", a.party, b.party)) }
            return details
        }
        changes += Self.compare("event", old.events, new.events) { a, b in
            a.title != b.title ? [Self.line("title", a.title, b.title)] : []
        }
        changes += Self.compare("state", old.states, new.states) { a, b in
            var details: [String] = []
            if a.title != b.title { details.append(Self.line("title", a.title, b.title)) }
            if a.initial != b.initial { details.append(Self.line("initial", "\(a.initial)", "\(b.initial)")) }
            if a.final != b.final { details.append(Self.line("final", "\(a.final)", "\(b.final)")) }
            let oldTransitions = a.transitions.map(Self.describe)
            let newTransitions = b.transitions.map(Self.describe)
            for removed in oldTransitions where !newTransitions.contains(removed) { details.append("transition removed: \(removed)") }
            for added in newTransitions where !oldTransitions.contains(added) { details.append("transition added: \(added)") }
            return details
        }
        let oldTasks = old.states.flatMap { state in state.tasks.map { (state.id, $0) } }
        let newTasks = new.states.flatMap { state in state.tasks.map { (state.id, $0) } }
        let oldByID = Dictionary(oldTasks.map { ($0.1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newIDs = Set(newTasks.map(\.1.id))
        for (state, task) in newTasks {
            guard let (oldState, oldTask) = oldByID[task.id] else {
                changes.append(Change(kind: .added, element: "task", id: task.id, details: ["in state '\(state)'"]))
                continue
            }
            var details = Self.taskDetails(oldTask, task)
            if oldState != state { details.insert(Self.line("state", oldState, state), at: 0) }
            if !details.isEmpty { changes.append(Change(kind: .changed, element: "task", id: task.id, details: details)) }
        }
        for (state, task) in oldTasks where !newIDs.contains(task.id) {
            changes.append(Change(kind: .removed, element: "task", id: task.id, details: ["was in state '\(state)'"]))
        }
        self.changes = changes
    }

    /// The tasks whose dates or owner differ: the ids of changed tasks with a
    /// different earliest, due, day-off rule, role or repetition.
    public var tasksWithChangedSchedule: Set<String> {
        Set(changes.filter { $0.element == "task" && $0.kind == .changed }.map(\.id))
    }

    // MARK: Comparing

    static func taskDetails(_ a: TaskDefinition, _ b: TaskDefinition) -> [String] {
        var details: [String] = []
        if a.title != b.title { details.append(line("title", a.title, b.title)) }
        if a.role != b.role { details.append(line("role", a.role, b.role)) }
        if a.earliest?.text != b.earliest?.text { details.append(line("earliest", a.earliest?.text, b.earliest?.text)) }
        if a.due?.text != b.due?.text { details.append(line("due", a.due?.text, b.due?.text)) }
        if a.dueOnDayOff != b.dueOnDayOff { details.append(line("dueOnDayOff", a.dueOnDayOff.rawValue, b.dueOnDayOff.rawValue)) }
        if a.reminders != b.reminders {
            details.append(line("reminders", a.reminders.map(\.description).joined(separator: ", "), b.reminders.map(\.description).joined(separator: ", ")))
        }
        if a.escalation != b.escalation {
            details.append(line("escalation", a.escalation.map(describe).joined(separator: ", "), b.escalation.map(describe).joined(separator: ", ")))
        }
        if a.involves != b.involves {
            details.append(line("involves", a.involves.joined(separator: ", "), b.involves.joined(separator: ", ")))
        }
        if a.outcomes != b.outcomes {
            details.append(line("outcomes", a.outcomes.joined(separator: ", "), b.outcomes.joined(separator: ", ")))
        }
        if a.repeatRule != b.repeatRule { details.append(line("repeat", a.repeatRule.map(describe), b.repeatRule.map(describe))) }
        return details
    }

    /// Added, removed and changed elements, in the new version's order, removed ones last.
    static func compare<Element: Identifiable>(
        _ element: String, _ old: [Element], _ new: [Element], details: (Element, Element) -> [String]
    ) -> [Change] where Element.ID == String {
        let oldByID = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let newIDs = Set(new.map(\.id))
        var changes: [Change] = []
        for item in new {
            guard let before = oldByID[item.id] else {
                changes.append(Change(kind: .added, element: element, id: item.id))
                continue
            }
            let differences = details(before, item)
            if !differences.isEmpty { changes.append(Change(kind: .changed, element: element, id: item.id, details: differences)) }
        }
        for item in old where !newIDs.contains(item.id) {
            changes.append(Change(kind: .removed, element: element, id: item.id))
        }
        return changes
    }

    static func line(_ property: String, _ old: String?, _ new: String?) -> String {
        "\(property): \(shown(old)) → \(shown(new))"
    }

    private static func shown(_ value: String?) -> String {
        guard let value else { return "none" }
        return value.isEmpty ? "none" : value
    }

    static func describe(_ transition: Transition) -> String {
        "\(transition.event) → \(transition.to)" + (transition.guardExpression.map { " [\($0.text)]" } ?? "")
    }

    static func describe(_ rule: RetentionRule) -> String {
        "\(rule.retentionClass): keep \(rule)"
    }

    static func describe(_ fastTrack: FastTrack) -> String {
        "when \(fastTrack.when.text) to '\(fastTrack.state)'"
    }

    static func describe(_ rule: EscalationRule) -> String {
        "to \(rule.to) after \(rule.after)" + (rule.every.map { " every \($0)" } ?? "")
    }

    static func describe(_ rule: RepeatRule) -> String {
        "every \(rule.every)" + (rule.until.map { " until \($0.text)" } ?? "")
    }
}

/// What moving one running case to another version of its process would do:
/// the task dates that would change, or why it could not move.
public struct MigrationImpact: Sendable, Hashable {
    /// A task whose window would change.
    public struct TaskChange: Sendable, Hashable, CustomStringConvertible {
        public var task: String
        public var earliest: LocalDate?
        public var due: LocalDate?
        public var previousEarliest: LocalDate?
        public var previousDue: LocalDate?

        /// "map-housing: due 2026-10-23 → 2026-09-23".
        public var description: String {
            var parts: [String] = []
            if previousDue != due { parts.append("due \(previousDue?.description ?? "none") → \(due?.description ?? "none")") }
            if previousEarliest != earliest {
                parts.append("earliest \(previousEarliest?.description ?? "none") → \(earliest?.description ?? "none")")
            }
            return "\(task): \(parts.joined(separator: ", "))"
        }
    }

    public var caseID: StreamID
    /// The state the case is in.
    public var state: String
    /// The version the case follows now.
    public var fromVersion: String
    /// Why the case cannot move, when it cannot (the engine's refusal).
    public var refusal: String?
    /// The open tasks whose window would change.
    public var taskChanges: [TaskChange]
    /// Tasks the new version adds to the case's current state; moving does not open them.
    public var tasksNotOpened: [String]
    /// Repeating open tasks whose cadence changes: the open occurrence keeps its dates,
    /// the next one moves.
    public var cadenceChanges: [CadenceChange] = []

    /// Whether the case can move to the new version.
    public var canMigrate: Bool { refusal == nil }

    /// Whether moving would change anything a worker sees.
    public var isAffected: Bool { !canMigrate || !taskChanges.isEmpty || !tasksNotOpened.isEmpty || !cadenceChanges.isEmpty }

    /// What migrating `state` (following `current`) to `target` would do, decided
    /// exactly as the engine would on `today`; nothing is appended anywhere.
    public init(
        of state: CaseState, following current: ProcessDefinition, to target: ProcessDefinition, today: LocalDate,
        calendar: any BusinessCalendar
    ) {
        caseID = state.id
        self.state = state.state
        fromVersion = state.definition
        taskChanges = []
        tasksNotOpened = []
        refusal = nil
        if state.definition == target.contentHash { return }
        do {
            let events = try CaseDecider.decide(.migrate(to: target), state: state, definition: current, today: today, calendar: calendar)
            for case .taskRescheduled(let moved) in events {
                taskChanges.append(
                    TaskChange(
                        task: moved.task, earliest: moved.earliest, due: moved.due, previousEarliest: moved.previousEarliest,
                        previousDue: moved.previousDue))
            }
            let open = Set(state.openTasks.map(\.task))
            let before = Set(current.state(state.state)?.tasks.map(\.id) ?? [])
            tasksNotOpened = (target.state(state.state)?.tasks ?? []).map(\.id).filter { !open.contains($0) && !before.contains($0) }
            let migrated = events.reduce(state) { $0.evolve($1) }
            cadenceChanges = Self.cadenceChanges(
                of: state, following: current, migrated: migrated, to: target, today: today, calendar: calendar)
        } catch let refused as CommandRefused {
            refusal = refused.message
        } catch {
            refusal = "\(error)"
        }
    }
}
