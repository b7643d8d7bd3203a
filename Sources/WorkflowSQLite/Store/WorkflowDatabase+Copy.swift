package import Foundation
import GRDB
package import WorkflowKit

/// What the engine keeps beside the log, as stored: what a copy of the log into another
/// backend needs so that its cases read the same there (keys still wrapped with the
/// master key, never unwrapped for the copy).
package struct StoredBesideLog: Sendable {
    package struct Definition: Sendable {
        package var hash: String
        package var process: String
        package var json: Data
        package var storedAt: Int64
    }

    package struct WrappedKey: Sendable {
        /// The case id, or the chain key's wrapping id.
        package var id: String
        package var wrapped: Data
        package var createdAt: Int64
    }

    package var definitions: [Definition]
    package var caseKeys: [WrappedKey]
    /// The key that authenticates the log's events, wrapped; nil for a log that has none.
    package var chainKey: WrappedKey?
    /// Where the log's authentication begins, as recorded beside the chain key.
    package var authenticationStart: AuthenticationStart?
}

extension WorkflowDatabase {
    /// The definitions, case keys and chain key, as stored, read in one transaction.
    package func storedBesideLog() async throws -> StoredBesideLog {
        try await SQLiteEventStore.storage("reading the definitions and keys") {
            try await events.pool.read { db in
                let definitions = try Row.fetchAll(db, sql: "SELECT hash, process, json, stored_at FROM definitions ORDER BY stored_at, hash")
                    .map { StoredBesideLog.Definition(hash: $0[0], process: $0[1], json: $0[2], storedAt: $0[3]) }
                let keys = try Row.fetchAll(db, sql: "SELECT case_id, wrapped, created_at FROM case_keys ORDER BY case_id")
                    .map { StoredBesideLog.WrappedKey(id: $0[0], wrapped: $0[1], createdAt: $0[2]) }
                let chain = try Row.fetchOne(db, sql: "SELECT wrapped, created_at FROM chain_key WHERE id = 1")
                    .map { StoredBesideLog.WrappedKey(id: ChainKeyTable.wrappingID.rawValue, wrapped: $0[0], createdAt: $0[1]) }
                return StoredBesideLog(
                    definitions: definitions, caseKeys: keys, chainKey: chain, authenticationStart: try ChainKeyTable.stored(in: db)?.start)
            }
        }
    }

    /// The master key this database was opened with, for a copy that must open the same
    /// case keys elsewhere.
    package var openingMasterKey: MasterKey { masterKey }
}

extension SQLiteEventStore {
    /// Whether the file holds the table `name` (the engine's tables mark a log written
    /// through ``WorkflowDatabase``), read without changing anything.
    package func holdsTable(_ name: String) async throws -> Bool {
        try await Self.storage("reading the file's tables") {
            try await pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [name]) ?? false
            }
        }
    }
}
