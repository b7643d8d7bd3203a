import Foundation
import GRDB

/// The log's tables, and the SQL that reads and writes them.
enum EventLogSchema {
    /// Registers the log's migrations. Their ids are fixed forever once shipped.
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-25-event-log-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        position INTEGER PRIMARY KEY,
                        stream TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        event_id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        schema_version INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        actor TEXT,
                        organisation TEXT,
                        role TEXT,
                        correlation_id TEXT,
                        causation_id TEXT,
                        command_id TEXT,
                        recorded_at INTEGER NOT NULL,
                        hash BLOB NOT NULL,
                        UNIQUE (stream, version)
                    );
                    CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END;
                    CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END;

                    CREATE TABLE commands (
                        command_id TEXT PRIMARY KEY,
                        stream TEXT NOT NULL,
                        first_position INTEGER NOT NULL,
                        last_position INTEGER NOT NULL,
                        version INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE checkpoints (
                        name TEXT PRIMARY KEY,
                        position INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    static let columns = """
        position, stream, version, event_id, type, schema_version, payload, actor, organisation, role,
        correlation_id, causation_id, command_id, recorded_at, hash
        """

    static let insertSQL = "INSERT INTO events (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    static func version(of stream: StreamID, in db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT MAX(version) FROM events WHERE stream = ?", arguments: [stream.rawValue]) ?? 0
    }

    static func lastPosition(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0
    }

    /// The last event's position and hash (genesis for an empty log).
    static func head(in db: Database) throws -> (position: Int64, hash: Data) {
        guard let row = try Row.fetchOne(db, sql: "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        else {
            return (0, EventHasher.genesis)
        }
        return (row[0], row[1])
    }

    static func fetch(
        _ db: Database, where condition: String, orderBy order: String, arguments: StatementArguments, limit: Int
    ) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(columns) FROM events WHERE \(condition) ORDER BY \(order) LIMIT \(limit)")
        statement.arguments = arguments
        var events: [RecordedEvent] = []
        events.reserveCapacity(limit)
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            events.append(try event(from: row))
        }
        return events
    }

    static func event(from row: Row) throws -> RecordedEvent {
        let position: Int64 = row[0]
        let idText: String = row[3]
        guard let id = UUID(uuidString: idText) else {
            throw EventStoreError(.corruptRow, "The event at position \(position) has a malformed id.")
        }
        return RecordedEvent(
            position: position,
            stream: StreamID(rawValue: row[1]),
            version: row[2],
            id: id,
            type: row[4],
            schemaVersion: row[5],
            payload: row[6],
            metadata: EventMetadata(
                actor: row[7], organisation: row[8], role: row[9], correlationID: row[10], causationID: row[11],
                commandID: row[12]),
            recordedAt: row[13],
            hash: row[14])
    }

    static func insert(_ event: RecordedEvent, with statement: Statement) throws {
        let metadata = event.metadata
        try statement.execute(arguments: [
            event.position, event.stream.rawValue, event.version, event.id.uuidString, event.type,
            event.schemaVersion, event.payload, metadata.actor, metadata.organisation, metadata.role,
            metadata.correlationID, metadata.causationID, metadata.commandID, event.recordedAt, event.hash,
        ])
    }
}
