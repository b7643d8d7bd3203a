import Synchronization

/// A time source a test sets by hand: the `now` of stores, engines and daemons.
public final class ManualTime: Sendable {
    private let milliseconds: Mutex<Int64>

    /// Starts at `milliseconds` since 1970.
    public init(milliseconds: Int64 = 1_790_000_000_000) {
        self.milliseconds = Mutex(milliseconds)
    }

    /// The current simulated time, in milliseconds since 1970.
    public var now: Int64 { milliseconds.withLock { $0 } }

    /// A `now` provider to pass into a store or engine.
    public var provider: @Sendable () -> Int64 { { self.now } }

    /// Moves time forward.
    public func advance(byMilliseconds delta: Int64) {
        milliseconds.withLock { $0 += delta }
    }

    /// Sets the time.
    public func set(milliseconds value: Int64) {
        milliseconds.withLock { $0 = value }
    }
}
