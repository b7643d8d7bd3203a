public import Crypto
import Foundation
import Synchronization
public import WorkflowKit

/// The engine's store held in memory, for tests and for embedders' tests: an
/// ``InMemoryEventStore`` with the definitions, case keys, the cases and open-tasks
/// projections and the reminder schedule beside it.
///
/// It keeps the ``CaseStore`` and ``ReminderQueue`` contracts as the SQLite and
/// PostgreSQL stores do (one conformance suite runs all three): the projections and the
/// schedule change inside each append's lock, so that an append and its projection are
/// seen together or not at all, and a case key is stored or shredded with the append
/// that goes with it. Case keys are kept as they are, not wrapped: there is no master key
/// in memory, and nothing outlives the process. Time comes from the clock it is given
/// (a ``ManualTime`` by default); a reminder claim's lease is counted on that clock too.
///
/// ```swift
/// let time = ManualTime(milliseconds: 1_780_000_000_000)
/// let store = InMemoryCaseStore(now: time.provider)
/// let engine = Engine(store: store, now: time.provider)
/// ```
public final class InMemoryCaseStore: ReminderQueue {
    /// The event log.
    public let log: InMemoryEventStore
    public var eventLog: any EventStore { log }
    private let now: @Sendable () -> Int64
    private let box = Box()
    private let planner = ReminderPlanner()

    /// The tables, in a box the log's hook can hold without holding the store.
    private final class Box: Sendable {
        let tables = Mutex(Tables())
    }

    /// An empty store whose events are stamped, and reminder leases counted, with `now`
    /// (milliseconds since 1970).
    public init(now: @escaping @Sendable () -> Int64 = ManualTime().provider) {
        self.now = now
        self.log = InMemoryEventStore(now: now)
        let box = box
        let planner = planner
        log.setTransactionHook { events, alongside in
            try box.tables.withLock { current in
                var next = current
                if let change = alongside as? KeyChange { try next.apply(change) }
                try next.apply(events, planner: planner)
                current = next
            }
        }
    }

    // MARK: - Definitions

    public func store(_ definition: ProcessDefinition) async throws {
        let stamp = now()
        box.tables.withLock { tables in
            if tables.definitions[definition.contentHash] == nil {
                tables.definitions[definition.contentHash] = (definition, stamp)
            }
        }
    }

    public func definition(hash: String) async throws -> ProcessDefinition? {
        box.tables.withLock { $0.definitions[hash]?.definition }
    }

    public func definitionHashes(process: String) async throws -> [String] {
        box.tables.withLock { tables in
            tables.definitions.filter { $0.value.definition.id == process }
                .sorted { ($0.value.storedAt, $0.key) < ($1.value.storedAt, $1.key) }.map(\.key)
        }
    }

    // MARK: - Commands and versions

    public func appliedCommand(_ commandID: String) async throws -> AppendResult? {
        guard var result = log.appliedCommand(commandID) else { return nil }
        result.wasAlreadyApplied = true
        return result
    }

    public func appliedCommandResults(prefixedBy prefix: String, limit: Int) async throws -> [String: AppendResult] {
        log.appliedCommands(prefixedBy: prefix, limit: limit)
    }

    public func versions(of streams: [StreamID]) async throws -> [StreamID: Int64] {
        var versions: [StreamID: Int64] = [:]
        for stream in streams { versions[stream] = try await log.version(of: stream) }
        return versions
    }

    // MARK: - Case keys

    public func caseKey(for id: StreamID) async throws -> SymmetricKey? {
        box.tables.withLock { $0.keys[id] }
    }

    /// A key to store or shred with an append, handed to the log's transaction hook.
    struct KeyChange: Sendable {
        var stream: StreamID
        var change: CaseKeyChange
    }

    public func appendCaseEvents(
        _ stored: [CaseEvent], encoded: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        key: CaseKeyChange?
    ) async throws -> AppendResult {
        try log.append(encoded, to: id, expected: expected, metadata: metadata, alongside: key.map { KeyChange(stream: id, change: $0) })
    }

    // MARK: - Projections

    public func cases(process: String?, includeClosed: Bool) async throws -> [CaseSummary] {
        box.tables.withLock { tables in
            tables.cases.values.filter { row in
                (process == nil || row.summary.process == process) && (includeClosed || row.summary.closedOn == nil)
            }
            .map { tables.summary(of: $0) }
            .sorted { a, b in
                a.openedOn != b.openedOn ? a.openedOn < b.openedOn : Array(a.id.rawValue.utf8).lexicographicallyPrecedes(Array(b.id.rawValue.utf8))
            }
        }
    }

    public func caseSummary(_ id: StreamID) async throws -> CaseSummary? {
        box.tables.withLock { tables in tables.cases[id].map { tables.summary(of: $0) } }
    }

    public func tasks(_ query: TaskQuery) async throws -> [OpenTaskSummary] {
        box.tables.withLock { tables in
            tables.openTasks.values.flatMap(\.values).filter { task in
                if let before = query.dueBefore, !(task.due.map { $0 < before } ?? false) { return false }
                if let day = query.overdueOn, !(task.due.map { $0 < day } ?? false) { return false }
                if let role = query.role, task.role != role { return false }
                if let process = query.process, task.process != process { return false }
                if let caseID = query.caseID, task.caseID != caseID { return false }
                return true
            }
            .sorted { a, b in
                // Due first by date, undated last; then case and task by their bytes.
                if (a.due == nil) != (b.due == nil) { return a.due != nil }
                if let x = a.due, let y = b.due, x != y { return x < y }
                if a.caseID != b.caseID { return Array(a.caseID.rawValue.utf8).lexicographicallyPrecedes(Array(b.caseID.rawValue.utf8)) }
                return Array(a.task.utf8).lexicographicallyPrecedes(Array(b.task.utf8))
            }
        }
    }

    @discardableResult
    public func rebuildProjections() async throws -> Int {
        try log.withEveryEvent { events in
            try box.tables.withLock { current in
                var rebuilt = Tables()
                rebuilt.definitions = current.definitions
                rebuilt.keys = current.keys
                // One stream's run of events at a time, as an append gives them.
                var start = 0
                while start < events.count {
                    var end = start + 1
                    while end < events.count && events[end].stream == events[start].stream && events[end].version == events[end - 1].version + 1 {
                        end += 1
                    }
                    try rebuilt.apply(Array(events[start..<end]), planner: planner)
                    start = end
                }
                current = rebuilt
                return events.count
            }
        }
    }

    // MARK: - Reminder queue

    public func claimDueReminders(now due: Int64, daemon: String, lease: Int64, limit: Int) async throws -> [Reminder] {
        let clock = now()
        return box.tables.withLock { tables in
            let claimable = tables.reminders.values
                .filter { $0.reminder.fireAt <= due && ($0.claimedUntil.map { $0 < clock } ?? true) }
                .sorted { ($0.reminder.fireAt, $0.reminder.id) < ($1.reminder.fireAt, $1.reminder.id) }
                .prefix(max(0, limit))
            for row in claimable {
                tables.reminders[row.reminder.id]?.claimedBy = daemon
                tables.reminders[row.reminder.id]?.claimedUntil = clock + lease
            }
            return claimable.map(\.reminder)
        }
    }

    public func releaseClaims(_ ids: [String], daemon: String) async throws {
        box.tables.withLock { tables in
            for id in ids where tables.reminders[id]?.claimedBy == daemon {
                tables.reminders[id]?.claimedBy = nil
                tables.reminders[id]?.claimedUntil = nil
            }
        }
    }

    public func nextReminderTime(now _: Int64) async throws -> Int64? {
        let clock = now()
        return box.tables.withLock { tables in
            tables.reminders.values.filter { $0.claimedUntil.map { $0 < clock } ?? true }.map(\.reminder.fireAt).min()
        }
    }

    public func pendingReminders(caseID: StreamID?) async throws -> [Reminder] {
        box.tables.withLock { tables in
            tables.reminders.values.map(\.reminder).filter { caseID == nil || $0.caseID == caseID }
                .sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
        }
    }

    @discardableResult
    public func collapseLateReminders(now due: Int64, lateAfter: Int64) async throws -> Int {
        let clock = now()
        return box.tables.withLock { tables in
            let late = tables.reminders.values
                .filter { $0.reminder.fireAt < due - lateAfter && ($0.claimedUntil.map { $0 < clock } ?? true) }
                .map(\.reminder)
                .sorted {
                    ($0.caseID.rawValue, $0.task, $0.occurrence, $0.fireAt, $0.id) < ($1.caseID.rawValue, $1.task, $1.occurrence, $1.fireAt, $1.id)
                }
            var dropped = 0
            for (group, superseded) in ReminderPlanner.lateRungs(late) {
                guard let last = group.last else { continue }
                var replacement = last
                replacement.superseded = superseded
                if last.kind == .escalation, let (definition, calendar) = tables.definitionAndCalendar(of: last.caseID) {
                    replacement = planner.latest(
                        replacing: last, superseded: replacement.superseded, now: due, definition: definition, calendar: calendar)
                }
                guard replacement.superseded > 0 else { continue }
                for reminder in group { tables.reminders[reminder.id] = nil }
                tables.schedule([replacement])
                dropped += replacement.superseded
            }
            return dropped
        }
    }
}

// MARK: - The tables

extension InMemoryCaseStore {
    struct CaseRow {
        var summary: CaseSummary
    }

    struct ReminderRow {
        var reminder: Reminder
        var claimedBy: String?
        var claimedUntil: Int64?
    }

    /// What the SQLite store keeps in tables beside the log, as values.
    struct Tables {
        var definitions: [String: (definition: ProcessDefinition, storedAt: Int64)] = [:]
        var keys: [StreamID: SymmetricKey] = [:]
        var cases: [StreamID: CaseRow] = [:]
        var openTasks: [StreamID: [String: OpenTaskSummary]] = [:]
        var reminders: [String: ReminderRow] = [:]
        var delivered: Set<String> = []

        /// A case's row with its next due date and its count of open tasks.
        func summary(of row: CaseRow) -> CaseSummary {
            var summary = row.summary
            let tasks = openTasks[summary.id]?.values
            summary.nextDue = tasks?.compactMap(\.due).min()
            summary.openTasks = tasks?.count ?? 0
            return summary
        }

        func definitionAndCalendar(of caseID: StreamID) -> (ProcessDefinition, any BusinessCalendar)? {
            guard let hash = cases[caseID]?.summary.definition, let definition = definitions[hash]?.definition,
                let calendar = definition.makeCalendar()
            else { return nil }
            return (definition, calendar)
        }

        mutating func apply(_ change: KeyChange) throws {
            switch change.change {
            case .create(let key):
                guard keys[change.stream] == nil else {
                    throw EventStoreError(.storage, "Case '\(change.stream)' already has a key.")
                }
                keys[change.stream] = key
            case .shred:
                keys[change.stream] = nil
            }
        }

        /// One append's events (one stream's, in order): the case projection first, then
        /// the schedule, which reads its rows.
        mutating func apply(_ events: [RecordedEvent], planner: ReminderPlanner) throws {
            for event in events {
                let caseEvent = try CaseEvent(event)
                applyToCases(event, caseEvent)
                try applyToReminders(event, caseEvent, planner: planner)
            }
            if let last = events.last { cases[last.stream]?.summary.version = last.version }
        }

        private mutating func applyToCases(_ event: RecordedEvent, _ caseEvent: CaseEvent?) {
            let id = event.stream
            switch caseEvent {
            case .none:
                return
            case .opened(let opened)?:
                cases[id] = CaseRow(
                    summary: CaseSummary(
                        id: id, process: opened.process, definition: opened.definition, state: "",
                        responsibleWorker: opened.responsibleWorker, openedOn: opened.openedOn, fastTrack: opened.fastTrack, closedOn: nil,
                        closedReason: nil, erasedOn: nil, version: event.version, nextDue: nil, openTasks: 0))
            case .stateEntered(let entered)?:
                cases[id]?.summary.state = entered.state
            case .taskOpened(let opened)?:
                openTasks[id, default: [:]][opened.task] = OpenTaskSummary(
                    caseID: id, task: opened.task, process: cases[id]?.summary.process ?? "", role: opened.role,
                    earliest: opened.earliest, due: opened.due, occurrence: opened.occurrence, suspended: false, claimedBy: nil)
            case .taskRescheduled(let rescheduled)?:
                openTasks[id]?[rescheduled.task]?.earliest = rescheduled.earliest
                openTasks[id]?[rescheduled.task]?.due = rescheduled.due
            case .taskCompleted(let completed)?:
                openTasks[id]?[completed.task] = nil
            case .taskCancelled(let cancelled)?:
                openTasks[id]?[cancelled.task] = nil
            case .taskSuspended(let suspended)?:
                openTasks[id]?[suspended.task]?.suspended = true
            case .taskResumed(let resumed)?:
                openTasks[id]?[resumed.task]?.suspended = false
            case .taskClaimed(let claimed)?:
                openTasks[id]?[claimed.task]?.claimedBy = claimed.by
            case .taskUnclaimed(let unclaimed)?:
                openTasks[id]?[unclaimed.task]?.claimedBy = nil
            case .responsibilityHandedOver(let handover)?:
                cases[id]?.summary.responsibleWorker = handover.to
            case .caseClosed(let closed)?:
                cases[id]?.summary.closedOn = closed.on
                cases[id]?.summary.closedReason = closed.reason
            case .caseReopened?:
                cases[id]?.summary.closedOn = nil
                cases[id]?.summary.closedReason = nil
            case .caseMigrated(let migrated)?:
                cases[id]?.summary.definition = migrated.to
            case .caseErased(let erased)?:
                cases[id]?.summary.erasedOn = erased.on
            case .fieldsRecorded?, .eventOccurred?, .consentGiven?, .consentWithdrawn?, .informationDisclosed?:
                return
            }
            if openTasks[id]?.isEmpty == true { openTasks[id] = nil }
        }

        private mutating func applyToReminders(_ event: RecordedEvent, _ caseEvent: CaseEvent?, planner: ReminderPlanner) throws {
            let caseID = event.stream
            if event.type == ReminderSent.typeName {
                let sent = try ReminderSent.decoded(from: event.payload)
                delivered.insert(sent.reminder)
                guard let removed = reminders.removeValue(forKey: sent.reminder)?.reminder,
                    let (definition, calendar) = definitionAndCalendar(of: caseID)
                else { return }
                if openTasks[caseID]?[removed.task]?.occurrence == removed.occurrence,
                    let next = planner.next(after: removed, definition: definition, calendar: calendar)
                {
                    schedule([next])
                }
                return
            }
            switch caseEvent {
            case .taskOpened(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .taskRescheduled(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .taskResumed(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .taskSuspended(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .taskCompleted(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .taskCancelled(let body)?: replan(caseID, task: body.task, from: body.on, planner: planner)
            case .caseClosed?:
                reminders = reminders.filter { $0.value.reminder.caseID != caseID }
            default:
                break
            }
        }

        /// Drops a task's pending reminders and plans them again from its open-task row:
        /// none when the task is no longer open or is suspended; never one delivered before.
        private mutating func replan(_ caseID: StreamID, task: String, from: LocalDate, planner: ReminderPlanner) {
            reminders = reminders.filter { !($0.value.reminder.caseID == caseID && $0.value.reminder.task == task) }
            guard let row = openTasks[caseID]?[task], !row.suspended, let (definition, calendar) = definitionAndCalendar(of: caseID)
            else { return }
            let instance = ReminderPlanner.TaskInstance(
                caseID: caseID, task: task, occurrence: row.occurrence, role: row.role, earliest: row.earliest, due: row.due)
            schedule(planner.plan(instance, definition: definition, calendar: calendar, from: from))
        }

        /// Schedules `planned`, leaving out any delivered before or already pending.
        mutating func schedule(_ planned: [Reminder]) {
            for reminder in planned where !delivered.contains(reminder.id) && reminders[reminder.id] == nil {
                reminders[reminder.id] = ReminderRow(reminder: reminder)
            }
        }
    }
}
