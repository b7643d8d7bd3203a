public import Foundation

/// Transforms that lift stored events of an old schema version to the current one
/// as they are read, so that event types can evolve without rewriting history.
///
/// Each transform takes one type's payload from version `n` to `n + 1`; reading an
/// event of version 1 when transforms for 1 and 2 are registered applies both.
/// The stored bytes never change, so the hash chain stays valid.
public struct Upcasters: Sendable {
    /// Turns the JSON payload of one schema version into the next version's.
    public typealias Transform = @Sendable (Data) throws -> Data

    private struct Key: Hashable {
        var type: String
        var version: Int
    }

    private var transforms: [Key: Transform] = [:]

    public init() {}

    /// Registers the transform from `version` to `version + 1` of `type`.
    public mutating func register(type: String, from version: Int, _ transform: @escaping Transform) {
        transforms[Key(type: type, version: version)] = transform
    }

    public var isEmpty: Bool { transforms.isEmpty }

    /// Upcasts every event of `events` in place; with no transforms registered (the usual
    /// case) the array is not touched, so its events are neither copied nor released.
    ///
    /// - Throws: ``EventStoreError`` with code `.upcast`, naming the event's position and type.
    public func upcast(_ events: inout [RecordedEvent]) throws {
        guard !transforms.isEmpty else { return }
        for index in events.indices { events[index] = try upcast(events[index]) }
    }

    /// Applies every transform that applies, in order.
    ///
    /// - Throws: ``EventStoreError`` with code `.upcast`, naming the event's position and type.
    public func upcast(_ event: RecordedEvent) throws -> RecordedEvent {
        guard !transforms.isEmpty else { return event }
        var event = event
        while let transform = transforms[Key(type: event.type, version: event.schemaVersion)] {
            do {
                event.payload = try transform(event.payload)
            } catch {
                throw EventStoreError(
                    .upcast,
                    "Upcasting event '\(event.type)' at position \(event.position) from schema version \(event.schemaVersion) failed.",
                    underlying: error)
            }
            event.schemaVersion += 1
        }
        return event
    }
}
