import Foundation
import Testing
@testable import WorkflowKit

/// The engine reads its most frequent events without `JSONDecoder`: every event it
/// writes reads back equal, and a payload in any other shape (whitespace, nulls,
/// escapes, unknown keys) reads exactly as `JSONDecoder` reads it.
@Suite struct CaseEventDecodingTests {
    static func recorded(_ type: String, _ json: String) -> RecordedEvent {
        RecordedEvent(
            position: 1, stream: "c-1", version: 1, id: UUID(), type: type, schemaVersion: 1, payload: Data(json.utf8),
            metadata: EventMetadata(), recordedAt: 0, hash: Data())
    }

    static func stored(_ event: CaseEvent) throws -> RecordedEvent {
        let new = try event.newEvent()
        return recorded(new.type, String(decoding: new.payload, as: UTF8.self))
    }

    static let day = LocalDate("2026-11-25")!

    static let events: [CaseEvent] = [
        .stateEntered(StateEntered(state: "notify", from: "mapping", event: "consent-given", on: day)),
        .stateEntered(StateEntered(state: "mapping", from: nil, event: nil, on: day)),
        .taskOpened(TaskOpened(task: "map-housing", role: "responsible-worker", earliest: nil, due: day, occurrence: 1, on: day, seriesStart: nil)),
        .taskOpened(TaskOpened(task: "follow-up", role: "chair", earliest: day, due: day, occurrence: 12, on: day, seriesStart: day)),
        .taskCompleted(TaskCompleted(task: "map-housing", outcomes: [:], on: day, late: true)),
        .taskCompleted(TaskCompleted(task: "agree", outcomes: ["housingForm": .text("supported")], on: day, late: false)),
        .taskCompleted(TaskCompleted(task: "agree", outcomes: [:], on: day, late: false, sealed: "c2VhbGVk")),
        .taskRescheduled(TaskRescheduled(task: "t", earliest: nil, due: day, previousEarliest: day, previousDue: nil, reason: "The field 'releaseDate' changed.", on: day)),
        .taskCancelled(TaskCancelled(task: "t", reason: "left the state", on: day)),
        .taskSuspended(TaskSuspended(task: "t", reason: "no consent", on: day)),
        .taskResumed(TaskResumed(task: "t", on: day)),
        .taskClaimed(TaskClaimed(task: "t", occurrence: 2, by: "kalle", on: day)),
        .taskClaimed(TaskClaimed(task: "t", occurrence: nil, by: "kalle", on: day)),
        .taskUnclaimed(TaskUnclaimed(task: "t", by: "kalle", on: day)),
        .eventOccurred(EventOccurred(event: "meeting-held", on: day)),
        .consentGiven(ConsentGiven(parties: ["prison", "kela"], on: day)),
        .consentGiven(ConsentGiven(parties: [], on: day)),
        .caseClosed(CaseClosed(reason: "Ä \"quoted\" reason\\", on: day)),
    ]

    @Test func everyEventReadsBackEqual() throws {
        for event in Self.events {
            #expect(try CaseEvent(Self.stored(event)) == event)
        }
    }

    @Test func otherShapesReadAsJSONDecoderReadsThem() throws {
        let cases: [(String, String, CaseEvent)] = [
            ("StateEntered", #"{ "state" : "a", "on" : "2026-11-25", "from" : null }"#,
             .stateEntered(StateEntered(state: "a", from: nil, event: nil, on: Self.day))),
            ("StateEntered", #"{"state":"a\u00e4","on":"2026-11-25","extra":[1,2]}"#,
             .stateEntered(StateEntered(state: "aä", from: nil, event: nil, on: Self.day))),
            ("TaskResumed", #"{"task":"t\/u","on":"2026-11-25"}"#, .taskResumed(TaskResumed(task: "t/u", on: Self.day))),
            ("TaskClaimed", #"{"task":"t","by":"k\u00e4","on":"2026-11-25","occurrence":null}"#,
             .taskClaimed(TaskClaimed(task: "t", occurrence: nil, by: "kä", on: Self.day))),
            ("TaskOpened", #"{"task":"t","role":"r","occurrence":2,"on":"2026-11-25","due":null}"#,
             .taskOpened(TaskOpened(task: "t", role: "r", earliest: nil, due: nil, occurrence: 2, on: Self.day, seriesStart: nil))),
        ]
        for (type, json, expected) in cases {
            #expect(try CaseEvent(Self.recorded(type, json)) == expected)
        }
    }

    @Test func malformedPayloadsStillFail() {
        for (type, json) in [
            ("TaskResumed", #"{"task":"t","on":"2026-13-45"}"#), ("TaskResumed", #"{"task":"t"}"#),
            ("EventOccurred", #"{"event":"e","on":"2026-11-25"} x"#), ("TaskCompleted", #"{"task":"t","on":"2026-11-25","late":1}"#),
        ] {
            #expect(throws: EventStoreError.self) { try CaseEvent(Self.recorded(type, json)) }
        }
    }
}
