extension CaseState {
    /// The state after `event`: pure, no I/O, and total (an event that does not apply
    /// to the state leaves it as it is, so that history always folds).
    public func evolve(_ event: CaseEvent) -> CaseState {
        var next = self
        next.version += 1
        next.revision = next.version
        switch event {
        case .opened(let opened):
            next.process = opened.process
            next.definition = opened.definition
            next.fields = opened.fields
            next.openedOn = opened.openedOn
            next.responsibleWorker = opened.responsibleWorker
            next.fastTrack = opened.fastTrack
            next.legalBasis = opened.legalBasis
        case .fieldsRecorded(let recorded):
            next.fields.merge(recorded.values) { $1 }
            for field in recorded.cleared { next.fields[field] = nil }
        case .stateEntered(let entered):
            next.state = entered.state
        case .taskOpened(let opened):
            next.openTasks.removeAll { $0.task == opened.task }
            next.openTasks.append(
                OpenTask(
                    task: opened.task, role: opened.role, earliest: opened.earliest, due: opened.due,
                    occurrence: opened.occurrence, openedOn: opened.on, seriesStart: opened.seriesStart, suspended: false))
            next.occurrences[opened.task] = opened.occurrence
        case .taskRescheduled(let rescheduled):
            if let index = next.openTasks.firstIndex(where: { $0.task == rescheduled.task }) {
                next.openTasks[index].earliest = rescheduled.earliest
                next.openTasks[index].due = rescheduled.due
            }
        case .taskCompleted(let completed):
            if let index = next.openTasks.firstIndex(where: { $0.task == completed.task }) {
                let task = next.openTasks.remove(at: index)
                next.completedTasks.append(
                    CompletedTask(task: task.task, occurrence: task.occurrence, due: task.due, on: completed.on, late: completed.late))
            }
            next.fields.merge(completed.outcomes) { $1 }
        case .taskCancelled(let cancelled):
            next.openTasks.removeAll { $0.task == cancelled.task }
        case .taskSuspended(let suspended):
            if let index = next.openTasks.firstIndex(where: { $0.task == suspended.task }) {
                next.openTasks[index].suspended = true
            }
        case .taskResumed(let resumed):
            if let index = next.openTasks.firstIndex(where: { $0.task == resumed.task }) {
                next.openTasks[index].suspended = false
            }
        case .taskClaimed(let claimed):
            if let index = next.openTasks.firstIndex(where: { $0.task == claimed.task }) {
                next.openTasks[index].claimedBy = claimed.by
            }
        case .taskUnclaimed(let unclaimed):
            if let index = next.openTasks.firstIndex(where: { $0.task == unclaimed.task }) {
                next.openTasks[index].claimedBy = nil
            }
        case .eventOccurred(let occurred):
            next.eventDates[occurred.event] = occurred.on
        case .consentGiven(let given):
            next.consent = Set(given.parties)
        case .consentWithdrawn:
            next.consent = nil
        case .informationDisclosed(let disclosed):
            next.disclosures.append(disclosed)
        case .responsibilityHandedOver(let handover):
            next.responsibleWorker = handover.to
        case .caseClosed(let closed):
            next.closed = closed
        case .caseReopened:
            next.closed = nil
        case .caseMigrated(let migrated):
            next.definition = migrated.to
        case .caseErased(let erased):
            for field in erased.fields { next.fields[field] = nil }
            next.erased = erased
        }
        return next
    }

    /// The state of a case with this history.
    public static func fold(_ id: StreamID, _ events: some Sequence<CaseEvent>) -> CaseState {
        events.reduce(CaseState(id: id)) { $0.evolve($1) }
    }
}
