import Crypto
import Foundation
import Logging
import PostgresNIO
import WorkflowKit

/// The chain key row of a PostgreSQL store, as stored: the wrapped key and where the log's
/// authentication begins (see ``AuthenticationStart``), as the SQLite file's `chain_key`
/// row records them.
struct PostgresChainKeyRow {
    var wrapped: Data
    /// Nil when the row does not record it (the columns are absent or empty).
    var start: AuthenticationStart?
    /// Whether the table has the columns that record the start.
    var recordsStart: Bool

    /// The stored row; nil when the table or its row is absent.
    static func read(_ connection: PostgresConnection, schema: PostgresEventLogSchema, logger: Logger) async throws -> PostgresChainKeyRow? {
        let table = schema.table("chain_key")
        let columns = try await connection.query(
            """
            SELECT to_regclass(\(table)) IS NOT NULL, EXISTS (
                SELECT FROM pg_attribute WHERE attrelid = to_regclass(\(table)) AND attname = 'authenticated_from' AND NOT attisdropped)
            """, logger: logger
        ).collect()[0].decode((Bool, Bool).self)
        guard columns.0 else { return nil }
        let recordsStart = columns.1
        let sql =
            recordsStart
            ? "SELECT wrapped, authenticated_from, authenticated_from_mac, simulation FROM \(table) WHERE id = 1"
            : "SELECT wrapped, NULL::bigint, NULL::bytea, false FROM \(table) WHERE id = 1"
        guard let row = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().first else { return nil }
        let (wrapped, position, authentication, simulation) = try row.decode((Data, Int64?, Data?, Bool).self)
        return PostgresChainKeyRow(
            wrapped: wrapped,
            start: position.flatMap { position in
                authentication.map { AuthenticationStart(position: position, simulation: simulation, authentication: $0) }
            },
            recordsStart: recordsStart)
    }

    /// Records that every event from `position` on is authenticated, bound to the hash of
    /// the event before it (a PostgreSQL log is never made as a simulation).
    static func record(
        from position: Int64, key: SymmetricKey, schema: PostgresEventLogSchema, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let previous =
            position <= 1
            ? EventHasher.genesis
            : try await connection.query(
                "SELECT hash FROM \(unescaped: schema.events) WHERE position = \(position - 1)", logger: logger
            ).collect().first?.decode(Data.self) ?? EventHasher.genesis
        let authentication = AuthenticationStart.authentication(from: position, previousHash: previous, simulation: false, key: key)
        try await connection.run(
            """
            UPDATE \(unescaped: schema.table("chain_key"))
            SET authenticated_from = \(position), authenticated_from_mac = \(ByteBuffer(bytes: authentication)), simulation = false
            WHERE id = 1
            """, logger: logger)
    }
}
