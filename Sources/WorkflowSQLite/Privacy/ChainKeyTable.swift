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

    /// The database's chain key, made and stored (wrapped) the first time.
    static func loadOrCreate(in pool: DatabasePool, master: MasterKey) throws -> SymmetricKey {
        try pool.write { db in
            if let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped FROM chain_key WHERE id = 1") {
                return try CaseKeys.unwrap(wrapped, for: wrappingID, with: master.key, origin: master.origin)
            }
            let key = SymmetricKey(size: .bits256)
            try db.execute(
                sql: "INSERT INTO chain_key (id, wrapped, created_at) VALUES (1, ?, ?)",
                arguments: [try CaseKeys.wrap(key, for: wrappingID, with: master.key), GroupCommitter.wallClock()])
            return key
        }
    }

    /// Re-wraps the chain key from `current` to `new` inside the caller's transaction.
    static func rewrap(in db: Database, from current: MasterKey, to new: SymmetricKey) throws {
        guard let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped FROM chain_key WHERE id = 1") else { return }
        let key = try CaseKeys.unwrap(wrapped, for: wrappingID, with: current.key, origin: current.origin)
        try db.execute(sql: "UPDATE chain_key SET wrapped = ? WHERE id = 1", arguments: [try CaseKeys.wrap(key, for: wrappingID, with: new)])
    }
}
