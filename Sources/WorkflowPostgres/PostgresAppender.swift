import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization
import WorkflowKit
import WorkflowSQLite

/// One caller's append, waiting for its group's transaction.
struct PostgresAppendRequest: Sendable {
    var events: [NewEvent]
    var stream: StreamID
    var expected: ExpectedVersion
    var metadata: EventMetadata
    /// Writes of this append alone (a case key stored or deleted) in its transaction.
    var alongside: PostgresExtraWrite? = nil
}

/// Writes one caller makes in its append's transaction: `check` runs after the head is
/// locked and before the events are inserted (its error refuses that append alone, having
/// written nothing); `write` runs once they are inserted, and only then (its error fails
/// the whole transaction: the events are in it).
struct PostgresExtraWrite: Sendable {
    var check: @Sendable (_ connection: PostgresConnection, _ logger: Logger) async throws -> Void = { _, _ in }
    var write: @Sendable (_ events: [RecordedEvent], _ connection: PostgresConnection, _ logger: Logger) async throws -> Void
}

/// What every append does in its transaction once its events are inserted: the
/// projections kept in step with the log (see ``PostgresCaseStore``).
protocol PostgresTransactionHook: Sendable {
    func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws
}

/// An extra write or a hook failed after the append's events were inserted: the
/// transaction cannot commit, whatever the appends of its group.
struct FailedAfterInsert: Error {
    var underlying: any Error
}

/// Commits appends to the PostgreSQL log, batching the appends that arrive while a
/// transaction is in flight into the next one (group commit, as the SQLite log does):
/// one transaction, one lock of the log head and one WAL flush for many callers, each
/// with its own all-or-nothing result and conflict check.
///
/// A transaction, whatever the number of appends in it:
///
///     BEGIN
///     SELECT position, hash … FROM log_head FOR UPDATE      -- waits its turn (lock_timeout)
///     per append:
///         (with `.any` only: the command id's earlier result and the stream's version)
///         INSERT the events (unnest of arrays) and the command id, if the command id is
///             new, the stream at the expected version and no event id
///             already in the log; else nothing, and what it found     -- one statement
///             (an append alone in its transaction also moves the head and notifies here)
///     UPDATE log_head …; pg_notify(channel, last position)            -- one statement, for a group
///     COMMIT
///
/// A lone append with an expected version is thus four round trips: `BEGIN`, the head,
/// the checked insert, `COMMIT` (five with `.any`).
///
/// The head row is the only lock every append takes, and it is taken first, so there is
/// no lock-order deadlock; everything read after it is the committed state of every
/// earlier append (READ COMMITTED takes a new snapshot per statement). A failed `COMMIT`
/// has an unknown outcome, and says so: the caller retries with the same command id.
final class PostgresAppender: Sendable {
    private typealias Pending = (request: PostgresAppendRequest, continuation: CheckedContinuation<AppendResult, any Error>)

    private struct State {
        var pending: [Pending] = []
        var draining = false
        var transactions = 0
        var appends = 0
    }

    private let client: PostgresClient
    private let schema: PostgresEventLogSchema
    private let maximumGroupSize: Int
    private let now: @Sendable () -> Int64
    private let beforeCommit: (@Sendable ([AppendResult]) async -> Void)?
    private let hook: Mutex<(any PostgresTransactionHook)?> = Mutex(nil)
    private let authenticator: Mutex<EventAuthenticator?> = Mutex(nil)
    private let deadline: Duration
    private let logger: Logger
    private let state = Mutex(State())

    init(
        client: PostgresClient, schema: PostgresEventLogSchema, maximumGroupSize: Int, now: @escaping @Sendable () -> Int64,
        beforeCommit: (@Sendable ([AppendResult]) async -> Void)?, deadline: Duration, logger: Logger
    ) {
        self.deadline = deadline
        self.client = client
        self.schema = schema
        self.maximumGroupSize = max(1, maximumGroupSize)
        self.now = now
        self.beforeCommit = beforeCommit
        self.logger = logger
    }

    /// Sets what every append does in its transaction after its events are inserted.
    func setHook(_ hook: (any PostgresTransactionHook)?) {
        self.hook.withLock { $0 = hook }
    }

    /// Sets the key that authenticates each appended event (its `mac`, see
    /// ``EventHasher/authentication(of:key:)``); without one, a log whose head is
    /// authenticated refuses appends.
    func setChainKey(_ key: SymmetricKey?) {
        let keyed = key.map(EventAuthenticator.init(key:))
        authenticator.withLock { $0 = keyed }
    }

    var statistics: CommitStatistics {
        state.withLock { CommitStatistics(transactions: $0.transactions, appends: $0.appends) }
    }

    func submit(_ request: PostgresAppendRequest) async throws -> AppendResult {
        let leads = state.withLock { state -> Bool in
            if state.draining { return false }
            state.draining = true
            return true
        }
        if leads {
            // Nothing else of this process is being written: commit at once.
            let outcome = await commitWithinDeadline([request])[0]
            handOver()
            return try outcome.get()
        }
        return try await withCheckedThrowingContinuation { continuation in
            let startDraining = state.withLock { state -> Bool in
                state.pending.append((request, continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDraining { Task { await self.drain() } }
        }
    }

    /// After a leader's commit: lets the next append lead, or commits the appends that
    /// queued up meanwhile as one group.
    private func handOver() {
        let more = state.withLock { state -> Bool in
            if state.pending.isEmpty {
                state.draining = false
                return false
            }
            return true
        }
        if more { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let group = state.withLock { state -> [Pending] in
                let count = min(state.pending.count, maximumGroupSize)
                let group = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if group.isEmpty { state.draining = false }
                return group
            }
            if group.isEmpty { return }
            let outcomes = await commitWithinDeadline(group.map(\.request))
            for (pending, outcome) in zip(group, outcomes) {
                pending.continuation.resume(with: outcome)
            }
        }
    }

    /// The log's last event as the transaction goes on.
    private struct Head {
        var position: Int64
        var hash: Data
        /// Authenticates the next events, when the log is authenticated.
        var key: EventAuthenticator?
    }

    /// Commits, or gives up after ``deadline``: a transaction whose connection hangs
    /// (seen when the server restarts at the wrong moment: no answer and no error ever
    /// arrives) fails with an unknown outcome, and its connection is closed, so that the
    /// caller retries with the same command id instead of waiting forever.
    private func commitWithinDeadline(_ requests: [PostgresAppendRequest]) async -> [Result<AppendResult, any Error>] {
        let watched = Watched()
        let answer = Watched.Answer()
        let deadline = self.deadline
        return await withCheckedContinuation { continuation in
            answer.value.withLock { $0 = continuation }
            let work = Task {
                let outcomes = await self.commit(requests, watched: watched)
                answer.value.withLock { $0.take() }?.resume(returning: outcomes)
            }
            Task {
                try? await Task.sleep(for: deadline)
                guard let continuation = answer.value.withLock({ $0.take() }) else { return }
                work.cancel()
                if let connection = watched.connection.withLock({ $0 }) { try? await connection.close() }
                let failure = EventStoreError(
                    .storage,
                    "The event log's server did not answer an append transaction within \(deadline); its outcome is unknown: retry it with the same command id, which applies it at most once.")
                continuation.resume(returning: requests.map { _ in .failure(failure) })
            }
        }
    }

    private func commit(
        _ requests: [PostgresAppendRequest], watched: Watched? = nil
    ) async -> [Result<AppendResult, any Error>] {
        state.withLock { state in
            state.transactions += 1
            state.appends += requests.count
        }
        let times = (recordedAt: now(), writtenAt: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
        var committing = false
        do {
            return try await client.withConnection { connection in
                watched?.connection.withLock { $0 = connection }
                var outcomes: [Result<AppendResult, any Error>] = []
                try await connection.run("BEGIN", logger: logger)
                do {
                    let headRows = try await connection.query(
                        "SELECT position, hash, authenticated FROM \(unescaped: schema.head) FOR UPDATE", logger: logger
                    ).collect()
                    guard let headRow = headRows.first else {
                        throw EventStoreError(.tampered, "The PostgreSQL event log's head row is missing: the log was changed outside the engine.")
                    }
                    let (position, hash, authenticated) = try headRow.decode((Int64, Data, Bool).self)
                    let key = authenticator.withLock { $0 }
                    // Also before its first authenticated event: the record of where the
                    // authentication begins asks every event from there on to carry one.
                    var required = authenticated
                    if key == nil && !required {
                        required = try await PostgresChainKeyRow.read(connection, schema: schema, logger: logger)?.start != nil
                    }
                    if key == nil && required {
                        throw EventStoreError(
                            .unauthenticated,
                            "This event log authenticates its events with a key kept under the master key: open it with the master key (as PostgresCaseStore does) to append.")
                    }
                    var head = Head(position: position, hash: hash, key: key)
                    if requests.count == 1 {
                        // Alone in its transaction: the head moves (and the listeners are
                        // told) in the insert's own statement, one round trip fewer.
                        outcomes.append(
                            .success(try await append(requests[0], at: times, head: &head, movingHead: true, on: connection)))
                    } else {
                        // No savepoints: an append that cannot be applied (an earlier command,
                        // another version, an event id already in the log) is found by its
                        // checked insert, which then writes nothing; any error from the
                        // server fails the whole group.
                        for request in requests {
                            do {
                                outcomes.append(.success(try await append(request, at: times, head: &head, on: connection)))
                            } catch let refused where refused is VersionConflict || refused is EventStoreError || refused is PrivacyError {
                                outcomes.append(.failure(refused))
                            }
                        }
                    }
                    if requests.count > 1 && head.position != position {
                        try await connection.run(
                            """
                            WITH moved AS (
                                UPDATE \(unescaped: schema.head) SET position = \(head.position), hash = \(head.hash),
                                authenticated = \(head.key != nil) RETURNING position)
                            SELECT pg_notify(\(schema.channel), position::text) FROM moved
                            """, logger: logger)
                    }
                    if let beforeCommit { await beforeCommit(outcomes.compactMap { try? $0.get() }) }
                    committing = true
                    try await connection.run("COMMIT", logger: logger)
                    return outcomes
                } catch {
                    if !committing && !Self.isConnectionLoss(error) {
                        try? await connection.run("ROLLBACK", logger: logger)
                    }
                    throw error
                }
            }
        } catch {
            if requests.count == 1 && !committing && !Self.isConnectionLoss(error) {
                return [.failure(describe(error, for: requests[0]))]
            }
            let outcome =
                committing || Self.isConnectionLoss(error)
                ? "its outcome is unknown (the connection or the server failed while it committed): retry it with the same command id, which applies it at most once"
                : "nothing of it was written"
            let failure = EventStoreError(
                .storage,
                requests.count == 1
                    ? "The append to stream '\(requests[0].stream)' failed\(Self.cause(of: error)); \(outcome)."
                    : "The event log could not commit a group of \(requests.count) appends\(Self.cause(of: error)); for each, \(outcome).",
                underlying: error)
            return requests.map { _ in .failure(failure) }
        }
    }

    /// One append inside the transaction that holds the head. With `movingHead`, the same
    /// statement that inserts the events also moves the head row to the last of them and
    /// notifies the listeners (for an append alone in its transaction); otherwise the
    /// caller moves the head once for the whole group.
    ///
    /// An append that names the version it expects (`.exact`, `.noStream`: what every
    /// engine command does) is checked in its insert's own statement: the events are
    /// hashed for that version, and the statement inserts them only when the command id
    /// is new and the stream is at that version; otherwise it inserts nothing and says
    /// why. `.any` first reads the stream's version (one round trip more).
    private func append(
        _ request: PostgresAppendRequest, at times: (recordedAt: Int64, writtenAt: Int64), head: inout Head,
        movingHead: Bool = false, on connection: PostgresConnection
    ) async throws -> AppendResult {
        let metadata = request.metadata
        let stream = request.stream.rawValue
        let base: Int64
        switch request.expected {
        case .noStream: base = 0
        case .exact(let version): base = version
        case .any:
            let found = try await connection.query(
                """
                SELECT c.stream, c.first_position, c.last_position, c.version,
                       (SELECT COALESCE(MAX(version), 0) FROM \(unescaped: schema.events) WHERE stream = \(stream))
                FROM (SELECT 1) AS one LEFT JOIN \(unescaped: schema.commands) AS c ON c.command_id = \(metadata.commandID)
                """, logger: logger
            ).collect()
            let checked = try found[0].decode((String?, Int64?, Int64?, Int64?, Int64).self)
            if let earlier = try earlierResult(of: request, checked) { return earlier }
            base = checked.4
        }
        try await request.alongside?.check(connection, logger)
        let before = head
        let count = request.events.count
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(count)
        var positions: [Int64] = [], versions: [Int64] = [], ids: [UUID] = [], types: [String] = []
        var schemaVersions: [Int32] = [], payloads: [ByteBuffer] = [], hashes: [ByteBuffer] = [], macs: [ByteBuffer] = []
        positions.reserveCapacity(count)
        var version = base
        let firstPosition = head.position + 1
        for event in request.events {
            head.position += 1
            version += 1
            let stored = RecordedEvent(
                position: head.position, stream: request.stream, version: version, id: event.id, type: event.type,
                schemaVersion: event.schemaVersion, payload: event.payload, metadata: metadata,
                recordedAt: times.recordedAt, hash: Data(), writtenAt: times.writtenAt)
            let hash = EventHasher.hash(of: stored, previous: head.hash)
            head.hash = hash
            recorded.append(stored)
            recorded[recorded.count - 1].hash = hash
            if let key = head.key {
                let mac = key.authentication(of: hash)
                recorded[recorded.count - 1].authentication = mac
                macs.append(ByteBuffer(bytes: mac))
            } else {
                macs.append(ByteBuffer())
            }
            positions.append(head.position)
            versions.append(version)
            ids.append(event.id)
            types.append(event.type)
            schemaVersions.append(Int32(clamping: event.schemaVersion))
            payloads.append(ByteBuffer(bytes: event.payload))
            hashes.append(ByteBuffer(bytes: hash))
        }
        let headPosition = head.position
        let headHash = head.hash
        let answer = try await connection.query(
            """
            WITH found AS (
                SELECT c.stream, c.first_position, c.last_position, c.version,
                       (SELECT COALESCE(MAX(version), 0) FROM \(unescaped: schema.events) WHERE stream = \(stream)) AS current
                FROM (SELECT 1) AS one LEFT JOIN \(unescaped: schema.commands) AS c ON c.command_id = \(metadata.commandID)
            ), taken AS (
                SELECT count(*) AS ids FROM \(unescaped: schema.events) WHERE event_id = ANY(\(ids)::uuid[])
            ), go AS (
                SELECT 1 FROM found, taken WHERE found.stream IS NULL AND found.current = \(base) AND taken.ids = 0
            ), inserted AS (
                INSERT INTO \(unescaped: schema.events) (\(unescaped: PostgresEventLogSchema.columns))
                SELECT e.position, \(stream), e.version, e.event_id, e.type, e.schema_version, e.payload,
                       \(metadata.actor), \(metadata.organisation), \(metadata.role), \(metadata.correlationID),
                       \(metadata.causationID), \(metadata.commandID)::text, \(times.recordedAt), e.hash, \(times.writtenAt),
                       NULLIF(e.mac, ''::bytea)
                FROM unnest(\(positions)::bigint[], \(versions)::bigint[], \(ids)::uuid[], \(types)::text[],
                            \(schemaVersions)::integer[], \(payloads)::bytea[], \(hashes)::bytea[], \(macs)::bytea[])
                     AS e(position, version, event_id, type, schema_version, payload, hash, mac)
                WHERE EXISTS (SELECT 1 FROM go)
                RETURNING 1
            ), command AS (
                INSERT INTO \(unescaped: schema.commands) (command_id, stream, first_position, last_position, version)
                SELECT \(metadata.commandID)::text, \(stream), \(firstPosition), \(headPosition), \(version)
                WHERE \(metadata.commandID)::text IS NOT NULL AND EXISTS (SELECT 1 FROM go)
                RETURNING 1
            ), moved AS (
                UPDATE \(unescaped: schema.head) SET position = \(headPosition), hash = \(headHash), authenticated = \(head.key != nil)
                WHERE \(movingHead)::boolean AND EXISTS (SELECT 1 FROM go)
                RETURNING position
            ), notified AS (
                SELECT pg_notify(\(schema.channel), position::text) FROM moved
            )
            SELECT found.stream, found.first_position, found.last_position, found.version, found.current, taken.ids,
                   (SELECT count(*) FROM inserted), (SELECT count(*) FROM command), (SELECT count(*) FROM notified)
            FROM found, taken
            """, logger: logger
        ).collect()
        let (previousStream, first, last, previousVersion, current, taken, inserted, _, _) = try answer[0].decode(
            (String?, Int64?, Int64?, Int64?, Int64, Int64, Int64, Int64, Int64).self)
        guard inserted == Int64(count) else {
            // Nothing was written: the command was applied before, the stream is not at the
            // version the events were hashed for, or an event id is already in the log.
            head = before
            if let earlier = try earlierResult(of: request, (previousStream, first, last, previousVersion, current)) { return earlier }
            guard request.expected.isSatisfied(byCurrentVersion: current) else {
                throw VersionConflict(stream: request.stream, expected: request.expected, actual: current)
            }
            if taken > 0 {
                throw EventStoreError(
                    .duplicateEventID, "An event appended to stream '\(request.stream)' has an id that is already in the log.")
            }
            throw EventStoreError(
                .storage, "The append to stream '\(request.stream)' wrote \(inserted) of its \(count) events; the transaction is rolled back.")
        }
        do {
            try await hook.withLock({ $0 })?.apply(recorded, on: connection, logger: logger)
            try await request.alongside?.write(recorded, connection, logger)
        } catch {
            throw FailedAfterInsert(underlying: error)
        }
        return AppendResult(stream: request.stream, firstPosition: firstPosition, lastPosition: headPosition, version: version)
    }

    /// The result of the command id's earlier append, when it was applied before (nil
    /// when the command id is new or absent).
    private func earlierResult(
        of request: PostgresAppendRequest, _ found: (String?, Int64?, Int64?, Int64?, Int64)
    ) throws -> AppendResult? {
        guard let commandID = request.metadata.commandID, let previousStream = found.0, let first = found.1, let last = found.2,
            let previousVersion = found.3
        else { return nil }
        guard previousStream == request.stream.rawValue else {
            throw EventStoreError(
                .commandReused,
                "Command id '\(commandID)' was already used for stream '\(previousStream)' and cannot be reused for stream '\(request.stream)'.")
        }
        return AppendResult(
            stream: request.stream, firstPosition: first, lastPosition: last, version: previousVersion, wasAlreadyApplied: true)
    }

    /// Turns a failure inside one append into the error its caller sees.
    private func describe(_ error: any Error, for request: PostgresAppendRequest) -> any Error {
        if let failed = error as? FailedAfterInsert {
            if failed.underlying is PrivacyError || failed.underlying is EventStoreError || failed.underlying is CommandRefused {
                return failed.underlying
            }
            return EventStoreError(
                .storage,
                "The append to stream '\(request.stream)' failed while updating what is kept beside the log\(Self.cause(of: failed.underlying)); nothing of it was written.",
                underlying: failed.underlying)
        }
        if error is VersionConflict || error is EventStoreError || error is PrivacyError { return error }
        if let server = (error as? PSQLError)?.serverInfo, server[.sqlState] == "23505" {
            if server[.constraintName]?.contains("event_id") == true {
                return EventStoreError(
                    .duplicateEventID, "An event appended to stream '\(request.stream)' has an id that is already in the log.")
            }
        }
        return EventStoreError(
            .storage, "The append to stream '\(request.stream)' failed\(Self.cause(of: error)); nothing of it was written.",
            underlying: error)
    }

    /// Whether the connection to the server was lost (the transaction's fate is then the server's).
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let failed = error as? FailedAfterInsert { return isConnectionLoss(failed.underlying) }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return true
        default:
            // 57P01 admin_shutdown (pg_terminate_backend, a server stopping), 57P02/57P03.
            return error.serverInfo?[.sqlState]?.hasPrefix("57P") == true
        }
    }

    /// What failed on the server: ": another append held the log head for longer than
    /// lock_timeout" (empty when nothing more is known).
    static func cause(of error: any Error) -> String {
        if let failed = error as? FailedAfterInsert { return cause(of: failed.underlying) }
        guard let error = error as? PSQLError else { return "" }
        if let server = error.serverInfo {
            let state = server[.sqlState] ?? ""
            let message = server[.message] ?? ""
            switch state {
            case "55P03":
                return ": another append held the log head longer than lock_timeout (\(message))"
            case "57P01", "57P02", "57P03":
                return ": the server ended the connection (\(message))"
            case "25P03":
                return ": the transaction stayed idle longer than idle_in_transaction_session_timeout"
            default:
                return ": PostgreSQL said \(state) \(message)"
            }
        }
        return ": the connection to PostgreSQL failed (\(error.code))"
    }
}

/// The connection an append transaction runs on, for its deadline to close.
final class Watched: Sendable {
    let connection = Mutex<PostgresConnection?>(nil)

    /// A wait that ends once, whichever of two tasks ends it first.
    final class Finished: Sendable {
        let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)
    }

    /// The one answer an append transaction gives: its outcome or its deadline's.
    final class Answer: Sendable {
        let value = Mutex<CheckedContinuation<[Result<AppendResult, any Error>], Never>?>(nil)
    }
}

extension PostgresConnection {
    /// Runs `query` and reads its whole answer: an error the server reports while sending
    /// rows (a unique violation found by a statement's later rows) reaches the caller only
    /// when the rows are read.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
