public import Foundation
public import Logging

/// Delivers every reminder when it is due: claims what is due, hands it to every sink,
/// and records it in the log once all of them took it.
///
/// Guarantees (see README): each reminder is recorded exactly once and delivered at
/// least once; one that was due while no daemon ran is delivered at the next tick,
/// marked late; several daemons on one database never deliver the same reminder while
/// its claimant is alive (claims lapse after `lease`, so that a crashed daemon's
/// reminders are delivered again, with the same id). After a downtime, each open
/// task's rung gets its latest missed reminder once, not every one it missed
/// (``collapsesLateReminders``).
public struct ReminderDaemon: Sendable {
    /// Where the schedule, the claims and the cases are.
    public let store: any ReminderQueue
    public let sinks: [any ReminderSink]
    /// This daemon's name in claims and in the log.
    public let id: String
    /// How long a claim holds, in milliseconds.
    public var lease: Int64 = 5 * 60 * 1000
    /// A reminder delivered more than this long after its time is marked late, in milliseconds.
    public var lateAfter: Int64 = 5 * 60 * 1000
    /// The longest sleep between ticks, so that work added by other processes is seen.
    public var maximumSleep: Duration = .seconds(60)
    /// How many reminders one claim takes.
    public var batchSize = 64
    /// How many delivered reminders may be waiting for their record while the next ones
    /// go to the sinks. With 1 (the default) each delivery is recorded before the next
    /// one starts, so that a daemon killed mid-tick delivers again only the reminder it
    /// was delivering. With more, the records share transactions and flushes (group
    /// commit), and a killed daemon may deliver up to this many reminders again.
    public var recordsInFlight = 1
    /// When true (the default), each tick first folds the reminders missed during a
    /// downtime (more than ``catchUpAfter`` late) of each open task's rung into the
    /// latest one (``ReminderQueue/collapseLateReminders(now:lateAfter:)``).
    public var collapsesLateReminders = true
    /// How late a reminder must be to count as missed during a downtime, in
    /// milliseconds: a day and a half, so that a daemon that runs once a day never folds.
    public var catchUpAfter: Int64 = 36 * 60 * 60 * 1000
    private let now: @Sendable () -> Int64
    private let logger: Logger

    /// A daemon delivering the reminders of `store` to `sinks`.
    ///
    /// - Parameters:
    ///   - store: The reminder queue: ``WorkflowDatabase``, or the `WorkflowPostgres` product's store.
    ///   - sinks: Where each reminder goes; it is recorded once every sink took it.
    ///   - id: This daemon's name in claims and in the log.
    ///   - now: The current time in milliseconds since 1970 (inject a simulated clock in tests).
    ///   - logger: Receives a line per delivery, and the failures of sinks and ticks.
    public init(
        store: any ReminderQueue, sinks: [any ReminderSink], id: String = "daemon-\(ProcessInfo.processInfo.processIdentifier)",
        now: @escaping @Sendable () -> Int64, logger: Logger = Logger(label: "workflowkit.reminders")
    ) {
        self.store = store
        self.sinks = sinks
        self.id = id
        self.now = now
        self.logger = logger
    }

    /// Delivers everything due now, in batches, and returns what was delivered and recorded.
    ///
    /// - Parameter isStopping: Asked before each delivery; when it says yes, the tick
    ///   ends after the delivery in flight (claimed reminders not yet delivered lapse
    ///   and are delivered by the next tick or daemon).
    @discardableResult
    public func tick(isStopping: @Sendable () -> Bool = { false }) async throws -> [Delivery] {
        var delivered: [Delivery] = []
        if collapsesLateReminders {
            let collapsed = try await store.collapseLateReminders(now: now(), lateAfter: catchUpAfter)
            if collapsed > 0 { logger.notice("late reminders collapsed into the latest of each task's rung", metadata: ["reminders.collapsed": "\(collapsed)"]) }
        }
        while true {
            let time = now()
            let batch = try await store.claimDueReminders(now: time, daemon: id, lease: lease, limit: batchSize)
            if batch.isEmpty { return delivered }
            // Who holds each role: read once per batch, so that a change reaches the next one.
            let directory = try await store.principals()
            // Each reminder goes to the sinks in turn; its record (an append) may run beside
            // the next deliveries (`recordsInFlight`), so that records share flushes.
            var stopped = false
            let recorded = try await withThrowingTaskGroup(of: (Int, Delivery?).self) { group in
                var recorded: [(Int, Delivery)] = []
                var inFlight = 0
                for (index, reminder) in batch.enumerated() {
                    if inFlight >= max(1, recordsInFlight), let (done, delivery) = try await group.next() {
                        inFlight -= 1
                        if let delivery { recorded.append((done, delivery)) }
                    }
                    if isStopping() {
                        // Hand back what this daemon will not deliver, so that no one waits for the lease.
                        try await store.releaseClaims(batch[index...].map(\.id), daemon: id)
                        stopped = true
                        break
                    }
                    var delivery = Delivery(reminder: reminder, deliveredAt: time, late: time - reminder.fireAt > lateAfter)
                    if directory.isEnforced {
                        let recipients = try await store.recipients(of: reminder, in: directory)
                        delivery.recipients = recipients
                        if recipients.isEmpty {
                            // A vacancy must not swallow deadlines silently.
                            logger.warning(
                                "nobody holds the reminder's role: it is delivered, but names no one",
                                metadata: [
                                    "case.id": "\(Identifier.printable(reminder.caseID.rawValue))", "role": "\(Identifier.printable(reminder.role))",
                                    "reminder.id": "\(reminder.id)",
                                ])
                        }
                    }
                    guard await handToSinks(delivery) else { continue }
                    group.addTask { [delivery] in (index, try await record(delivery) ? delivery : nil) }
                    inFlight += 1
                }
                for try await (index, delivery) in group {
                    if let delivery { recorded.append((index, delivery)) }
                }
                return recorded
            }
            delivered += recorded.sorted { $0.0 < $1.0 }.map(\.1)
            if stopped { return delivered }
        }
    }

    /// The log fields of a delivery.
    private func metadata(of delivery: Delivery) -> Logger.Metadata {
        [
            "case.id": "\(Identifier.printable(delivery.reminder.caseID.rawValue))",
            "task.id": "\(Identifier.printable(delivery.reminder.task))",
            "reminder.id": "\(delivery.reminder.id)", "reminder.kind": "\(delivery.reminder.kind.rawValue)",
        ]
    }

    /// Hands one delivery to every sink. Returns false when a sink failed (the claim
    /// lapses and the reminder is delivered again later).
    private func handToSinks(_ delivery: Delivery) async -> Bool {
        for sink in sinks {
            do {
                try await sink.deliver(delivery)
            } catch {
                var metadata = metadata(of: delivery)
                metadata["sink"] = "\(sink.name)"
                metadata["error"] = "\(error)"
                logger.error("a sink failed; the reminder will be delivered again", metadata: metadata)
                return false
            }
        }
        return true
    }

    /// Records a delivery every sink took. Returns false when another daemon had recorded it already.
    private func record(_ delivery: Delivery) async throws -> Bool {
        let recorded = try await store.recordDelivery(delivery, by: id)
        logger.info(recorded ? "reminder delivered" : "reminder had been recorded already", metadata: metadata(of: delivery))
        return recorded
    }

    /// Runs until the task is cancelled: each tick delivers what is due, then the daemon
    /// sleeps until the next reminder's time (at most `maximumSleep`).
    ///
    /// A tick that fails on storage (the log busy beyond its timeout, a full disk, an I/O
    /// error) is logged and tried again after a pause that doubles up to `maximumSleep`:
    /// a claimed reminder's claim lapses and it is delivered again, so nothing is lost,
    /// and the daemon (and a server it runs in) stays up. Any other failure (a log that
    /// fails its integrity check, a master key that does not open it) ends the run:
    /// retrying cannot help.
    ///
    /// - Parameters:
    ///   - isStopping: Asked between ticks and before each delivery; the run ends when it says yes
    ///     (by default, when the task is cancelled).
    ///   - sleep: Waits the given duration; the command line passes one that
    ///     ends early on graceful shutdown.
    public func run(
        isStopping: @Sendable () -> Bool = { Task.isCancelled },
        sleep: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) async throws {
        var pause = Duration.seconds(1)
        while !isStopping() {
            var wait = maximumSleep
            do {
                try await tick(isStopping: isStopping)
                let time = now()
                if let next = try await store.nextReminderTime(now: time) {
                    wait = min(wait, .milliseconds(max(0, next - time)))
                }
                pause = .seconds(1)
            } catch let error as EventStoreError where error.code == .storage {
                logger.error(
                    "a tick failed on the event log; it is tried again", metadata: ["error": "\(error)", "retry.in": "\(pause)"])
                wait = min(pause, maximumSleep)
                pause = min(pause * 2, maximumSleep)
            }
            if isStopping() { return }
            await sleep(max(wait, .milliseconds(10)))
        }
    }
}
