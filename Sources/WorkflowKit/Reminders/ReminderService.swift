public import ServiceLifecycle

/// The reminder daemon as a service for an application's `ServiceGroup`: it runs
/// ``ReminderDaemon/run(isStopping:sleep:)`` until the group shuts down gracefully,
/// finishing the delivery in flight, or its task is cancelled.
///
/// ```swift
/// let daemon = ReminderDaemon(store: store, sinks: [sink], now: clock)
/// let group = ServiceGroup(services: [ReminderService(daemon: daemon)], logger: logger)
/// try await group.run()
/// ```
public struct ReminderService: Service {
    public let daemon: ReminderDaemon

    public init(daemon: ReminderDaemon) {
        self.daemon = daemon
    }

    public func run() async throws {
        try await daemon.run(
            isStopping: { Task.isShuttingDownGracefully || Task.isCancelled },
            sleep: { duration in
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
            })
    }
}
