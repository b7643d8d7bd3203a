import Foundation
import Synchronization
public import WorkflowKit

/// An event log held in memory: for tests, an embedder's included, that want the
/// whole ``EventStore`` contract without a file.
///
/// It keeps the contract exactly as the SQLite store does: positions from 1 with
/// no gaps, in commit order, consecutive within one append; contiguous stream
/// versions; all-or-nothing appends refused with the same ``VersionConflict`` and
/// ``EventStoreError`` codes and messages; idempotent command ids; the same hash chain
/// (so ``verify()`` walks it as it walks a file); subscriptions that wake on each commit.
/// Names (streams, command ids, checkpoints) compare by their UTF-8 bytes, as SQLite's
/// text columns do: two spellings of one name are two names.
///
/// Events are stamped with the time `now` gives, which a test sets by hand
/// (``ManualTime``), and with the real time as ``RecordedEvent/writtenAt``.
/// Nothing survives the last store object that shares the log.
public final class InMemoryEventStore: EventStore {
    private let log: Log
    private let now: @Sendable () -> Int64
    private let upcasters: Upcasters
    private let pageSize: Int
    private let pollInterval: Duration

    /// A new, empty log.
    ///
    /// - Parameters:
    ///   - now: The time stamped on appended events as ``RecordedEvent/recordedAt``, in
    ///     milliseconds since 1970; a fresh ``ManualTime`` by default. Called once per
    ///     append, in commit order, while the log is locked: it must not use the store.
    ///   - upcasters: Lift old schema versions on read.
    ///   - pageSize: Events fetched by one read of a paged sequence.
    ///   - pollInterval: The longest a subscription sleeps before looking for new events
    ///     (each commit wakes it at once).
    public convenience init(
        now: @escaping @Sendable () -> Int64 = ManualTime().provider, upcasters: Upcasters = Upcasters(),
        pageSize: Int = 512, pollInterval: Duration = .milliseconds(100)
    ) {
        self.init(log: Log(), now: now, upcasters: upcasters, pageSize: pageSize, pollInterval: pollInterval)
    }

    /// A second store object over `other`'s log, with its own clock, upcasters and page
    /// size: what opening one SQLite file twice gives. Appends through either are seen by
    /// both, and wake the subscriptions of both.
    public convenience init(
        sharingLogOf other: InMemoryEventStore, now: @escaping @Sendable () -> Int64 = ManualTime().provider,
        upcasters: Upcasters = Upcasters(), pageSize: Int = 512, pollInterval: Duration = .milliseconds(100)
    ) {
        self.init(log: other.log, now: now, upcasters: upcasters, pageSize: pageSize, pollInterval: pollInterval)
    }

    private init(log: Log, now: @escaping @Sendable () -> Int64, upcasters: Upcasters, pageSize: Int, pollInterval: Duration) {
        self.log = log
        self.now = now
        self.upcasters = upcasters
        self.pageSize = max(1, pageSize)
        self.pollInterval = pollInterval
    }

    // MARK: - EventStore

    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        try append(events, to: stream, expected: expected, metadata: metadata, alongside: nil)
    }

    /// Appends as ``append(_:to:expected:metadata:)`` does, and hands the recorded events
    /// and `alongside` to the log's transaction hook while the log is locked: when the
    /// hook throws, the append is undone and nothing of it is seen.
    func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata, alongside: (any Sendable)?
    ) throws -> AppendResult {
        try EventStoreError.checkAppend(events, to: stream)
        let now = now
        let hook = log.hook.withLock { $0 }
        let result = try log.state.withLock { state in
            let result = try state.append(events, to: stream, expected: expected, metadata: metadata) {
                (recordedAt: now(), writtenAt: Self.wallClock())
            }
            guard let hook, !result.wasAlreadyApplied else { return result }
            do {
                try hook(Array(state.events[Int(result.firstPosition - 1)..<Int(result.lastPosition)]), alongside)
            } catch {
                state.undo(result, commandID: metadata.commandID)
                throw error
            }
            return result
        }
        if !result.wasAlreadyApplied {
            log.signal.fire()
        }
        return result
    }

    /// What the log's transaction hook is given: one append's recorded events, and what its
    /// caller asked to write alongside them.
    typealias TransactionHook = @Sendable ([RecordedEvent], (any Sendable)?) throws -> Void

    /// Sets the hook every append through any store object over this log runs inside its
    /// transaction (the in-memory case store's projections).
    func setTransactionHook(_ hook: TransactionHook?) {
        log.hook.withLock { $0 = hook }
    }

    /// The outcome of command `id`, when it was applied.
    func appliedCommand(_ id: String) -> AppendResult? {
        log.state.withLock { $0.commands[Name(id)]?.result }
    }

    /// The applied command ids that start with `prefix`, in byte order, at most `limit`.
    func appliedCommands(prefixedBy prefix: String, limit: Int) -> [String: AppendResult] {
        let start = Array(prefix.utf8)
        return log.state.withLock { state in
            let matching = state.commands.filter { $0.key.bytes.starts(with: start) }
                .sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }.prefix(max(0, limit))
            var results: [String: AppendResult] = [:]
            for (name, command) in matching {
                var result = command.result
                result.wasAlreadyApplied = true
                results[String(decoding: name.bytes, as: UTF8.self)] = result
            }
            return results
        }
    }

    /// Every event, in position order, read while the log is locked and handed to `body`
    /// under the same lock (a rebuild that no append may interleave with).
    func withEveryEvent<T>(_ body: ([RecordedEvent]) throws -> T) rethrows -> T {
        try log.state.withLock { try body($0.events) }
    }

    public func version(of stream: StreamID) async throws -> Int64 {
        log.state.withLock { $0.version(of: Name(stream.rawValue)) }
    }

    public func lastPosition() async throws -> Int64 {
        log.state.withLock { Int64($0.events.count) }
    }

    public func read(stream: StreamID, fromVersion version: Int64) -> EventPages {
        let log = log
        let upcasters = upcasters
        return EventPages(after: max(0, version - 1), pageSize: pageSize, cursor: \.version) { after, limit in
            try log.state.withLock { $0.page(of: Name(stream.rawValue), after: after, limit: limit) }.map(upcasters.upcast)
        }
    }

    public func events(of stream: StreamID, fromVersion version: Int64) async throws -> [RecordedEvent] {
        let events = log.state.withLock { $0.page(of: Name(stream.rawValue), after: max(0, version - 1), limit: Int.max) }
        return try events.map(upcasters.upcast)
    }

    public func readAll(after position: Int64) -> EventPages {
        EventPages(after: position, pageSize: pageSize, cursor: \.position, fetch: pageFetcher(upcast: true))
    }

    public func follow(after position: Int64) -> EventSubscription {
        let signal = log.signal
        return EventSubscription(
            after: position, pageSize: pageSize, pollInterval: pollInterval, fetch: pageFetcher(upcast: true),
            wait: { timeout in await signal.wait(timeout: timeout) })
    }

    public func checkpoint(named name: String) async throws -> Int64 {
        log.state.withLock { $0.checkpoints[Name(name), default: 0] }
    }

    public func checkpoints() async throws -> [String: Int64] {
        log.state.withLock { state in
            Dictionary(uniqueKeysWithValues: state.checkpoints.map { (String(decoding: $0.key.bytes, as: UTF8.self), $0.value) })
        }
    }

    public func saveCheckpoint(named name: String, position: Int64) async throws {
        guard !name.isEmpty else {
            throw EventStoreError(.invalidName, "A checkpoint name must not be empty.")
        }
        log.state.withLock { $0.checkpoints[Name(name)] = position }
    }

    public func verify() async throws -> VerificationReport {
        try await verify(expecting: nil)
    }

    /// Walks the log as ``verify()`` does, and also requires it to still hold `expected`,
    /// a head an earlier check recorded.
    public func verify(expecting expected: LogAnchor?) async throws -> VerificationReport {
        var walk = ChainWalk(chainKey: nil, expected: expected)
        for try await event in EventPages(after: 0, pageSize: 2048, cursor: \.position, fetch: pageFetcher(upcast: false)) {
            if let broken = walk.check(event) { return broken }
        }
        return walk.report
    }

    // MARK: - Helpers

    private func pageFetcher(upcast: Bool) -> EventPages.Fetch {
        let log = log
        let upcasters = upcasters
        return { after, limit in
            let events = log.state.withLock { $0.page(after: after, limit: limit) }
            return upcast ? try events.map(upcasters.upcast) : events
        }
    }

    /// The real time, whatever clock `now` simulates.
    private static func wallClock() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

extension InMemoryEventStore {
    /// The log that store objects share: its state, and the signal that wakes their subscriptions.
    private final class Log: Sendable {
        let state = Mutex(State())
        let signal = CommitSignal()
        let hook = Mutex<TransactionHook?>(nil)
    }

    /// A name as SQLite's text columns compare it: by its UTF-8 bytes, not by Unicode
    /// equivalence as Swift's `String` does.
    private struct Name: Hashable {
        let bytes: [UInt8]

        init(_ text: String) {
            bytes = Array(text.utf8)
        }
    }

    /// What an applied command id refers to.
    private struct Command {
        var stream: StreamID
        var result: AppendResult
    }

    private struct State {
        /// Every event, in position order: the event at position `p` is at index `p - 1`.
        var events: [RecordedEvent] = []
        /// Each stream's event positions, in version order: version `v` is at index `v - 1`.
        var streams: [Name: [Int64]] = [:]
        var eventIDs: Set<UUID> = []
        var commands: [Name: Command] = [:]
        var checkpoints: [Name: Int64] = [:]

        func version(of stream: Name) -> Int64 {
            Int64(streams[stream]?.count ?? 0)
        }

        /// Up to `limit` events with a position greater than `after`.
        func page(after: Int64, limit: Int) -> [RecordedEvent] {
            let start = Int(clamping: max(0, after))
            guard start < events.count else { return [] }
            return Array(events[start..<(start + min(limit, events.count - start))])
        }

        /// Up to `limit` events of `stream` with a version greater than `after`.
        func page(of stream: Name, after: Int64, limit: Int) -> [RecordedEvent] {
            guard let positions = streams[stream] else { return [] }
            let start = Int(clamping: max(0, after))
            guard start < positions.count else { return [] }
            return positions[start..<(start + min(limit, positions.count - start))].map { events[Int($0) - 1] }
        }

        /// Takes back the append that gave `result`, the last one (its transaction hook refused it).
        mutating func undo(_ result: AppendResult, commandID: String?) {
            let count = Int(result.lastPosition - result.firstPosition + 1)
            for event in events.suffix(count) { eventIDs.remove(event.id) }
            events.removeLast(count)
            let name = Name(result.stream.rawValue)
            streams[name]?.removeLast(count)
            if streams[name]?.isEmpty == true { streams[name] = nil }
            if let commandID { commands[Name(commandID)] = nil }
        }

        /// Checks the append in the order the SQLite store does (command id, expected
        /// version, event ids), then writes all of it; nothing when it throws.
        mutating func append(
            _ newEvents: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
            times: () -> (recordedAt: Int64, writtenAt: Int64)
        ) throws -> AppendResult {
            let name = Name(stream.rawValue)
            if let commandID = metadata.commandID, let command = commands[Name(commandID)] {
                // Like the SQLite store, the stream is compared as Swift compares strings.
                guard command.stream == stream else {
                    throw EventStoreError(
                        .commandReused,
                        "Command id '\(commandID)' was already used for stream '\(command.stream)' "
                            + "and cannot be reused for stream '\(stream)'.")
                }
                var original = command.result
                original.wasAlreadyApplied = true
                return original
            }
            let current = version(of: name)
            guard Self.satisfies(expected, current) else {
                throw VersionConflict(stream: stream, expected: expected, actual: current)
            }
            var ids = Set<UUID>()
            for event in newEvents {
                // An id twice in one batch fails too: SQLite finds it inserting the second.
                guard !eventIDs.contains(event.id), ids.insert(event.id).inserted else {
                    throw EventStoreError(
                        .duplicateEventID, "An event appended to stream '\(stream)' has an id that is already in the log.")
                }
            }
            let times = times()
            var previous = events.last?.hash ?? EventHasher.genesis
            var version = current
            var positions: [Int64] = []
            for event in newEvents {
                version += 1
                var stored = RecordedEvent(
                    position: Int64(events.count + 1), stream: stream, version: version, id: event.id, type: event.type,
                    schemaVersion: event.schemaVersion, payload: event.payload, metadata: metadata,
                    recordedAt: times.recordedAt, hash: Data(), writtenAt: times.writtenAt)
                stored.hash = EventHasher.hash(of: stored, previous: previous)
                previous = stored.hash
                events.append(stored)
                positions.append(stored.position)
            }
            streams[name, default: []].append(contentsOf: positions)
            eventIDs.formUnion(ids)
            let result = AppendResult(
                stream: stream, firstPosition: positions[0], lastPosition: positions[positions.count - 1], version: version)
            if let commandID = metadata.commandID {
                commands[Name(commandID)] = Command(stream: stream, result: result)
            }
            return result
        }

        private static func satisfies(_ expected: ExpectedVersion, _ current: Int64) -> Bool {
            switch expected {
            case .noStream: current == 0
            case .exact(let version): current == version
            case .any: true
            }
        }
    }
}
