public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension UUID {
    /// A random (version 4) UUID, as `UUID()` makes, from the system's cryptographic
    /// random source read 4 KiB at a time.
    ///
    /// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every
    /// id — three system calls, a few microseconds, on every appended event.
    public static func randomEventID() -> UUID {
        RandomBytes.shared.uuid()
    }
}

/// Random bytes from the system's cryptographic source (`arc4random_buf`: the kernel's
/// `getrandom` in glibc, one call per 4 KiB), taken from a buffer refilled when used up.
private final class RandomBytes: Sendable {
    static let shared = RandomBytes()

    private struct Buffer {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private let buffer = Mutex(Buffer())

    func uuid() -> UUID {
        let (high, low) = buffer.withLock { buffer -> (UInt64, UInt64) in
            if buffer.next + 2 > buffer.words.count {
                buffer.words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                buffer.next = 0
            }
            defer { buffer.next += 2 }
            return (buffer.words[buffer.next], buffer.words[buffer.next + 1])
        }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            raw[6] = (raw[6] & 0x0F) | 0x40  // version 4
            raw[8] = (raw[8] & 0x3F) | 0x80  // variant 10 (RFC 9562)
        }
        return UUID(uuid: bytes)
    }
}
