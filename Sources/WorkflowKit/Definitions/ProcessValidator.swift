/// Checks a read definition as a whole: every reference resolves, exactly one
/// initial state, every state reachable and (unless final) with a way out,
/// expressions of the right type. Collects every problem, not only the first.
struct ProcessValidator {
    let definition: ProcessDefinition
    let map: SourceMap
    let calendars: CalendarRegistry
    var diagnostics: [Diagnostic] = []

    init(definition: ProcessDefinition, map: SourceMap, calendars: CalendarRegistry) {
        self.definition = definition
        self.map = map
        self.calendars = calendars
    }

    private mutating func error(_ message: String, _ path: String) {
        diagnostics.append(.error(message, at: map.nearest(path)))
    }

    private mutating func warning(_ message: String, _ path: String) {
        diagnostics.append(.warning(message, at: map.nearest(path)))
    }

    /// `" (did you mean 'x'?)"` or "".
    private func hint(_ word: String, _ candidates: some Sequence<String>) -> String {
        // An invalid id is reported where it is declared; never suggest it.
        Spelling.suggestion(for: word, among: candidates.filter { ProcessReader.isValidID($0) }).map { " (did you mean '\($0)'?)" } ?? ""
    }

    private mutating func checkReference(_ id: String, in known: [String], kind: String, context: String, path: String, atKey: Bool = false) {
        if !known.contains(id) {
            let where_ = (atKey ? map.keyLocation(of: path) : map.location(of: path)) ?? map.nearest(path)
            diagnostics.append(.error("Unknown \(kind) '\(id)' \(context)\(hint(id, known)).", at: where_))
        }
    }

    /// Type-checks the expression at `path`; reports errors at their exact column.
    private mutating func checkExpression(_ expression: ProcessExpression?, _ path: String, expected: ExpressionType, what: String) {
        guard let expression else { return }
        let (type, errors) = expression.check(in: definition.expressionEnvironment)
        for problem in errors {
            let location = map.location(of: path, offset: problem.offset) ?? map.nearest(path)
            diagnostics.append(.error("\(what): \(problem.message.prefix(1).lowercased() + problem.message.dropFirst())", at: location))
        }
        checkChoiceValues(expression, path)
        if let type, type != expected {
            let location = map.location(of: path) ?? map.nearest(path)
            diagnostics.append(.error("\(what) must be \(expected), but '\(expression.text)' is \(type).", at: location))
        }
    }

    /// Warns when a choice field is compared with a value it cannot have,
    /// e.g. `housingForm == 'suported'`.
    private mutating func checkChoiceValues(_ expression: ProcessExpression, _ path: String) {
        var comparisons: [(field: String, value: String, offset: Int)] = []
        expression.root.visitLocated { located in
            guard case .binary(let op, let lhs, let rhs) = located.node, op == .equal || op == .notEqual else { return }
            switch (lhs.node, rhs.node) {
            case (.field(let id), .text(let value)): comparisons.append((id, value, rhs.offset))
            case (.text(let value), .field(let id)): comparisons.append((id, value, lhs.offset))
            default: break
            }
        }
        for (id, value, offset) in comparisons {
            guard let field = definition.field(id), field.type == .choice, !field.values.contains(value) else { continue }
            let hint = Spelling.suggestion(for: value, among: field.values).map { " (did you mean '\($0)'?)" } ?? ""
            diagnostics.append(.warning(
                "The choice field '\(id)' has no value '\(value)'\(hint), so this comparison is always \(expression.text.contains("!=") ? "true" : "false"); its values are \(field.values.joined(separator: ", ")).",
                at: map.location(of: path, offset: offset) ?? map.nearest(path)))
        }
    }

    mutating func validate() {
        let fieldIDs = definition.fields.map(\.id)
        let partyIDs = definition.parties.map(\.id)
        let roleIDs = definition.roles.map(\.id)
        let stateIDs = definition.states.map(\.id)
        let eventIDs = definition.events.map(\.id) + [EventDefinition.allTasksDone]

        if calendars.calendar(id: definition.calendar) == nil {
            let known = calendars.ids
            diagnostics.append(.error("Unknown calendar '\(definition.calendar)'\(hint(definition.calendar, known)); known calendars: \(known.joined(separator: ", ")).", at: map.location(of: "calendar") ?? map.nearest("calendar")))
        }
        for role in definition.roles {
            if let party = role.party {
                checkReference(party, in: partyIDs, kind: "party", context: "for the role '\(role.id)'", path: "roles.\(role.id).party")
            }
        }
        for (index, field) in definition.report.enumerated() {
            checkReference(field, in: fieldIDs, kind: "field", context: "in 'report'", path: "report.\(index)")
        }
        for document in definition.documents ?? [] {
            for (index, field) in document.fields.enumerated() {
                checkReference(
                    field, in: fieldIDs, kind: "field", context: "in the document '\(document.id)'",
                    path: "documents.\(document.id).fields.\(index)")
            }
        }
        if definition.fields.contains(where: \.personal), definition.legalBasis == nil {
            warning(
                "The process has personal fields but no 'legalBasis'; cases will not record the statutory duty their data is processed under.",
                "process")
        }

        // States: exactly one initial.
        let initials = definition.states.filter(\.initial)
        if definition.states.isEmpty {
            error("The process has no states; add 'states:' with at least an initial and a final state.", "states")
        } else if initials.isEmpty {
            error("No state is marked 'initial: true'; exactly one state must be where new cases start.", "states")
        } else if initials.count > 1 {
            for extra in initials.dropFirst() {
                error("The state '\(extra.id)' is marked initial, but '\(initials[0].id)' already is; exactly one state may be initial.", "states.\(extra.id).initial")
            }
        }
        if !definition.states.contains(where: \.final), !definition.states.isEmpty {
            error("No state is marked 'final: true'; a case must be able to close.", "states")
        }

        var taskOwners: [String: String] = [:]
        for state in definition.states {
            let statePath = "states.\(state.id)"
            if state.initial && state.final {
                error("The state '\(state.id)' cannot be both initial and final.", "\(statePath).final")
            }
            if !state.final && state.transitions.isEmpty {
                error("The state '\(state.id)' is not final and has no way out; add 'on:' with an event that leads on, or mark it 'final: true'.", statePath)
            }
            if state.final && !state.transitions.isEmpty {
                warning("The state '\(state.id)' is final, so its transitions ('on:') are never used.", "\(statePath).on")
            }
            var seenEvents: [String: Int] = [:]
            for transition in state.transitions {
                let path = "\(statePath).on.\(transition.event)"
                let index = seenEvents[transition.event, default: 0]
                seenEvents[transition.event] = index + 1
                if index == 0 {
                    checkReference(transition.event, in: eventIDs, kind: "event", context: "in the state '\(state.id)'", path: path, atKey: true)
                }
                let toPath = map.values["\(path).\(index).to"] != nil ? "\(path).\(index).to" : map.values["\(path).to"] != nil ? "\(path).to" : path
                checkReference(transition.to, in: stateIDs, kind: "state", context: "as the target of '\(transition.event)' in the state '\(state.id)'", path: toPath)
                let guardPath = map.values["\(path).\(index).guard"] != nil ? "\(path).\(index).guard" : "\(path).guard"
                checkExpression(transition.guardExpression, guardPath, expected: .bool, what: "The guard of '\(transition.event)' in the state '\(state.id)'")
            }
            for task in state.tasks {
                validate(task, in: state, fieldIDs: fieldIDs, partyIDs: partyIDs, roleIDs: roleIDs, owners: &taskOwners)
            }
        }

        if let fastTrack = definition.fastTrack {
            checkReference(fastTrack.state, in: stateIDs, kind: "state", context: "in 'fastTrack'", path: "fastTrack.state")
            checkExpression(fastTrack.when, "fastTrack.when", expected: .bool, what: "The fast-track condition")
        }
        checkReachability()
        checkUnused()
        checkUnrecordedAnchors()
        for (index, example) in definition.examples.enumerated() {
            validate(example, index: index, stateIDs: stateIDs, eventIDs: eventIDs, partyIDs: partyIDs)
        }
    }

    private mutating func validate(_ task: TaskDefinition, in state: StateDefinition, fieldIDs: [String], partyIDs: [String], roleIDs: [String], owners: inout [String: String]) {
        let path = "states.\(state.id).tasks.\(task.id)"
        if let other = owners[task.id] {
            error("The task id '\(task.id)' is used in the states '\(other)' and '\(state.id)'; task ids must be unique in a process.", path)
        }
        owners[task.id] = state.id
        if !task.role.isEmpty {
            checkReference(task.role, in: roleIDs, kind: "role", context: "in the task '\(task.id)'", path: "\(path).role")
        }
        for (index, rung) in task.escalation.enumerated() {
            let rungPath = map.values["\(path).escalate.\(index)"] != nil ? "\(path).escalate.\(index).to" : "\(path).escalate.to"
            checkReference(rung.to, in: roleIDs, kind: "role", context: "in the escalation of the task '\(task.id)'", path: rungPath)
        }
        for (index, party) in task.involves.enumerated() {
            checkReference(party, in: partyIDs, kind: "party", context: "in the task '\(task.id)'", path: "\(path).involves.\(index)")
        }
        for (index, field) in task.outcomes.enumerated() {
            checkReference(field, in: fieldIDs, kind: "field", context: "in the outcomes of the task '\(task.id)'", path: "\(path).outcomes.\(index)")
        }
        checkExpression(task.earliest, "\(path).earliest", expected: .date, what: "The earliest start of the task '\(task.id)'")
        checkExpression(task.due, "\(path).due", expected: .date, what: "The due date of the task '\(task.id)'")
        checkExpression(task.repeatRule?.until, "\(path).repeat.until", expected: .bool, what: "'until' of the task '\(task.id)'")
        // A rule that is written but could not be read was reported already;
        // "has no 'due'" would only hide that message.
        let hasDue = task.due != nil || map.values["\(path).due"].map { !$0.isNull } == true
        let hasEarliest = task.earliest != nil || map.values["\(path).earliest"].map { !$0.isNull } == true
        if task.repeatRule != nil, !hasDue {
            error("The repeating task '\(task.id)' needs a 'due' date for its first occurrence.", "\(path).repeat")
        }
        for (index, reminder) in task.reminders.enumerated() {
            if reminder.anchor == .windowStart, !hasEarliest {
                error("The reminder '\(reminder)' of the task '\(task.id)' counts from the window start, but the task has no 'earliest'.", "\(path).remind.\(index)")
            }
            if reminder.anchor == .due, !hasDue {
                error("The reminder '\(reminder)' of the task '\(task.id)' counts from the due date, but the task has no 'due'.", "\(path).remind.\(index)")
            }
        }
        if !task.escalation.isEmpty, !hasDue {
            error("The task '\(task.id)' escalates when overdue, but has no 'due' date.", "\(path).escalate")
        }
        if task.due != nil, task.reminders.isEmpty {
            warning("The task '\(task.id)' has a due date but no reminders ('remind:'); nobody is reminded before it is due.", path)
        }
        for field in definition.fields where field.personal && Self.containsWord(field.id, in: task.title) {
            warning("The title of the task '\(task.id)' mentions the personal field '\(field.id)'; titles are shown in reminders and logs, so keep personal data out of them.", "\(path).title")
        }
        checkWindowOrder(task, path)
    }

    private static func containsWord(_ word: String, in text: String) -> Bool {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).contains { $0.lowercased() == word.lowercased() }
    }

    /// Warns when the due date comes before the earliest start for a sample case
    /// (every date input set to the same day).
    private mutating func checkWindowOrder(_ task: TaskDefinition, _ path: String) {
        guard let earliest = task.earliest, let due = task.due, let calendar = definition.makeCalendar(registry: calendars) else { return }
        let sample = LocalDate(year: 2030, month: 6, day: 12)!
        var fields: [String: ExpressionValue] = [:]
        for field in definition.fields where field.type == .date { fields[field.id] = .date(sample) }
        let events = Dictionary(definition.events.map { ($0.id, sample) }, uniquingKeysWith: { first, _ in first })
        let context = EvaluationContext(fields: fields, openedOn: sample, today: sample, eventDates: events, calendar: calendar)
        if let start = earliest.evaluate(in: context).value?.date, let end = due.evaluate(in: context).value?.date, end < start {
            warning("The due date of the task '\(task.id)' ('\(due.text)') comes before its earliest start ('\(earliest.text)').", "\(path).due")
        }
    }

    /// Warns about declared events nothing uses and reported fields no task records.
    private mutating func checkUnused() {
        var usedEvents: Set<String> = []
        var expressions: [ProcessExpression] = definition.fastTrack.map { [$0.when] } ?? []
        for state in definition.states {
            usedEvents.formUnion(state.transitions.map(\.event))
            expressions += state.transitions.compactMap(\.guardExpression)
            for task in state.tasks {
                expressions += [task.earliest, task.due, task.repeatRule?.until].compactMap { $0 }
            }
        }
        for expression in expressions { usedEvents.formUnion(expression.referencedEvents) }
        for event in definition.events where !usedEvents.contains(event.id) {
            warning("The event '\(event.id)' is declared but no transition or rule uses it.", "events.\(event.id)")
        }
        let recorded = Set(definition.states.flatMap { $0.tasks.flatMap(\.outcomes) })
        for (index, field) in definition.report.enumerated() where definition.field(field) != nil && !recorded.contains(field) {
            diagnostics.append(.warning(
                "The field '\(field)' is reported, but no task records it ('outcomes:'), so it may never get a value.",
                at: map.location(of: "report.\(index)") ?? map.nearest("report")))
        }
    }

    /// Warns when a task's due date reads only fields that nothing in the process
    /// gives a value: not required when a case is opened, recorded by no task, not
    /// read by the fast-track condition when a case opens, and set by no example.
    private mutating func checkUnrecordedAnchors() {
        var recorded = Set(definition.states.flatMap { $0.tasks.flatMap(\.outcomes) })
        recorded.formUnion(definition.fastTrack?.when.referencedFields ?? [])
        recorded.formUnion(definition.examples.flatMap(\.fields.keys))
        for state in definition.states {
            for task in state.tasks {
                guard let due = task.due else { continue }
                let fields = due.referencedFields.filter { definition.field($0)?.type == .date }.sorted()
                guard !fields.isEmpty, fields.allSatisfy({ definition.field($0)?.required == false && !recorded.contains($0) }) else { continue }
                let named = fields.map { "'\($0)'" }.joined(separator: " and ")
                let which = fields.count == 1 ? "the field \(named), which is" : "the fields \(named), which are"
                warning(
                    "The due date of the task '\(task.id)' ('\(due.text)') depends on \(which) not required when a case is opened and recorded by no task ('outcomes:'), so the task has no due date until someone records \(fields.count == 1 ? "it" : "them") with 'aso-engine record'; add \(fields.count == 1 ? "it" : "them") to the 'outcomes' of an earlier task, or mark \(fields.count == 1 ? "it" : "them") 'required: true'.",
                    "states.\(state.id).tasks.\(task.id).due")
            }
        }
    }

    private mutating func checkReachability() {
        guard let initial = definition.initialState else { return }
        var reached: Set<String> = [initial.id]
        var queue = [initial.id]
        if let fast = definition.fastTrack?.state, definition.state(fast) != nil, reached.insert(fast).inserted { queue.append(fast) }
        while let id = queue.popLast() {
            for transition in definition.state(id)?.transitions ?? [] where definition.state(transition.to) != nil {
                if reached.insert(transition.to).inserted { queue.append(transition.to) }
            }
        }
        for state in definition.states where !reached.contains(state.id) {
            error("The state '\(state.id)' cannot be reached: no transition leads to it from the initial state '\(initial.id)'.", "states.\(state.id)")
        }
    }

    private mutating func validate(_ example: ProcessExample, index: Int, stateIDs: [String], eventIDs: [String], partyIDs: [String]) {
        let path = "examples.\(index)"
        let name = example.name
        if let state = example.expect.state {
            checkReference(state, in: stateIDs, kind: "state", context: "in the example '\(name)'", path: "\(path).expect.state")
        }
        for occurrence in example.events {
            checkReference(occurrence.event, in: eventIDs, kind: "event", context: "in the example '\(name)'", path: "\(path).given.events.\(occurrence.event)", atKey: true)
        }
        for (i, party) in (example.consent ?? []).enumerated() {
            checkReference(party, in: partyIDs, kind: "party", context: "in the consent of the example '\(name)'", path: "\(path).given.consent.\(i)")
        }
        let taskIDs = definition.states.flatMap { $0.tasks.map(\.id) }
        let roleIDs = definition.roles.map(\.id)
        for task in example.expect.tasks.keys.sorted() {
            checkReference(task, in: taskIDs, kind: "task", context: "in the example '\(name)'", path: "\(path).expect.tasks.\(task)", atKey: true)
            for (i, escalation) in (example.expect.tasks[task]?.escalations ?? []).enumerated() {
                checkReference(
                    escalation.role, in: roleIDs, kind: "role", context: "in the escalations the example '\(name)' expects",
                    path: "\(path).expect.tasks.\(task).escalations.\(i).to")
            }
        }
    }
}
