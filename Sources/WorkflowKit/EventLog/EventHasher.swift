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
    ///
    /// The bytes: `previous`, then position, stream, version, id (canonical text), type,
    /// schema version and payload; then for each of actor, organisation, role, correlation,
    /// causation and command id a byte 1 and the text, or a byte 0 when absent; then the
    /// recorded time, and, when the event has one, a byte 1 and the real time. Integers
    /// are 8 bytes little-endian; texts and the payload are their length (as such an
    /// integer) followed by their bytes (UTF-8 for texts).
    public static func hash(of event: RecordedEvent, previous: Data) -> Data {
        var buffer = ByteBuffer(capacity: 256 + event.payload.count)
        buffer.append(event.position)
        buffer.append(event.stream.rawValue)
        buffer.append(event.version)
        buffer.append(event.id.canonicalText)
        buffer.append(event.type)
        buffer.append(Int64(event.schemaVersion))
        buffer.append(event.payload)
        let metadata = event.metadata
        buffer.appendOptional(metadata.actor)
        buffer.appendOptional(metadata.organisation)
        buffer.appendOptional(metadata.role)
        buffer.appendOptional(metadata.correlationID)
        buffer.appendOptional(metadata.causationID)
        buffer.appendOptional(metadata.commandID)
        buffer.append(event.recordedAt)
        // Events written before the log recorded real time hash as they always did.
        if let writtenAt = event.writtenAt {
            buffer.bytes.append(1)
            buffer.append(writtenAt)
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        buffer.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Data($0) }
    }

    /// The event's authentication: HMAC-SHA256 of its hash under the log's chain key.
    public static func authentication(of hash: Data, key: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: hash, using: key))
    }

    /// The hashed bytes, built in one contiguous array (appending to `Data` piece by
    /// piece costs more than the hashing).
    private struct ByteBuffer {
        var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func append(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func append(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                append(Int64(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }

        mutating func append(_ value: Data) {
            append(Int64(value.count))
            value.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }

        mutating func appendOptional(_ value: String?) {
            if let value {
                bytes.append(1)
                append(value)
            } else {
                bytes.append(0)
            }
        }
    }
}

/// ``EventHasher/authentication(of:key:)`` under one key, keyed once: HMAC's key setup
/// (two hash blocks and several allocations) no longer runs for every event. Each
/// authentication starts from a copy of the keyed state (copy-on-write: the keyed state
/// itself is never changed).
package struct EventAuthenticator: Sendable {
    private let keyed: HMAC<SHA256>

    package init(key: SymmetricKey) {
        keyed = HMAC<SHA256>(key: key)
    }

    /// The same bytes as ``EventHasher/authentication(of:key:)`` with this key.
    package func authentication(of hash: Data) -> Data {
        var mac = keyed
        mac.update(data: hash)
        return Data(mac.finalize())
    }
}
