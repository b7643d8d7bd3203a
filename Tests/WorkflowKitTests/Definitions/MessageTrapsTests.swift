import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Messages that point at the real mistake (issue 18, items 5–9).
    @Suite struct MessageTrapsTests {
        /// A small process; `variant` replaces a part of it.
        static let process = """
            process: rooms
            title: Rooms
            fields:
              releaseDate: { type: date, required: true }
              meetingDate: { type: date, title: Meeting date }
            roles: { worker: Worker, chair: Chair, head: Head of unit }
            events: { meeting-held: Meeting held }
            states:
              open:
                initial: true
                tasks:
                  book-room:
                    title: Book the meeting room
                    role: worker
                    due: releaseDate - 1 month
                    remind: [2 working days before due]
                    escalate:
                      - { to: chair, after: 1 working day }
                      - { to: head, after: 5 working days }
                on:
                  meeting-held: closed
              closed: { final: true }

            """

        static func variant(_ old: String, _ new: String, examples: String = "") -> String {
            precondition(process.contains(old))
            return process.replacingOccurrences(of: old, with: new) + examples
        }

        @Test func theProcessIsValid() {
            #expect(ProcessLanguageTests.load(Self.process).diagnostics.isEmpty)
        }

        @Test func anIndentationSlipNamesTheLineToCheck() {
            let slipped = Self.variant("      book-room:\n        title: Book", "      book-room:\n      title: Book")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(slipped)) == [
                "13:7: Check the indentation of line 13: 'title:' is not indented further than 'book-room:' on line 12, so it does not belong to it, and line 14, indented further, is read as part of the value of 'title' (the YAML error: mapping values are not allowed in this context).",
            ])
            let pushed = Self.variant("        role: worker", "          role: worker")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(pushed)) == [
                "14:11: Check the indentation of line 14: it is indented further than line 13 above it, so it is read as part of the value of 'title' on that line (the YAML error: mapping values are not allowed in this context).",
            ])
        }

        @Test func aKeyInLineWithNoOtherNamesItsColumn() {
            let slipped = Self.variant("        role: worker", "       role: worker")
            #expect(ProcessLanguageTests.errors(ProcessLanguageTests.load(slipped)) == [
                "14:8: Check the indentation of line 14: 'role:' starts at column 8, in line with no key above it ('title:' on line 13 starts at column 9); the keys of one mapping start in the same column (the YAML error: did not find expected key).",
            ])
        }

        @Test func aMisspeltUnitGetsASuggestionAndNoFollowOnErrors() {
            let library = ProcessLanguageTests.load(Self.variant("releaseDate - 1 month", "releaseDate - 7 workng days"))
            #expect(ProcessLanguageTests.errors(library) == [
                "15:30: The due date of the task 'book-room' is not a valid expression: Unknown unit 'workng' (did you mean 'working days'?); durations are written e.g. '5 working days', '2 months'.",
            ])
            let escalation = ProcessLanguageTests.load(Self.variant("after: 5 working days", "after: 5 wrking days"))
            #expect(ProcessLanguageTests.errors(escalation) == [
                "19:34: 'after' is not a duration: Unknown unit 'wrking' (did you mean 'working days'?); durations are written e.g. '5 working days', '2 months'.",
            ])
        }

        @Test func aMisspeltUnitInAReminderGetsASuggestion() {
            let library = ProcessLanguageTests.load(Self.variant("[2 working days before due]", "[2 workng days before due]"))
            #expect(ProcessLanguageTests.errors(library) == [
                "16:18: The reminder '2 workng days before due' is not understood: Unknown unit 'workng' (did you mean 'working days'?); durations are written e.g. '5 working days', '2 months'.",
            ])
        }

        @Test func aBadDueExpressionIsNotHiddenByFollowOnErrors() {
            let library = ProcessLanguageTests.load(Self.variant("releaseDate - 1 month", "releaseDate - 1 month)"))
            let errors = ProcessLanguageTests.errors(library)
            #expect(errors.count == 1, "\(errors)")
            #expect(errors.first?.hasPrefix("15:") == true && errors.first?.contains("The due date of the task 'book-room' is not a valid expression") == true)
        }

        @Test func finnishLettersInIdsAreRefusedWithATransliteration() {
            let library = ProcessLanguageTests.load(Self.variant(
                "roles: { worker: Worker,", "parties: { seinäjoen-vuokratalot: Seinäjoen Vuokratalot }\nroles: { worker: Worker,"))
            #expect(ProcessLanguageTests.errors(library) == [
                "6:12: The party id 'seinäjoen-vuokratalot' must start with a letter and contain only ASCII letters a–z and A–Z, digits and '-' (e.g. 'seinajoen-vuokratalot'); titles may use any letters.",
            ])
        }

        @Test func anInvalidIdIsNeverSuggested() {
            let text = Self.variant("roles: { worker: Worker,", "parties: { seinäjoen-vuokratalot: Seinäjoen Vuokratalot }\nroles: { worker: Worker,")
                .replacingOccurrences(of: "    role: worker\n", with: "    role: worker\n        involves: [seinajoen-vuokratalot]\n")
            let errors = ProcessLanguageTests.errors(ProcessLanguageTests.load(text))
            #expect(errors.contains("16:20: Unknown party 'seinajoen-vuokratalot' in the task 'book-room'."), "\(errors)")
        }

        @Test func resolvePrintsUTF8AsWritten() throws {
            let text = Self.variant("title: Rooms", "title: Huoneet — Seinäjoki")
            let definition = try #require(ProcessLanguageTests.load(text).definition(id: "rooms"))
            #expect(definition.resolvedYAML.contains("title: Huoneet — Seinäjoki\n"))
        }

        @Test func aDueDateOnFieldsNothingRecordsIsAWarning() {
            let library = ProcessLanguageTests.load(Self.variant("releaseDate - 1 month", "meetingDate - 7 working days"))
            #expect(ProcessLanguageTests.warnings(library) == [
                "15:9: The due date of the task 'book-room' ('meetingDate - 7 working days') depends on the field 'meetingDate', which is not required when a case is opened and recorded by no task ('outcomes:'), so the task has no due date until someone records it with 'aso-engine record'; add it to the 'outcomes' of an earlier task, or mark it 'required: true'.",
            ])
            let recorded = Self.variant("releaseDate - 1 month", "meetingDate - 7 working days")
                .replacingOccurrences(of: "    role: worker\n", with: "    role: worker\n        outcomes: [meetingDate]\n")
            #expect(ProcessLanguageTests.warnings(ProcessLanguageTests.load(recorded)).isEmpty)
        }

        static let examples = """
            examples:
              - name: Released after Midsummer 2027
                given: { fields: { releaseDate: 2027-07-25 }, openedOn: 2027-06-01 }
                expect:
                  tasks:
                    book-room:
                      due: DUE
                      escalations:
                        - { to: chair, on: 2027-06-30 }
                        - { to: head, on: 2027-07-06 }

            """

        @Test func examplesCheckEscalationsAndTheLadderStops() throws {
            // releaseDate - 1 month is 2027-06-25, Midsummer Eve: it moves to Monday 2027-06-28.
            let passing = ProcessLanguageTests.load(Self.process + Self.examples.replacingOccurrences(of: "DUE", with: "2027-06-28"))
            #expect(passing.diagnostics.isEmpty, "\(passing.diagnostics)")
            let repeating = Self.variant("{ to: head, after: 5 working days }", "{ to: head, after: 5 working days, every: 1 week }")
            let library = ProcessLanguageTests.load(repeating + Self.examples.replacingOccurrences(of: "DUE", with: "2027-06-28").replacingOccurrences(of: "2027-07-06 }", with: "2027-07-14 }"))
            #expect(ProcessLanguageTests.errors(library) == [
                "24:5: The example 'Released after Midsummer 2027' fails: task 'book-room': expected escalations [chair on 2027-06-30, head on 2027-07-14], got [chair on 2027-06-30, head on 2027-07-06, head on 2027-07-13]."
            ])
        }

        @Test func anExpectedEscalationNamesAKnownRole() {
            let library = ProcessLanguageTests.load(Self.process + Self.examples.replacingOccurrences(of: "DUE", with: "2027-06-28").replacingOccurrences(of: "to: head, on", with: "to: haed, on"))
            #expect(ProcessLanguageTests.errors(library) == [
                "32:21: Unknown role 'haed' in the escalations the example 'Released after Midsummer 2027' expects (did you mean 'head'?).",
            ])
        }

        @Test func anExampleExpectingADueDateOnADayOffIsToldItMoves() {
            let library = ProcessLanguageTests.load(Self.process + Self.examples.replacingOccurrences(of: "DUE", with: "2027-06-25"))
            #expect(ProcessLanguageTests.errors(library) == [
                "24:5: The example 'Released after Midsummer 2027' fails: task 'book-room': expected due 2027-06-25, got 2027-06-28 (Friday 2027-06-25 is not a working day: Midsummer Eve (juhannusaatto) (calendar fi); a due date on a day off moves to the next working day, Monday 2027-06-28)."
            ])
        }
    }
}
