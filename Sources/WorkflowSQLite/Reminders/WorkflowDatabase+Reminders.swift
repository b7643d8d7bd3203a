import Foundation
import GRDB
public import WorkflowKit

extension WorkflowDatabase: ReminderQueue {
    /// Claims up to `limit` reminders due at `now` for `daemon`, in one write
    /// transaction: a reminder claimed by one daemon is invisible to the others until
    /// the claim lapses (`lease` later), so several daemons on one file never deliver
    /// the same reminder while its claimant is alive.
    public func claimDueReminders(now: Int64, daemon: String, lease: Int64, limit: Int) async throws -> [Reminder] {
        try await SQLiteEventStore.storage("claiming due reminders") {
            try await events.pool.write { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(ReminderProjection.columns) FROM reminders WHERE fire_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
                        ORDER BY fire_at, id LIMIT ?
                        """, arguments: [now, now, limit])
                let reminders = rows.compactMap(ReminderProjection.reminder(from:))
                let claim = try db.cachedStatement(sql: "UPDATE reminders SET claimed_by = ?, claimed_until = ? WHERE id = ?")
                for reminder in reminders {
                    try claim.execute(arguments: [daemon, now + lease, reminder.id])
                }
                return reminders
            }
        }
    }

    /// Gives up this daemon's claims on `ids` (reminders it will not deliver after all).
    public func releaseClaims(_ ids: [String], daemon: String) async throws {
        guard !ids.isEmpty else { return }
        try await SQLiteEventStore.storage("releasing claims") {
            try await events.pool.write { db in
                let release = try db.cachedStatement(
                    sql: "UPDATE reminders SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?")
                for id in ids {
                    try release.execute(arguments: [id, daemon])
                }
            }
        }
    }

    /// When the next unclaimed reminder fires, in milliseconds since 1970; nil when none is pending.
    public func nextReminderTime(now: Int64) async throws -> Int64? {
        try await SQLiteEventStore.storage("reading the next reminder time") {
            try await events.pool.read { db in
                try Int64.fetchOne(
                    db, sql: "SELECT MIN(fire_at) FROM reminders WHERE claimed_until IS NULL OR claimed_until < ?",
                    arguments: [now])
            }
        }
    }

    /// Every pending reminder, earliest first (for `aso-engine reminders` and tests).
    public func pendingReminders(caseID: StreamID?) async throws -> [Reminder] {
        try await SQLiteEventStore.storage("reading pending reminders") {
            try await events.pool.read { db in
                let rows: [Row]
                if let caseID {
                    rows = try Row.fetchAll(
                        db, sql: "SELECT \(ReminderProjection.columns) FROM reminders WHERE case_id = ? ORDER BY fire_at, id", arguments: [caseID.rawValue])
                } else {
                    rows = try Row.fetchAll(db, sql: "SELECT \(ReminderProjection.columns) FROM reminders ORDER BY fire_at, id")
                }
                return rows.compactMap(ReminderProjection.reminder(from:))
            }
        }
    }
}
