public import Crypto
public import Foundation

/// The tamper-evident chain: each event's hash covers its own content and the
/// previous event's hash, so that changing, removing or reordering any stored event
/// breaks every hash after it.
///
/// The hashed bytes are a fixed, length-prefixed encoding of every stored field;
/// any store must hash the same way, so that a log can move between stores.
public enum EventHasher {
    /// The hash of the first event's (absent) predecessor.
    public static let genesis = Data(repeating: 0, count: 32)

    /// SHA-256 over `previous` and the event's fields (its `hash` field excluded).
    public static func hash(of event: RecordedEvent, previous: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        var buffer = Data()
        buffer.reserveCapacity(256 + event.payload.count)
        append(event.position, to: &buffer)
        append(event.stream.rawValue, to: &buffer)
        append(event.version, to: &buffer)
        append(event.id.canonicalText, to: &buffer)
        append(event.type, to: &buffer)
        append(Int64(event.schemaVersion), to: &buffer)
        append(event.payload, to: &buffer)
        let metadata = event.metadata
        for field in [
            metadata.actor, metadata.organisation, metadata.role, metadata.correlationID,
            metadata.causationID, metadata.commandID,
        ] {
            if let field {
                buffer.append(1)
                append(field, to: &buffer)
            } else {
                buffer.append(0)
            }
        }
        append(event.recordedAt, to: &buffer)
        // Events written before the log recorded real time hash as they always did.
        if let writtenAt = event.writtenAt {
            buffer.append(1)
            append(writtenAt, to: &buffer)
        }
        hasher.update(data: buffer)
        return Data(hasher.finalize())
    }

    /// The event's authentication: HMAC-SHA256 of its hash under the log's chain key.
    public static func authentication(of hash: Data, key: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: hash, using: key))
    }

    private static func append(_ value: Int64, to buffer: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private static func append(_ value: String, to buffer: inout Data) {
        let utf8 = value.utf8
        append(Int64(utf8.count), to: &buffer)
        buffer.append(contentsOf: utf8)
    }

    private static func append(_ value: Data, to buffer: inout Data) {
        append(Int64(value.count), to: &buffer)
        buffer.append(value)
    }
}
