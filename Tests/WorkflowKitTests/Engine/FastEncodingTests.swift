import Foundation
import Testing

@testable import WorkflowKit

@Suite("Case events written without JSONEncoder")
struct FastEncodingTests {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// What JSONEncoder writes for the event's body.
    private static func encoded(_ event: CaseEvent) throws -> Data {
        switch event {
        case .stateEntered(let body): try encoder.encode(body)
        case .taskOpened(let body): try encoder.encode(body)
        case .taskRescheduled(let body): try encoder.encode(body)
        case .taskCompleted(let body): try encoder.encode(body)
        case .fieldsRecorded(let body): try encoder.encode(body)
        case .taskCancelled(let body): try encoder.encode(body)
        case .taskSuspended(let body): try encoder.encode(body)
        case .taskResumed(let body): try encoder.encode(body)
        case .taskClaimed(let body): try encoder.encode(body)
        case .taskUnclaimed(let body): try encoder.encode(body)
        case .eventOccurred(let body): try encoder.encode(body)
        case .consentGiven(let body): try encoder.encode(body)
        case .opened(let body): try encoder.encode(body)
        default: Data()
        }
    }

    private static let day = LocalDate("2026-12-01")!
    private static let texts = ["map-housing", "a/b+c=", "ä-ö", "", "worker:anna@x", "quote\"d", "back\\slash", "line\nbreak", "tab\t", "\u{7F}del", "\u{2028}"]
    private static let values: [ExpressionValue] = [
        .text("prison"), .text("with \"quotes\""), .text("ääkkönen/ö"), .bool(true), .bool(false), .date(day),
        .date(LocalDate(year: 12, month: 3, day: 4)!), .number(0), .number(3), .number(-42), .number(1.5), .number(-0.0),
        .number(999_999_999_999_999), .number(1e15), .number(1e21), .number(0.1), .duration(DateDuration(2, .months)),
    ]

    private static func events() -> [CaseEvent] {
        var events: [CaseEvent] = []
        for text in texts {
            events.append(.stateEntered(StateEntered(state: text, from: nil, event: nil, on: day)))
            events.append(.stateEntered(StateEntered(state: "s", from: text, event: text, on: day)))
            events.append(.taskOpened(TaskOpened(task: text, role: "r", earliest: nil, due: day, occurrence: 3, on: day, seriesStart: nil)))
            events.append(.taskOpened(TaskOpened(task: "t", role: text, earliest: day, due: nil, occurrence: -1, on: day, seriesStart: day)))
            events.append(
                .taskRescheduled(
                    TaskRescheduled(task: text, earliest: day, due: day, previousEarliest: nil, previousDue: day, reason: text, on: day)))
            events.append(
                .taskRescheduled(
                    TaskRescheduled(task: "t", earliest: nil, due: nil, previousEarliest: day, previousDue: nil, reason: "r", on: day)))
            events.append(.taskCompleted(TaskCompleted(task: text, outcomes: [:], on: day, late: true)))
            events.append(.taskCompleted(TaskCompleted(task: "t", outcomes: [:], on: day, late: false, sealed: text)))
            events.append(.fieldsRecorded(FieldsRecorded(values: [:], cleared: [text, "b", "a"], on: day)))
            events.append(.taskCancelled(TaskCancelled(task: text, reason: text, on: day)))
            events.append(.taskSuspended(TaskSuspended(task: text, reason: "r", on: day)))
            events.append(.taskResumed(TaskResumed(task: text, on: day)))
            events.append(.taskClaimed(TaskClaimed(task: text, occurrence: nil, by: text, on: day)))
            events.append(.taskClaimed(TaskClaimed(task: "t", occurrence: 2, by: "b", on: day)))
            events.append(.taskUnclaimed(TaskUnclaimed(task: text, by: text, on: day)))
            events.append(.eventOccurred(EventOccurred(event: text, on: day)))
            events.append(.consentGiven(ConsentGiven(parties: [text, "prison"], on: day)))
            events.append(.consentGiven(ConsentGiven(parties: [], on: day)))
        }
        let names = ["releaseDate", "Note", "a10", "a9", "_x", "a-b", "aB", "ab", "ä", "Z"]
        for (index, value) in values.enumerated() {
            events.append(.fieldsRecorded(FieldsRecorded(values: ["f": value], cleared: [], on: day)))
            events.append(.taskCompleted(TaskCompleted(task: "t", outcomes: ["o": value], on: day, late: false)))
            var many: [String: ExpressionValue] = [:]
            for (offset, name) in names.enumerated() { many[name] = values[(index + offset) % values.count] }
            events.append(.fieldsRecorded(FieldsRecorded(values: many, cleared: ["x"], on: day, sealed: "c2VhbGVk/+=")))
            many["ä"] = nil
            events.append(.fieldsRecorded(FieldsRecorded(values: many, cleared: [], on: LocalDate(year: 2027, month: 10, day: 9)!)))
        }
        for (index, value) in values.enumerated() {
            events.append(
                .opened(
                    CaseOpened(
                        process: "vat-generic", definition: "sha256:ab", fields: ["releaseDate": .date(day), "x": value],
                        openedOn: day, responsibleWorker: index % 2 == 0 ? nil : "worker:anna", fastTrack: nil,
                        legalBasis: index % 3 == 0 ? "law" : nil, sealed: index % 4 == 0 ? "c2VhbGVk" : nil)))
        }
        events.append(.opened(CaseOpened(process: "p", definition: "d", fields: [:], openedOn: day, responsibleWorker: nil, fastTrack: "f")))
        return events
    }

    /// What JSONDecoder reads from a payload.
    private static func decodedByFoundation(_ type: String, _ payload: Data) throws -> CaseEvent? {
        let decoder = JSONDecoder()
        return switch type {
        case "CaseOpened": .opened(try decoder.decode(CaseOpened.self, from: payload))
        case "FieldsRecorded": .fieldsRecorded(try decoder.decode(FieldsRecorded.self, from: payload))
        case "TaskCompleted": .taskCompleted(try decoder.decode(TaskCompleted.self, from: payload))
        case "StateEntered": .stateEntered(try decoder.decode(StateEntered.self, from: payload))
        case "TaskOpened": .taskOpened(try decoder.decode(TaskOpened.self, from: payload))
        case "TaskRescheduled": .taskRescheduled(try decoder.decode(TaskRescheduled.self, from: payload))
        default: nil
        }
    }

    /// Events of other types are not parsed at all: the list of case event types must be
    /// exactly what the decoder reads, or a case event would be skipped.
    @Test("the case event types skipped before parsing are exactly the ones the decoder does not read")
    func typeNames() throws {
        for name in CaseEvent.typeNames {
            #expect(throws: (any Error).self, "\(name)") { try CaseEvent.foundationDecoded(type: name, payload: Data("{}".utf8)) }
        }
        for other in ["ReminderSent", "CaseRead", "caseopened", ""] {
            #expect(try CaseEvent.foundationDecoded(type: other, payload: Data("{}".utf8)) == nil)
        }
        #expect(Set(Self.events().map(\.typeName)).isSubset(of: CaseEvent.typeNames))
        #expect(CaseEvent.typeNames.count == 20)
    }

    @Test("every payload read without JSONDecoder reads as JSONDecoder reads it; odd shapes are left to it")
    func sameReading() throws {
        var direct = 0
        var total = 0
        for event in Self.events() {
            let new = try event.newEvent()
            guard let expected = try Self.decodedByFoundation(new.type, new.payload) else { continue }
            total += 1
            if let fast = CaseEvent.fastDecoded(type: new.type, payload: new.payload) {
                direct += 1
                #expect(fast == expected, "\(String(decoding: new.payload, as: UTF8.self))")
            }
        }
        #expect(direct > total / 2, "\(direct) of \(total)")
        // Shapes the engine does not write go to JSONDecoder: fractions, -0, long numbers,
        // durations, escapes, duplicate names, unknown kinds of value.
        for payload in [
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"number":{"_0":1.5}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"number":{"_0":-0}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"number":{"_0":12345678901234567}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"number":{"_0":-06}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"number":{"_0":007}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"duration":{"_0":{"amount":2,"unit":"months"}}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"text":{"_0":"x"y"}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"text":{"_0":"x"}},"a":{"text":{"_0":"y"}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"money":{"_0":"1"}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"date":{"_0":"2026-02-30"}}}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{"a":{"text":{"_0":"x","_1":"y"}}}}"#,
            // Member names: a duplicate, an unknown one, an escaped one, one beyond ASCII, a prefix.
            #"{"cleared":[],"on":"2026-12-01","on":"2026-12-02","values":{}}"#,
            #"{"cleared":[],"on":"2026-12-01","values":{},"extra":1}"#,
            #"{"cleared":[],"o\u006e":"2026-12-01","values":{}}"#,
            #"{"cleared":[],"ön":"2026-12-01","values":{}}"#,
            #"{"cleared":[],"o":"2026-12-01","values":{}}"#,
        ] {
            #expect(CaseEvent.fastDecoded(type: "FieldsRecorded", payload: Data(payload.utf8)) == nil, "\(payload)")
        }
        // An id with letters beyond ASCII is read exactly.
        let text = #"{"cleared":["ä"],"on":"2026-12-01","values":{"nimi":{"text":{"_0":"Väinö Ääkkönen"}}}}"#
        #expect(
            CaseEvent.fastDecoded(type: "FieldsRecorded", payload: Data(text.utf8))
                == .fieldsRecorded(FieldsRecorded(values: ["nimi": .text("Väinö Ääkkönen")], cleared: ["ä"], on: Self.day)))
    }

    @Test("every payload written directly is JSONEncoder's, byte for byte; the rest is left to JSONEncoder")
    func sameBytes() throws {
        var direct = 0
        var total = 0
        for event in Self.events() {
            total += 1
            let expected = try Self.encoded(event)
            if let fast = event.fastPayload() {
                direct += 1
                #expect(fast == expected, "\(String(decoding: fast, as: UTF8.self)) ≠ \(String(decoding: expected, as: UTF8.self))")
            }
            // Whichever way it was written, the stored event reads back as the same event.
            let new = try event.newEvent()
            #expect(new.payload == expected)
            let recorded = RecordedEvent(
                position: 1, stream: "c-1", version: 1, id: new.id, type: new.type, schemaVersion: new.schemaVersion,
                payload: new.payload, metadata: EventMetadata(), recordedAt: 0, hash: Data())
            #expect(try CaseEvent(recorded) == event)
        }
        // Most of them are written directly: the texts that need escapes, the non-ASCII
        // field name, fractions, -0, large numbers and durations are not.
        #expect(direct > total / 2, "\(direct) of \(total)")
    }
}
