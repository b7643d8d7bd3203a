public import Foundation

/// An append-only log of events, grouped into streams, with a global order.
///
/// The contract every store meets (and the conformance suite checks):
/// - global positions increase strictly in commit order, from 1, with no gaps,
///   and the events of one append occupy consecutive positions;
/// - stream versions start at 1 and are contiguous;
/// - an append is all or nothing, and is refused with ``VersionConflict`` when the
///   stream is not at the expected version;
/// - appending with a command id that was appended before returns the original
///   result and writes nothing;
/// - every event carries a hash over its content and the previous event's hash.
public protocol EventStore: Sendable {
    /// Appends events to one stream, atomically.
    ///
    /// - Parameters:
    ///   - events: The events, in order; at least one.
    ///   - stream: The stream to append to.
    ///   - expected: The version the stream must be at.
    ///   - metadata: Stored with every event; its `commandID` makes the append idempotent.
    /// - Returns: Where the events were stored.
    /// - Throws: ``VersionConflict`` when the stream is not at `expected`;
    ///   ``EventStoreError`` for anything else. Nothing is written when it throws.
    @discardableResult
    func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult

    /// The stream's current version; 0 when it has no events.
    func version(of stream: StreamID) async throws -> Int64

    /// The position of the last event in the log; 0 when the log is empty.
    func lastPosition() async throws -> Int64

    /// The events of one stream with a version of at least `version`, read page by page.
    func read(stream: StreamID, fromVersion version: Int64) -> EventPages

    /// The events of one stream with a version of at least `version`, read at once: for
    /// short streams such as a case's, where a paged sequence costs more than the rows.
    func events(of stream: StreamID, fromVersion version: Int64) async throws -> [RecordedEvent]

    /// Every event of the log with a position greater than `position`, read page by page.
    func readAll(after position: Int64) -> EventPages

    /// The events after `position`: first those already in the log, then each new one as
    /// it is committed, by this process or another. The sequence ends only when the
    /// consuming task is cancelled.
    func follow(after position: Int64) -> EventSubscription

    /// The position a named consumer has recorded as handled; 0 when it never has.
    func checkpoint(named name: String) async throws -> Int64

    /// Durably records that the named consumer has handled every event up to `position`.
    func saveCheckpoint(named name: String, position: Int64) async throws

    /// Every checkpoint saved in this log, by consumer name (what a copy of the log takes
    /// along, so that its consumers resume where they were).
    func checkpoints() async throws -> [String: Int64]

    /// Walks the whole log and checks positions, versions and the hash chain.
    func verify() async throws -> VerificationReport
}

extension EventStore {
    /// Appends with default metadata.
    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion
    ) async throws -> AppendResult {
        try await append(events, to: stream, expected: expected, metadata: EventMetadata())
    }

    /// Reads the stream's pages into one array.
    public func events(of stream: StreamID, fromVersion version: Int64) async throws -> [RecordedEvent] {
        try await read(stream: stream, fromVersion: version).collect()
    }

    /// Every event of one stream, from its first.
    public func read(stream: StreamID) -> EventPages {
        read(stream: stream, fromVersion: 1)
    }

    /// A durable subscription: follows the log from where the named consumer last
    /// saved its checkpoint. The consumer calls ``DurableSubscription/handled(_:)``
    /// after handling each event (or batch), so that a restart resumes after it.
    public func subscribe(named name: String) async throws -> DurableSubscription {
        let start = try await checkpoint(named: name)
        return DurableSubscription(name: name, start: start, store: self)
    }
}

/// The result of walking the log.
public struct VerificationReport: Sendable, Hashable, CustomStringConvertible {
    /// How many events were checked.
    public var eventsChecked: Int64
    /// The first position where the chain breaks, or nil when the log is intact.
    public var firstBrokenPosition: Int64?
    /// What is wrong at `firstBrokenPosition`.
    public var problem: String?
    /// The last event's position, when the log is intact.
    public var headPosition: Int64?
    /// The last event's hash, when the log is intact and not empty: kept outside the
    /// database, it lets a later check detect removed or rewritten events.
    public var headHash: Data?
    /// The first authenticated event's position; events before it predate authentication.
    public var authenticatedFrom: Int64?
    /// Whether the authentications were checked with the log's key (not only their presence).
    public var authenticationChecked = false
    /// The position from which the log records that every event is authenticated (it may
    /// be one past the last event: the log began authenticating after its last event).
    public var authenticationRequiredFrom: Int64?

    public init(eventsChecked: Int64, firstBrokenPosition: Int64? = nil, problem: String? = nil) {
        self.eventsChecked = eventsChecked
        self.firstBrokenPosition = firstBrokenPosition
        self.problem = problem
    }

    public var isIntact: Bool { firstBrokenPosition == nil }

    /// The head as `POSITION:HASH` (hexadecimal), the form `verify --expect` takes.
    public var headAnchor: LogAnchor? {
        guard let headPosition, let headHash else { return nil }
        return LogAnchor(position: headPosition, hash: headHash)
    }

    public var description: String {
        if let firstBrokenPosition, let problem {
            return "The event log is broken at position \(firstBrokenPosition): \(problem)"
        }
        return "The event log is intact: \(eventsChecked) events checked."
    }
}
