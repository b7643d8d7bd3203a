import Foundation

/// The rules of a case: `decide(command, state, definition, today, calendar)` returns the
/// events a command causes, or refuses it. Pure: no I/O, no clock, no randomness.
public enum CaseDecider {
    /// The events `command` causes in `state`.
    ///
    /// - Parameters:
    ///   - command: What to decide.
    ///   - state: The case as its events so far make it.
    ///   - definition: The process version the case follows.
    ///   - today: The current date in the process's calendar.
    ///   - calendar: The process's calendar, which counts working days.
    ///   - otherVersions: The other stored versions of the case's process. Only an
    ///     erasure reads them: it names the personal fields of every version, since a
    ///     migrated case may hold values sealed under an older one.
    ///   - actor: The id of the worker giving the command. Only a claim reads it: it
    ///     records who took the task on, and only its claimer may unclaim it.
    /// - Throws: ``CommandRefused`` naming the state and what is allowed there.
    public static func decide(
        _ command: CaseCommand, state: CaseState, definition: ProcessDefinition, today: LocalDate,
        calendar: any BusinessCalendar, otherVersions: [ProcessDefinition] = [], actor: String? = nil
    ) throws -> [CaseEvent] {
        var run = Run(state: state, definition: definition, today: today, calendar: calendar, otherVersions: otherVersions)
        run.actor = actor
        try run.decide(command)
        return run.events
    }

    /// One decision in progress: events are folded into `state` as they are emitted, so
    /// each rule sees the effect of the ones before it.
    struct Run {
        var state: CaseState
        let definition: ProcessDefinition
        let today: LocalDate
        let calendar: any BusinessCalendar
        var otherVersions: [ProcessDefinition] = []
        /// The id of the worker giving the command, when known.
        var actor: String?
        var events: [CaseEvent] = []

        mutating func emit(_ event: CaseEvent) {
            events.append(event)
            state.apply(event)
        }

        var context: EvaluationContext { state.evaluationContext(today: today, calendar: calendar) }

        mutating func decide(_ command: CaseCommand) throws {
            if case .open(let fields, let worker, let legalBasis) = command {
                try open(fields: fields, worker: worker, legalBasis: legalBasis)
                return
            }
            guard state.exists else {
                throw CommandRefused(.unknownCase, "Case '\(state.id)' does not exist.")
            }
            if case .erase(let reason) = command {
                try erase(reason: reason)
                return
            }
            if let erased = state.erased {
                throw CommandRefused(
                    .erased, "Case '\(state.id)' was erased (\(erased.reason)); the command '\(command.name)' is not allowed.")
            }
            if case .reopen(let reason) = command {
                try reopen(reason: reason)
                return
            }
            if state.isClosed {
                throw CommandRefused(
                    .closed, "Case '\(state.id)' is closed (\(state.closed!.reason)); the command '\(command.name)' is not allowed.")
            }
            switch command {
            case .open:
                break
            case .record(let values, let cleared):
                try record(values: values, cleared: cleared)
            case .complete(let task, let outcomes):
                try complete(task: task, outcomes: outcomes)
            case .claim(let task):
                try claim(task: task)
            case .unclaim(let task):
                try unclaim(task: task)
            case .fire(let event):
                try fire(event: event)
            case .giveConsent(let parties):
                try giveConsent(parties: parties)
            case .withdrawConsent:
                try withdrawConsent()
            case .disclose(let party, let purpose):
                try disclose(to: party, purpose: purpose)
            case .handOver(let worker):
                try handOver(to: worker)
            case .close(let reason):
                if let openedOn = state.openedOn, today < openedOn {
                    throw CommandRefused(
                        .invalidValue, "Case '\(state.id)' was opened on \(openedOn); it cannot be closed on \(today), before it was opened.")
                }
                closeCase(reason: reason)
            case .reopen:
                break
            case .migrate(let target):
                try migrate(to: target)
            case .erase:
                break
            }
        }

        // MARK: Opening

        mutating func open(fields: [String: ExpressionValue], worker: String?, legalBasis: String?) throws {
            if state.exists {
                throw CommandRefused(.alreadyOpen, "Case '\(state.id)' is already open (process '\(state.process)').")
            }
            try checkValues(fields)
            let missing = definition.fields.filter { $0.required && fields[$0.id] == nil }.map(\.id)
            if !missing.isEmpty {
                throw CommandRefused(
                    .invalidValue,
                    "Process '\(definition.id)' needs \(missing.count == 1 ? "the field" : "the fields") \(quoted(missing)) to open a case.")
            }
            var fastTrackReason: String?
            var start = definition.initialState
            var probe = CaseState(id: state.id)
            probe.fields = fields
            probe.openedOn = today
            if let fastTrack = definition.fastTrack,
                fastTrack.when.value(in: probe.evaluationContext(today: today, calendar: calendar))?.bool ?? false,
                let fast = definition.state(fastTrack.state)
            {
                start = fast
                fastTrackReason = fastTrack.reason
            }
            guard let start else {
                throw CommandRefused(.unknownProcess, "Process '\(definition.id)' has no initial state.")
            }
            emit(
                .opened(
                    CaseOpened(
                        process: definition.id, definition: definition.contentHash, fields: fields, openedOn: today,
                        responsibleWorker: worker, fastTrack: fastTrackReason,
                        legalBasis: legalBasis ?? definition.legalBasis)))
            enter(start, from: nil, event: nil)
        }

        // MARK: States and tasks

        /// Enters `target`: opens its tasks, and closes the case when the state is final.
        mutating func enter(_ target: StateDefinition, from: String?, event: String?) {
            emit(.stateEntered(StateEntered(state: target.id, from: from, event: event, on: today)))
            for task in target.tasks {
                openTask(task)
            }
            if target.final {
                closeCase(reason: "The case reached the final state '\(target.id)'.")
            }
        }

        mutating func openTask(_ task: TaskDefinition, due override: LocalDate? = nil, seriesStart: LocalDate? = nil) {
            let schedule = definition.schedule(of: task, in: context, explained: false)
            let occurrence = (state.occurrences[task.id] ?? 0) + 1
            emit(
                .taskOpened(
                    TaskOpened(
                        task: task.id, role: task.role, earliest: override == nil ? schedule.earliest : nil,
                        due: override ?? schedule.due, occurrence: occurrence, on: today, seriesStart: seriesStart)))
            if let consent = state.consent, !task.involves.isEmpty, !Set(task.involves).isSubset(of: consent) {
                emit(.taskSuspended(TaskSuspended(task: task.id, reason: suspensionReason(task, consent: consent), on: today)))
            }
            // Without any consent yet, a task that involves parties still opens: the
            // consent rule applies when it is completed or information is disclosed.
        }

        func suspensionReason(_ task: TaskDefinition, consent: Set<String>) -> String {
            let missing = task.involves.filter { !consent.contains($0) }
            return "The consent in force does not name \(quoted(missing))."
        }

        /// Moves along the first transition on `event` whose guard holds, if any.
        mutating func transition(on event: String) -> Bool {
            guard let current = definition.state(state.state) else { return false }
            let context = context
            guard let transition = current.transitions.first(where: {
                $0.event == event && ($0.guardExpression.map { $0.value(in: context)?.bool ?? false } ?? true)
            }), let target = definition.state(transition.to) else { return false }
            for task in state.openTasks {
                emit(.taskCancelled(TaskCancelled(task: task.task, reason: "The case left the state '\(current.id)'.", on: today)))
            }
            enter(target, from: current.id, event: event)
            return true
        }

        /// Recomputes every open task's window; records each change with `reason`.
        ///
        /// With `changedFields` (the fields a record changed, nothing else of the case having
        /// changed since each window was worked out but the day), a task whose `earliest` and
        /// `due` read only other fields is left as it is: recomputing it gives its window
        /// again. A date that reads today, the opening date, an event's date or the consent
        /// is always recomputed.
        mutating func reschedule(reason: String, changedFields: Set<String>? = nil) {
            let context = self.context
            for open in state.openTasks {
                guard let task = definition.task(open.task)?.task else { continue }
                if open.occurrence > 1 { continue }  // repetitions are counted from the previous occurrence
                if let changedFields,
                    !(task.earliest?.mayChange(withFields: changedFields) ?? false),
                    !(task.due?.mayChange(withFields: changedFields) ?? false)
                {
                    continue
                }
                let schedule = definition.schedule(of: task, in: context, explained: false)
                if schedule.earliest != open.earliest || schedule.due != open.due {
                    emit(
                        .taskRescheduled(
                            TaskRescheduled(
                                task: open.task, earliest: schedule.earliest, due: schedule.due,
                                previousEarliest: open.earliest, previousDue: open.due, reason: reason, on: today)))
                }
            }
        }

        // MARK: Commands

        mutating func record(values: [String: ExpressionValue], cleared: [String]) throws {
            try checkValues(values)
            let unknown = cleared.filter { definition.field($0) == nil }
            if !unknown.isEmpty {
                throw CommandRefused(.invalidValue, "Process '\(definition.id)' has no field \(quoted(unknown)).")
            }
            let required = cleared.filter { definition.field($0)?.required == true }
            if !required.isEmpty {
                throw CommandRefused(.invalidValue, "The field \(quoted(required)) is required and cannot be cleared.")
            }
            let changed = values.filter { state.fields[$0.key] != $0.value }.map(\.key) + cleared.filter { state.fields[$0] != nil }
            if changed.isEmpty { return }
            emit(.fieldsRecorded(FieldsRecorded(values: values, cleared: cleared, on: today)))
            reschedule(reason: "The field\(changed.count == 1 ? "" : "s") \(quoted(changed.sorted())) changed.", changedFields: Set(changed))
        }

        /// The refusal for a task that is not open, naming the tasks that are.
        func notOpen(_ id: String) -> CommandRefused {
            let openIDs = state.openTasks.map(\.task)
            return CommandRefused(
                .unknownTask,
                "Task '\(id)' is not open in case '\(state.id)' (state '\(state.state)'); "
                    + (openIDs.isEmpty ? "no task is open there." : "open tasks: \(openIDs.joined(separator: ", ")).")
            )
        }

        mutating func claim(task id: String) throws {
            guard let open = state.openTask(id) else { throw notOpen(id) }
            guard let actor = actor?.trimmingCharacters(in: .whitespaces), !actor.isEmpty else {
                throw CommandRefused(.invalidValue, "Claiming task '\(id)' needs the worker who takes it on.")
            }
            if let holder = open.claimedBy {
                if holder == actor { return }  // already theirs: nothing to record
                throw CommandRefused(
                    .claimed,
                    "Task '\(id)' of case '\(state.id)' is already claimed by '\(holder)'; it must be unclaimed before another worker takes it on.")
            }
            emit(.taskClaimed(TaskClaimed(task: id, occurrence: open.occurrence, by: actor, on: today)))
        }

        mutating func unclaim(task id: String) throws {
            guard let open = state.openTask(id) else { throw notOpen(id) }
            guard let holder = open.claimedBy else {
                throw CommandRefused(.invalidValue, "Task '\(id)' of case '\(state.id)' is not claimed; there is nothing to unclaim.")
            }
            guard holder == actor?.trimmingCharacters(in: .whitespaces) else {
                throw CommandRefused(
                    .claimed, "Task '\(id)' of case '\(state.id)' is claimed by '\(holder)'; only '\(holder)' may unclaim it.")
            }
            emit(.taskUnclaimed(TaskUnclaimed(task: id, by: holder, on: today)))
        }

        mutating func complete(task id: String, outcomes: [String: ExpressionValue]) throws {
            guard let open = state.openTask(id), let (task, _) = definition.task(id) else { throw notOpen(id) }
            if open.suspended {
                throw CommandRefused(
                    .noConsent, "Task '\(id)' is suspended because the consent it needs was withdrawn or does not name its parties.")
            }
            if !task.involves.isEmpty {
                let consent = state.consent ?? []
                let missing = task.involves.filter { !consent.contains($0) }
                if !missing.isEmpty {
                    throw CommandRefused(
                        .noConsent,
                        "Task '\(id)' involves \(quoted(missing)), which the client's consent does not name; record consent first.")
                }
            }
            let unexpected = outcomes.keys.filter { !task.outcomes.contains($0) }.sorted()
            if !unexpected.isEmpty {
                throw CommandRefused(
                    .invalidValue,
                    "Task '\(id)' does not record \(quoted(unexpected)); it records \(task.outcomes.isEmpty ? "no outcomes" : quoted(task.outcomes)).")
            }
            try checkValues(outcomes)
            let late = open.due.map { today > $0 } ?? false
            emit(.taskCompleted(TaskCompleted(task: id, outcomes: outcomes, on: today, late: late)))
            if !outcomes.isEmpty {
                reschedule(reason: "The outcome\(outcomes.count == 1 ? "" : "s") \(quoted(outcomes.keys.sorted())) of task '\(id)' changed.")
            }
            if let rule = task.repeatRule {
                let stop = rule.until?.value(in: context)?.bool ?? false
                if !stop {
                    // The series counts from the first occurrence's due date as its rule gives
                    // it, so that moves off days off and month ends do not accumulate.
                    let start = open.seriesStart
                        ?? (open.occurrence == 1 ? task.due?.value(in: context)?.date : nil) ?? open.due ?? today
                    var next = DateDuration(rule.every.amount * open.occurrence, rule.every.unit).apply(to: start, calendar: calendar)
                    // A due date on a day off moves like the first one did (Act 150/1930 §5).
                    if task.dueOnDayOff == .nextWorkingDay { next = calendar.nextWorkingDay(onOrAfter: next) }
                    openTask(task, due: next, seriesStart: start)
                }
            }
            if state.openTasks.isEmpty, let current = definition.state(state.state),
                current.transitions.contains(where: { $0.event == EventDefinition.allTasksDone })
            {
                // Recorded like any other event, so that rules can count from `event.all-tasks-done`.
                emit(.eventOccurred(EventOccurred(event: EventDefinition.allTasksDone, on: today)))
                _ = transition(on: EventDefinition.allTasksDone)
            }
        }

        mutating func fire(event: String) throws {
            guard definition.events.contains(where: { $0.id == event }) || event == EventDefinition.allTasksDone else {
                throw CommandRefused(
                    .notAllowedInState,
                    "Process '\(definition.id)' has no event '\(event)'; its events are \(definition.events.map(\.id).joined(separator: ", ")).")
            }
            let current = definition.state(state.state)
            let allowed = current?.transitions.map(\.event) ?? []
            guard allowed.contains(event) else {
                throw CommandRefused(
                    .notAllowedInState,
                    "The event '\(event)' is not allowed in state '\(state.state)' of case '\(state.id)'; "
                        + (allowed.isEmpty ? "no event is allowed there." : "allowed there: \(unique(allowed).joined(separator: ", ")).")
                )
            }
            emit(.eventOccurred(EventOccurred(event: event, on: today)))
            guard transition(on: event) else {
                throw CommandRefused(
                    .notAllowedInState,
                    "The event '\(event)' cannot move case '\(state.id)' on from state '\(state.state)': no transition's guard holds ("
                        + (current?.transitions.filter { $0.event == event }.compactMap { $0.guardExpression?.text }.joined(separator: "; ") ?? "")
                        + ").")
            }
        }

        mutating func giveConsent(parties: [String]) throws {
            let known = Set(definition.parties.map(\.id))
            let unknown = parties.filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw CommandRefused(
                    .invalidValue, "Process '\(definition.id)' has no part\(unknown.count == 1 ? "y" : "ies") \(quoted(unknown)).")
            }
            guard !parties.isEmpty else {
                throw CommandRefused(
                    .invalidValue, "Consent must name at least one party; to record that the client declined, withdraw consent or fire the process's event.")
            }
            let consent = Set(parties)
            emit(.consentGiven(ConsentGiven(parties: consent.sorted(), on: today)))
            for open in state.openTasks {
                guard let task = definition.task(open.task)?.task, !task.involves.isEmpty else { continue }
                let allowed = Set(task.involves).isSubset(of: consent)
                if open.suspended && allowed {
                    emit(.taskResumed(TaskResumed(task: open.task, on: today)))
                } else if !open.suspended && !allowed {
                    emit(.taskSuspended(TaskSuspended(task: open.task, reason: suspensionReason(task, consent: consent), on: today)))
                }
            }
            // A process that names the event 'consent-given' moves on with the consent itself.
            let event = "consent-given"
            if definition.state(state.state)?.transitions.contains(where: { $0.event == event }) == true {
                emit(.eventOccurred(EventOccurred(event: event, on: today)))
                _ = transition(on: event)
            }
        }

        mutating func withdrawConsent() throws {
            guard state.consent != nil else {
                throw CommandRefused(.noConsent, "Case '\(state.id)' has no consent in force to withdraw.")
            }
            emit(.consentWithdrawn(ConsentWithdrawn(on: today)))
            for open in state.openTasks where !open.suspended {
                guard let task = definition.task(open.task)?.task, !task.involves.isEmpty else { continue }
                emit(.taskSuspended(TaskSuspended(task: open.task, reason: "The client withdrew consent.", on: today)))
            }
        }

        mutating func disclose(to party: String, purpose: String) throws {
            guard definition.parties.contains(where: { $0.id == party }) else {
                throw CommandRefused(.invalidValue, "Process '\(definition.id)' has no party '\(party)'.")
            }
            guard let consent = state.consent, consent.contains(party) else {
                throw CommandRefused(
                    .noConsent,
                    state.consent == nil
                        ? "Case '\(state.id)' has no consent in force; nothing may be disclosed to '\(party)'."
                        : "The client's consent does not name '\(party)'; nothing may be disclosed to it.")
            }
            emit(.informationDisclosed(InformationDisclosed(party: party, purpose: purpose, on: today)))
        }

        mutating func handOver(to worker: String) throws {
            let worker = worker.trimmingCharacters(in: .whitespaces)
            guard !worker.isEmpty else {
                throw CommandRefused(.invalidValue, "A handover must name the worker who takes over.")
            }
            guard worker != state.responsibleWorker else {
                throw CommandRefused(.invalidValue, "'\(worker)' is already responsible for case '\(state.id)'.")
            }
            emit(.responsibilityHandedOver(ResponsibilityHandedOver(from: state.responsibleWorker, to: worker, on: today)))
        }

        mutating func migrate(to target: ProcessDefinition) throws {
            guard target.id == definition.id else {
                throw CommandRefused(
                    .migrationImpossible, "Case '\(state.id)' follows process '\(definition.id)' and cannot move to '\(target.id)'.")
            }
            guard target.contentHash != state.definition else {
                throw CommandRefused(.migrationImpossible, "Case '\(state.id)' already follows this version of '\(target.id)'.")
            }
            var problems: [String] = []
            guard let newState = target.state(state.state) else {
                throw CommandRefused(
                    .migrationImpossible,
                    "Case '\(state.id)' cannot migrate: its state '\(state.state)' does not exist in the new version.")
            }
            for open in state.openTasks where !newState.tasks.contains(where: { $0.id == open.task }) {
                problems.append("its open task '\(open.task)' does not exist in state '\(newState.id)' of the new version")
            }
            let fieldIDs = Set(target.fields.map(\.id))
            for field in state.fields.keys.sorted() where !fieldIDs.contains(field) {
                problems.append("its field '\(field)' does not exist in the new version")
            }
            if !problems.isEmpty {
                throw CommandRefused(.migrationImpossible, "Case '\(state.id)' cannot migrate: \(problems.joined(separator: "; ")).")
            }
            emit(.caseMigrated(CaseMigrated(from: state.definition, to: target.contentHash, on: today)))
            var migrated = Run(state: state, definition: target, today: today, calendar: calendar)
            migrated.reschedule(reason: "The case migrated to a new version of process '\(target.id)'.")
            for event in migrated.events { emit(event) }
        }

        // MARK: Values

        func checkValues(_ values: [String: ExpressionValue]) throws {
            for (id, value) in values.sorted(by: { $0.key < $1.key }) {
                guard let field = definition.field(id) else {
                    let suggestion = definition.fields.map(\.id).sorted().joined(separator: ", ")
                    throw CommandRefused(.invalidValue, "Process '\(definition.id)' has no field '\(id)'; its fields are \(suggestion).")
                }
                if let problem = field.problem(with: value, parties: definition.parties.map(\.id)) {
                    throw CommandRefused(.invalidValue, "The value given for field '\(id)' \(problem).")
                }
            }
        }
    }
}

extension FieldDefinition {
    /// Why `value` does not fit this field, or nil. Never repeats the value itself.
    public func problem(with value: ExpressionValue, parties: [String]) -> String? {
        switch (type, value) {
        case (.date, .date), (.number, .number), (.bool, .bool), (.text, .text):
            return nil
        case (.choice, .text(let choice)):
            return values.contains(choice) ? nil : "is not one of \(values.joined(separator: ", "))"
        case (.parties, .text(let list)):
            // The unknown names are not repeated: they may be anything the user typed.
            let unknown = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !parties.contains($0) }
            return unknown.isEmpty ? nil : "names parties the process does not have; its parties are \(parties.joined(separator: ", "))"
        default:
            return "is not a \(type.rawValue)"
        }
    }
}

func quoted(_ ids: [String]) -> String {
    ids.map { "'\($0)'" }.joined(separator: ", ")
}

private func unique(_ values: [String]) -> [String] {
    var seen: Set<String> = []
    return values.filter { seen.insert($0).inserted }
}
