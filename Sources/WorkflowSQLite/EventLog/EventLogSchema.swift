import Foundation
import GRDB
import WorkflowKit
import GRDBSQLite

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
        // Real time beside the (possibly simulated) recorded time, and each event's
        // authentication under the chain key. Adding columns fires no trigger.
        migrator.registerMigration("2026-11-30-event-log-written-at-authentication") { db in
            try db.execute(sql: "ALTER TABLE events ADD COLUMN written_at INTEGER")
            try db.execute(sql: "ALTER TABLE events ADD COLUMN mac BLOB")
        }
    }

    /// The triggers that keep the log append-only, as the engine defines them (the text
    /// SQLite keeps for each).
    static let appendOnlyTriggers: [(name: String, sql: String)] = [
        (
            "events_are_never_updated",
            """
            CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END
            """
        ),
        (
            "events_are_never_deleted",
            """
            CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never deleted'); END
            """
        ),
    ]

    /// What is wrong with the triggers on the events table (a tampered file): each
    /// append-only trigger must be there with the engine's definition, and no other
    /// trigger may be on the table. Empty when they are right.
    static func triggerProblems(in db: Database) throws -> TriggerProblems {
        var present: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'") {
            present[row[0]] = row[1] ?? ""
        }
        var problems = TriggerProblems()
        for trigger in appendOnlyTriggers {
            guard let sql = present.removeValue(forKey: trigger.name) else {
                problems.missing.append(trigger.name)
                continue
            }
            // Compared word by word: the layout of the text is not the definition.
            if sql.split(whereSeparator: \.isWhitespace) != trigger.sql.split(whereSeparator: \.isWhitespace) {
                problems.changed.append(trigger.name)
            }
        }
        problems.unexpected = present.keys.sorted()
        return problems
    }

    /// The append-only triggers that are missing, changed, or joined by others.
    struct TriggerProblems {
        var missing: [String] = []
        var changed: [String] = []
        var unexpected: [String] = []

        var isEmpty: Bool { missing.isEmpty && changed.isEmpty && unexpected.isEmpty }

        /// The problems, each naming its triggers.
        var details: String {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
            if !changed.isEmpty {
                parts.append("defined otherwise than the engine defines them: \(changed.joined(separator: ", "))")
            }
            if !unexpected.isEmpty {
                parts.append("triggers the engine never made: \(unexpected.map { Identifier.escaped($0, limit: 80) }.joined(separator: ", "))")
            }
            return parts.joined(separator: "; ")
        }

        /// The problem, as `verify` states it.
        var problem: String {
            if changed.isEmpty && unexpected.isEmpty {
                return "the append-only triggers are missing (\(missing.joined(separator: ", "))): the file was changed outside the engine."
            }
            return "the append-only triggers are not the engine's (\(details)): the file was changed outside the engine."
        }
    }

    /// The position from which the log records that every event is authenticated (kept
    /// with the chain key by ``WorkflowDatabase``); nil for a log that records none.
    static func authenticationStart(in db: Database) throws -> Int64? {
        guard try db.tableExists("chain_key"), try db.columns(in: "chain_key").contains(where: { $0.name == "authenticated_from" }) else {
            return nil
        }
        return try Int64.fetchOne(db, sql: "SELECT authenticated_from FROM chain_key WHERE id = 1")
    }

    static let columns = """
        position, stream, version, event_id, type, schema_version, payload, actor, organisation, role,
        correlation_id, causation_id, command_id, recorded_at, hash, written_at, mac
        """

    static let insertSQL = "INSERT INTO events (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    static func version(of stream: StreamID, in db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT MAX(version) FROM events WHERE stream = ?", arguments: [stream.rawValue]) ?? 0
    }

    static func lastPosition(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0
    }

    /// The last event's position and hash (genesis for an empty log), and whether it is authenticated.
    static func head(in db: Database) throws -> (position: Int64, hash: Data, authenticated: Bool) {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT position, hash, mac IS NOT NULL FROM events ORDER BY position DESC LIMIT 1"))
        else {
            return (0, EventHasher.genesis, false)
        }
        return (row[0], row[1], row[2])
    }

    private static let streamSQL = "SELECT \(columns) FROM events WHERE stream = ? AND version >= ? ORDER BY version"

    /// One stream's events from `version` on, in one statement: what every load of a case
    /// reads (its SQL is built once and its arguments bound straight to SQLite).
    static func fetch(_ db: Database, stream: StreamID, fromVersion version: Int64) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(sql: streamSQL)
        let sqlite = statement.sqliteStatement
        sqlite3_reset(sqlite)
        // Checked: a binding that failed would leave the previous read's stream bound.
        let code = bind(stream.rawValue, to: 1, of: sqlite)
        guard code == SQLITE_OK, sqlite3_bind_int64(sqlite, 2, version) == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return try rows(of: statement, in: db, capacity: 16)
    }

    static func fetch(
        _ db: Database, where condition: String, orderBy order: String, arguments: StatementArguments, limit: Int?
    ) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(columns) FROM events WHERE \(condition) ORDER BY \(order)\(limit.map { " LIMIT \($0)" } ?? "")")
        try statement.setArguments(arguments)
        return try rows(of: statement, in: db, capacity: min(limit ?? 16, 64))
    }

    private static func rows(of statement: Statement, in db: Database, capacity: Int) throws -> [RecordedEvent] {
        // Rows are decoded straight from the SQLite statement: this is the hot path of
        // every replay, and GRDB's generic row decoding costs more than the read itself.
        let sqlite = statement.sqliteStatement
        defer { sqlite3_reset(sqlite) }
        var events: [RecordedEvent] = []
        // Not the whole page: a case's stream is a few events, and a page of 512 would
        // be a 128 KiB allocation (an mmap) for each.
        events.reserveCapacity(capacity)
        while true {
            let code = sqlite3_step(sqlite)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            events.append(try event(from: sqlite, after: events))
        }
        return events
    }

    /// The row as an event. Texts equal to the previous row's (the stream, the type, the
    /// actor, organisation and role repeat from row to row; the events of one append share
    /// their command and causation ids) share its strings instead of being decoded and
    /// allocated again.
    /// (The previous row is read in place, field by field: `events.last` would copy the
    /// whole event, payload and hash included, for every row.)
    private static func event(from sqlite: OpaquePointer, after events: [RecordedEvent]) throws -> RecordedEvent {
        let last = events.count - 1
        let reuse = last >= 0
        let position = sqlite3_column_int64(sqlite, 0)
        let idBytes = UnsafeBufferPointer(
            start: sqlite3_column_text(sqlite, 3), count: Int(sqlite3_column_bytes(sqlite, 3)))
        guard let id = UUID(canonicalText: idBytes) else {
            throw EventStoreError(.corruptRow, "The event at position \(position) has a malformed id.")
        }
        return RecordedEvent(
            position: position,
            stream: StreamID(rawValue: text(sqlite, 1, reusing: reuse ? events[last].stream.rawValue : nil)),
            version: sqlite3_column_int64(sqlite, 2),
            id: id,
            type: text(sqlite, 4, reusing: reuse ? events[last].type : nil),
            schemaVersion: Int(sqlite3_column_int64(sqlite, 5)),
            payload: blob(sqlite, 6),
            metadata: EventMetadata(
                actor: optionalText(sqlite, 7, reusing: reuse ? events[last].metadata.actor : nil),
                organisation: optionalText(sqlite, 8, reusing: reuse ? events[last].metadata.organisation : nil),
                role: optionalText(sqlite, 9, reusing: reuse ? events[last].metadata.role : nil),
                correlationID: optionalText(sqlite, 10, reusing: reuse ? events[last].metadata.correlationID : nil),
                causationID: optionalText(sqlite, 11, reusing: reuse ? events[last].metadata.causationID : nil),
                commandID: optionalText(sqlite, 12, reusing: reuse ? events[last].metadata.commandID : nil)),
            recordedAt: sqlite3_column_int64(sqlite, 13),
            hash: blob(sqlite, 14),
            writtenAt: sqlite3_column_type(sqlite, 15) == SQLITE_NULL ? nil : sqlite3_column_int64(sqlite, 15),
            authentication: sqlite3_column_type(sqlite, 16) == SQLITE_NULL ? nil : blob(sqlite, 16))
    }

    private static func text(_ sqlite: OpaquePointer, _ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(sqlite, column) else { return "" }
        let count = Int(sqlite3_column_bytes(sqlite, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func optionalText(_ sqlite: OpaquePointer, _ column: Int32, reusing previous: String? = nil) -> String? {
        sqlite3_column_type(sqlite, column) == SQLITE_NULL ? nil : text(sqlite, column, reusing: previous)
    }

    /// The column's text: `previous` itself when its bytes are the same.
    private static func text(_ sqlite: OpaquePointer, _ column: Int32, reusing previous: String?) -> String {
        guard var previous, let pointer = sqlite3_column_text(sqlite, column) else { return text(sqlite, column) }
        let count = Int(sqlite3_column_bytes(sqlite, column))
        let same = previous.withUTF8 { bytes in
            bytes.count == count && (count == 0 || memcmp(bytes.baseAddress!, pointer, count) == 0)
        }
        return same ? previous : String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func blob(_ sqlite: OpaquePointer, _ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(sqlite, column))
        guard count > 0, let pointer = sqlite3_column_blob(sqlite, column) else { return Data() }
        return Data(bytes: pointer, count: count)
    }

    /// Inserts one event, binding straight to the SQLite statement (the hot path of
    /// every append).
    static func insert(_ event: RecordedEvent, with statement: Statement, in db: Database) throws {
        let sqlite = statement.sqliteStatement
        sqlite3_reset(sqlite)
        let metadata = event.metadata
        sqlite3_bind_int64(sqlite, 1, event.position)
        bind(event.stream.rawValue, to: 2, of: sqlite)
        sqlite3_bind_int64(sqlite, 3, event.version)
        bind(event.id.canonicalText, to: 4, of: sqlite)
        bind(event.type, to: 5, of: sqlite)
        sqlite3_bind_int64(sqlite, 6, Int64(event.schemaVersion))
        bind(event.payload, to: 7, of: sqlite)
        bind(metadata.actor, to: 8, of: sqlite)
        bind(metadata.organisation, to: 9, of: sqlite)
        bind(metadata.role, to: 10, of: sqlite)
        bind(metadata.correlationID, to: 11, of: sqlite)
        bind(metadata.causationID, to: 12, of: sqlite)
        bind(metadata.commandID, to: 13, of: sqlite)
        sqlite3_bind_int64(sqlite, 14, event.recordedAt)
        bind(event.hash, to: 15, of: sqlite)
        if let writtenAt = event.writtenAt { sqlite3_bind_int64(sqlite, 16, writtenAt) } else { sqlite3_bind_null(sqlite, 16) }
        if let authentication = event.authentication { bind(authentication, to: 17, of: sqlite) } else { sqlite3_bind_null(sqlite, 17) }
        let code = sqlite3_step(sqlite)
        sqlite3_reset(sqlite)
        guard code == SQLITE_DONE else {
            let connection = db.sqliteConnection
            throw DatabaseError(
                resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @discardableResult
    private static func bind(_ value: String?, to index: Int32, of sqlite: OpaquePointer) -> Int32 {
        guard var text = value else { return sqlite3_bind_null(sqlite, index) }
        return text.withUTF8 { bytes in
            sqlite3_bind_text(sqlite, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count), transient)
        }
    }

    private static func bind(_ value: Data, to index: Int32, of sqlite: OpaquePointer) {
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(sqlite, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), transient)
        }
    }
}
