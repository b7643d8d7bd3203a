import Crypto
import Foundation
import GRDB
import WorkflowKit

/// The log's chain key: a random key that authenticates every appended event (an
/// HMAC of its hash, see ``EventHasher/authentication(of:key:)``), so that someone who
/// has the database file but not the master key cannot rewrite the log and recompute a
/// chain that verifies.
///
/// It is stored only wrapped with the master key (like a case key), in a table of its
/// own; a master key rotation re-wraps it with the case keys, in the same transaction.
enum ChainKeyTable {
    static let migrationID = "2026-11-30-chain-key"
    /// The id the wrapping binds the key to, so that it cannot pass for a case key.
    static let wrappingID = CaseKeys.chainKeyID

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE chain_key (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    wrapped BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                );
                """)
    }

    /// Records where the log's authentication begins (see ``AuthenticationStart``), beside the key.
    static let startMigrationID = "2026-12-08-chain-key-authenticated-from"

    static func migrateStart(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE chain_key ADD COLUMN authenticated_from INTEGER;
                ALTER TABLE chain_key ADD COLUMN authenticated_from_mac BLOB;
                """)
    }

    /// Records, with the start (and under its authentication), whether the log was made
    /// as a simulation (see ``WorkflowDatabase/isSimulation``).
    static let simulationMigrationID = "2026-12-08-chain-key-simulation"

    static func migrateSimulation(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE chain_key ADD COLUMN simulation INTEGER NOT NULL DEFAULT 0")
    }

    /// The chain key row as stored: the wrapped key and where the authentication begins.
    struct Stored {
        var wrapped: Data
        /// Nil when the row does not record it (the columns are absent or empty).
        var start: AuthenticationStart?
        /// Whether the table has the columns that record the start.
        var recordsStart: Bool
    }

    /// The stored row; nil when the table or its row is absent.
    static func stored(in db: Database) throws -> Stored? {
        guard try db.tableExists("chain_key") else { return nil }
        let columns = Set(try db.columns(in: "chain_key").map(\.name))
        let recordsStart = columns.contains("authenticated_from")
        let sql =
            recordsStart
            ? "SELECT wrapped, authenticated_from, authenticated_from_mac, \(columns.contains("simulation") ? "simulation" : "0") FROM chain_key WHERE id = 1"
            : "SELECT wrapped, NULL, NULL, 0 FROM chain_key WHERE id = 1"
        guard let row = try Row.fetchOne(db, sql: sql), let wrapped = row[0] as Data? else { return nil }
        let position: Int64? = row[1]
        let authentication: Data? = row[2]
        let simulation: Bool = row[3] ?? false
        return Stored(
            wrapped: wrapped,
            start: position.flatMap { position in
                authentication.map { AuthenticationStart(position: position, simulation: simulation, authentication: $0) }
            },
            recordsStart: recordsStart)
    }

    /// The database's chain key, made and stored (wrapped) the first time, with where the
    /// log's authentication begins: the first event for a new log, the next one for a log
    /// written before the engine authenticated its events.
    ///
    /// The key is made only for a log that has no events yet, or whose chain key table this
    /// open created (a log an earlier version wrote): a log whose key or start record was
    /// removed since is refused, since a new key would pass its rewritten history as authentic.
    ///
    /// - Parameter appliedAtOpen: The migrations the store applied when it opened the file.
    static func loadOrCreate(in pool: DatabasePool, master: MasterKey, appliedAtOpen: Set<String>, path: String) throws -> SymmetricKey {
        try pool.write { db in
            let head = try EventLogSchema.head(in: db)
            if let stored = try stored(in: db) {
                let key = try CaseKeys.unwrap(stored.wrapped, for: wrappingID, with: master.key, origin: master.origin)
                if stored.start == nil {
                    guard appliedAtOpen.contains(startMigrationID) else {
                        throw EventStoreError(
                            .tampered,
                            "The event log at '\(path)' no longer records from which position its events are authenticated (the chain_key row lost it): the file was changed outside the engine. Run 'aso-engine verify' and restore the log from a backup.")
                    }
                    // Written by a version that did not record it: the authentication began
                    // with the first authenticated event, or begins after the last event.
                    let first = try Int64.fetchOne(db, sql: "SELECT MIN(position) FROM events WHERE mac IS NOT NULL")
                    try record(from: first ?? head.position + 1, key: key, in: db)
                }
                return key
            }
            if head.position > 0 && !appliedAtOpen.contains(migrationID) {
                throw EventStoreError(
                    .tampered,
                    "The event log at '\(path)' holds \(head.position) events but its chain key is gone (the chain_key row was deleted outside the engine): a new key would pass a rewritten history as authentic. Run 'aso-engine verify' and restore the log from a backup.")
            }
            let key = SymmetricKey(size: .bits256)
            try db.execute(
                sql: "INSERT INTO chain_key (id, wrapped, created_at) VALUES (1, ?, ?)",
                arguments: [try CaseKeys.wrap(key, for: wrappingID, with: master.key), GroupCommitter.wallClock()])
            try record(from: head.position + 1, key: key, in: db)
            return key
        }
    }

    /// Records that every event from `position` on is authenticated, bound to the hash of
    /// the event before it, and whether the log is a simulation.
    static func record(from position: Int64, simulation: Bool = false, key: SymmetricKey, in db: Database) throws {
        let previous =
            position <= 1
            ? EventHasher.genesis
            : try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE position = ?", arguments: [position - 1]) ?? EventHasher.genesis
        try db.execute(
            sql: "UPDATE chain_key SET authenticated_from = ?, authenticated_from_mac = ?, simulation = ? WHERE id = 1",
            arguments: [
                position, AuthenticationStart.authentication(from: position, previousHash: previous, simulation: simulation, key: key),
                simulation,
            ])
    }

    /// Re-wraps the chain key from `current` to `new` inside the caller's transaction.
    static func rewrap(in db: Database, from current: MasterKey, to new: SymmetricKey) throws {
        guard let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped FROM chain_key WHERE id = 1") else { return }
        let key = try CaseKeys.unwrap(wrapped, for: wrappingID, with: current.key, origin: current.origin)
        try db.execute(sql: "UPDATE chain_key SET wrapped = ? WHERE id = 1", arguments: [try CaseKeys.wrap(key, for: wrappingID, with: new)])
    }
}
