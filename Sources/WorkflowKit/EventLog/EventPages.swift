/// Events read from the log a page at a time, so that memory stays flat however
/// long the log is.
///
/// Each page is one short read; between pages no lock is held, so a long read
/// never blocks writers.
public struct EventPages: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    /// Fetches up to `limit` events whose cursor is greater than `after`, in order.
    public typealias Fetch = @Sendable (_ after: Int64, _ limit: Int) async throws -> [RecordedEvent]

    private let start: Int64
    private let pageSize: Int
    private let cursor: @Sendable (RecordedEvent) -> Int64
    private let fetch: Fetch

    /// - Parameters:
    ///   - start: Events with a cursor greater than this are read.
    ///   - pageSize: How many events one read fetches.
    ///   - cursor: The ordering key of an event (its position, or its version in a stream).
    ///   - fetch: Reads one page.
    public init(
        after start: Int64, pageSize: Int, cursor: @escaping @Sendable (RecordedEvent) -> Int64,
        fetch: @escaping Fetch
    ) {
        self.start = start
        self.pageSize = Swift.max(1, pageSize)
        self.cursor = cursor
        self.fetch = fetch
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(after: start, pageSize: pageSize, cursor: cursor, fetch: fetch)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private var after: Int64
        private let pageSize: Int
        private let cursor: @Sendable (RecordedEvent) -> Int64
        private let fetch: Fetch
        /// The page being read, in reverse: each event is moved out of it from the end.
        private var page: [RecordedEvent] = []
        private var exhausted = false

        init(after: Int64, pageSize: Int, cursor: @escaping @Sendable (RecordedEvent) -> Int64, fetch: @escaping Fetch) {
            self.after = after
            self.pageSize = pageSize
            self.cursor = cursor
            self.fetch = fetch
        }

        public mutating func next() async throws -> RecordedEvent? {
            if page.isEmpty {
                if exhausted { return nil }
                page = try await fetch(after, pageSize)
                if page.count < pageSize { exhausted = true }
                guard let last = page.last else { return nil }
                after = cursor(last)
                // Reversed through a buffer pointer, whose swaps move the events: the
                // array's own `reverse()` copies each one (a retain and a release of
                // every string and buffer it holds).
                page.withUnsafeMutableBufferPointer { $0.reverse() }
            }
            return page.popLast()
        }
    }

    /// Reads every remaining event into an array; for short streams and tests.
    public func collect() async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await event in self {
            events.append(event)
        }
        return events
    }
}
