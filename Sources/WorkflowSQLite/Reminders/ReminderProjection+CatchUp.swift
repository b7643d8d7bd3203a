import Foundation
import GRDB
import WorkflowKit

extension ReminderProjection {
    static let supersededMigrationID = "2026-12-01-reminder-superseded-v1"

    /// Adds the count of missed reminders a pending reminder stands for.
    static func migrateSuperseded(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE reminders ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0")
    }

    /// Collapses the reminders missed during a downtime (due more than `lateAfter`
    /// milliseconds before `now`, and not claimed): of each open task's rung (the owner's
    /// reminders count as one rung, each escalation rung as another) only the latest
    /// stays, and a repeating escalation rung moves on to its last day whose time has
    /// come. The one that stays says how many it replaces; nothing due is lost, because
    /// the task is still reminded of, once.
    ///
    /// - Returns: How many pending reminders were dropped.
    func collapseLate(now: Int64, lateAfter: Int64, in db: Database) throws -> Int {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.columns) FROM reminders WHERE fire_at < ? AND (claimed_until IS NULL OR claimed_until < ?)
                ORDER BY case_id, task, occurrence, fire_at, id
                """, arguments: [now - lateAfter, now])
        var dropped = 0
        for (group, superseded) in ReminderPlanner.lateRungs(rows.compactMap(Self.reminder(from:))) {
            guard let last = group.last else { continue }
            var replacement = last
            replacement.superseded = superseded
            if last.kind == .escalation, let (definition, calendar) = try definition(of: last.caseID.rawValue, in: db) {
                replacement = planner.latest(
                    replacing: last, superseded: replacement.superseded, now: now, definition: definition, calendar: calendar)
            }
            guard replacement.superseded > 0 else { continue }
            for reminder in group {
                try db.execute(sql: "DELETE FROM reminders WHERE id = ?", arguments: [reminder.id])
            }
            try insert([replacement], in: db)
            dropped += replacement.superseded
        }
        return dropped
    }
}

extension WorkflowDatabase {
    /// Before a daemon delivers what is due, collapses what fell due while no daemon
    /// ran, so that after a long downtime each open task's rung is reminded of once,
    /// marked late, rather than once per missed day (see
    /// `ReminderProjection.collapseLate(now:lateAfter:in:)`).
    ///
    /// - Returns: How many pending reminders were folded into later ones.
    @discardableResult
    public func collapseLateReminders(now: Int64, lateAfter: Int64) async throws -> Int {
        try await SQLiteEventStore.storage("collapsing late reminders") {
            try await events.pool.write { db in
                try reminders.collapseLate(now: now, lateAfter: lateAfter, in: db)
            }
        }
    }
}
