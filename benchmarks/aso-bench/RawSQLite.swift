import Foundation
import GRDBSQLite

/// The same rows written and read through the SQLite C API directly: the physical
/// limit our event log is compared against.
final class RawSQLite {
    private var db: OpaquePointer?
    private var insert: OpaquePointer?
    private var insertCommand: OpaquePointer?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(path: String, synchronous: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK
        else { throw BenchError("cannot open \(path)") }
        try exec("PRAGMA journal_mode = WAL")
        try exec("PRAGMA synchronous = \(synchronous)")
        try exec("PRAGMA busy_timeout = 30000")
        try exec(
            """
            CREATE TABLE IF NOT EXISTS events (
                position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
                event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
                payload BLOB NOT NULL, actor TEXT, organisation TEXT, role TEXT, correlation_id TEXT,
                causation_id TEXT, command_id TEXT, recorded_at INTEGER NOT NULL, hash BLOB NOT NULL,
                UNIQUE (stream, version));
            CREATE TABLE IF NOT EXISTS commands (
                command_id TEXT PRIMARY KEY, stream TEXT NOT NULL, first_position INTEGER NOT NULL,
                last_position INTEGER NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID
            """)
        sqlite3_prepare_v2(
            db, "INSERT INTO commands (command_id, stream, first_position, last_position, version) VALUES (?, ?, ?, ?, ?)",
            -1, &insertCommand, nil)
        sqlite3_prepare_v2(
            db,
            "INSERT INTO events (position, stream, version, event_id, type, schema_version, payload, actor, organisation, role, correlation_id, causation_id, command_id, recorded_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            -1, &insert, nil)
    }

    deinit {
        sqlite3_finalize(selectStream)
        sqlite3_finalize(insert)
        sqlite3_finalize(insertCommand)
        sqlite3_close_v2(db)
    }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw BenchError("SQL failed: \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// Inserts one transaction of rows, and the row that records its command id, as the
    /// event log does.
    func insertTransaction(_ rows: [BenchRow]) throws {
        try exec("BEGIN IMMEDIATE")
        for row in rows {
            try insertRow(row, position: row.position)
        }
        if let first = rows.first, let last = rows.last {
            try insertCommandRow(first.commandID, stream: first.stream, from: first.position, to: last.position, version: last.version)
        }
        try exec("COMMIT")
    }

    /// Inserts one event row; a nil position lets SQLite choose the next one.
    private func insertRow(_ row: BenchRow, position: Int64?) throws {
        if let position { bind(1, position) } else { sqlite3_bind_null(insert, 1) }
        bind(2, row.stream)
        bind(3, row.version)
        bind(4, row.eventID)
        bind(5, row.type)
        bind(6, Int64(1))
        bind(7, row.payload)
        bind(8, row.actor)
        bind(9, row.organisation)
        bind(10, row.role)
        bind(11, row.correlationID)
        sqlite3_bind_null(insert, 12)
        bind(13, row.commandID)
        bind(14, row.recordedAt)
        bind(15, row.hash)
        guard sqlite3_step(insert) == SQLITE_DONE else {
            throw BenchError("insert failed: \(String(cString: sqlite3_errmsg(db)))")
        }
        sqlite3_reset(insert)
    }

    /// Inserts the row that records a command id, as the event log does.
    private func insertCommandRow(_ commandID: String, stream: String, from first: Int64, to last: Int64, version: Int64) throws {
        sqlite3_bind_text(insertCommand, 1, commandID, -1, Self.transient)
        sqlite3_bind_text(insertCommand, 2, stream, -1, Self.transient)
        sqlite3_bind_int64(insertCommand, 3, first)
        sqlite3_bind_int64(insertCommand, 4, last)
        sqlite3_bind_int64(insertCommand, 5, version)
        guard sqlite3_step(insertCommand) == SQLITE_DONE else {
            throw BenchError("insert failed: \(String(cString: sqlite3_errmsg(db)))")
        }
        sqlite3_reset(insertCommand)
    }

    /// Reads the whole table in pages, materialising every column; returns the row count.
    func readAll(pageSize: Int) throws -> Int {
        var select: OpaquePointer?
        sqlite3_prepare_v2(
            db,
            "SELECT position, stream, version, event_id, type, schema_version, payload, actor, organisation, role, correlation_id, causation_id, command_id, recorded_at, hash FROM events WHERE position > ? ORDER BY position LIMIT ?",
            -1, &select, nil)
        defer { sqlite3_finalize(select) }
        var after: Int64 = 0
        var count = 0
        var checksum = 0
        while true {
            try exec("BEGIN")
            sqlite3_bind_int64(select, 1, after)
            sqlite3_bind_int64(select, 2, Int64(pageSize))
            var inPage = 0
            while sqlite3_step(select) == SQLITE_ROW {
                after = sqlite3_column_int64(select, 0)
                let stream = text(select, 1)
                let version = sqlite3_column_int64(select, 2)
                let id = text(select, 3)
                let type = text(select, 4)
                let payload = blob(select, 6)
                let actor = text(select, 7)
                let hash = blob(select, 14)
                checksum &+= stream.utf8.count &+ Int(version) &+ id.utf8.count &+ type.utf8.count &+ payload.count
                    &+ actor.utf8.count &+ hash.count &+ text(select, 8).utf8.count &+ text(select, 9).utf8.count
                    &+ text(select, 10).utf8.count &+ text(select, 12).utf8.count &+ Int(sqlite3_column_int64(select, 13))
                inPage += 1
            }
            sqlite3_reset(select)
            try exec("COMMIT")
            count += inPage
            if inPage < pageSize { break }
        }
        if checksum == 42 { print("") }
        return count
    }

    private var selectStream: OpaquePointer?

    /// The number of streams in the table.
    func streamCount() throws -> Int {
        var count: OpaquePointer?
        sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT stream) FROM events", -1, &count, nil)
        defer { sqlite3_finalize(count) }
        guard sqlite3_step(count) == SQLITE_ROW else { throw BenchError(String(cString: sqlite3_errmsg(db))) }
        return Int(sqlite3_column_int64(count, 0))
    }

    /// Reads one stream's rows in version order, every column materialised, in a read
    /// transaction of their own; returns the row count and the last version.
    @discardableResult
    func readStream(_ stream: String) throws -> Int {
        try exec("BEGIN")
        let (count, _) = try readRows(of: stream)
        try exec("COMMIT")
        return count
    }

    private func readRows(of stream: String) throws -> (count: Int, version: Int64) {
        if selectStream == nil {
            sqlite3_prepare_v2(
                db,
                "SELECT position, stream, version, event_id, type, schema_version, payload, actor, organisation, role, correlation_id, causation_id, command_id, recorded_at, hash FROM events WHERE stream = ? ORDER BY version",
                -1, &selectStream, nil)
        }
        sqlite3_bind_text(selectStream, 1, stream, -1, Self.transient)
        var count = 0
        var version: Int64 = 0
        var checksum = 0
        while sqlite3_step(selectStream) == SQLITE_ROW {
            let select = selectStream
            version = sqlite3_column_int64(select, 2)
            checksum &+= text(select, 1).utf8.count &+ text(select, 3).utf8.count &+ text(select, 4).utf8.count
                &+ blob(select, 6).count &+ text(select, 7).utf8.count &+ text(select, 8).utf8.count
                &+ text(select, 9).utf8.count &+ text(select, 10).utf8.count &+ text(select, 12).utf8.count
                &+ Int(sqlite3_column_int64(select, 13)) &+ blob(select, 14).count &+ Int(sqlite3_column_int64(select, 0))
            count += 1
        }
        sqlite3_reset(selectStream)
        if checksum == 42 { print("") }
        return (count, version)
    }

    /// One command: in one write transaction, reads the stream's rows, then appends one
    /// row at the next version and the row that records the command id.
    func command(_ row: BenchRow) throws {
        try exec("BEGIN IMMEDIATE")
        let (_, version) = try readRows(of: row.stream)
        var next = row
        next.version = version + 1
        try insertRow(next, position: nil)
        let position = sqlite3_last_insert_rowid(db)
        try insertCommandRow(next.commandID, stream: next.stream, from: position, to: position, version: next.version)
        try exec("COMMIT")
    }

    private func text(_ statement: OpaquePointer?, _ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: pointer)
    }

    private func blob(_ statement: OpaquePointer?, _ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard let pointer = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: pointer, count: count)
    }

    private func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(insert, index, value)
    }

    private func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(insert, index, value, -1, Self.transient)
    }

    private func bind(_ index: Int32, _ value: Data) {
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(insert, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }
}

/// One row, prepared before timing starts, as both sides store it.
struct BenchRow {
    var position: Int64
    var stream: String
    var version: Int64
    var eventID: String
    var type = "TaskCompleted"
    var payload: Data
    var actor = "worker:anna"
    var organisation = "community-sanctions-office"
    var role = "responsible-worker"
    var correlationID: String
    var commandID: String
    var recordedAt: Int64
    var hash: Data
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
