import Crypto
import Foundation
public import Logging
import PostgresNIO
import Synchronization
public import WorkflowKit
public import WorkflowSQLite

/// The event log in a PostgreSQL database, shared by any number of processes on any
/// number of machines, under the same contract as the SQLite log (see ``EventStore``):
/// positions strictly increasing in commit order with no gap, per-stream expected
/// versions, idempotent command ids, the hash chain and `verify`, upcasting, append-only
/// triggers, catch-up subscriptions and durable checkpoints.
///
/// Appends serialise on the log's one head row (see ``PostgresAppender``); appends made
/// concurrently in this process are group-committed. Subscriptions are woken by
/// `LISTEN`/`NOTIFY` on a connection of their own, which is only a wake-up: they also poll,
/// and catch up after every reconnect, so a notification lost while disconnected delays an
/// event by at most the poll interval.
///
/// ```swift
/// let store = try await PostgresEventStore.open(url: "postgres://aso@db/cases")
/// defer { Task { await store.close() } }
/// try await store.append([event], to: "case-1", expected: .noStream)
/// ```
///
/// Call ``close()`` when done: it ends the subscriptions' listener and the connection
/// pool, after the appends in flight have finished.
public final class PostgresEventStore: EventStore {
    /// How the store is set up.
    public struct Options: Sendable {
        /// Events fetched by one read of a paged sequence.
        public var pageSize = 512
        /// How often a subscription looks for new events when no notification came.
        public var pollInterval: Duration = .milliseconds(250)
        /// The most appends group-committed in one transaction.
        public var maximumGroupSize = 256
        /// The most connections the store's pool opens (subscriptions' listener has one
        /// more of its own).
        public var maximumConnections = 8
        /// How long an append waits for another's lock of the log head before it fails
        /// (PostgreSQL's `lock_timeout` on the store's connections).
        public var lockTimeout: Duration = .seconds(10)
        /// How long the server lets a connection sit idle inside a transaction before it
        /// ends it, releasing its locks: a stalled or stopped appender cannot hold the
        /// log head for longer (`idle_in_transaction_session_timeout`).
        public var idleInTransactionTimeout: Duration = .seconds(5)
        /// The longest an append transaction may take, waiting for the head included;
        /// past it the append fails with an unknown outcome (to be retried with its command
        /// id) and its connection is closed. Longer than ``lockTimeout``.
        public var appendDeadline: Duration = .seconds(60)
        /// Lifts old schema versions on read.
        public var upcasters = Upcasters()
        /// The time stamped on appended events, in milliseconds since 1970.
        public var now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        /// The name the store's connections give the server (`application_name`), shown in
        /// `pg_stat_activity`; the URL's `application_name` (or `PGAPPNAME`) takes its place.
        public var applicationName = "aso-engine"
        /// Refuse to open a log whose append-only triggers were removed or disabled.
        public var refusesTamperedLog = true
        /// Called inside each append transaction after its rows are written and before
        /// `COMMIT`: a seam for fault tests (a process that stalls or dies here has
        /// written, and acknowledged, none of them).
        public var beforeCommit: (@Sendable (_ appends: [AppendResult]) async -> Void)?
        /// Where the connection pool reports what it does in the background (reconnects);
        /// errors only by default.
        public var logger: Logger = {
            var logger = Logger(label: "aso.postgres")
            logger.logLevel = .error
            return logger
        }()

        public init() {}
    }

    /// Where the log is (without its password).
    public let location: PostgresLocation
    private let options: Options
    let schema: PostgresEventLogSchema
    let client: PostgresClient
    private let appender: PostgresAppender
    private let signal = CommitSignal()
    let logger: Logger
    private let tasks: Mutex<(client: Task<Void, Never>?, listener: Task<Void, Never>?)>
    /// The listener's connection, its own (not the pool's), so that closing the store can
    /// close it and so end a `LISTEN` whatever state it is in.
    private let listening = ListenerConnection()

    private final class ListenerConnection: Sendable {
        let current = Mutex<PostgresConnection?>(nil)
    }

    private init(location: PostgresLocation, options: Options, client: PostgresClient, clientTask: Task<Void, Never>, logger: Logger) {
        self.location = location
        self.options = options
        self.schema = PostgresEventLogSchema(schema: location.schema)
        self.client = client
        self.logger = logger
        self.appender = PostgresAppender(
            client: client, schema: schema, maximumGroupSize: options.maximumGroupSize, now: options.now,
            beforeCommit: options.beforeCommit, deadline: options.appendDeadline, logger: logger)
        self.tasks = Mutex((clientTask, nil))
    }

    /// Opens the log at `url` (see ``PostgresLocation``), creating its tables on first use.
    ///
    /// - Throws: ``EventStoreError`` with code `.invalidName` for a bad URL, `.storage` when
    ///   the server cannot be reached or refuses, `.tampered` when the append-only triggers
    ///   are gone.
    public static func open(url: String, options: Options = Options()) async throws -> PostgresEventStore {
        try await open(at: PostgresLocation(url: url), options: options)
    }

    /// Opens the log at `location`, creating its tables on first use.
    public static func open(at location: PostgresLocation, options: Options = Options()) async throws -> PostgresEventStore {
        let logger = options.logger
        let parameters = [
            ("lock_timeout", "\(milliseconds(options.lockTimeout))ms"),
            ("idle_in_transaction_session_timeout", "\(milliseconds(options.idleInTransactionTimeout))ms"),
            ("application_name", location.applicationName ?? options.applicationName),
        ]
        // One connection of its own first: it creates the tables, checks the triggers, and
        // fails at once when the server cannot be reached (the pool would keep retrying).
        let schema = PostgresEventLogSchema(schema: location.schema)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: location.connectionConfiguration(startupParameters: parameters), id: 0, logger: logger)
            do {
                try await schema.migrate(connection, logger: logger)
                let problems = try await schema.triggerProblems(connection, logger: logger)
                if options.refusesTamperedLog && !problems.isEmpty {
                    throw EventStoreError(
                        .tampered,
                        "The event log at '\(location)' has lost or changed its append-only triggers (\(problems.joined(separator: "; "))): it was changed outside the engine. Run 'aso-engine verify' and restore the log from a backup.")
                }
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(
                .storage, "Cannot open the event log at '\(location)'\(PostgresAppender.cause(of: error)).", underlying: error)
        }
        let listenerConfiguration = try location.connectionConfiguration(startupParameters: parameters)
        let client = PostgresClient(
            configuration: location.clientConfiguration(startupParameters: parameters, maximumConnections: max(1, options.maximumConnections)),
            backgroundLogger: logger)
        let clientTask = Task { await client.run() }
        let store = PostgresEventStore(location: location, options: options, client: client, clientTask: clientTask, logger: logger)
        store.startListening(configuration: listenerConfiguration)
        return store
    }

    deinit {
        tasks.withLock { tasks in
            tasks.listener?.cancel()
            tasks.client?.cancel()
        }
    }

    /// Ends the listener and closes the connections. Appends and reads still in flight
    /// fail; call it after the engine and daemons using the store have stopped.
    public func close() async {
        let (clientTask, listener) = tasks.withLock { tasks in
            defer { tasks = (nil, nil) }
            return (tasks.client, tasks.listener)
        }
        // The listener is ended by closing its connection too: a cancellation that arrives
        // while it is between connecting and listening would otherwise leave it waiting on
        // notifications that never come.
        listener?.cancel()
        if let connection = listening.current.withLock({ $0 }) { try? await connection.close() }
        clientTask?.cancel()
        guard let clientTask else { return }
        // The pool ends once every leased connection is back; one stuck in a call that
        // ignores cancellation must not keep the caller (a server shutting down) forever.
        let finished = Watched.Finished()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            finished.continuation.withLock { $0 = continuation }
            Task {
                await listener?.value
                await clientTask.value
                finished.continuation.withLock { $0.take() }?.resume()
            }
            Task {
                try? await Task.sleep(for: .seconds(10))
                guard let waiting = finished.continuation.withLock({ $0.take() }) else { return }
                logger.warning("The event log's connections did not all close within 10 seconds; leaving them to the server.")
                waiting.resume()
            }
        }
    }

    /// Transactions and appends committed by this store object so far.
    public var commitStatistics: CommitStatistics { appender.statistics }

    // MARK: - EventStore

    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        try EventStoreError.checkAppend(events, to: stream)
        let result = try await appender.submit(
            PostgresAppendRequest(events: events, stream: stream, expected: expected, metadata: metadata))
        if !result.wasAlreadyApplied { signal.fire() }
        return result
    }

    /// Appends, as ``append(_:to:expected:metadata:)`` does, and makes `alongside`'s
    /// writes in the same transaction (only when the events are written).
    func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        alongside: PostgresExtraWrite?
    ) async throws -> AppendResult {
        try EventStoreError.checkAppend(events, to: stream)
        let result = try await appender.submit(
            PostgresAppendRequest(events: events, stream: stream, expected: expected, metadata: metadata, alongside: alongside))
        if !result.wasAlreadyApplied { signal.fire() }
        return result
    }

    /// Sets what every append does in its transaction once its events are inserted (the
    /// projections a ``PostgresCaseStore`` keeps).
    func setTransactionHook(_ hook: (any PostgresTransactionHook)?) {
        appender.setHook(hook)
    }

    /// Sets the key that authenticates every appended event (a ``PostgresCaseStore``'s
    /// chain key, kept wrapped with the master key).
    func setChainKey(_ key: SymmetricKey?) {
        appender.setChainKey(key)
    }

    public func version(of stream: StreamID) async throws -> Int64 {
        try await single("reading the version of stream '\(stream)'", as: Int64.self) {
            "SELECT COALESCE(MAX(version), 0) FROM \(unescaped: schema.events) WHERE stream = \(stream.rawValue)"
        }
    }

    public func lastPosition() async throws -> Int64 {
        try await single("reading the last position", as: Int64.self) {
            "SELECT COALESCE(MAX(position), 0) FROM \(unescaped: schema.events)"
        }
    }

    public func read(stream: StreamID, fromVersion version: Int64) -> EventPages {
        let fetch = fetcher(upcast: true) { schema, after, limit in
            """
            SELECT \(unescaped: PostgresEventLogSchema.columns) FROM \(unescaped: schema.events)
            WHERE stream = \(stream.rawValue) AND version > \(after) ORDER BY version LIMIT \(Int64(limit))
            """
        }
        return EventPages(after: max(0, version - 1), pageSize: options.pageSize, cursor: \.version, fetch: fetch)
    }

    /// The stream's events in one statement: a case's stream is short.
    public func events(of stream: StreamID, fromVersion version: Int64) async throws -> [RecordedEvent] {
        let fetch = fetcher(upcast: true) { schema, after, _ in
            """
            SELECT \(unescaped: PostgresEventLogSchema.columns) FROM \(unescaped: schema.events)
            WHERE stream = \(stream.rawValue) AND version > \(after) ORDER BY version
            """
        }
        return try await fetch(max(0, version - 1), 0)
    }

    public func readAll(after position: Int64) -> EventPages {
        EventPages(after: position, pageSize: options.pageSize, cursor: \.position, fetch: logFetcher(upcast: true))
    }

    public func follow(after position: Int64) -> EventSubscription {
        let signal = signal
        return EventSubscription(
            after: position, pageSize: options.pageSize, pollInterval: options.pollInterval,
            fetch: logFetcher(upcast: true), wait: { timeout in await signal.wait(timeout: timeout) })
    }

    public func checkpoint(named name: String) async throws -> Int64 {
        try await single("reading checkpoint '\(name)'", as: Int64.self) {
            "SELECT COALESCE((SELECT position FROM \(unescaped: schema.checkpoints) WHERE name = \(name)), 0)"
        }
    }

    public func checkpoints() async throws -> [String: Int64] {
        try await storage("reading the checkpoints") {
            var checkpoints: [String: Int64] = [:]
            for row in try await client.query("SELECT name, position FROM \(unescaped: schema.checkpoints)", logger: logger).collect() {
                let (name, position) = try row.decode((String, Int64).self)
                checkpoints[name] = position
            }
            return checkpoints
        }
    }

    public func saveCheckpoint(named name: String, position: Int64) async throws {
        guard !name.isEmpty else {
            throw EventStoreError(.invalidName, "A checkpoint name must not be empty.")
        }
        let now = options.now()
        try await storage("saving checkpoint '\(name)'") {
            try await client.query(
                """
                INSERT INTO \(unescaped: schema.checkpoints) (name, position, updated_at) VALUES (\(name), \(position), \(now))
                ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                """, logger: logger
            ).collect()
        }
    }

    public func verify() async throws -> VerificationReport {
        try await verify(expecting: nil)
    }

    /// Walks the log as ``verify()`` does, and also requires it to still hold `expected`,
    /// a head an earlier check recorded (events removed from the end are found this way).
    /// Also checks that the head row agrees with the last event.
    public func verify(expecting expected: LogAnchor?) async throws -> VerificationReport {
        try await verify(chainKey: nil, expecting: expected)
    }

    /// Walks the log as ``verify(expecting:)`` does and, given the chain key, checks each
    /// event's authentication too.
    ///
    /// - Parameter start: Where the log records that its authentication begins: every
    ///   event from there on must carry an authentication.
    func verify(chainKey: SymmetricKey?, start: AuthenticationStart? = nil, expecting expected: LogAnchor?) async throws -> VerificationReport {
        let triggers = try await storage("checking the triggers") {
            try await client.withConnection { try await schema.triggerProblems($0, logger: logger) }
        }
        var walk = ChainWalk(chainKey: chainKey, expected: expected, start: start)
        var last: RecordedEvent?
        for try await event in EventPages(after: 0, pageSize: 2048, cursor: \.position, fetch: logFetcher(upcast: false)) {
            if let broken = walk.check(event) { return broken }
            last = event
        }
        var report = walk.report
        let head = try await storage("reading the log head") {
            try await client.query("SELECT position, hash FROM \(unescaped: schema.head)", logger: logger).collect()
        }
        if let row = head.first {
            let (position, hash) = try row.decode((Int64, Data).self)
            if position != (last?.position ?? 0) || hash != (last?.hash ?? EventHasher.genesis) {
                report.firstBrokenPosition = report.firstBrokenPosition ?? walk.checked
                report.problem =
                    "the log head records position \(position), but the last event is at \(last?.position ?? 0): events were removed or added outside the engine."
            }
        }
        if !triggers.isEmpty {
            report.firstBrokenPosition = report.firstBrokenPosition ?? walk.checked
            report.problem = "the append-only triggers are not the engine's (\(triggers.joined(separator: "; "))): the log was changed outside the engine."
        }
        return report
    }

    // MARK: - Subscriptions

    /// Listens for commits on a connection of its own, waking this process's
    /// subscriptions; reconnects after any failure and wakes them then too, so that they
    /// catch up on what was committed meanwhile.
    private func startListening(configuration: PostgresConnection.Configuration) {
        let channel = schema.channel
        let signal = signal
        let logger = logger
        let listening = listening
        let listener = Task {
            var backoff = Duration.milliseconds(50)
            var id = 1
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
                    id += 1
                    listening.current.withLock { $0 = connection }
                    do {
                        // Closed by close() from here on; checked once more for a
                        // cancellation that came before the connection was there to close.
                        if !Task.isCancelled {
                            try await connection.listen(on: channel) { notifications in
                                // Listening again: catch up on whatever was committed meanwhile.
                                signal.fire()
                                backoff = .milliseconds(50)
                                for try await _ in notifications { signal.fire() }
                            }
                        }
                    } catch {
                        if !Task.isCancelled {
                            logger.debug("The event log's listener lost its connection; reconnecting.", metadata: ["error": "\(error)"])
                        }
                    }
                    listening.current.withLock { $0 = nil }
                    try? await connection.close()
                } catch {
                    if Task.isCancelled { break }
                    logger.debug("The event log's listener cannot connect; trying again.", metadata: ["error": "\(error)"])
                }
                if Task.isCancelled { break }
                signal.fire()
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
        tasks.withLock { $0.listener = listener }
    }

    // MARK: - Helpers

    private typealias Query = @Sendable (_ schema: PostgresEventLogSchema, _ after: Int64, _ limit: Int) -> PostgresQuery

    private func logFetcher(upcast: Bool) -> EventPages.Fetch {
        fetcher(upcast: upcast) { schema, after, limit in
            """
            SELECT \(unescaped: PostgresEventLogSchema.columns) FROM \(unescaped: schema.events)
            WHERE position > \(after) ORDER BY position LIMIT \(Int64(limit))
            """
        }
    }

    private func fetcher(upcast: Bool, _ query: @escaping Query) -> EventPages.Fetch {
        let client = client
        let schema = schema
        let logger = logger
        let upcasters = options.upcasters
        return { after, limit in
            // A read changes nothing, so a connection lost under it (a server restart, a
            // pooled connection that died while idle) is retried on another, a few times.
            var attempt = 0
            let rows: [PostgresRow]
            while true {
                do {
                    rows = try await client.query(query(schema, after, limit), logger: logger).collect()
                    break
                } catch where PostgresAppender.isConnectionLoss(error) && attempt < 4 {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(50 << attempt))
                } catch {
                    throw EventStoreError(
                        .storage, "The event log failed while reading the log\(PostgresAppender.cause(of: error)).", underlying: error)
                }
            }
            var events: [RecordedEvent] = []
            events.reserveCapacity(rows.count)
            for row in rows {
                let event: RecordedEvent
                do {
                    event = try PostgresEventLogSchema.event(from: row)
                } catch {
                    throw EventStoreError(.corruptRow, "An event row of the log could not be read: \(error).")
                }
                events.append(upcast ? try upcasters.upcast(event) : event)
            }
            return events
        }
    }

    private func single<T: PostgresDecodable & Sendable>(
        _ what: String, as type: T.Type, _ query: () -> PostgresQuery
    ) async throws -> T {
        let query = query()
        return try await storage(what) {
            let rows = try await client.query(query, logger: logger).collect()
            return try rows[0].decode(T.self)
        }
    }

    @discardableResult
    private func storage<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        try await Self.storage(what, body)
    }

    @discardableResult
    static func storage<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EventStoreError {
            throw error
        } catch let error as PrivacyError {
            throw error
        } catch {
            throw EventStoreError(.storage, "The event log failed while \(what)\(PostgresAppender.cause(of: error)).", underlying: error)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
