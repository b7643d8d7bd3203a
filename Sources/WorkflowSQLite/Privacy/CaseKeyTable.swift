import Crypto
import Foundation
import GRDB
import WorkflowKit

/// The `case_keys` table: one random key per case, stored only wrapped (AES-GCM
/// sealed) with the master key, which never lives in the database.
///
/// A new case key is written by the append whose values it seals, as an ``ExtraWrite``
/// in that append's transaction (``insert(_:)``), so that a key is stored exactly when
/// its first sealed event is: a refused append (a taken id, a conflict) leaves no key
/// behind. Erasing a case deletes its row the same way, in the transaction that appends
/// `CaseErased` (``delete(_:)``), so that the erasure and its record commit together.
/// The event log itself knows nothing of keys.
enum CaseKeyTable {
    static let migrationID = "2026-11-25-case-keys-v1"

    /// A new case key for an append, and the master key that wrapped it.
    struct NewKey: Sendable {
        var stream: StreamID
        var wrapped: Data
        var createdAt: Int64
        var master: MasterKey
    }

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE case_keys (
                    case_id TEXT PRIMARY KEY,
                    wrapped BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
    }

    /// Stores `new` with the append it goes with, once the master key that wrapped it is
    /// checked to be still the log's (``checkStillCurrent(_:besides:in:)``).
    static func insert(_ new: NewKey) -> ExtraWrite {
        ExtraWrite { _, db in
            try checkStillCurrent(new.master, besides: new.stream, in: db)
            try db.executeCached(
                sql: "INSERT INTO case_keys (case_id, wrapped, created_at) VALUES (?, ?, ?)",
                arguments: [new.stream.rawValue, new.wrapped, new.createdAt])
        }
    }

    /// Deletes the key of case `id` with the append it goes with (crypto-shredding).
    static func delete(_ id: StreamID) -> ExtraWrite {
        ExtraWrite { _, db in
            try db.executeCached(sql: "DELETE FROM case_keys WHERE case_id = ?", arguments: [id.rawValue])
        }
    }

    /// Refuses a key wrapped with a master key the stored keys are no longer wrapped with:
    /// another program rotated the master key after this one opened the log. Checked
    /// inside the append's transaction against one stored key, so that no case key is
    /// ever stored that the current master key could not open.
    static func checkStillCurrent(_ master: MasterKey, besides caseID: StreamID, in db: Database) throws {
        guard let sample = try Row.fetchOne(
            db, sql: "SELECT case_id, wrapped FROM case_keys WHERE case_id <> ? LIMIT 1", arguments: [caseID.rawValue])
        else { return }
        do {
            _ = try CaseKeys.unwrap(sample["wrapped"], for: StreamID(rawValue: sample["case_id"]), with: master.key, origin: master.origin)
        } catch {
            throw PrivacyError(
                .wrongMasterKey,
                "The case keys of this event log are no longer wrapped with the master key from \(master.origin): another program rotated it after this one opened the log. Nothing was written; start this program again with the new master key.")
        }
    }
}
