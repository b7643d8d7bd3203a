import Crypto
import Foundation
import Logging
import PostgresNIO
public import WorkflowKit

extension PostgresCaseStore {
    /// Re-wraps every case key and the chain key from the current master key to `newKey`,
    /// in one transaction that holds the log's head: all of them or none, and no append
    /// stores a case key meanwhile. Events never change, so the hash chain is untouched;
    /// the case keys themselves stay the same, only their wrapping changes.
    ///
    /// From then on the store opens only with `newKey`, and this object wraps new cases'
    /// keys with it. Other processes that have the store open still hold the old key: an
    /// append of theirs that stores a new case key is refused (nothing is written) until
    /// they are started again with the new key. Stop them first.
    ///
    /// Afterwards the key tables are vacuumed (best effort): the old rows' bytes may still
    /// stay in the table files until reused, and in the server's WAL and backups until
    /// they are recycled.
    ///
    /// - Parameter newKey: The new master key, as a file (`.file`) or base64 (`.base64`).
    /// - Returns: How many case keys were re-wrapped, and whether the key tables were vacuumed.
    /// - Throws: ``PrivacyError`` when `newKey` is missing, malformed or the current key
    ///   (`.invalidMasterKey`, `.missingMasterKey`), or when a stored key cannot be
    ///   unwrapped with the current master key (`.wrongMasterKey`, naming the case);
    ///   ``EventStoreError`` when the server fails. Nothing is changed then.
    @discardableResult
    public func rotateMasterKey(to newKey: MasterKeySource) async throws -> MasterKeyRotation {
        if case .automatic = newKey {
            throw PrivacyError(
                .missingMasterKey, "The new master key must be given as a file or as base64; it is not looked up automatically.")
        }
        let location = events.location.description
        let new = try MasterKey.resolve(newKey, serverDatabase: location)
        let current = masterKey
        guard new.key != current.key else {
            throw PrivacyError(
                .invalidMasterKey,
                "The new master key from \(new.origin) is the key the event log at '\(location)' is already wrapped with; give a different key.")
        }
        let schema = events.schema
        let logger = events.logger
        let keys = schema.table("case_keys")
        let chain = schema.table("chain_key")
        let count = try await PostgresEventStore.storage("re-wrapping the case keys") {
            try await events.client.withConnection { connection in
                try await connection.run("BEGIN", logger: logger)
                do {
                    _ = try await connection.query("SELECT position FROM \(unescaped: schema.head) FOR UPDATE", logger: logger).collect()
                    let rows = try await connection.query("SELECT case_id, wrapped FROM \(unescaped: keys) ORDER BY case_id", logger: logger)
                        .collect()
                    var ids: [String] = []
                    var wrapped: [ByteBuffer] = []
                    for row in rows {
                        let (id, old) = try row.decode((String, Data).self)
                        let caseKey = try CaseKeys.unwrap(old, for: StreamID(rawValue: id), with: current.key, origin: current.origin)
                        ids.append(id)
                        wrapped.append(ByteBuffer(bytes: try CaseKeys.wrap(caseKey, for: StreamID(rawValue: id), with: new.key)))
                    }
                    if !ids.isEmpty {
                        try await connection.run(
                            """
                            UPDATE \(unescaped: keys) AS k SET wrapped = n.wrapped
                            FROM unnest(\(ids)::text[], \(wrapped)::bytea[]) AS n(case_id, wrapped) WHERE k.case_id = n.case_id
                            """, logger: logger)
                    }
                    if let row = try await connection.query("SELECT wrapped FROM \(unescaped: chain) WHERE id = 1", logger: logger)
                        .collect().first
                    {
                        let chainKey = try CaseKeys.unwrap(try row.decode(Data.self), for: CaseKeys.chainKeyID, with: current.key, origin: current.origin)
                        let rewrapped = ByteBuffer(bytes: try CaseKeys.wrap(chainKey, for: CaseKeys.chainKeyID, with: new.key))
                        try await connection.run("UPDATE \(unescaped: chain) SET wrapped = \(rewrapped) WHERE id = 1", logger: logger)
                    }
                    try await connection.run("COMMIT", logger: logger)
                    return ids.count
                } catch {
                    try? await connection.run("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
        replaceMasterKey(with: MasterKey(key: new.key, origin: new.origin, createdFile: nil))
        var vacuumed = true
        for table in [keys, chain] {
            do {
                _ = try await events.client.query("VACUUM \(unescaped: table)", logger: logger).collect()
            } catch {
                vacuumed = false
            }
        }
        return MasterKeyRotation(rewrappedCaseKeys: count, clearedWriteAheadLog: vacuumed)
    }
}
