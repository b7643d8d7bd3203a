import GRDB
public import WorkflowKit

extension WorkflowDatabase {
    /// The applied commands whose ids start with `prefix` (at most `limit`), with the
    /// result of the append each carried: one read for what an HTTP `Idempotency-Key`
    /// needs to know (was this request applied, or the key used for another?).
    public func appliedCommandResults(prefixedBy prefix: String, limit: Int) async throws -> [String: AppendResult] {
        try await SQLiteEventStore.storage("reading commands") {
            try await events.pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT command_id, stream, first_position, last_position, version FROM commands
                        WHERE command_id >= ? AND command_id < ? ORDER BY command_id LIMIT ?
                        """,
                    arguments: [prefix, prefix + "\u{10FFFF}", limit])
                var results: [String: AppendResult] = [:]
                for row in rows {
                    results[row[0]] = AppendResult(
                        stream: StreamID(rawValue: row[1]), firstPosition: row[2], lastPosition: row[3], version: row[4],
                        wasAlreadyApplied: true)
                }
                return results
            }
        }
    }

    /// The versions of `streams` (0 for a stream with no events), read at once.
    public func versions(of streams: [StreamID]) async throws -> [StreamID: Int64] {
        try await SQLiteEventStore.storage("reading stream versions") {
            try await events.pool.read { db in
                var versions: [StreamID: Int64] = [:]
                for stream in streams {
                    versions[stream] =
                        try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM events WHERE stream = ?", arguments: [stream.rawValue]) ?? 0
                }
                return versions
            }
        }
    }
}
