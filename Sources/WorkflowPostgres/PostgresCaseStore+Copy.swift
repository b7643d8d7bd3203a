import Foundation
import Logging
import PostgresNIO
import WorkflowKit
public import WorkflowSQLite

extension PostgresCaseStore {
    /// What ``copy(from:to:options:)`` did.
    public struct CopyReport: Sendable {
        /// The log's copy: events, command ids, checkpoints and the head.
        public var log: PostgresEventStore.CopyReport
        /// How many stored definitions were copied.
        public var definitions: Int
        /// How many case keys were copied (still wrapped with the master key).
        public var caseKeys: Int
        /// How many events the projections and the reminder schedule were rebuilt from.
        public var projected: Int
    }

    /// Copies everything the engine keeps in the SQLite `database` into the empty
    /// PostgreSQL store at `location`: the log verbatim (see
    /// ``PostgresEventStore/copy(from:batchSize:)``), the definitions, the case keys and the
    /// chain key exactly as stored (wrapped with the master key, never unwrapped), then
    /// rebuilds the projections and the reminder schedule from the copied log and checks
    /// every event's authentication against the source's head.
    ///
    /// The copy opens with the master key `database` was opened with, so that the cases
    /// read the same in both. Stop the source's writers first.
    ///
    /// - Throws: ``EventStoreError`` when the target's log is not empty (`.invalidName`),
    ///   the source does not verify (`.tampered`), the copy does not verify, or the server
    ///   fails; ``PrivacyError`` when the master key cannot open the copied keys.
    public static func copy(
        from database: WorkflowDatabase, to location: PostgresLocation, options: PostgresEventStore.Options = PostgresEventStore.Options()
    ) async throws -> CopyReport {
        let beside = try await database.storedBesideLog()
        let events = try await PostgresEventStore.open(at: location, options: options)
        let log: PostgresEventStore.CopyReport
        do {
            log = try await events.copy(from: database.events)
            let schema = events.schema
            let logger = events.logger
            try await PostgresEventStore.storage("copying the definitions and keys") {
                try await events.client.withConnection { connection in
                    try await schema.migrate(connection, steps: PostgresCaseProjection.steps(schema), logger: logger)
                    try await connection.withTransaction(logger: logger) { connection in
                        if let chain = beside.chainKey {
                            // The copy's events carry the source's authentications: they need its chain key.
                            try await connection.run("DELETE FROM \(unescaped: schema.table("chain_key"))", logger: logger)
                            // With the record of where their authentication begins, as the source
                            // keeps it (authenticated under the same key, bound to the same hash).
                            let start = beside.authenticationStart
                            try await connection.run(
                                """
                                INSERT INTO \(unescaped: schema.table("chain_key"))
                                    (id, wrapped, created_at, authenticated_from, authenticated_from_mac, simulation)
                                VALUES (1, \(ByteBuffer(bytes: chain.wrapped)), \(chain.createdAt), \(start?.position),
                                        \(start.map { ByteBuffer(bytes: $0.authentication) }), \(start?.simulation ?? false))
                                """, logger: logger)
                        }
                        let keys = beside.caseKeys
                        if !keys.isEmpty {
                            try await connection.run(
                                """
                                INSERT INTO \(unescaped: schema.table("case_keys")) (case_id, wrapped, created_at)
                                SELECT * FROM unnest(\(keys.map(\.id))::text[], \(keys.map { ByteBuffer(bytes: $0.wrapped) })::bytea[],
                                                     \(keys.map(\.createdAt))::bigint[])
                                """, logger: logger)
                        }
                        let definitions = beside.definitions
                        if !definitions.isEmpty {
                            try await connection.run(
                                """
                                INSERT INTO \(unescaped: schema.table("definitions")) (hash, process, json, stored_at)
                                SELECT * FROM unnest(\(definitions.map(\.hash))::text[], \(definitions.map(\.process))::text[],
                                                     \(definitions.map { ByteBuffer(bytes: $0.json) })::bytea[],
                                                     \(definitions.map(\.storedAt))::bigint[])
                                ON CONFLICT (hash) DO NOTHING
                                """, logger: logger)
                        }
                    }
                }
            }
        } catch {
            await events.close()
            throw error
        }
        await events.close()
        let store = try await open(at: location, options: options, key: database.openingMasterKey)
        do {
            let projected = try await store.rebuildProjections()
            let verified = try await store.verify(expecting: log.head)
            guard verified.isIntact else {
                throw EventStoreError(.tampered, "The copy at '\(location)' does not verify: \(verified)")
            }
            await store.close()
            return CopyReport(log: log, definitions: beside.definitions.count, caseKeys: beside.caseKeys.count, projected: projected)
        } catch {
            await store.close()
            throw error
        }
    }
}
