extension CaseState {
    /// The state after `event`: pure, no I/O, and total (an event that does not apply
    /// to the state leaves it as it is, so that history always folds).
    public func evolve(_ event: CaseEvent) -> CaseState {
        var next = self
        next.apply(event)
        return next
    }

    /// Applies `event` to this state in place, as ``evolve(_:)`` does to a copy. Folding
    /// a history this way changes the state's task lists and fields where they are,
    /// instead of copying them for every event.
    public mutating func apply(_ event: CaseEvent) {
        version += 1
        revision = version
        switch event {
        case .opened(let opened):
            process = opened.process
            definition = opened.definition
            fields = opened.fields
            openedOn = opened.openedOn
            responsibleWorker = opened.responsibleWorker
            fastTrack = opened.fastTrack
            legalBasis = opened.legalBasis
        case .fieldsRecorded(let recorded):
            fields.merge(recorded.values) { $1 }
            for field in recorded.cleared { fields[field] = nil }
        case .stateEntered(let entered):
            state = entered.state
        case .taskOpened(let opened):
            openTasks.removeAll { $0.task == opened.task }
            openTasks.append(
                OpenTask(
                    task: opened.task, role: opened.role, earliest: opened.earliest, due: opened.due,
                    occurrence: opened.occurrence, openedOn: opened.on, seriesStart: opened.seriesStart, suspended: false))
            occurrences[opened.task] = opened.occurrence
        case .taskRescheduled(let rescheduled):
            if let index = openTasks.firstIndex(where: { $0.task == rescheduled.task }) {
                openTasks[index].earliest = rescheduled.earliest
                openTasks[index].due = rescheduled.due
            }
        case .taskCompleted(let completed):
            if let index = openTasks.firstIndex(where: { $0.task == completed.task }) {
                let task = openTasks.remove(at: index)
                completedTasks.append(
                    CompletedTask(task: task.task, occurrence: task.occurrence, due: task.due, on: completed.on, late: completed.late))
            }
            fields.merge(completed.outcomes) { $1 }
        case .taskCancelled(let cancelled):
            openTasks.removeAll { $0.task == cancelled.task }
        case .taskSuspended(let suspended):
            if let index = openTasks.firstIndex(where: { $0.task == suspended.task }) {
                openTasks[index].suspended = true
            }
        case .taskResumed(let resumed):
            if let index = openTasks.firstIndex(where: { $0.task == resumed.task }) {
                openTasks[index].suspended = false
            }
        case .taskClaimed(let claimed):
            if let index = openTasks.firstIndex(where: { $0.task == claimed.task }) {
                openTasks[index].claimedBy = claimed.by
            }
        case .taskUnclaimed(let unclaimed):
            if let index = openTasks.firstIndex(where: { $0.task == unclaimed.task }) {
                openTasks[index].claimedBy = nil
            }
        case .eventOccurred(let occurred):
            eventDates[occurred.event] = occurred.on
        case .consentGiven(let given):
            consent = Set(given.parties)
        case .consentWithdrawn:
            consent = nil
        case .informationDisclosed(let disclosed):
            disclosures.append(disclosed)
        case .responsibilityHandedOver(let handover):
            responsibleWorker = handover.to
        case .caseClosed(let closed):
            self.closed = closed
        case .caseReopened:
            closed = nil
        case .caseMigrated(let migrated):
            definition = migrated.to
        case .caseErased(let erased):
            for field in erased.fields { fields[field] = nil }
            self.erased = erased
        }
    }

    /// The state of a case with this history.
    public static func fold(_ id: StreamID, _ events: some Sequence<CaseEvent>) -> CaseState {
        events.reduce(into: CaseState(id: id)) { $0.apply($1) }
    }
}
