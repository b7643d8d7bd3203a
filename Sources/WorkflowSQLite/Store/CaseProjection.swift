import Foundation
import GRDB
import WorkflowKit

/// The `cases` and `open_tasks` tables, kept in step with the log inside each
/// append's own transaction, so that they never lag it and can always be rebuilt.
enum CaseProjection {
    static let migrationID = "2026-11-25-case-projections-v1"

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE definitions (
                    hash TEXT PRIMARY KEY,
                    process TEXT NOT NULL,
                    json BLOB NOT NULL,
                    stored_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE cases (
                    case_id TEXT PRIMARY KEY,
                    process TEXT NOT NULL,
                    definition TEXT NOT NULL,
                    state TEXT NOT NULL,
                    responsible_worker TEXT,
                    opened_on TEXT NOT NULL,
                    fast_track TEXT,
                    closed_on TEXT,
                    closed_reason TEXT,
                    version INTEGER NOT NULL,
                    last_position INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX cases_by_process ON cases (process, state);
                CREATE TABLE open_tasks (
                    case_id TEXT NOT NULL,
                    task TEXT NOT NULL,
                    process TEXT NOT NULL,
                    role TEXT NOT NULL,
                    earliest TEXT,
                    due TEXT,
                    occurrence INTEGER NOT NULL,
                    suspended INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (case_id, task)
                ) WITHOUT ROWID;
                CREATE INDEX open_tasks_by_due ON open_tasks (due);
                """)
    }

    static let erasedMigrationID = "2026-11-29-cases-erased-v1"

    /// Adds the day a case's personal data was erased, filled in from the log for cases
    /// erased before the column existed.
    static func migrateErased(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE cases ADD COLUMN erased_on TEXT")
        var after: Int64 = 0
        while true {
            let page = try EventLogSchema.fetch(
                db, where: "type = 'CaseErased' AND position > ?", orderBy: "position", arguments: [after], limit: 512)
            for event in page {
                if case .caseErased(let erased) = try CaseEvent(event) {
                    try db.execute(
                        sql: "UPDATE cases SET erased_on = ? WHERE case_id = ?",
                        arguments: [erased.on.description, event.stream.rawValue])
                }
            }
            guard let last = page.last else { return }
            after = last.position
        }
    }

    static let claimedByMigrationID = "2026-12-01-open-tasks-claimed-by-v1"

    /// Adds who claimed an open task. Logs written before it hold no claims (the events
    /// that make one are newer than the column), so every existing row stays unclaimed.
    static func migrateClaimedBy(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE open_tasks ADD COLUMN claimed_by TEXT")
    }

    /// Updates the tables for `event`, decoded as `caseEvent` (`nil` for an event that is
    /// not a case event, such as a reminder sent).
    static func apply(_ event: RecordedEvent, _ caseEvent: CaseEvent?, in db: Database) throws {
        let id = event.stream.rawValue
        guard let caseEvent else {
            // Another kind of event in a case's stream (a reminder sent) still moves its version on.
            try db.executeCached(
                sql: "UPDATE cases SET version = ?, last_position = ? WHERE case_id = ?",
                arguments: [event.version, event.position, id])
            return
        }
        switch caseEvent {
        case .opened(let opened):
            try db.executeCached(
                sql: """
                    INSERT INTO cases (case_id, process, definition, state, responsible_worker, opened_on, fast_track, version, last_position)
                    VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, opened.process, opened.definition, opened.responsibleWorker, opened.openedOn.description,
                    opened.fastTrack, event.version, event.position,
                ])
        case .stateEntered(let entered):
            try db.executeCached(sql: "UPDATE cases SET state = ? WHERE case_id = ?", arguments: [entered.state, id])
        case .taskOpened(let opened):
            try db.executeCached(
                sql: """
                    INSERT OR REPLACE INTO open_tasks (case_id, task, process, role, earliest, due, occurrence, suspended)
                    VALUES (?, ?, (SELECT process FROM cases WHERE case_id = ?), ?, ?, ?, ?, 0)
                    """,
                arguments: [
                    id, opened.task, id, opened.role, opened.earliest?.description, opened.due?.description, opened.occurrence,
                ])
        case .taskRescheduled(let rescheduled):
            try db.executeCached(
                sql: "UPDATE open_tasks SET earliest = ?, due = ? WHERE case_id = ? AND task = ?",
                arguments: [rescheduled.earliest?.description, rescheduled.due?.description, id, rescheduled.task])
        case .taskCompleted(let completed):
            try db.executeCached(sql: "DELETE FROM open_tasks WHERE case_id = ? AND task = ?", arguments: [id, completed.task])
        case .taskCancelled(let cancelled):
            try db.executeCached(sql: "DELETE FROM open_tasks WHERE case_id = ? AND task = ?", arguments: [id, cancelled.task])
        case .taskSuspended(let suspended):
            try db.executeCached(
                sql: "UPDATE open_tasks SET suspended = 1 WHERE case_id = ? AND task = ?", arguments: [id, suspended.task])
        case .taskResumed(let resumed):
            try db.executeCached(
                sql: "UPDATE open_tasks SET suspended = 0 WHERE case_id = ? AND task = ?", arguments: [id, resumed.task])
        case .taskClaimed(let claimed):
            try db.executeCached(
                sql: "UPDATE open_tasks SET claimed_by = ? WHERE case_id = ? AND task = ?", arguments: [claimed.by, id, claimed.task])
        case .taskUnclaimed(let unclaimed):
            try db.executeCached(
                sql: "UPDATE open_tasks SET claimed_by = NULL WHERE case_id = ? AND task = ?", arguments: [id, unclaimed.task])
        case .responsibilityHandedOver(let handover):
            try db.executeCached(sql: "UPDATE cases SET responsible_worker = ? WHERE case_id = ?", arguments: [handover.to, id])
        case .caseClosed(let closed):
            try db.executeCached(
                sql: "UPDATE cases SET closed_on = ?, closed_reason = ? WHERE case_id = ?",
                arguments: [closed.on.description, closed.reason, id])
        case .caseReopened:
            try db.executeCached(sql: "UPDATE cases SET closed_on = NULL, closed_reason = NULL WHERE case_id = ?", arguments: [id])
        case .caseMigrated(let migrated):
            try db.executeCached(sql: "UPDATE cases SET definition = ? WHERE case_id = ?", arguments: [migrated.to, id])
        case .caseErased(let erased):
            try db.executeCached(sql: "UPDATE cases SET erased_on = ? WHERE case_id = ?", arguments: [erased.on.description, id])
        case .fieldsRecorded, .eventOccurred, .consentGiven, .consentWithdrawn, .informationDisclosed:
            break
        }
        try db.executeCached(
            sql: "UPDATE cases SET version = ?, last_position = ? WHERE case_id = ?",
            arguments: [event.version, event.position, id])
    }
}
