import Foundation
import WorkflowKit

extension CaseEvent {
    /// What happened, in one line: ids, dates and reasons, never field values.
    var summary: String {
        switch self {
        case .opened(let opened):
            var line = "opened on process '\(opened.process)' (version \(opened.definition.prefix(12)))"
            if let worker = opened.responsibleWorker { line += ", responsible worker \(worker)" }
            if !opened.fields.isEmpty { line += "; fields \(opened.fields.keys.sorted().joined(separator: ", "))" }
            if let reason = opened.fastTrack { line += "; fast track: \(reason)" }
            return line
        case .fieldsRecorded(let recorded):
            var parts: [String] = []
            if !recorded.values.isEmpty { parts.append("recorded \(recorded.values.keys.sorted().joined(separator: ", "))") }
            if !recorded.cleared.isEmpty { parts.append("cleared \(recorded.cleared.sorted().joined(separator: ", "))") }
            return parts.joined(separator: "; ")
        case .stateEntered(let entered):
            var line = "entered state '\(entered.state)'"
            if let from = entered.from { line += " from '\(from)'" }
            if let event = entered.event { line += " on '\(event)'" }
            return line
        case .taskOpened(let opened):
            var line = "task '\(opened.task)' opened for \(opened.role)"
            if let earliest = opened.earliest { line += ", earliest \(earliest)" }
            line += ", due \(opened.due?.description ?? "none")"
            if opened.occurrence > 1 { line += " (occurrence \(opened.occurrence))" }
            return line
        case .taskRescheduled(let moved):
            var changes: [String] = []
            if moved.previousDue != moved.due { changes.append("due \(cell(moved.previousDue)) → \(cell(moved.due))") }
            if moved.previousEarliest != moved.earliest {
                changes.append("earliest \(cell(moved.previousEarliest)) → \(cell(moved.earliest))")
            }
            return "task '\(moved.task)' rescheduled: \(changes.joined(separator: ", ")). \(moved.reason)"
        case .taskCompleted(let completed):
            var line = "task '\(completed.task)' completed\(completed.late ? " late" : "")"
            if !completed.outcomes.isEmpty { line += "; outcomes \(completed.outcomes.keys.sorted().joined(separator: ", "))" }
            return line
        case .taskCancelled(let cancelled):
            return "task '\(cancelled.task)' cancelled: \(cancelled.reason)"
        case .taskSuspended(let suspended):
            return "task '\(suspended.task)' suspended: \(suspended.reason)"
        case .taskResumed(let resumed):
            return "task '\(resumed.task)' resumed"
        case .taskClaimed(let claimed):
            return "task '\(claimed.task)' claimed by \(claimed.by)"
        case .taskUnclaimed(let unclaimed):
            return "task '\(unclaimed.task)' unclaimed by \(unclaimed.by)"
        case .eventOccurred(let occurred):
            return "event '\(occurred.event)' happened"
        case .consentGiven(let given):
            return "consent given, naming \(given.parties.joined(separator: ", "))"
        case .consentWithdrawn:
            return "consent withdrawn"
        case .informationDisclosed(let disclosed):
            return "information disclosed to '\(disclosed.party)': \(disclosed.purpose)"
        case .responsibilityHandedOver(let handover):
            return "responsibility handed over from \(handover.from ?? "nobody") to \(handover.to)"
        case .caseClosed(let closed):
            return "case closed: \(closed.reason)"
        case .caseReopened(let reopened):
            return "case reopened from the state '\(reopened.from)': \(reopened.reason)"
        case .caseMigrated(let migrated):
            return "migrated from version \(migrated.from.prefix(12)) to \(migrated.to.prefix(12))"
        case .caseErased(let erased):
            return "personal data erased: \(erased.reason)"
        }
    }
}

/// What a command did, as the case commands print it.
func report(_ outcome: CaseOutcome, json: Bool) throws {
    let state = outcome.state
    if json {
        try printJSON([
            "case": state.id.rawValue, "state": state.state, "version": state.version,
            "closed": state.isClosed, "responsibleWorker": jsonOrNull(state.responsibleWorker),
            "events": outcome.events.map { ["type": $0.typeName, "summary": $0.summary] },
            "tasks": state.openTasks.map(\.jsonObject),
        ] as [String: Any])
        return
    }
    if outcome.events.isEmpty {
        print("Nothing changed: case '\(state.id)' is at version \(state.version), state '\(state.state)'.")
        return
    }
    for event in outcome.events {
        print(event.summary)
    }
}
