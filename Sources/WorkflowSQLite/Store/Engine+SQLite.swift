public import Foundation
public import Logging
public import WorkflowKit

extension Engine {
    /// An engine over the SQLite `database` (see ``WorkflowKit/Engine/init(store:calendars:now:logger:)``).
    public init(
        database: WorkflowDatabase, calendars: CalendarRegistry = .standard,
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
        logger: Logger = Logger(label: "workflowkit.engine")
    ) {
        self.init(store: database, calendars: calendars, now: now, logger: logger)
    }
}

extension ReminderDaemon {
    /// A daemon over the SQLite `database` (see ``WorkflowKit/ReminderDaemon/init(store:sinks:id:now:logger:)``).
    public init(
        database: WorkflowDatabase, sinks: [any ReminderSink], id: String = "daemon-\(ProcessInfo.processInfo.processIdentifier)",
        now: @escaping @Sendable () -> Int64, logger: Logger = Logger(label: "workflowkit.reminders")
    ) {
        self.init(store: database, sinks: sinks, id: id, now: now, logger: logger)
    }
}
