import Crypto
import Foundation
import GRDB
import WorkflowKit
import Synchronization

/// How many transactions the appends of this process took: appends / transactions
/// is the average size of a group commit.
public struct CommitStatistics: Sendable, Hashable {
    public var transactions = 0
    public var appends = 0

    public init(transactions: Int = 0, appends: Int = 0) {
        self.transactions = transactions
        self.appends = appends
    }
}

/// One caller's append, waiting for its group's transaction.
struct AppendRequest: Sendable {
    var events: [NewEvent]
    var stream: StreamID
    var expected: ExpectedVersion
    var metadata: EventMetadata
    /// The caller's own writes that commit with these events or not at all.
    var alongside: [ExtraWrite] = []
}

/// A caller's write that commits with its append or not at all: "append these events,
/// and write this in the same transaction". It runs inside the append's transaction (and
/// savepoint), after the append's events are inserted and the projections updated, and
/// only when the append inserts events: an append whose command id was applied before
/// writes nothing, and neither does this.
///
/// The log knows nothing of what is written (the privacy layer stores and deletes case
/// keys this way). An error the write throws fails that caller's append alone, never
/// the others of its group, and reaches that caller as thrown; a database error is
/// reported like the append's own (``EventStoreError`` with code `.storage`).
struct ExtraWrite: Sendable {
    /// Writes, given the events just inserted (already positioned and hashed).
    let write: @Sendable (_ appended: [RecordedEvent], _ db: Database) throws -> Void

    init(_ write: @escaping @Sendable (_ appended: [RecordedEvent], _ db: Database) throws -> Void) {
        self.write = write
    }
}

/// An error thrown by a caller's ``ExtraWrite``: handed back to that caller unchanged.
private struct ExtraWriteFailure: Error {
    var error: any Error
}

/// Work done inside an append's transaction, after its events are inserted: the SQLite
/// projections update themselves this way, so that they never lag the log.
///
/// A hook that throws fails that one append (its savepoint is rolled back), not the group.
protocol SQLiteTransactionHook: Sendable {
    func apply(_ events: [RecordedEvent], in db: Database) throws
}

/// Batches the appends that arrive while a transaction is in flight into the next
/// transaction: one `BEGIN IMMEDIATE … COMMIT`, one flush to disk, many callers.
///
/// An append that finds nothing in flight commits at once on its own thread (no
/// thread hop: the latency of a lone append is that of SQLite). Appends that arrive
/// while it is in flight queue up and are committed together, on GRDB's writer queue,
/// as soon as it finishes.
///
/// Each request runs in its own savepoint, so a conflict, a duplicate id, a failing
/// hook or a failing ``ExtraWrite`` rolls back only that request; the others commit. Requests of one group see
/// each other's writes in arrival order, exactly as if they had run one by one.
final class GroupCommitter: Sendable {
    private typealias Pending = (request: AppendRequest, continuation: CheckedContinuation<AppendResult, any Error>)

    private struct State {
        var pending: [Pending] = []
        var draining = false
        var hooks: [any SQLiteTransactionHook] = []
        var statistics = CommitStatistics()
        /// Appends submitted so far, committed or not.
        var submitted = 0
        var chainKey: SymmetricKey?
        var authenticator: EventAuthenticator?
    }

    private let pool: DatabasePool
    private let maximumGroupSize: Int
    private let now: @Sendable () -> Int64
    private let state = Mutex(State())

    private let beforeCommit: (@Sendable ([AppendResult]) -> Void)?
    /// The log's file, named in storage errors.
    private let path: String

    init(
        pool: DatabasePool, maximumGroupSize: Int, now: @escaping @Sendable () -> Int64,
        beforeCommit: (@Sendable ([AppendResult]) -> Void)? = nil
    ) {
        self.pool = pool
        self.path = pool.path
        self.maximumGroupSize = max(1, maximumGroupSize)
        self.now = now
        self.beforeCommit = beforeCommit
    }

    var hooks: [any SQLiteTransactionHook] {
        get { state.withLock { $0.hooks } }
        set { state.withLock { $0.hooks = newValue } }
    }

    var statistics: CommitStatistics { state.withLock { $0.statistics } }

    /// How many appends were submitted so far: each is committed, in a commit, or waiting for one.
    var submitted: Int { state.withLock { $0.submitted } }

    /// The key that authenticates each appended event (see ``RecordedEvent/authentication``).
    var chainKey: SymmetricKey? {
        get { state.withLock { $0.chainKey } }
        set {
            let authenticator = newValue.map(EventAuthenticator.init(key:))
            state.withLock {
                $0.chainKey = newValue
                $0.authenticator = authenticator
            }
        }
    }

    /// The real time, whatever clock `now` simulates.
    static func wallClock() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    func submit(_ request: AppendRequest) async throws -> AppendResult {
        let leads = state.withLock { state -> Bool in
            if state.draining { return false }
            state.submitted += 1
            state.draining = true
            return true
        }
        if leads {
            // Nothing else is being written: commit on this thread, without a hop.
            let outcome = commitNow(request)
            handOver()
            return try outcome.get()
        }
        // A commit is in flight: wait to join the next group.
        return try await withCheckedThrowingContinuation { continuation in
            let startDraining = state.withLock { state -> Bool in
                state.pending.append((request, continuation))
                state.submitted += 1
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDraining {
                pool.asyncWriteWithoutTransaction { db in self.drain(db) }
            }
        }
    }

    /// Commits one request synchronously on the calling thread.
    private func commitNow(_ request: AppendRequest) -> Result<AppendResult, any Error> {
        let hooks = self.hooks
        return pool.writeWithoutTransaction { db in commit([request], hooks: hooks, db: db)[0] }
    }

    /// After a leader's commit: lets the next append lead, or, when appends queued up
    /// meanwhile, commits them as one group on the writer queue.
    private func handOver() {
        let more = state.withLock { state -> Bool in
            if state.pending.isEmpty {
                state.draining = false
                return false
            }
            return true
        }
        if more {
            pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Commits groups until no request is waiting. Runs on the writer queue only.
    private func drain(_ db: Database) {
        while true {
            let (group, hooks) = state.withLock { state -> ([Pending], [any SQLiteTransactionHook]) in
                let count = min(state.pending.count, maximumGroupSize)
                let group = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if group.isEmpty { state.draining = false }
                return (group, state.hooks)
            }
            if group.isEmpty { return }
            let outcomes = commit(group.map(\.request), hooks: hooks, db: db)
            for (pending, outcome) in zip(group, outcomes) {
                pending.continuation.resume(with: outcome)
            }
        }
    }

    private func commit(
        _ requests: [AppendRequest], hooks: [any SQLiteTransactionHook], db: Database
    ) -> [Result<AppendResult, any Error>] {
        var outcomes: [Result<AppendResult, any Error>] = []
        let times = Times(recordedAt: now(), writtenAt: Self.wallClock())
        let authenticator = state.withLock { state -> EventAuthenticator? in
            state.statistics.transactions += 1
            state.statistics.appends += requests.count
            return state.authenticator
        }
        do {
            // Transaction control through cached statements: GRDB's transaction helper
            // prepares BEGIN and COMMIT anew each time, which shows in single appends.
            let statements = try Statements(db)
            try statements.begin.execute()
            do {
                let stored = try EventLogSchema.head(in: db)
                let requiresAuthentication = try stored.authenticated || EventLogSchema.authenticationStart(in: db) != nil
                if authenticator == nil && requiresAuthentication {
                    throw EventStoreError(
                        .unauthenticated,
                        "This event log authenticates its events with a key kept under the master key: open it with the master key (as WorkflowDatabase does) to append.")
                }
                var head = Head(position: stored.position, hash: stored.hash, authenticator: authenticator)
                if requests.count == 1 {
                    // Alone in its transaction: a failure rolls the transaction back, no savepoint needed.
                    let result = try append(requests[0], at: times, head: &head, statements: statements, hooks: hooks, db: db)
                    outcomes.append(.success(result))
                } else {
                    for request in requests {
                        let headBefore = head
                        try statements.savepoint.execute()
                        do {
                            let result = try append(request, at: times, head: &head, statements: statements, hooks: hooks, db: db)
                            try statements.release.execute()
                            outcomes.append(.success(result))
                        } catch {
                            try statements.rollback.execute()
                            try statements.release.execute()
                            head = headBefore
                            outcomes.append(.failure(describe(error, for: request)))
                        }
                    }
                }
                if let beforeCommit { beforeCommit(outcomes.compactMap { try? $0.get() }) }
                try statements.commit.execute()
            } catch {
                if db.isInsideTransaction { try? statements.rollbackTransaction.execute() }
                throw error
            }
        } catch {
            if requests.count == 1 {
                return [.failure(describe(error, for: requests[0]))]
            }
            let failure = EventStoreError(
                .storage,
                "The event log could not commit a group of \(requests.count) appends\(Self.cause(of: error, path: path)); for each, \(Self.outcome(of: error)).",
                underlying: error)
            return requests.map { _ in .failure(failure) }
        }
        return outcomes
    }

    /// The statements one transaction uses, prepared once per connection.
    private struct Statements {
        let insert: Statement
        let version: Statement
        let findCommand: Statement
        let insertCommand: Statement
        let savepoint: Statement
        let release: Statement
        let rollback: Statement

        let begin: Statement
        let commit: Statement
        let rollbackTransaction: Statement

        init(_ db: Database) throws {
            begin = try db.cachedStatement(sql: "BEGIN IMMEDIATE")
            commit = try db.cachedStatement(sql: "COMMIT")
            rollbackTransaction = try db.cachedStatement(sql: "ROLLBACK")
            savepoint = try db.cachedStatement(sql: "SAVEPOINT append")
            release = try db.cachedStatement(sql: "RELEASE SAVEPOINT append")
            rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT append")
            insert = try db.cachedStatement(sql: EventLogSchema.insertSQL)
            version = try db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?")
            findCommand = try db.cachedStatement(
                sql: "SELECT stream, first_position, last_position, version FROM commands WHERE command_id = ?")
            insertCommand = try db.cachedStatement(
                sql: "INSERT INTO commands (command_id, stream, first_position, last_position, version) VALUES (?, ?, ?, ?, ?)")
        }
    }

    /// The times stamped on a transaction's events: the (possibly simulated) recorded
    /// time, and the real time.
    private struct Times {
        var recordedAt: Int64
        var writtenAt: Int64
    }

    /// The log's last event as the transaction goes on, and the key that authenticates the next.
    private struct Head {
        var position: Int64
        var hash: Data
        var authenticator: EventAuthenticator?
    }

    private func append(
        _ request: AppendRequest, at times: Times, head: inout Head, statements: Statements,
        hooks: [any SQLiteTransactionHook], db: Database
    ) throws -> AppendResult {
        if let commandID = request.metadata.commandID,
            let row = try Row.fetchOne(statements.findCommand, arguments: [commandID])
        {
            let stream = StreamID(rawValue: row[0])
            guard stream == request.stream else {
                throw EventStoreError(
                    .commandReused,
                    "Command id '\(commandID)' was already used for stream '\(stream)' and cannot be reused for stream '\(request.stream)'.")
            }
            return AppendResult(
                stream: stream, firstPosition: row[1], lastPosition: row[2], version: row[3], wasAlreadyApplied: true)
        }
        let current = try Int64.fetchOne(statements.version, arguments: [request.stream.rawValue]) ?? 0
        guard request.expected.isSatisfied(byCurrentVersion: current) else {
            throw VersionConflict(stream: request.stream, expected: request.expected, actual: current)
        }
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(request.events.count)
        var version = current
        for event in request.events {
            head.position += 1
            version += 1
            var stored = RecordedEvent(
                position: head.position, stream: request.stream, version: version, id: event.id, type: event.type,
                schemaVersion: event.schemaVersion, payload: event.payload, metadata: request.metadata,
                recordedAt: times.recordedAt, hash: Data(), writtenAt: times.writtenAt)
            stored.hash = EventHasher.hash(of: stored, previous: head.hash)
            if let authenticator = head.authenticator { stored.authentication = authenticator.authentication(of: stored.hash) }
            head.hash = stored.hash
            try EventLogSchema.insert(stored, with: statements.insert, in: db)
            recorded.append(stored)
        }
        let result = AppendResult(
            stream: request.stream, firstPosition: recorded[0].position, lastPosition: head.position, version: version)
        if let commandID = request.metadata.commandID {
            try statements.insertCommand.execute(
                arguments: [commandID, request.stream.rawValue, result.firstPosition, result.lastPosition, result.version])
        }
        for hook in hooks {
            try hook.apply(recorded, in: db)
        }
        for extra in request.alongside {
            do {
                try extra.write(recorded, db)
            } catch let error as DatabaseError {
                throw error
            } catch {
                throw ExtraWriteFailure(error: error)
            }
        }
        return result
    }

    /// Turns a failure inside one request's savepoint into the error its caller sees.
    private func describe(_ error: any Error, for request: AppendRequest) -> any Error {
        // The caller's own extra write refusing the append speaks for itself.
        if let failure = error as? ExtraWriteFailure { return failure.error }
        if error is VersionConflict || error is EventStoreError { return error }
        if let databaseError = error as? DatabaseError, databaseError.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE,
            databaseError.message?.contains("event_id") == true
        {
            return EventStoreError(
                .duplicateEventID, "An event appended to stream '\(request.stream)' has an id that is already in the log.")
        }
        return EventStoreError(
            .storage, "The append to stream '\(request.stream)' failed\(Self.cause(of: error, path: path)); \(Self.outcome(of: error)).",
            underlying: error)
    }

    /// What a failed append left behind. After a failed fsync the commit's frames may
    /// still reach the disk, and a restart before the next commit can find them whole
    /// (see docs/reliability.md): the caller must not assume either way.
    static func outcome(of error: any Error) -> String {
        if let error = error as? DatabaseError, error.extendedResultCode == .SQLITE_IOERR_FSYNC {
            return "it was not acknowledged, and may be found whole in the log after a restart: retry it with the same command id"
        }
        return "nothing of it was written"
    }

    /// What failed below SQLite, and in which file: ": the disk is full writing the
    /// event log '/var/lib/aso/cases.sqlite'" (empty for other errors).
    static func cause(of error: any Error, path: String) -> String {
        guard let error = error as? DatabaseError else { return "" }
        let file = "the event log '\(path)' (or its write-ahead log '\(path)-wal')"
        switch error.resultCode {
        case .SQLITE_FULL:
            return ": the disk is full writing \(file)"
        case .SQLITE_IOERR:
            if error.extendedResultCode == .SQLITE_IOERR_FSYNC {
                return ": flushing \(file) to disk failed (fsync)"
            }
            if error.extendedResultCode == .SQLITE_IOERR_WRITE {
                return ": writing \(file) failed with a disk I/O error"
            }
            return ": a disk I/O error on \(file)"
        default:
            return ""
        }
    }
}
