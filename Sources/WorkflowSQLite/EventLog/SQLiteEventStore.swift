import Crypto
import Foundation
import GRDB
public import WorkflowKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The event log in one SQLite file (WAL mode), shared safely by several processes.
///
/// Durable by default: every commit is flushed to disk (`synchronous=FULL`), so that
/// an append that returned has survived a power cut. Appends made concurrently in one
/// process are *group-committed*: they share one transaction and one flush, while each
/// caller keeps its own all-or-nothing result and its own conflict check.
public final class SQLiteEventStore: EventStore {
    /// How hard SQLite flushes a commit to disk.
    public enum Synchronous: String, Sendable {
        /// Flush on every commit: a returned append survives a power cut. The default.
        case full = "FULL"
        /// Flush only at WAL checkpoints: faster, and an append that returned may be lost
        /// in a power cut or OS crash (not in a crash of this process). Opt in knowingly.
        case normal = "NORMAL"
    }

    /// How the store is set up.
    public struct Options: Sendable {
        public var synchronous: Synchronous = .full
        /// How long a write waits for another process's lock before failing.
        public var busyTimeout: Duration = .seconds(30)
        /// Events fetched by one read of a paged sequence.
        public var pageSize: Int = 512
        /// How often a subscription looks for events committed by other processes.
        public var pollInterval: Duration = .milliseconds(100)
        /// The most appends group-committed in one transaction.
        public var maximumGroupSize: Int = 512
        /// Lifts old schema versions on read.
        public var upcasters = Upcasters()
        /// The time stamped on appended events, in milliseconds since 1970.
        public var now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
        /// Refuse to open a file whose append-only triggers were removed. Only a check of
        /// the file (`verify`) opens one anyway, to report it.
        public var refusesTamperedFile = true
        /// Called inside each write transaction after its appends (and the projections'
        /// updates) are written and before `COMMIT`, with the results the appends will
        /// return once committed. A seam for crash and fault tests: a process that dies
        /// here has written, and acknowledged, none of them.
        public var beforeCommit: (@Sendable (_ appends: [AppendResult]) -> Void)?

        public init() {}
    }

    /// The database file's path.
    public let path: String
    let pool: DatabasePool
    let options: Options
    private let signal = CommitSignal()
    private let committer: GroupCommitter
    /// A read-only connection of its own for ``events(of:fromVersion:)``, used on the
    /// calling thread when no other caller holds it (never waited for).
    private let streamReader: Mutex<DatabaseQueue>

    /// Opens the log at `path`, creating the file (readable and writable by its owner
    /// only) and migrating its schema when needed.
    ///
    /// - Throws: ``EventStoreError`` with code `.storage` when the file cannot be opened.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(path: path, options: options, migrations: [])
    }

    /// The files (the log, its write-ahead log, its shared memory) that others could read
    /// or write when the store opened them, e.g. restored from a backup as 0644, with
    /// their modes then: the store made them owner-only.
    public let tightenedFiles: [(path: String, mode: UInt32)]

    /// Opens the log with extra schema migrations registered after the log's own
    /// (the projections use this).
    init(path: String, options: Options, migrations: [(id: String, migrate: @Sendable (Database) throws -> Void)]) throws {
        self.path = path
        self.options = options
        do {
            try Self.createOwnerOnlyFile(at: path)
            tightenedFiles = Self.tightenPermissions(of: [path, path + "-wal", path + "-shm"])
            var configuration = Configuration()
            configuration.busyMode = .timeout(Self.seconds(options.busyTimeout))
            configuration.label = "event-log"
            pool = try DatabasePool(path: path, configuration: configuration)
            // Only the writer connection commits. GRDB sets it to NORMAL when it enables
            // WAL, so the chosen level is set after the pool is open, and it stays: the
            // pool keeps one writer connection for its lifetime.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(options.synchronous.rawValue)")
            }
            var migrator = DatabaseMigrator()
            EventLogSchema.register(in: &migrator)
            for migration in migrations {
                migrator.registerMigration(migration.id, migrate: migration.migrate)
            }
            let appliedBefore = try pool.read { db in try migrator.appliedIdentifiers(db) }
            try migrator.migrate(pool)
            migrationsAppliedAtOpen = try pool.read { db in try migrator.appliedIdentifiers(db) }.subtracting(appliedBefore)
            let triggers = try pool.read { db in try EventLogSchema.triggerProblems(in: db) }
            if options.refusesTamperedFile && !triggers.isEmpty {
                // Someone with the file removed or changed what keeps the log append-only:
                // writing on would hide whatever was changed meanwhile.
                let what =
                    triggers.changed.isEmpty && triggers.unexpected.isEmpty
                    ? "has lost its append-only triggers (\(triggers.missing.joined(separator: ", ")))"
                    : "has had its append-only triggers changed (\(triggers.details))"
                throw EventStoreError(
                    .tampered,
                    "The event log at '\(path)' \(what): the file was changed outside the engine. Run 'aso-engine verify' and restore the log from a backup.")
            }
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(.storage, "Cannot open the event log at '\(path)'.", underlying: error)
        }
        committer = GroupCommitter(
            pool: pool, maximumGroupSize: options.maximumGroupSize, now: options.now, beforeCommit: options.beforeCommit)
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(Self.seconds(options.busyTimeout))
            configuration.label = "event-log-streams"
            streamReader = Mutex(try DatabaseQueue(path: path, configuration: configuration))
        } catch {
            throw EventStoreError(.storage, "Cannot open the event log at '\(path)'.", underlying: error)
        }
    }

    /// The migrations this store applied when it opened the file (all of them for a new
    /// file; those added since for a file an earlier version wrote; none otherwise).
    let migrationsAppliedAtOpen: Set<String>

    /// Transactions and appends committed by this store object so far.
    public var commitStatistics: CommitStatistics { committer.statistics }

    /// How many appends were handed to the writer so far: each is committed, in the commit
    /// in flight, or waiting for the next group.
    var submittedAppends: Int { committer.submitted }

    /// The `synchronous` level the writer connection actually uses (1 = NORMAL, 2 = FULL).
    func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The key that authenticates appended events (set by ``WorkflowDatabase`` from the master key).
    var chainKey: SymmetricKey? {
        get { committer.chainKey }
        set { committer.chainKey = newValue }
    }

    /// Hooks run inside the append transaction, after each append's events are inserted.
    var transactionHooks: [any SQLiteTransactionHook] {
        get { committer.hooks }
        set { committer.hooks = newValue }
    }

    // MARK: - EventStore

    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        try await append(events, to: stream, expected: expected, metadata: metadata, alongside: [])
    }

    /// Appends `events` as ``append(_:to:expected:metadata:)`` does, and runs `alongside`
    /// in the same transaction: the events and those writes commit together or not at
    /// all (see ``ExtraWrite``). An append whose command id was applied before writes
    /// neither.
    ///
    /// - Throws: What ``append(_:to:expected:metadata:)`` throws, or the error one of
    ///   `alongside` threw (nothing of this append is then written; other callers'
    ///   appends of the same group commit).
    @discardableResult
    func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        alongside: [ExtraWrite]
    ) async throws -> AppendResult {
        try EventStoreError.checkAppend(events, to: stream)
        let request = AppendRequest(events: events, stream: stream, expected: expected, metadata: metadata, alongside: alongside)
        let result = try await committer.submit(request)
        if !result.wasAlreadyApplied {
            signal.fire()
        }
        return result
    }

    public func version(of stream: StreamID) async throws -> Int64 {
        try await storage("reading the version of stream '\(stream)'") {
            try await pool.read { db in try EventLogSchema.version(of: stream, in: db) }
        }
    }

    public func lastPosition() async throws -> Int64 {
        try await storage("reading the last position") {
            try await pool.read { db in try EventLogSchema.lastPosition(in: db) }
        }
    }

    public func read(stream: StreamID, fromVersion version: Int64) -> EventPages {
        let pool = pool
        let upcasters = options.upcasters
        return EventPages(after: max(0, version - 1), pageSize: options.pageSize, cursor: \.version) { after, limit in
            try await Self.storage("reading stream '\(stream)'") {
                try await pool.read { db in
                    var events = try EventLogSchema.fetch(
                        db, where: "stream = ? AND version > ?", orderBy: "version",
                        arguments: [stream.rawValue, after], limit: limit)
                    try upcasters.upcast(&events)
                    return events
                }
            }
        }
    }

    /// The stream's events in one statement, on the calling thread: a case's stream is
    /// short, and a paged sequence's read transactions and thread hops (two per page
    /// through GRDB's queues) cost more than its rows. One `SELECT` reads one snapshot
    /// of the log, so no transaction is needed around it.
    ///
    /// The read uses a connection of its own, and only when it is free: a thread of
    /// Swift's cooperative pool must never wait for a database connection (GRDB's
    /// readers are released on that pool). When another caller holds it, the stream is
    /// read through the paged sequence instead.
    public func events(of stream: StreamID, fromVersion version: Int64) async throws -> [RecordedEvent] {
        let read = try Self.storageNow("reading stream '\(stream)'") {
            try streamReader.withLockIfAvailable { reader in
                try reader.inDatabase { db in try EventLogSchema.fetch(db, stream: stream, fromVersion: version) }
            }
        }
        guard var read else { return try await self.read(stream: stream, fromVersion: version).collect() }
        try options.upcasters.upcast(&read)
        return read
    }

    public func readAll(after position: Int64) -> EventPages {
        EventPages(after: position, pageSize: options.pageSize, cursor: \.position, fetch: pageFetcher(upcast: true))
    }

    public func follow(after position: Int64) -> EventSubscription {
        let signal = signal
        return EventSubscription(
            after: position, pageSize: options.pageSize, pollInterval: options.pollInterval,
            fetch: pageFetcher(upcast: true), wait: { timeout in await signal.wait(timeout: timeout) })
    }

    public func checkpoint(named name: String) async throws -> Int64 {
        try await storage("reading checkpoint '\(name)'") {
            try await pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT position FROM checkpoints WHERE name = ?", arguments: [name]) ?? 0
            }
        }
    }

    public func checkpoints() async throws -> [String: Int64] {
        try await storage("reading the checkpoints") {
            try await pool.read { db in
                var checkpoints: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, position FROM checkpoints") {
                    checkpoints[row[0]] = row[1]
                }
                return checkpoints
            }
        }
    }

    public func saveCheckpoint(named name: String, position: Int64) async throws {
        guard !name.isEmpty else {
            throw EventStoreError(.invalidName, "A checkpoint name must not be empty.")
        }
        let now = options.now()
        try await storage("saving checkpoint '\(name)'") {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO checkpoints (name, position, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                        """,
                    arguments: [name, position, now])
            }
        }
    }

    public func verify() async throws -> VerificationReport {
        try await verify(chainKey: nil, expected: nil)
    }

    /// Walks the log as ``verify()`` does, and also requires it to still hold `expected`,
    /// a head an earlier check recorded (events removed from the end are found this way).
    /// Authentications are checked for presence only: their key is under the master key
    /// (``WorkflowDatabase/verify(expecting:)`` checks them).
    public func verify(expecting expected: LogAnchor?) async throws -> VerificationReport {
        try await verify(chainKey: nil, expected: expected)
    }

    /// Walks the log: positions, stream versions, the hash chain, the append-only
    /// triggers and, given the chain key, every event's authentication.
    ///
    /// - Parameters:
    ///   - chainKey: The log's chain key; without it, authentications are only checked for presence.
    ///   - expected: A head recorded by an earlier check, which the log must still hold.
    func verify(chainKey: SymmetricKey?, expected: LogAnchor?) async throws -> VerificationReport {
        let triggers = try await storage("checking the triggers") {
            try await pool.read { db in try EventLogSchema.triggerProblems(in: db) }
        }
        var walk = ChainWalk(chainKey: chainKey, expected: expected)
        for try await event in EventPages(
            after: 0, pageSize: 2048, cursor: \.position, fetch: pageFetcher(upcast: false))
        {
            if let broken = walk.check(event) { return broken }
        }
        var report = walk.report
        if !triggers.isEmpty {
            report.firstBrokenPosition = report.firstBrokenPosition ?? walk.checked
            report.problem = triggers.problem
        }
        return report
    }

    // MARK: - Helpers

    private func pageFetcher(upcast: Bool) -> EventPages.Fetch {
        let pool = pool
        let upcasters = options.upcasters
        return { after, limit in
            try await Self.storage("reading the log") {
                try await pool.read { db in
                    var events = try EventLogSchema.fetch(
                        db, where: "position > ?", orderBy: "position", arguments: [after], limit: limit)
                    if upcast { try upcasters.upcast(&events) }
                    return events
                }
            }
        }
    }

    private func storage<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        try await Self.storage(what, body)
    }

    static func storage<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(.storage, "The event log failed while \(what).", underlying: error)
        }
    }

    static func storageNow<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(.storage, "The event log failed while \(what).", underlying: error)
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// Makes each existing file of `paths` that this user owns owner-only when others
    /// could read or write it, and returns those it changed with their modes before.
    private static func tightenPermissions(of paths: [String]) -> [(path: String, mode: UInt32)] {
        var tightened: [(path: String, mode: UInt32)] = []
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(),
                info.st_mode & 0o077 != 0
            else { continue }
            if chmod(path, info.st_mode & 0o700) == 0 { tightened.append((path, UInt32(info.st_mode & 0o777))) }
        }
        return tightened
    }

    /// Creates an empty file with mode 0600 if none exists, so that SQLite (which gives
    /// its WAL and shared-memory files the database file's mode) keeps the log private.
    private static func createOwnerOnlyFile(at path: String) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw EventStoreError(
                .storage, "Cannot create the event log file '\(path)': \(String(cString: strerror(errno))).")
        }
    }
}
