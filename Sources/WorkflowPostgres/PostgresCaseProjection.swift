import Foundation
import Logging
import PostgresNIO
import Synchronization
import WorkflowKit

/// The cases and open-tasks projections and the reminder schedule in PostgreSQL, kept in
/// step with the log inside every append's transaction: the same tables, rules and
/// order as the SQLite store's (the case projection first, since the schedule reads its
/// rows), so that a case reads the same from either backend.
///
/// Events the engine appends arrive decoded (``AppendingCaseEvents``); others (a read
/// recorded, a reminder sent) are decoded from their JSON.
struct PostgresCaseProjection: PostgresTransactionHook {
    let schema: PostgresEventLogSchema
    let appending: AppendingCaseEvents
    let planner = ReminderPlanner()
    let definitions = DefinitionCache()

    /// The tables, beside the log's in the same schema. Ids fixed forever once shipped.
    static func steps(_ schema: PostgresEventLogSchema) -> [(id: String, sql: [String])] {
        [
            (
                "2026-12-01-case-store-v1",
                [
                    """
                    CREATE TABLE \(schema.table("definitions")) (
                        hash text PRIMARY KEY,
                        process text NOT NULL,
                        json bytea NOT NULL,
                        stored_at bigint NOT NULL
                    )
                    """,
                    "CREATE INDEX definitions_by_process ON \(schema.table("definitions")) (process, stored_at)",
                    """
                    CREATE TABLE \(schema.table("case_keys")) (
                        case_id text PRIMARY KEY,
                        wrapped bytea NOT NULL,
                        created_at bigint NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE \(schema.table("cases")) (
                        case_id text PRIMARY KEY,
                        process text NOT NULL,
                        definition text NOT NULL,
                        state text NOT NULL,
                        responsible_worker text,
                        opened_on text NOT NULL,
                        fast_track text,
                        closed_on text,
                        closed_reason text,
                        erased_on text,
                        version bigint NOT NULL,
                        last_position bigint NOT NULL
                    )
                    """,
                    "CREATE INDEX cases_by_process ON \(schema.table("cases")) (process, state)",
                    """
                    CREATE TABLE \(schema.table("open_tasks")) (
                        case_id text NOT NULL,
                        task text NOT NULL,
                        process text NOT NULL,
                        role text NOT NULL,
                        earliest text,
                        due text,
                        occurrence bigint NOT NULL,
                        suspended boolean NOT NULL DEFAULT false,
                        claimed_by text,
                        PRIMARY KEY (case_id, task)
                    )
                    """,
                    "CREATE INDEX open_tasks_by_due ON \(schema.table("open_tasks")) (due)",
                    """
                    CREATE TABLE \(schema.table("reminders")) (
                        id text PRIMARY KEY,
                        case_id text NOT NULL,
                        process text NOT NULL,
                        task text NOT NULL,
                        title text NOT NULL,
                        occurrence bigint NOT NULL,
                        role text NOT NULL,
                        kind text NOT NULL,
                        due text,
                        fire_on text NOT NULL,
                        fire_at bigint NOT NULL,
                        rung bigint,
                        superseded bigint NOT NULL DEFAULT 0,
                        claimed_by text,
                        claimed_until bigint
                    )
                    """,
                    "CREATE INDEX reminders_by_time ON \(schema.table("reminders")) (fire_at)",
                    "CREATE INDEX reminders_by_task ON \(schema.table("reminders")) (case_id, task)",
                    "CREATE TABLE \(schema.table("reminders_delivered")) (id text PRIMARY KEY)",
                    // Command ids by their bytes, for the API's lookups by prefix.
                    "CREATE INDEX commands_by_bytes ON \(schema.commands) (command_id COLLATE \"C\")",
                    """
                    CREATE TABLE \(schema.table("chain_key")) (
                        id integer PRIMARY KEY CHECK (id = 1),
                        wrapped bytea NOT NULL,
                        created_at bigint NOT NULL
                    )
                    """,
                ]
            ),
            (
                // Where the log's authentication begins (see AuthenticationStart), beside
                // the key, as the SQLite file's chain_key row records it.
                startMigrationID,
                [
                    """
                    ALTER TABLE \(schema.table("chain_key")) ADD COLUMN authenticated_from bigint,
                        ADD COLUMN authenticated_from_mac bytea, ADD COLUMN simulation boolean NOT NULL DEFAULT false
                    """
                ]
            ),
        ]
    }

    /// The migration that adds the record of where the log's authentication begins.
    static let startMigrationID = "2026-12-08-chain-key-authenticated-from"

    var cases: String { schema.table("cases") }
    var openTasks: String { schema.table("open_tasks") }
    var reminders: String { schema.table("reminders") }
    var delivered: String { schema.table("reminders_delivered") }

    func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        for event in events {
            let caseEvent = try appending.event(for: event) ?? CaseEvent(event)
            try await applyToCases(event, caseEvent, on: connection, logger: logger)
            try await applyToReminders(event, caseEvent, on: connection, logger: logger)
        }
        // Every event of a case's stream moves the case's version on (a read recorded, a
        // reminder sent), once for the append: its events are one stream's, in order.
        if let last = events.last {
            try await connection.run(
                "UPDATE \(unescaped: cases) SET version = \(last.version), last_position = \(last.position) WHERE case_id = \(last.stream.rawValue)",
                logger: logger)
        }
    }

    /// The statement `caseEvent` makes on the cases and open-tasks tables (none for an
    /// event that changes neither).
    private func applyToCases(
        _ event: RecordedEvent, _ caseEvent: CaseEvent?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let id = event.stream.rawValue
        let query: PostgresQuery
        switch caseEvent {
        case .none:
            return
        case .opened(let opened)?:
            query = """
                INSERT INTO \(unescaped: cases) (case_id, process, definition, state, responsible_worker, opened_on, fast_track, version, last_position)
                VALUES (\(id), \(opened.process), \(opened.definition), '', \(opened.responsibleWorker), \(opened.openedOn.description),
                        \(opened.fastTrack), \(event.version), \(event.position))
                """
        case .stateEntered(let entered)?:
            query = "UPDATE \(unescaped: cases) SET state = \(entered.state) WHERE case_id = \(id)"
        case .taskOpened(let opened)?:
            query = """
                INSERT INTO \(unescaped: openTasks) (case_id, task, process, role, earliest, due, occurrence, suspended, claimed_by)
                VALUES (\(id), \(opened.task), (SELECT process FROM \(unescaped: cases) WHERE case_id = \(id)), \(opened.role),
                        \(opened.earliest?.description), \(opened.due?.description), \(Int64(opened.occurrence)), false, NULL)
                ON CONFLICT (case_id, task) DO UPDATE SET process = excluded.process, role = excluded.role,
                    earliest = excluded.earliest, due = excluded.due, occurrence = excluded.occurrence, suspended = false,
                    claimed_by = NULL
                """
        case .taskRescheduled(let rescheduled)?:
            query = """
                UPDATE \(unescaped: openTasks) SET earliest = \(rescheduled.earliest?.description), due = \(rescheduled.due?.description)
                WHERE case_id = \(id) AND task = \(rescheduled.task)
                """
        case .taskCompleted(let completed)?:
            query = "DELETE FROM \(unescaped: openTasks) WHERE case_id = \(id) AND task = \(completed.task)"
        case .taskCancelled(let cancelled)?:
            query = "DELETE FROM \(unescaped: openTasks) WHERE case_id = \(id) AND task = \(cancelled.task)"
        case .taskSuspended(let suspended)?:
            query = "UPDATE \(unescaped: openTasks) SET suspended = true WHERE case_id = \(id) AND task = \(suspended.task)"
        case .taskResumed(let resumed)?:
            query = "UPDATE \(unescaped: openTasks) SET suspended = false WHERE case_id = \(id) AND task = \(resumed.task)"
        case .taskClaimed(let claimed)?:
            query = "UPDATE \(unescaped: openTasks) SET claimed_by = \(claimed.by) WHERE case_id = \(id) AND task = \(claimed.task)"
        case .taskUnclaimed(let unclaimed)?:
            query = "UPDATE \(unescaped: openTasks) SET claimed_by = NULL WHERE case_id = \(id) AND task = \(unclaimed.task)"
        case .responsibilityHandedOver(let handover)?:
            query = "UPDATE \(unescaped: cases) SET responsible_worker = \(handover.to) WHERE case_id = \(id)"
        case .caseClosed(let closed)?:
            query = "UPDATE \(unescaped: cases) SET closed_on = \(closed.on.description), closed_reason = \(closed.reason) WHERE case_id = \(id)"
        case .caseReopened?:
            query = "UPDATE \(unescaped: cases) SET closed_on = NULL, closed_reason = NULL WHERE case_id = \(id)"
        case .caseMigrated(let migrated)?:
            query = "UPDATE \(unescaped: cases) SET definition = \(migrated.to) WHERE case_id = \(id)"
        case .caseErased(let erased)?:
            query = "UPDATE \(unescaped: cases) SET erased_on = \(erased.on.description) WHERE case_id = \(id)"
        case .fieldsRecorded?, .eventOccurred?, .consentGiven?, .consentWithdrawn?, .informationDisclosed?:
            return
        }
        try await connection.run(query, logger: logger)
    }

    /// Updates the reminder schedule for `event`, after the case projection took it in.
    private func applyToReminders(
        _ event: RecordedEvent, _ caseEvent: CaseEvent?, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let caseID = event.stream.rawValue
        if event.type == ReminderSent.typeName {
            let sent = try ReminderSent.decoded(from: event.payload)
            let rows = try await connection.query(
                """
                WITH recorded AS (INSERT INTO \(unescaped: delivered) (id) VALUES (\(sent.reminder)) ON CONFLICT (id) DO NOTHING),
                     removed AS (DELETE FROM \(unescaped: reminders) WHERE id = \(sent.reminder) RETURNING *)
                SELECT \(unescaped: Self.reminderColumns) FROM removed
                """, logger: logger
            ).collect()
            guard let row = rows.first, let reminder = try Self.reminder(from: row),
                let (definition, calendar) = try await definition(of: caseID, on: connection, logger: logger)
            else { return }
            let open = try await connection.query(
                """
                SELECT 1 FROM \(unescaped: openTasks)
                WHERE case_id = \(caseID) AND task = \(reminder.task) AND occurrence = \(Int64(reminder.occurrence))
                """, logger: logger
            ).collect()
            if !open.isEmpty, let next = planner.next(after: reminder, definition: definition, calendar: calendar) {
                try await insert([next], on: connection, logger: logger)
            }
            return
        }
        switch caseEvent {
        case .taskOpened(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .taskRescheduled(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .taskResumed(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .taskSuspended(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .taskCompleted(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .taskCancelled(let body)?: try await replan(caseID: caseID, task: body.task, from: body.on, on: connection, logger: logger)
        case .caseClosed?:
            try await connection.run("DELETE FROM \(unescaped: reminders) WHERE case_id = \(caseID)", logger: logger)
        default:
            break
        }
    }

    /// Drops a task's pending reminders and plans them again from its open-task row: none
    /// when the task is no longer open or is suspended; never one delivered before.
    private func replan(
        caseID: String, task: String, from: LocalDate, on connection: PostgresConnection, logger: Logger
    ) async throws {
        // One statement: the reminders go, and the task's row (if still open) comes back.
        let rows = try await connection.query(
            """
            WITH dropped AS (DELETE FROM \(unescaped: reminders) WHERE case_id = \(caseID) AND task = \(task))
            SELECT role, earliest, due, occurrence, suspended FROM \(unescaped: openTasks) WHERE case_id = \(caseID) AND task = \(task)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return }
        let (role, earliest, due, occurrence, suspended) = try row.decode((String, String?, String?, Int64, Bool).self)
        guard !suspended, let (definition, calendar) = try await definition(of: caseID, on: connection, logger: logger) else { return }
        let instance = ReminderPlanner.TaskInstance(
            caseID: StreamID(rawValue: caseID), task: task, occurrence: Int(occurrence), role: role,
            earliest: earliest.flatMap(LocalDate.init), due: due.flatMap(LocalDate.init))
        try await insert(planner.plan(instance, definition: definition, calendar: calendar, from: from), on: connection, logger: logger)
    }

    /// Schedules `planned` in one statement, leaving out any delivered before.
    func insert(_ planned: [Reminder], on connection: PostgresConnection, logger: Logger) async throws {
        guard !planned.isEmpty else { return }
        // Arrays cannot carry NULL through the client's encoding: an absent due date is
        // sent as '' and an absent rung as -1, and turned back into NULL here.
        let query: PostgresQuery = """
            INSERT INTO \(unescaped: reminders) (id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at, rung, superseded)
            SELECT r.id, r.case_id, r.process, r.task, r.title, r.occurrence, r.role, r.kind, NULLIF(r.due, ''), r.fire_on, r.fire_at,
                   NULLIF(r.rung, -1), r.superseded
            FROM unnest(\(planned.map(\.id))::text[], \(planned.map(\.caseID.rawValue))::text[], \(planned.map(\.process))::text[],
                        \(planned.map(\.task))::text[], \(planned.map(\.title))::text[], \(planned.map { Int64($0.occurrence) })::bigint[],
                        \(planned.map(\.role))::text[], \(planned.map(\.kind.rawValue))::text[],
                        \(planned.map { $0.due?.description ?? "" })::text[], \(planned.map(\.fireOn.description))::text[],
                        \(planned.map(\.fireAt))::bigint[], \(planned.map { Int64($0.rung ?? -1) })::bigint[],
                        \(planned.map { Int64($0.superseded) })::bigint[])
                 AS r(id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at, rung, superseded)
            WHERE NOT EXISTS (SELECT 1 FROM \(unescaped: delivered) AS d WHERE d.id = r.id)
            ON CONFLICT (id) DO NOTHING
            """
        try await connection.run(query, logger: logger)
    }

    /// The definition a case follows, decoded once per content hash, with its calendar.
    func definition(
        of caseID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> (ProcessDefinition, any BusinessCalendar)? {
        let rows = try await connection.query(
            """
            SELECT c.definition, d.json FROM \(unescaped: cases) AS c
            LEFT JOIN \(unescaped: schema.table("definitions")) AS d ON d.hash = c.definition
            WHERE c.case_id = \(caseID)
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return nil }
        let (hash, json) = try row.decode((String, Data?).self)
        var definition = definitions.value.withLock { $0[hash] }
        if definition == nil {
            guard let json else { return nil }
            let decoded = try JSONDecoder().decode(ProcessDefinition.self, from: json)
            definitions.value.withLock { $0[hash] = decoded }
            definition = decoded
        }
        guard let definition, let calendar = definition.makeCalendar() else { return nil }
        return (definition, calendar)
    }

    static let reminderColumns = "id, case_id, process, task, title, occurrence, role, kind, due, fire_on, fire_at, rung, superseded"

    /// A reminder from a row of ``reminderColumns``; nil when its kind or day is not one this version knows.
    static func reminder(from row: PostgresRow) throws -> Reminder? {
        let cells = row.makeRandomAccess()
        guard let kind = ReminderKind(rawValue: try cells[7].decode(String.self)),
            let fireOn = LocalDate(try cells[9].decode(String.self))
        else { return nil }
        return Reminder(
            id: try cells[0].decode(String.self), caseID: StreamID(rawValue: try cells[1].decode(String.self)),
            process: try cells[2].decode(String.self), task: try cells[3].decode(String.self), title: try cells[4].decode(String.self),
            occurrence: Int(try cells[5].decode(Int64.self)), role: try cells[6].decode(String.self), kind: kind,
            due: try cells[8].decode(String?.self).flatMap(LocalDate.init), fireOn: fireOn, fireAt: try cells[10].decode(Int64.self),
            rung: try cells[11].decode(Int64?.self).map { Int($0) }, superseded: Int(try cells[12].decode(Int64.self)))
    }
}

/// Definitions by content hash, decoded once per process (a stored definition never changes).
final class DefinitionCache: Sendable {
    let value = Mutex<[String: ProcessDefinition]>([:])
}
