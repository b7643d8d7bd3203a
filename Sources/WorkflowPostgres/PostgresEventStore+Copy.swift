import Foundation
import Logging
import PostgresNIO
public import WorkflowKit

extension PostgresEventStore {
    /// What ``copy(from:batchSize:)`` did.
    public struct CopyReport: Sendable {
        /// How many events were copied.
        public var events: Int64
        /// How many command ids the copy carries (each applied once, as in the source).
        public var commands: Int
        /// How many consumers' checkpoints were copied (each at the same position).
        public var checkpoints: Int
        /// The copied log's head, which the source's head must equal.
        public var head: LogAnchor?
    }

    /// Copies every event of `source`, verbatim — positions, versions, ids, payloads,
    /// metadata, times, hashes and authentications — into this log, which must be empty,
    /// the command ids they carry, and the consumers' checkpoints (positions are the
    /// same in the copy, so a consumer resumes where it was). The chain is checked as it
    /// goes: an event that does not extend it stops the copy, and every batch commits whole
    /// or not at all.
    ///
    /// Read `source` without upcasters, so that the stored bytes are copied (the hash
    /// covers them).
    ///
    /// - Throws: ``EventStoreError`` with code `.invalidName` when this log is not empty,
    ///   `.tampered` when `source` does not verify, `.storage` when the server fails (the
    ///   batches committed so far stay; copy again into an empty log).
    public func copy(from source: any EventStore, batchSize: Int = 1_000) async throws -> CopyReport {
        let existing = try await lastPosition()
        guard existing == 0 else {
            throw EventStoreError(
                .invalidName, "The event log at '\(location)' already holds \(existing) events: copy into an empty log (a new schema or database).")
        }
        var walk = ChainWalk(chainKey: nil)
        var batch: [RecordedEvent] = []
        var commands: [String: (stream: StreamID, first: Int64, last: Int64, version: Int64)] = [:]
        var copied: Int64 = 0
        var last: RecordedEvent?
        func flush() async throws {
            guard !batch.isEmpty else { return }
            try await insertVerbatim(batch)
            copied += Int64(batch.count)
            batch.removeAll(keepingCapacity: true)
        }
        for try await event in source.readAll(after: 0) {
            if let broken = walk.check(event) {
                throw EventStoreError(.tampered, "The source log does not verify, so it was not copied: \(broken)")
            }
            if let commandID = event.metadata.commandID {
                if let known = commands[commandID] {
                    commands[commandID] = (known.stream, known.first, event.position, event.version)
                } else {
                    commands[commandID] = (event.stream, event.position, event.position, event.version)
                }
            }
            batch.append(event)
            last = event
            if batch.count >= batchSize { try await flush() }
        }
        try await flush()
        let rows = commands.sorted { $0.value.first < $1.value.first }
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let slice = rows[start..<min(rows.count, start + batchSize)]
            try await client.withConnection { connection in
                try await connection.run(
                    """
                    INSERT INTO \(unescaped: schema.commands) (command_id, stream, first_position, last_position, version)
                    SELECT * FROM unnest(\(slice.map(\.key))::text[], \(slice.map(\.value.stream.rawValue))::text[],
                                         \(slice.map(\.value.first))::bigint[], \(slice.map(\.value.last))::bigint[],
                                         \(slice.map(\.value.version))::bigint[])
                    """, logger: logger)
            }
        }
        // Read after the events: a checkpoint saved while they were copied may be past
        // the copied head, and is then refused rather than copied pointing at nothing.
        let checkpoints = try await source.checkpoints()
        let head = last?.position ?? 0
        if let ahead = checkpoints.first(where: { $0.value > head }) {
            throw EventStoreError(
                .storage,
                "The checkpoint '\(ahead.key)' of the source is at position \(ahead.value), past the copied head \(head): the source was appended to during the copy. Stop its writers and copy again into an empty log.")
        }
        for (name, position) in checkpoints.sorted(by: { $0.key < $1.key }) {
            try await saveCheckpoint(named: name, position: position)
        }
        return CopyReport(
            events: copied, commands: commands.count, checkpoints: checkpoints.count,
            head: last.map { LogAnchor(position: $0.position, hash: $0.hash) })
    }

    /// Inserts events that already have their positions and hashes, in one transaction
    /// that holds the head and checks that they extend it.
    private func insertVerbatim(_ events: [RecordedEvent]) async throws {
        try await client.withConnection { connection in
            try await connection.run("BEGIN", logger: logger)
            do {
                let head = try await connection.query(
                    "SELECT position, hash FROM \(unescaped: schema.head) FOR UPDATE", logger: logger
                ).collect()
                let (position, hash) = try head[0].decode((Int64, Data).self)
                guard position == events[0].position - 1, position == 0 || hash == events[0].hashBefore(walkedFrom: hash) else {
                    throw EventStoreError(.storage, "The log at '\(location)' changed while it was being copied into (its head is at \(position)).")
                }
                func texts(_ value: (RecordedEvent) -> String?) -> (values: [String], nulls: [Bool]) {
                    (events.map { value($0) ?? "" }, events.map { value($0) == nil })
                }
                let actor = texts(\.metadata.actor), organisation = texts(\.metadata.organisation), role = texts(\.metadata.role)
                let correlation = texts(\.metadata.correlationID), causation = texts(\.metadata.causationID)
                let command = texts(\.metadata.commandID)
                let written = events.map { $0.writtenAt ?? 0 }, writtenNull = events.map { $0.writtenAt == nil }
                let mac = events.map { ByteBuffer(bytes: $0.authentication ?? Data()) }, macNull = events.map { $0.authentication == nil }
                try await connection.run(
                    """
                    INSERT INTO \(unescaped: schema.events) (\(unescaped: PostgresEventLogSchema.columns))
                    SELECT e.position, e.stream, e.version, e.event_id, e.type, e.schema_version, e.payload,
                           CASE WHEN e.actor_null THEN NULL ELSE e.actor END,
                           CASE WHEN e.organisation_null THEN NULL ELSE e.organisation END,
                           CASE WHEN e.role_null THEN NULL ELSE e.role END,
                           CASE WHEN e.correlation_null THEN NULL ELSE e.correlation END,
                           CASE WHEN e.causation_null THEN NULL ELSE e.causation END,
                           CASE WHEN e.command_null THEN NULL ELSE e.command END,
                           e.recorded_at, e.hash,
                           CASE WHEN e.written_null THEN NULL ELSE e.written_at END,
                           CASE WHEN e.mac_null THEN NULL ELSE e.mac END
                    FROM unnest(
                        \(events.map(\.position))::bigint[], \(events.map(\.stream.rawValue))::text[], \(events.map(\.version))::bigint[],
                        \(events.map(\.id))::uuid[], \(events.map(\.type))::text[], \(events.map { Int32(clamping: $0.schemaVersion) })::integer[],
                        \(events.map { ByteBuffer(bytes: $0.payload) })::bytea[],
                        \(actor.values)::text[], \(actor.nulls)::boolean[], \(organisation.values)::text[], \(organisation.nulls)::boolean[],
                        \(role.values)::text[], \(role.nulls)::boolean[], \(correlation.values)::text[], \(correlation.nulls)::boolean[],
                        \(causation.values)::text[], \(causation.nulls)::boolean[], \(command.values)::text[], \(command.nulls)::boolean[],
                        \(events.map(\.recordedAt))::bigint[], \(events.map { ByteBuffer(bytes: $0.hash) })::bytea[],
                        \(written)::bigint[], \(writtenNull)::boolean[], \(mac)::bytea[], \(macNull)::boolean[])
                    AS e(position, stream, version, event_id, type, schema_version, payload, actor, actor_null,
                         organisation, organisation_null, role, role_null, correlation, correlation_null,
                         causation, causation_null, command, command_null, recorded_at, hash, written_at, written_null, mac, mac_null)
                    """, logger: logger)
                let lastEvent = events[events.count - 1]
                try await connection.run(
                    """
                    UPDATE \(unescaped: schema.head) SET position = \(lastEvent.position), hash = \(lastEvent.hash),
                        authenticated = \(lastEvent.authentication != nil)
                    """, logger: logger)
                try await connection.run("COMMIT", logger: logger)
            } catch {
                try? await connection.run("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}

extension RecordedEvent {
    /// The previous hash this event's hash was computed over, when it is `candidate`
    /// (the chain check of a copy: the head's hash must be the one this event extends).
    fileprivate func hashBefore(walkedFrom candidate: Data) -> Data? {
        EventHasher.hash(of: self, previous: candidate) == hash ? candidate : nil
    }
}
