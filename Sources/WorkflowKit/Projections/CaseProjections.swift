import Foundation
import GRDB
import Synchronization

/// The case projection and the reminder schedule as one transaction hook: each event is
/// decoded from its JSON once and handed to both, the case projection first, since the
/// schedule reads its rows. Rebuilding the projections replays the log through it too,
/// so a rebuild and the live appends take the same path.
///
/// Events the engine appends arrive already decoded (``AppendingCaseEvents``): only
/// events from elsewhere (another process's, a rebuild's) are decoded from their JSON.
struct CaseProjections: SQLiteTransactionHook {
    let reminders: ReminderProjection
    var appending: AppendingCaseEvents?

    func apply(_ events: [RecordedEvent], in db: Database) throws {
        for event in events {
            let caseEvent = try appending?.event(for: event) ?? CaseEvent(event)
            try CaseProjection.apply(event, caseEvent, in: db)
            try reminders.apply(event, caseEvent, in: db)
        }
    }
}

/// The case events of appends in flight, by event id, in the form the log stores them
/// (sealed where the case seals): the appender adds them before its append and removes
/// them when it returns, so that the projections need not decode what it just encoded.
package final class AppendingCaseEvents: Sendable {
    package init() {}

    private let events = Mutex<[UUID: CaseEvent]>([:])

    package func add(_ new: [NewEvent], _ decoded: [CaseEvent]) {
        events.withLock { events in
            for (event, caseEvent) in zip(new, decoded) { events[event.id] = caseEvent }
        }
    }

    package func remove(_ new: [NewEvent]) {
        events.withLock { events in
            for event in new { events[event.id] = nil }
        }
    }

    /// Read, not taken: an append rolled back and tried again needs it again.
    package func event(for recorded: RecordedEvent) -> CaseEvent? {
        guard let caseEvent = events.withLock({ $0[recorded.id] }), caseEvent.typeName == recorded.type else { return nil }
        return caseEvent
    }
}
