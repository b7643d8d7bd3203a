public import Foundation

/// An event on its way into the log.
public struct NewEvent: Sendable, Hashable {
    /// A unique id; appending two events with one id fails.
    public var id: UUID
    /// The event type's name, e.g. `"TaskCompleted"`.
    public var type: String
    /// The schema version of `payload` for this type; upcasters lift old versions on read.
    public var schemaVersion: Int
    /// The payload, JSON-encoded.
    public var payload: Data

    public init(id: UUID = .randomEventID(), type: String, schemaVersion: Int = 1, payload: Data) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
    }

    /// An event whose payload is `value` encoded as JSON with sorted keys.
    public init<Payload: Encodable>(
        id: UUID = .randomEventID(), type: String, schemaVersion: Int = 1, encoding value: Payload
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.init(id: id, type: type, schemaVersion: schemaVersion, payload: try encoder.encode(value))
    }
}

/// An event as the log holds it.
public struct RecordedEvent: Sendable, Hashable {
    /// The global position: strictly increasing in commit order, from 1, with no gaps.
    public var position: Int64
    /// The stream the event belongs to.
    public var stream: StreamID
    /// The version within the stream, from 1, contiguous.
    public var version: Int64
    public var id: UUID
    public var type: String
    public var schemaVersion: Int
    /// JSON payload; after upcasting, of the current schema version.
    public var payload: Data
    public var metadata: EventMetadata
    /// When the event was recorded, in milliseconds since 1970-01-01T00:00:00Z.
    public var recordedAt: Int64
    /// SHA-256 over the event's content and the previous event's hash.
    public var hash: Data
    /// When the event was really written, by the writing machine's clock, in milliseconds
    /// since 1970 — beside `recordedAt`, which a simulation may set. Nil for events
    /// written before the log recorded it. Covered by the hash.
    public var writtenAt: Int64?
    /// HMAC-SHA256 of `hash` under the log's chain key (kept wrapped with the master key,
    /// never in plain in the database), so that a chain recomputed without the key does
    /// not verify. Nil for events written before the log authenticated its events.
    public var authentication: Data?

    public init(
        position: Int64, stream: StreamID, version: Int64, id: UUID, type: String,
        schemaVersion: Int, payload: Data, metadata: EventMetadata, recordedAt: Int64, hash: Data,
        writtenAt: Int64? = nil, authentication: Data? = nil
    ) {
        self.position = position
        self.stream = stream
        self.version = version
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.metadata = metadata
        self.recordedAt = recordedAt
        self.hash = hash
        self.writtenAt = writtenAt
        self.authentication = authentication
    }

    /// Decodes the JSON payload.
    ///
    /// - Throws: ``EventStoreError`` with code `.undecodable`, naming the event's stream,
    ///   version and position, when the payload does not fit `type`.
    public func decode<Payload: Decodable>(_ type: Payload.Type) throws -> Payload {
        do {
            return try JSONDecoder().decode(type, from: payload)
        } catch {
            throw undecodable(error)
        }
    }
}

/// What an append did.
public struct AppendResult: Sendable, Hashable {
    public var stream: StreamID
    /// Position of the first appended event; the batch occupies consecutive positions.
    public var firstPosition: Int64
    /// Position of the last appended event.
    public var lastPosition: Int64
    /// The stream's version after the append (the last appended event's version).
    public var version: Int64
    /// True when the command id had been appended before: this is the original
    /// result and nothing was written now.
    public var wasAlreadyApplied: Bool

    public init(
        stream: StreamID, firstPosition: Int64, lastPosition: Int64, version: Int64,
        wasAlreadyApplied: Bool = false
    ) {
        self.stream = stream
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.version = version
        self.wasAlreadyApplied = wasAlreadyApplied
    }
}
