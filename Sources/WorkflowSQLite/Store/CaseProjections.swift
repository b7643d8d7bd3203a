import Foundation
import GRDB
import WorkflowKit
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
