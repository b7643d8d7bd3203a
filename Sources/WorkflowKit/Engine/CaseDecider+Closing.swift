import Foundation

extension CaseDecider.Run {
    /// Closes the case: its open tasks are cancelled.
    mutating func closeCase(reason: String) {
        for task in state.openTasks {
            emit(.taskCancelled(TaskCancelled(task: task.task, reason: "The case closed.", on: today)))
        }
        emit(.caseClosed(CaseClosed(reason: reason, on: today)))
    }

    /// Reopens a closed case: into the state its final state names in `reopen:`, or,
    /// for a case closed by the close command while it worked in a state, into that
    /// state again. Its history, fields and consent stay as they were; the state's
    /// tasks open anew.
    mutating func reopen(reason: String) throws {
        guard let closed = state.closed else {
            throw CommandRefused(
                .notAllowedInState, "Case '\(state.id)' is open (state '\(state.state)'); only a closed case can be reopened.")
        }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else {
            throw CommandRefused(.invalidValue, "Reopening case '\(state.id)' needs a reason, e.g. 'the client came back'.")
        }
        guard let current = definition.state(state.state) else {
            throw CommandRefused(.notAllowedInState, "Case '\(state.id)' closed in no known state; it cannot be reopened.")
        }
        let targetID = current.final ? current.reopen : current.id
        guard let targetID, let target = definition.state(targetID) else {
            throw CommandRefused(
                .notAllowedInState,
                "Case '\(state.id)' closed in the final state '\(current.id)' (\(closed.reason)), which process '\(definition.id)' "
                    + "does not let reopen; a final state that may be reopened says 'reopen: STATE'.")
        }
        emit(.caseReopened(CaseReopened(from: current.id, reason: why, on: today)))
        enter(target, from: current.id, event: nil)
    }
}
