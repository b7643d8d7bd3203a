import Synchronization
public import WorkflowKit

/// A reminder sink that keeps what it is given, and can be told to fail.
public final class CollectingSink: ReminderSink {
    private let state = Mutex<(deliveries: [Delivery], failing: Bool)>(([], false))

    public init() {}

    public var name: String { "collect" }

    /// Everything delivered so far, in order.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// While true, every delivery fails.
    public var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    public func deliver(_ delivery: Delivery) async throws {
        try state.withLock { state in
            if state.failing { throw ReminderSinkError(sink: "collect", message: "told to fail") }
            state.deliveries.append(delivery)
        }
    }
}
