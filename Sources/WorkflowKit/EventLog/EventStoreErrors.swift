/// An append was refused because the stream is not at the version the writer expected.
///
/// Nothing of the refused append was written.
public struct VersionConflict: Error, Sendable, Hashable, CustomStringConvertible {
    public var stream: StreamID
    public var expected: ExpectedVersion
    /// The stream's actual version; 0 when the stream has no events.
    public var actual: Int64

    public init(stream: StreamID, expected: ExpectedVersion, actual: Int64) {
        self.stream = stream
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        let actualText = actual == 0 ? "has no events" : "is at version \(actual)"
        return "Version conflict on stream '\(stream)': expected \(expected), but the stream \(actualText)."
    }
}

/// A failure of the event log other than a version conflict.
public struct EventStoreError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, to match on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String {
            case emptyAppend, commandReused, duplicateEventID, storage, upcast, corruptRow, invalidName, unauthenticated, tampered, undecodable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// An append carried no events.
        public static let emptyAppend = Code(.emptyAppend)
        /// A command id already used for another stream was used again.
        public static let commandReused = Code(.commandReused)
        /// An event id is already in the log.
        public static let duplicateEventID = Code(.duplicateEventID)
        /// The storage below the log failed (I/O, locking, a corrupt file).
        public static let storage = Code(.storage)
        /// A registered upcaster failed on a stored event.
        public static let upcast = Code(.upcast)
        /// A stored row could not be read back as an event.
        public static let corruptRow = Code(.corruptRow)
        /// A name (checkpoint, stream) is empty or malformed.
        public static let invalidName = Code(.invalidName)
        /// The log authenticates its events and this writer does not hold the key.
        public static let unauthenticated = Code(.unauthenticated)
        /// The file was changed outside the store (e.g. its append-only triggers were dropped).
        public static let tampered = Code(.tampered)
        /// A stored event's payload could not be decoded as its type.
        public static let undecodable = Code(.undecodable)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// A full sentence naming what failed; never contains payload data.
    public var message: String
    /// The underlying cause, if any.
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying {
            return "\(message) (\(underlying))"
        }
        return message
    }
}

extension EventStoreError {
    /// Refuses an append that no store may take: no events, or an empty stream id. Every
    /// store checks this first, with the same errors.
    package static func checkAppend(_ events: [NewEvent], to stream: StreamID) throws {
        guard !events.isEmpty else {
            throw EventStoreError(.emptyAppend, "An append to stream '\(stream)' carried no events.")
        }
        guard !stream.rawValue.isEmpty else {
            throw EventStoreError(.invalidName, "A stream id must not be empty.")
        }
    }
}
