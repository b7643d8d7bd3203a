/// A catch-up subscription: the events after a position that are already in the
/// log, then every new event as it is committed.
///
/// New events committed by this process wake the subscription at once; events
/// committed by other processes on the same file are found by polling at
/// `pollInterval`. The sequence ends only when the consuming task is cancelled.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    /// Waits until new events may have been committed, or at most `timeout`.
    public typealias Wait = @Sendable (_ timeout: Duration) async -> Void

    private let start: Int64
    private let pageSize: Int
    private let pollInterval: Duration
    private let fetch: EventPages.Fetch
    private let wait: Wait

    public init(
        after start: Int64, pageSize: Int, pollInterval: Duration, fetch: @escaping EventPages.Fetch,
        wait: @escaping Wait
    ) {
        self.start = start
        self.pageSize = Swift.max(1, pageSize)
        self.pollInterval = pollInterval
        self.fetch = fetch
        self.wait = wait
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(after: start, pageSize: pageSize, pollInterval: pollInterval, fetch: fetch, wait: wait)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private var after: Int64
        private let pageSize: Int
        private let pollInterval: Duration
        private let fetch: EventPages.Fetch
        private let wait: Wait
        private var page: [RecordedEvent] = []
        private var index = 0

        init(after: Int64, pageSize: Int, pollInterval: Duration, fetch: @escaping EventPages.Fetch, wait: @escaping Wait) {
            self.after = after
            self.pageSize = pageSize
            self.pollInterval = pollInterval
            self.fetch = fetch
            self.wait = wait
        }

        public mutating func next() async throws -> RecordedEvent? {
            while index == page.count {
                if Task.isCancelled { return nil }
                page = try await fetch(after, pageSize)
                index = 0
                if page.isEmpty {
                    await wait(pollInterval)
                }
            }
            let event = page[index]
            index += 1
            after = event.position
            return event
        }
    }
}

/// A subscription that remembers, under a name, how far its consumer has got.
///
/// Handling is at least once: a consumer that stops between handling an event and
/// calling ``handled(_:)`` sees that event again after a restart. A consumer that
/// must handle each event exactly once records its effect and the checkpoint
/// together (the SQLite projections do so in the append's own transaction), or
/// makes its effect idempotent by the event's id.
public struct DurableSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    /// The consumer's name, under which its checkpoint is saved.
    public let name: String
    /// The checkpoint the subscription started from.
    public let start: Int64
    private let store: any EventStore

    init(name: String, start: Int64, store: any EventStore) {
        self.name = name
        self.start = start
        self.store = store
    }

    public func makeAsyncIterator() -> EventSubscription.Iterator {
        store.follow(after: start).makeAsyncIterator()
    }

    /// Records that every event up to and including `event` has been handled.
    public func handled(_ event: RecordedEvent) async throws {
        try await store.saveCheckpoint(named: name, position: event.position)
    }
}
