import Crypto
import Foundation
import GRDB

/// The `case_keys` table: one random key per case, stored only wrapped (AES-GCM
/// sealed) with the master key, which never lives in the database.
///
/// Erasing a case deletes its row inside the transaction that appends `CaseErased`,
/// so that the erasure and its record commit together.
struct CaseKeys: SQLiteTransactionHook {
    static let migrationID = "2026-11-25-case-keys-v1"

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

    func apply(_ events: [RecordedEvent], in db: Database) throws {
        for event in events where event.type == "CaseErased" {
            try db.execute(sql: "DELETE FROM case_keys WHERE case_id = ?", arguments: [event.stream.rawValue])
        }
    }

    /// A case key sealed with the master key, bound to the case id.
    static func wrap(_ caseKey: SymmetricKey, for caseID: StreamID, with master: SymmetricKey) throws -> Data {
        let bytes = caseKey.withUnsafeBytes { Data($0) }
        guard let combined = try AES.GCM.seal(bytes, using: master, authenticating: Data(caseID.rawValue.utf8)).combined else {
            throw PrivacyError(.wrongMasterKey, "Cannot wrap the key of case '\(caseID)'.")
        }
        return combined
    }

    /// The case key inside `wrapped`.
    ///
    /// - Throws: ``PrivacyError`` with code `.wrongMasterKey` when `master` did not wrap it.
    static func unwrap(_ wrapped: Data, for caseID: StreamID, with master: SymmetricKey, origin: String) throws -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: master, authenticating: Data(caseID.rawValue.utf8)))
        } catch {
            throw PrivacyError(
                .wrongMasterKey,
                "The master key from \(origin) cannot unwrap the key of case '\(caseID)': it is not the key this event log was written with.")
        }
    }
}
