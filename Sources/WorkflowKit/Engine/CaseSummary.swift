import Foundation

/// One row of the cases projection.
public struct CaseSummary: Sendable, Hashable, Codable {
    public var id: StreamID
    public var process: String
    /// The content hash of the definition the case follows.
    public var definition: String
    public var state: String
    public var responsibleWorker: String?
    public var openedOn: LocalDate
    public var fastTrack: String?
    public var closedOn: LocalDate?
    public var closedReason: String?
    /// The day the case's personal data was erased (crypto-shredded), if it was.
    public var erasedOn: LocalDate?
    public var version: Int64
    /// The earliest due date among the case's open tasks.
    public var nextDue: LocalDate?
    public var openTasks: Int

    public init(
        id: StreamID, process: String, definition: String, state: String, responsibleWorker: String?, openedOn: LocalDate,
        fastTrack: String?, closedOn: LocalDate?, closedReason: String?, erasedOn: LocalDate?, version: Int64, nextDue: LocalDate?,
        openTasks: Int
    ) {
        self.id = id
        self.process = process
        self.definition = definition
        self.state = state
        self.responsibleWorker = responsibleWorker
        self.openedOn = openedOn
        self.fastTrack = fastTrack
        self.closedOn = closedOn
        self.closedReason = closedReason
        self.erasedOn = erasedOn
        self.version = version
        self.nextDue = nextDue
        self.openTasks = openTasks
    }
}

/// One row of the open-tasks projection.
public struct OpenTaskSummary: Sendable, Hashable, Codable {
    public var caseID: StreamID
    public var task: String
    public var process: String
    public var role: String
    public var earliest: LocalDate?
    public var due: LocalDate?
    public var occurrence: Int
    public var suspended: Bool
    /// The id of the worker who claimed the task, while one has.
    public var claimedBy: String? = nil

    public init(
        caseID: StreamID, task: String, process: String, role: String, earliest: LocalDate?, due: LocalDate?, occurrence: Int,
        suspended: Bool, claimedBy: String? = nil
    ) {
        self.caseID = caseID
        self.task = task
        self.process = process
        self.role = role
        self.earliest = earliest
        self.due = due
        self.occurrence = occurrence
        self.suspended = suspended
        self.claimedBy = claimedBy
    }
}

/// Which open tasks to list.
public struct TaskQuery: Sendable, Hashable {
    /// Only tasks due before this date.
    public var dueBefore: LocalDate?
    /// Only tasks overdue on this date (due before it).
    public var overdueOn: LocalDate?
    public var role: String?
    public var process: String?
    public var caseID: StreamID?

    public init(
        dueBefore: LocalDate? = nil, overdueOn: LocalDate? = nil, role: String? = nil, process: String? = nil,
        caseID: StreamID? = nil
    ) {
        self.dueBefore = dueBefore
        self.overdueOn = overdueOn
        self.role = role
        self.process = process
        self.caseID = caseID
    }
}
