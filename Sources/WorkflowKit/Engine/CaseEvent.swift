import Foundation

/// What happened to a case: the events a case's stream holds.
///
/// Every event is a plain value; ``CaseState/evolve(_:)`` folds them into the state.
/// Field values travel only in `CaseOpened` and `FieldsRecorded`; every other event
/// names fields, tasks and parties by id, so that reasons and reminders carry no
/// personal data.
public enum CaseEvent: Sendable, Hashable {
    case opened(CaseOpened)
    case fieldsRecorded(FieldsRecorded)
    case stateEntered(StateEntered)
    case taskOpened(TaskOpened)
    case taskRescheduled(TaskRescheduled)
    case taskCompleted(TaskCompleted)
    case taskCancelled(TaskCancelled)
    case taskSuspended(TaskSuspended)
    case taskResumed(TaskResumed)
    case taskClaimed(TaskClaimed)
    case taskUnclaimed(TaskUnclaimed)
    case eventOccurred(EventOccurred)
    case consentGiven(ConsentGiven)
    case consentWithdrawn(ConsentWithdrawn)
    case informationDisclosed(InformationDisclosed)
    case responsibilityHandedOver(ResponsibilityHandedOver)
    case caseClosed(CaseClosed)
    case caseMigrated(CaseMigrated)
    case caseErased(CaseErased)
    case caseReopened(CaseReopened)

    /// The type name the event log stores.
    public var typeName: String {
        switch self {
        case .opened: "CaseOpened"
        case .fieldsRecorded: "FieldsRecorded"
        case .stateEntered: "StateEntered"
        case .taskOpened: "TaskOpened"
        case .taskRescheduled: "TaskRescheduled"
        case .taskCompleted: "TaskCompleted"
        case .taskCancelled: "TaskCancelled"
        case .taskSuspended: "TaskSuspended"
        case .taskResumed: "TaskResumed"
        case .taskClaimed: "TaskClaimed"
        case .taskUnclaimed: "TaskUnclaimed"
        case .eventOccurred: "EventOccurred"
        case .consentGiven: "ConsentGiven"
        case .consentWithdrawn: "ConsentWithdrawn"
        case .informationDisclosed: "InformationDisclosed"
        case .responsibilityHandedOver: "ResponsibilityHandedOver"
        case .caseClosed: "CaseClosed"
        case .caseMigrated: "CaseMigrated"
        case .caseReopened: "CaseReopened"
        case .caseErased: "CaseErased"
        }
    }
}

/// A case was opened on a process, pinned to one version of its definition.
public struct CaseOpened: Sendable, Hashable, Codable {
    public var process: String
    /// The content hash of the resolved definition the case follows.
    public var definition: String
    public var fields: [String: ExpressionValue]
    public var openedOn: LocalDate
    /// The worker responsible from the start.
    public var responsibleWorker: String?
    /// Why the case starts on the fast track, when it does.
    public var fastTrack: String?
    /// The statutory duty the case's data is processed under (not the client's consent);
    /// nil in cases opened before processes stated one.
    public var legalBasis: String? = nil
    /// The personal field values, encrypted with the case's key (`PersonalDataSealer`);
    /// nil once read back, and in events without personal values.
    public var sealed: String? = nil
}

/// Field values were recorded or corrected.
public struct FieldsRecorded: Sendable, Hashable, Codable {
    public var values: [String: ExpressionValue]
    /// Field ids whose value was removed.
    public var cleared: [String]
    public var on: LocalDate
    /// The personal values, encrypted with the case's key; nil once read back.
    public var sealed: String? = nil
}

/// The case moved to a state (also the first state, on opening).
public struct StateEntered: Sendable, Hashable, Codable {
    public var state: String
    public var from: String?
    /// The event that moved it, if any.
    public var event: String?
    public var on: LocalDate
}

/// A task opened, with its window.
public struct TaskOpened: Sendable, Hashable, Codable {
    public var task: String
    public var role: String
    public var earliest: LocalDate?
    public var due: LocalDate?
    /// 1 for the first time a task opens in a case, 2 for its first repetition, ...
    public var occurrence: Int
    public var on: LocalDate
    /// For a repetition: the first occurrence's due date as its rule gave it (before any
    /// move off a day off); the n-th repetition is due `every × n` after it, so that a
    /// monthly task stays on its day of the month.
    public var seriesStart: LocalDate?
}


/// A task's window changed because a date it depends on changed.
public struct TaskRescheduled: Sendable, Hashable, Codable {
    public var task: String
    public var earliest: LocalDate?
    public var due: LocalDate?
    public var previousEarliest: LocalDate?
    public var previousDue: LocalDate?
    /// Why, naming fields by id (never their values).
    public var reason: String
    public var on: LocalDate
}

/// A task was done.
public struct TaskCompleted: Sendable, Hashable, Codable {
    public var task: String
    public var outcomes: [String: ExpressionValue]
    public var on: LocalDate
    /// Whether it was done after its due date.
    public var late: Bool
    /// The personal outcomes, encrypted with the case's key; nil once read back.
    public var sealed: String? = nil
}

/// A task will not be done (the case left its state, or closed).
public struct TaskCancelled: Sendable, Hashable, Codable {
    public var task: String
    public var reason: String
    public var on: LocalDate
}

/// A task is on hold because the consent it needs was withdrawn.
public struct TaskSuspended: Sendable, Hashable, Codable {
    public var task: String
    public var reason: String
    public var on: LocalDate
}

/// A suspended task is active again.
public struct TaskResumed: Sendable, Hashable, Codable {
    public var task: String
    public var on: LocalDate
}

/// A worker took an open task of a role on. Completing or cancelling the task ends the claim.
public struct TaskClaimed: Sendable, Hashable, Codable {
    public var task: String
    /// The occurrence of the task that was claimed.
    public var occurrence: Int?
    /// The id of the worker who claimed it (an actor id, never a name).
    public var by: String
    public var on: LocalDate
}

/// A claimed task went back to its role.
public struct TaskUnclaimed: Sendable, Hashable, Codable {
    public var task: String
    /// The id of the worker who gave it back.
    public var by: String
    public var on: LocalDate
}

/// A named event of the process happened.
public struct EventOccurred: Sendable, Hashable, Codable {
    public var event: String
    public var on: LocalDate
}

/// The client gave written consent naming the parties that may be involved.
public struct ConsentGiven: Sendable, Hashable, Codable {
    public var parties: [String]
    public var on: LocalDate
}

/// The client withdrew consent: nothing more is disclosed.
public struct ConsentWithdrawn: Sendable, Hashable, Codable {
    public var on: LocalDate
}

/// Case information was disclosed to a party (an invitation, advance information, a memo).
public struct InformationDisclosed: Sendable, Hashable, Codable {
    public var party: String
    public var purpose: String
    public var on: LocalDate
}

/// Responsibility passed from one worker to another, in one step.
public struct ResponsibilityHandedOver: Sendable, Hashable, Codable {
    public var from: String?
    public var to: String
    public var on: LocalDate
}

/// The case closed.
public struct CaseClosed: Sendable, Hashable, Codable {
    public var reason: String
    public var on: LocalDate
}

/// A closed case was reopened: it is open again, in the state it was reopened into.
public struct CaseReopened: Sendable, Hashable, Codable {
    /// The final state the case was closed in.
    public var from: String
    /// Why; never personal data.
    public var reason: String
    public var on: LocalDate
}

/// The case moved to another version of its definition.
public struct CaseMigrated: Sendable, Hashable, Codable {
    public var from: String
    public var to: String
    public var on: LocalDate
}

/// The case's personal data was destroyed: its key is deleted, so that the personal
/// values in its events can never be read again (crypto-shredding). The non-personal
/// facts stay.
public struct CaseErased: Sendable, Hashable, Codable {
    /// Why, e.g. the retention period ended; never personal data.
    public var reason: String
    /// The ids of the fields the process marks personal, whose values are gone.
    public var fields: [String]
    public var on: LocalDate
}
