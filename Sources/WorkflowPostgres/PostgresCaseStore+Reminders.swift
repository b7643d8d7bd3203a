import Foundation
import Logging
import PostgresNIO
public import WorkflowKit

/// The reminder queue in PostgreSQL: several daemons, on several machines, share it.
///
/// A claim is one statement: the due rows are picked with `FOR UPDATE SKIP LOCKED`, so
/// that two daemons claiming at once take different reminders and never wait for each
/// other, and then marked in the same statement. The lease is counted on the database's
/// clock, not the daemon's: machines' clocks drift, and a claim must lapse at the same
/// moment for every daemon. (Which reminders are due is still the daemon's clock, so
/// that a simulated clock decides it.)
extension PostgresCaseStore {
    /// The database's time in milliseconds since 1970, in SQL.
    static let databaseNow = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    public func claimDueReminders(now: Int64, daemon: String, lease: Int64, limit: Int) async throws -> [Reminder] {
        let reminders = projection.reminders
        let rows = try await rows("claiming due reminders") {
            """
            WITH due AS (
                SELECT id FROM \(unescaped: reminders)
                WHERE fire_at <= \(now) AND (claimed_until IS NULL OR claimed_until < \(unescaped: Self.databaseNow))
                ORDER BY fire_at, id LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE \(unescaped: reminders) AS r SET claimed_by = \(daemon), claimed_until = \(unescaped: Self.databaseNow) + \(lease)
                FROM due WHERE r.id = due.id
                RETURNING r.*
            )
            SELECT \(unescaped: PostgresCaseProjection.reminderColumns) FROM claimed ORDER BY fire_at, id
            """
        }
        return try rows.compactMap(PostgresCaseProjection.reminder(from:))
    }

    public func releaseClaims(_ ids: [String], daemon: String) async throws {
        guard !ids.isEmpty else { return }
        try await run("releasing claims") {
            """
            UPDATE \(unescaped: projection.reminders) SET claimed_by = NULL, claimed_until = NULL
            WHERE id = ANY(\(ids)::text[]) AND claimed_by = \(daemon)
            """
        }
    }

    public func nextReminderTime(now: Int64) async throws -> Int64? {
        try await rows("reading the next reminder time") {
            """
            SELECT MIN(fire_at) FROM \(unescaped: projection.reminders)
            WHERE claimed_until IS NULL OR claimed_until < \(unescaped: Self.databaseNow)
            """
        }.first?.decode(Int64?.self)
    }

    /// Folds the reminders missed during a downtime (see
    /// ``ReminderQueue/collapseLateReminders(now:lateAfter:)``), in one transaction that locks
    /// the rows it folds: a daemon claiming meanwhile skips them, and they are gone when
    /// it commits.
    @discardableResult
    public func collapseLateReminders(now: Int64, lateAfter: Int64) async throws -> Int {
        let projection = projection
        let logger = events.logger
        return try await PostgresEventStore.storage("collapsing late reminders") {
            try await events.client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT \(unescaped: PostgresCaseProjection.reminderColumns) FROM \(unescaped: projection.reminders)
                        WHERE fire_at < \(now - lateAfter) AND (claimed_until IS NULL OR claimed_until < \(unescaped: Self.databaseNow))
                        ORDER BY case_id, task, occurrence, fire_at, id
                        FOR UPDATE SKIP LOCKED
                        """, logger: logger
                    ).collect()
                    var dropped = 0
                    for (group, superseded) in ReminderPlanner.lateRungs(try rows.compactMap(PostgresCaseProjection.reminder(from:))) {
                        guard let last = group.last else { continue }
                        var replacement = last
                        replacement.superseded = superseded
                        if last.kind == .escalation,
                            let (definition, calendar) = try await projection.definition(
                                of: last.caseID.rawValue, on: connection, logger: logger)
                        {
                            replacement = projection.planner.latest(
                                replacing: last, superseded: replacement.superseded, now: now, definition: definition, calendar: calendar)
                        }
                        guard replacement.superseded > 0 else { continue }
                        try await connection.run(
                            "DELETE FROM \(unescaped: projection.reminders) WHERE id = ANY(\(group.map(\.id))::text[])", logger: logger)
                        try await projection.insert([replacement], on: connection, logger: logger)
                        dropped += replacement.superseded
                    }
                    return dropped
                }
            }
        }
    }
}
