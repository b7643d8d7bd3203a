import Foundation
import Synchronization

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
