import Foundation
import GRDB
import WorkflowKit
import Synchronization

/// The reminder schedule: every pending reminder of every open task, kept in step with
/// the log inside each append's transaction, so that the daemon's work per tick is a
/// range scan over what is due — never a walk over all cases.
final class ReminderProjection: Sendable {
    static let migrationID = "2026-11-25-reminder-schedule-v1"

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE reminders (
                    id TEXT PRIMARY KEY,
                    case_id TEXT NOT NULL,
                    process TEXT NOT NULL,
                    task TEXT NOT NULL,
                    title TEXT NOT NULL,
                    occurrence INTEGER NOT NULL,
                    role TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    due TEXT,
                    fire_on TEXT NOT NULL,
                    fire_at INTEGER NOT NULL,
                    rung INTEGER,
                    claimed_by TEXT,
                    claimed_until INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX reminders_by_time ON reminders (fire_at);
                CREATE INDEX reminders_by_task ON reminders (case_id, task);
                CREATE TABLE reminders_delivered (id TEXT PRIMARY KEY) WITHOUT ROWID;
                """)
    }

    let planner: ReminderPlanner
    private let definitions = Mutex<[String: ProcessDefinition]>([:])

    init(planner: ReminderPlanner = ReminderPlanner()) {
        self.planner = planner
    }

    /// Updates the schedule for `event`, decoded as `caseEvent` (`nil` for an event that
    /// is not a case event), after the case projection has taken it in.
    func apply(_ event: RecordedEvent, _ caseEvent: CaseEvent?, in db: Database) throws {
        let caseID = event.stream.rawValue
        if event.type == ReminderSent.typeName {
            let sent = try ReminderSent.decoded(from: event.payload)
            try db.executeCached(sql: "INSERT OR IGNORE INTO reminders_delivered (id) VALUES (?)", arguments: [sent.reminder])
            // Removed and read back in one statement.
            let row = try Row.fetchOne(
                cached: db, sql: "DELETE FROM reminders WHERE id = ? RETURNING \(Self.columns)", arguments: [sent.reminder])
            if let row, let reminder = Self.reminder(from: row), let (definition, calendar) = try definition(of: caseID, in: db),
                try Row.fetchOne(cached: db, sql: "SELECT 1 FROM open_tasks WHERE case_id = ? AND task = ? AND occurrence = ?",
                                 arguments: [caseID, reminder.task, reminder.occurrence]) != nil,
                let next = planner.next(after: reminder, definition: definition, calendar: calendar)
            {
                try insert([next], in: db)
            }
            return
        }
        guard let caseEvent else { return }
        switch caseEvent {
        case .taskOpened(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .taskRescheduled(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .taskResumed(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .taskSuspended(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .taskCompleted(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .taskCancelled(let body): try replan(caseID: caseID, task: body.task, from: body.on, in: db)
        case .caseClosed:
            try db.executeCached(sql: "DELETE FROM reminders WHERE case_id = ?", arguments: [caseID])
        default:
            break
        }
    }

    /// Drops a task's pending reminders and plans them again from its open-task row
    /// (the case projection has already applied the event): none when the task is no
    /// longer open or is suspended; never one that was delivered before.
    private func replan(caseID: String, task: String, from: LocalDate, in db: Database) throws {
        try db.executeCached(sql: "DELETE FROM reminders WHERE case_id = ? AND task = ?", arguments: [caseID, task])
        guard let row = try Row.fetchOne(
            cached: db, sql: "SELECT role, earliest, due, occurrence, suspended FROM open_tasks WHERE case_id = ? AND task = ?",
            arguments: [caseID, task]), !(row["suspended"] as Bool),
            let (definition, calendar) = try definition(of: caseID, in: db)
        else { return }
        let instance = ReminderPlanner.TaskInstance(
            caseID: StreamID(caseID), task: task, occurrence: row["occurrence"], role: row["role"],
            earliest: (row["earliest"] as String?).flatMap(LocalDate.init), due: (row["due"] as String?).flatMap(LocalDate.init))
        try insert(planner.plan(instance, definition: definition, calendar: calendar, from: from), in: db)
    }

    func insert(_ reminders: [Reminder], in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO reminders (id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at, rung, superseded)
                SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM reminders_delivered WHERE id = ?)
                """)
        for reminder in reminders {
            try statement.execute(arguments: [
                reminder.id, reminder.caseID.rawValue, reminder.process, reminder.task, reminder.title, reminder.occurrence,
                reminder.role, reminder.kind.rawValue, reminder.due?.description, reminder.fireOn.description, reminder.fireAt,
                reminder.rung, reminder.superseded, reminder.id,
            ])
        }
    }

    /// The definition a case follows, decoded once per content hash, with its calendar.
    func definition(of caseID: String, in db: Database) throws -> (ProcessDefinition, any BusinessCalendar)? {
        guard let hash = try String.fetchOne(cached: db, sql: "SELECT definition FROM cases WHERE case_id = ?", arguments: [caseID])
        else { return nil }
        var definition = definitions.withLock { $0[hash] }
        if definition == nil {
            guard let json = try Data.fetchOne(cached: db, sql: "SELECT json FROM definitions WHERE hash = ?", arguments: [hash])
            else { return nil }
            let decoded = try JSONDecoder().decode(ProcessDefinition.self, from: json)
            definitions.withLock { $0[hash] = decoded }
            definition = decoded
        }
        guard let definition, let calendar = definition.makeCalendar() else { return nil }
        return (definition, calendar)
    }

    /// The columns ``reminder(from:)`` reads, in its order.
    static let columns = "id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at, rung, superseded"

    /// A reminder from a row of ``columns`` (read by index: a lookup by name and a dynamic
    /// cast per column showed in every tick); nil when its kind or day is not one this
    /// version knows.
    static func reminder(from row: Row) -> Reminder? {
        guard let kind = ReminderKind(rawValue: row[7]), let fireOn = LocalDate(row[9] as String) else { return nil }
        return Reminder(
            id: row[0], caseID: StreamID(row[1] as String), process: row[2], task: row[3], title: row[4],
            occurrence: row[5], role: row[6], kind: kind, due: (row[8] as String?).flatMap(LocalDate.init),
            fireOn: fireOn, fireAt: row[10], rung: row[11], superseded: row[12] ?? 0)
    }
}
