import GRDB

extension WorkflowDatabase {
    /// The ids of applied commands that start with `prefix` (at most `limit`), e.g. the
    /// commands an HTTP `Idempotency-Key` was used for.
    public func appliedCommands(prefixedBy prefix: String, limit: Int = 10) async throws -> [String] {
        // A range on the primary key: every id that starts with `prefix` sorts between
        // `prefix` and `prefix` followed by the highest character.
        try await SQLiteEventStore.storage("reading commands") {
            try await events.pool.read { db in
                try String.fetchAll(
                    db, sql: "SELECT command_id FROM commands WHERE command_id >= ? AND command_id < ? ORDER BY command_id LIMIT ?",
                    arguments: [prefix, prefix + "\u{10FFFF}", limit])
            }
        }
    }
}
