import Foundation
import Logging
import PostgresNIO
import WorkflowKit

/// The log's tables in one PostgreSQL schema, and their migrations.
///
/// The tables mirror the SQLite log's column for column, so that a log copies between the
/// two verbatim and hashes the same. One more table, `log_head`, holds a single row: the
/// last position and its hash. Every append locks that row first (`SELECT … FOR UPDATE`),
/// which serialises appends across every process and machine: positions are given in
/// commit order with no gap, and the hash chain always extends the committed head.
struct PostgresEventLogSchema: Sendable {
    let schema: String

    /// `"schema".table`, quoted.
    func table(_ name: String) -> String { "\"\(schema)\".\(name)" }

    var events: String { table("events") }
    var commands: String { table("commands") }
    var checkpoints: String { table("checkpoints") }
    var head: String { table("log_head") }
    var migrations: String { table("schema_migrations") }

    /// The channel `pg_notify` wakes subscribers on.
    var channel: String { "aso_events_\(schema)" }

    static let columns = """
        position, stream, version, event_id, type, schema_version, payload, actor, organisation, role,
        correlation_id, causation_id, command_id, recorded_at, hash, written_at, mac
        """

    /// The triggers that keep the log append-only.
    static let appendOnlyTriggers = ["events_are_never_deleted", "events_are_never_truncated", "events_are_never_updated"]

    /// The migrations, in order. Their ids are fixed forever once shipped.
    var steps: [(id: String, sql: [String])] {
        [
            (
                "2026-12-01-event-log-v1",
                [
                    """
                    CREATE TABLE \(events) (
                        position bigint PRIMARY KEY,
                        stream text NOT NULL,
                        version bigint NOT NULL,
                        event_id uuid NOT NULL UNIQUE,
                        type text NOT NULL,
                        schema_version integer NOT NULL,
                        payload bytea NOT NULL,
                        actor text,
                        organisation text,
                        role text,
                        correlation_id text,
                        causation_id text,
                        command_id text,
                        recorded_at bigint NOT NULL,
                        hash bytea NOT NULL,
                        written_at bigint,
                        mac bytea,
                        UNIQUE (stream, version)
                    )
                    """,
                    """
                    CREATE TABLE \(head) (
                        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                        position bigint NOT NULL,
                        hash bytea NOT NULL,
                        authenticated boolean NOT NULL
                    )
                    """,
                    "INSERT INTO \(head) (singleton, position, hash, authenticated) VALUES (true, 0, '\\x\(String(repeating: "00", count: 32))'::bytea, false)",
                    """
                    CREATE TABLE \(commands) (
                        command_id text PRIMARY KEY,
                        stream text NOT NULL,
                        first_position bigint NOT NULL,
                        last_position bigint NOT NULL,
                        version bigint NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE \(checkpoints) (
                        name text PRIMARY KEY,
                        position bigint NOT NULL,
                        updated_at bigint NOT NULL
                    )
                    """,
                    """
                    CREATE FUNCTION \(table("refuse_changing_events"))() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        RAISE EXCEPTION 'the event log is append-only: events are never %', lower(TG_OP) || 'd'
                            USING ERRCODE = 'restrict_violation';
                    END $$
                    """,
                    """
                    CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON \(events)
                    FOR EACH ROW EXECUTE FUNCTION \(table("refuse_changing_events"))()
                    """,
                    """
                    CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON \(events)
                    FOR EACH ROW EXECUTE FUNCTION \(table("refuse_changing_events"))()
                    """,
                    """
                    CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON \(events)
                    FOR EACH STATEMENT EXECUTE FUNCTION \(table("refuse_changing_events"))()
                    """,
                ]
            )
        ]
    }

    /// Creates the schema and applies the migrations not yet applied. Several processes
    /// opening a new log at once take turns on an advisory lock, so each step runs once.
    func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await migrate(connection, steps: steps, logger: logger)
    }

    /// Applies those of `steps` not yet applied (the log's own, or what a store keeps beside it).
    func migrate(_ connection: PostgresConnection, steps: [(id: String, sql: [String])], logger: Logger) async throws {
        try await migrate(connection, steps: steps, logger: logger) { _, _ in }
    }

    /// Applies those of `steps` not yet applied, then runs `then` in the same transaction,
    /// under the same lock, with the ids of the steps this call applied.
    func migrate<T>(
        _ connection: PostgresConnection, steps: [(id: String, sql: [String])], logger: Logger,
        then: (PostgresConnection, Set<String>) async throws -> T
    ) async throws -> T {
        do {
            return try await migrateInTransaction(connection, steps: steps, logger: logger, then: then)
        } catch let error as PostgresTransactionError {
            // The engine's own refusals from `then` are said as they are (the transaction
            // is rolled back either way).
            if let refusal = error.closureError as? EventStoreError { throw refusal }
            if let refusal = error.closureError as? PrivacyError { throw refusal }
            throw error
        }
    }

    private func migrateInTransaction<T>(
        _ connection: PostgresConnection, steps: [(id: String, sql: [String])], logger: Logger,
        then: (PostgresConnection, Set<String>) async throws -> T
    ) async throws -> T {
        try await connection.withTransaction(logger: logger) { connection in
            // Waiting for another process's migration is fine, however long a busy server takes.
            try await connection.run("SET LOCAL lock_timeout = '120s'", logger: logger)
            try await connection.run("SELECT pg_advisory_xact_lock(hashtext(\(channel)))", logger: logger)
            try await connection.run("CREATE SCHEMA IF NOT EXISTS \"\(unescaped: schema)\"", logger: logger)
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS \(unescaped: migrations) (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            let applied = Set(
                try await connection.query("SELECT id FROM \(unescaped: migrations)", logger: logger)
                    .collect().map { try $0.decode(String.self) })
            var appliedNow: Set<String> = []
            for step in steps where !applied.contains(step.id) {
                for statement in step.sql {
                    try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.run("INSERT INTO \(unescaped: migrations) (id) VALUES (\(step.id))", logger: logger)
                appliedNow.insert(step.id)
            }
            return try await then(connection, appliedNow)
        }
    }

    /// Each append-only trigger as the engine defines it: its `pg_trigger.tgtype` bits
    /// (row 1, before 2, delete 8, update 16, truncate 32).
    static let triggerTypes: [String: Int32] = [
        "events_are_never_updated": 1 | 2 | 16, "events_are_never_deleted": 1 | 2 | 8, "events_are_never_truncated": 2 | 32,
    ]

    /// The body of the function every append-only trigger executes, as the engine defines it.
    static let refusingFunctionBody = """
        BEGIN
            RAISE EXCEPTION 'the event log is append-only: events are never %', lower(TG_OP) || 'd'
                USING ERRCODE = 'restrict_violation';
        END
        """

    /// What is wrong with the triggers on the events table (the log was changed outside
    /// the engine): each append-only trigger must be there, enabled, for every row (or the
    /// statement, for TRUNCATE) with no condition and no column list, executing the
    /// engine's function with its body; no other trigger may be on the table. Empty when
    /// they are right; otherwise one text per problem, naming its trigger.
    func triggerProblems(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT t.tgname::text, t.tgtype::integer, t.tgenabled::text, t.tgqual IS NULL AND cardinality(t.tgattr::int2[]) = 0,
                   n.nspname::text, p.proname::text, p.prosrc
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE t.tgrelid = \(events)::regclass AND NOT t.tgisinternal
            """, logger: logger
        ).collect()
        var problems: [String] = []
        var present: Set<String> = []
        let body = Self.refusingFunctionBody.split(whereSeparator: \.isWhitespace)
        for row in rows {
            let (name, type, enabled, unconditional, namespace, function, source) =
                try row.decode((String, Int32, String, Bool, String, String, String).self)
            guard let expectedType = Self.triggerTypes[name] else {
                problems.append("the engine never made the trigger \(Identifier.escaped(name, limit: 80))")
                continue
            }
            present.insert(name)
            if type != expectedType || !unconditional {
                problems.append("\(name) does not fire on every change it must refuse")
            } else if enabled != "O" && enabled != "A" {
                problems.append("\(name) is disabled")
            } else if namespace != schema || function != "refuse_changing_events" || source.split(whereSeparator: \.isWhitespace) != body {
                problems.append("\(name) does not execute the engine's function as the engine defines it")
            }
        }
        for name in Self.appendOnlyTriggers where !present.contains(name) {
            problems.append("\(name) is missing")
        }
        return problems.sorted()
    }

    /// Decodes one row of ``columns``.
    static func event(from row: PostgresRow) throws -> RecordedEvent {
        let cells = row.makeRandomAccess()
        return RecordedEvent(
            position: try cells[0].decode(Int64.self),
            stream: StreamID(rawValue: try cells[1].decode(String.self)),
            version: try cells[2].decode(Int64.self),
            id: try cells[3].decode(UUID.self),
            type: try cells[4].decode(String.self),
            schemaVersion: Int(try cells[5].decode(Int32.self)),
            payload: try cells[6].decode(Data.self),
            metadata: EventMetadata(
                actor: try cells[7].decode(String?.self), organisation: try cells[8].decode(String?.self),
                role: try cells[9].decode(String?.self), correlationID: try cells[10].decode(String?.self),
                causationID: try cells[11].decode(String?.self), commandID: try cells[12].decode(String?.self)),
            recordedAt: try cells[13].decode(Int64.self),
            hash: try cells[14].decode(Data.self),
            writtenAt: try cells[15].decode(Int64?.self),
            authentication: try cells[16].decode(Data?.self))
    }
}
