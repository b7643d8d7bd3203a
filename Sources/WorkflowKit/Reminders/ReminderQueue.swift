import Foundation

/// What the reminder daemon needs from storage: the schedule of pending reminders that
/// the store keeps in step with the log, claims on them, and the record of deliveries.
///
/// ``WorkflowDatabase`` is the SQLite queue; the `WorkflowPostgres` product's
/// `PostgresCaseStore` is the PostgreSQL one. ``ReminderDaemon`` depends on this protocol only.
///
/// A queue keeps these promises (the daemon's tests check them on every backend):
/// - a reminder claimed by one daemon is not handed to another while the claim holds
///   (`lease` milliseconds), and is handed out again after it lapses;
/// - a reminder recorded as delivered (a ``ReminderSent`` in its case's stream, whose
///   command id is the reminder's id) leaves the schedule in that append's transaction,
///   and is never scheduled again.
public protocol ReminderQueue: CaseStore {
    /// Folds the reminders missed during a downtime (due more than `lateAfter`
    /// milliseconds before `now`, and not claimed) into the latest of each open task's
    /// rung, which says how many it stands for.
    ///
    /// - Returns: How many pending reminders were folded into later ones.
    @discardableResult
    func collapseLateReminders(now: Int64, lateAfter: Int64) async throws -> Int

    /// Claims up to `limit` reminders due at `now` for `daemon`, earliest first: a
    /// reminder claimed by one daemon is invisible to the others until the claim lapses
    /// (`lease` milliseconds later).
    func claimDueReminders(now: Int64, daemon: String, lease: Int64, limit: Int) async throws -> [Reminder]

    /// Gives up `daemon`'s claims on `ids` (reminders it will not deliver after all);
    /// another daemon's claims stay.
    func releaseClaims(_ ids: [String], daemon: String) async throws

    /// When the next unclaimed reminder fires, in milliseconds since 1970; nil when none is pending.
    func nextReminderTime(now: Int64) async throws -> Int64?

    /// The pending reminders, optionally of one case, earliest first.
    func pendingReminders(caseID: StreamID?) async throws -> [Reminder]
}

extension ReminderQueue {
    /// Every pending reminder, earliest first.
    public func pendingReminders() async throws -> [Reminder] {
        try await pendingReminders(caseID: nil)
    }

    /// Claims up to 256 reminders due at `now` (see ``claimDueReminders(now:daemon:lease:limit:)``).
    public func claimDueReminders(now: Int64, daemon: String, lease: Int64) async throws -> [Reminder] {
        try await claimDueReminders(now: now, daemon: daemon, lease: lease, limit: 256)
    }

    /// Records a delivered reminder in its case's stream, once per reminder id; a
    /// reminder recorded before (by this daemon or another) is not recorded again.
    ///
    /// - Returns: False when it had been recorded already.
    @discardableResult
    public func recordDelivery(_ delivery: Delivery, by actor: String) async throws -> Bool {
        let event = NewEvent(type: ReminderSent.typeName, payload: try ReminderSent(delivery).payload())
        let result = try await eventLog.append(
            [event], to: delivery.reminder.caseID, expected: .any,
            metadata: EventMetadata(actor: actor, role: "reminder-daemon", commandID: "reminder:\(delivery.reminder.id)"))
        return !result.wasAlreadyApplied
    }
}
