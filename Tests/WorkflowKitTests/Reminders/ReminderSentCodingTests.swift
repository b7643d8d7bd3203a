import Foundation
import Testing

@testable import WorkflowKit

/// `ReminderSent` is written and read without Foundation's JSON coders on the daemon's
/// path; both directions must give exactly what the coders give.
@Suite("ReminderSent written and read without JSONEncoder")
struct ReminderSentCodingTests {
    private static let texts = ["map-housing", "a/b+c=", "ä-ö", "", "worker:anna@x", "quote\"d", "back\\slash", "line\nbreak", "\u{7F}del"]

    private static func events() -> [ReminderSent] {
        var events: [ReminderSent] = []
        let day = LocalDate("2026-12-01")!
        for text in texts {
            for kind in ReminderKind.allCases {
                for (rung, superseded) in [(nil, 0), (0, 3), (2, 0)] as [(Int?, Int)] {
                    var reminder = Reminder(
                        caseID: StreamID("case-1"), process: "vat", task: text, title: "T", occurrence: 2, role: text, kind: kind,
                        due: rung == nil ? nil : day, fireOn: day, fireAt: -1_790_000_000_123 * Int64(rung ?? 1), rung: rung)
                    reminder.superseded = superseded
                    events.append(ReminderSent(Delivery(reminder: reminder, deliveredAt: 1_790_000_000_000, late: rung == 2)))
                }
            }
            var odd = Reminder(
                caseID: StreamID("c"), process: "p", task: "t", title: text, occurrence: 0, role: "r", kind: .due, due: nil,
                fireOn: LocalDate(year: 12, month: 3, day: 4)!, fireAt: 0)
            odd.id = text
            events.append(ReminderSent(Delivery(reminder: odd, deliveredAt: 0, late: false)))
        }
        return events
    }

    @Test("the payload is JSONEncoder's, byte for byte, and reads back as JSONDecoder reads it")
    func sameAsFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for event in Self.events() {
            let expected = try encoder.encode(event)
            let payload = try event.payload()
            #expect(payload == expected, "\(String(decoding: expected, as: UTF8.self))")
            #expect(try ReminderSent.decoded(from: payload) == event)
        }
    }

    @Test("payloads of other shapes are read by JSONDecoder: escaped slashes, spaces, unknown members, errors")
    func otherShapes() throws {
        let escaped = JSONEncoder()
        escaped.outputFormatting = [.sortedKeys]  // how earlier versions wrote them: "a\/b"
        for event in Self.events() {
            #expect(try ReminderSent.decoded(from: escaped.encode(event)) == event)
        }
        let spaced = Data(#"{ "deliveredAt" : 5, "fireAt": 7, "fireOn": "2026-12-01", "kind": "due", "late": false, "occurrence": 1, "reminder": "rem-1", "role": "r", "task": "t" }"#.utf8)
        #expect(try ReminderSent.decoded(from: spaced).fireAt == 7)
        let extra = Data(#"{"deliveredAt":5,"fireAt":7,"fireOn":"2026-12-01","kind":"due","late":false,"occurrence":1,"reminder":"rem-1","role":"r","task":"t","x":[1]}"#.utf8)
        #expect(try ReminderSent.decoded(from: extra).reminder == "rem-1")
        for broken in [#"{"deliveredAt":5}"#, #"{"deliveredAt":5,"fireAt":7,"fireOn":"2026-13-01","kind":"due","late":false,"occurrence":1,"reminder":"r","role":"r","task":"t"}"#, "", "[]"] {
            #expect(throws: DecodingError.self) { try ReminderSent.decoded(from: Data(broken.utf8)) }
        }
    }

    @Test("reminder ids are the documented hash, as before the hex was written without String(format:)")
    func stableIDs() {
        // Computed with Python's hashlib from the documented key (fields joined by U+001F).
        let reminder = Reminder(
            caseID: StreamID("case-1"), process: "p", task: "map-housing", title: "T", occurrence: 1, role: "r", kind: .due,
            due: nil, fireOn: LocalDate("2026-10-23")!, fireAt: 1_790_000_000_000)
        #expect(reminder.id == "rem-77259828bd4b69c1253bcecc")
        let escalation = Reminder(
            caseID: StreamID("c-ä/1"), process: "p", task: "t", title: "T", occurrence: 2, role: "r", kind: .escalation,
            due: nil, fireOn: LocalDate("2026-10-23")!, fireAt: -5, rung: 1)
        #expect(escalation.id == "rem-2b64c4e7fca8d9162c898676")
        #expect([UInt8]([0, 1, 0x7f, 0x80, 0xab, 0xff]).lowercaseHex == "00017f80abff")
    }
}
