import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Each kind of problem, with its exact message and place. The documents are
    /// ``ProcessLanguageTests/minimal`` with one line changed, so line numbers
    /// refer to it.
    @Suite struct ValidationTests {
        /// `minimal` with `old` replaced by `new` (once).
        func variant(_ old: String, _ new: String) -> String {
            let text = ProcessLanguageTests.minimal
            precondition(text.contains(old), "'\(old)' is not in the minimal document")
            guard let range = text.range(of: old) else { return text }
            return text.replacingCharacters(in: range, with: new)
        }

        @Test func theMinimalProcessIsValid() {
            let library = load(ProcessLanguageTests.minimal)
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
            #expect(library.definition(id: "mini")?.initialState?.id == "start")
        }

        @Test(arguments: [
            // unknown references
            ("role: worker", "role: wroker", "14:15: Unknown role 'wroker' in the task 'map' (did you mean 'worker'?)."),
            ("to: end,", "to: ned,", "19:19: Unknown state 'ned' as the target of 'done' in the state 'start' (did you mean 'end'?)."),
            ("      done: { to", "      dnoe: { to", "19:7: Unknown event 'dnoe' in the state 'start' (did you mean 'done'?)."),
            ("due: releaseDate - 2 months", "due: releseDate - 2 months", "16:14: The due date of the task 'map': unknown field 'releseDate' (did you mean 'releaseDate'?)."),
            ("guard: consent.given", "guard: consent.includes('prisn')", "19:31: The guard of 'done' in the state 'start': unknown party 'prisn' (did you mean 'prison'?)."),
            // unknown keys
            ("title: Map the situation", "titel: Map the situation", "13:9: Unknown key 'titel' in the task 'map' (did you mean 'title'?)."),
            ("title: Minimal", "tilte: Minimal", "2:1: Unknown key 'tilte' in a process file (did you mean 'title'?)."),
            // wrong types
            ("due: releaseDate - 2 months", "due: releaseDate > 2026-01-01", "16:14: The due date of the task 'map' must be a date, but 'releaseDate > 2026-01-01' is yes/no (true or false)."),
            ("guard: consent.given", "guard: releaseDate + 1 day", "19:31: The guard of 'done' in the state 'start' must be yes/no (true or false), but 'releaseDate + 1 day' is a date."),
            ("due: releaseDate - 2 months", "due: releaseDate - 2", "16:28: The due date of the task 'map': a number needs a unit to be subtracted from a date, e.g. '- 2 months'."),
            ("due: releaseDate - 2 months", "due: releaseDate -", "16:27: The due date of the task 'map' is not a valid expression: Expected a value, found the end of the expression."),
            ("{ type: date, required", "{ type: dat, required", "4:24: Unknown type 'dat' for the field 'releaseDate' (did you mean 'date'?); use one of date, text, number, bool, choice, parties."),
            ("initial: true", "initial: maybe", "10:14: 'initial' must be true or false, not 'maybe'."),
            // states
            ("initial: true", "initial: false", "8:1: No state is marked 'initial: true'; exactly one state must be where new cases start."),
            ("end: { final: true }", "end: { final: true, initial: true }", "20:10: The state 'end' cannot be both initial and final."),
            ("end: { final: true }", "end: { final: false }", "20:3: The state 'end' is not final and has no way out; add 'on:' with an event that leads on, or mark it 'final: true'."),
            ("to: end,", "to: start,", "20:3: The state 'end' cannot be reached: no transition leads to it from the initial state 'start'."),
            // reminders and ids
            ("remind: [on due]", "remind: [overdue every 2 days]", "17:18: The reminder 'overdue every 2 days' is not understood; write e.g. 'at window start', '5 working days before due' or 'on due'. Repeated reminders after the due date belong in 'escalate', e.g. escalate: { to: chair, every: 2 working days }."),
            ("  releaseDate: {", "  release-date: {", "4:3: The field id 'release-date' must start with a letter and contain only ASCII letters a–z and A–Z and digits, without '-' because fields are used in expressions (e.g. 'releaseDate'); titles may use any letters."),
            ("states:\n  start:", "states:\n  start:\n    initial: true\n  start:", "11:3: The key 'start' appears more than once in the same mapping (first at line 9); each id must be unique."),
        ])
        func reportsTheProblemAtItsPlace(old: String, new: String, expected: String) {
            let library = load(variant(old, new))
            #expect(errors(library).contains(expected), "\(errors(library))")
            #expect(library.definition(id: "mini") == nil)
        }

        @Test func reportsEveryProblemInOneRun() {
            let text = variant("role: worker", "role: wroker").replacingOccurrences(of: "to: end,", with: "to: ned,")
                .replacingOccurrences(of: "title: Map the situation", with: "titel: Map")
            let library = load(text)
            #expect(errors(library).count == 4, "\(errors(library))")  // role, state, key, and 'end' unreachable
            #expect(library.diagnostics.allSatisfy { $0.description.hasPrefix("test.yaml:") })
        }

        @Test func moreThanOneInitialState() {
            let library = load(variant("end: { final: true }", "end: { final: true }\n  other: { initial: true, on: { done: end } }"))
            #expect(errors(library).contains("21:12: The state 'other' is marked initial, but 'start' already is; exactly one state may be initial."))
        }

        @Test func duplicateTaskIDsAcrossStates() {
            let library = load(variant("end: { final: true }", "end: { final: true }\n  again:\n    tasks:\n      map: { role: worker }\n    on: { done: end }"))
            #expect(errors(library).contains("23:7: The task id 'map' is used in the states 'start' and 'again'; task ids must be unique in a process."))
        }

        @Test func unknownCalendarAndBadClosedDays() {
            let library = load(variant("title: Minimal", "title: Minimal\ncalendar: se\nclosedDays:\n  - { name: Move, from: 2026-08-07, through: 2026-08-03 }"))
            #expect(errors(library).contains("3:11: Unknown calendar 'se'; known calendars: fi."))
            #expect(errors(library).contains("5:46: The closed days 'Move' end (2026-08-03) before they start (2026-08-07)."))
        }

        @Test func notYAMLAtAll() {
            let library = load("process: x\nstates: [\n")
            #expect(errors(library) == ["3:1: The file is not valid YAML: did not find expected node content (while parsing a flow node at line 3)."])
            #expect(load("").diagnostics.first?.message == "The file is empty; a process file starts with 'process: <id>'.")
            #expect(errors(load("- a\n- b\n")) == ["1:1: A process file must be a mapping of 'key: value' lines, not a list."])
        }

        @Test func warnings() {
            let noReminders = load(variant("remind: [on due]", "title2: x").replacingOccurrences(of: "title2: x", with: ""))
            #expect(ProcessLanguageTests.warnings(noReminders) == ["12:7: The task 'map' has a due date but no reminders ('remind:'); nobody is reminded before it is due."])
            let inverted = load(variant("due: releaseDate - 2 months", "due: releaseDate - 7 months"))
            #expect(ProcessLanguageTests.warnings(inverted) == ["16:9: The due date of the task 'map' ('releaseDate - 7 months') comes before its earliest start ('releaseDate - 6 months')."])
            let personal = load(variant("title: Map the situation", "title: Map the situation before releaseDate"))
            #expect(ProcessLanguageTests.warnings(personal) == ["13:9: The title of the task 'map' mentions the personal field 'releaseDate'; titles are shown in reminders and logs, so keep personal data out of them."])
            #expect(personal.definition(id: "mini") != nil, "warnings do not stop a process from loading")
            let unused = load(variant("events: { done: Done }", "events: { done: Done, spare: Spare }\nreport: [releaseDate]"))
            #expect(ProcessLanguageTests.warnings(unused) == [
                "7:23: The event 'spare' is declared but no transition or rule uses it.",
                "8:10: The field 'releaseDate' is reported, but no task records it ('outcomes:'), so it may never get a value.",
            ])
            let choice = load(variant("guard: consent.given", "guard: form == 'suported'").replacingOccurrences(of: "  releaseDate: {", with: "  form: { type: choice, values: [independent, supported] }\n  releaseDate: {"))
            #expect(ProcessLanguageTests.warnings(choice) == ["20:39: The choice field 'form' has no value 'suported' (did you mean 'supported'?), so this comparison is always false; its values are independent, supported."])
        }

        @Test func failingExamplesAreErrors() {
            let text = ProcessLanguageTests.minimal + """
                examples:
                  - name: Due two months before release
                    given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01 }
                    expect: { state: start, tasks: { map: { due: 2026-10-22, earliest: 2026-06-23 } } }
                  - name: Right
                    given: { fields: { releaseDate: 2026-12-23 }, openedOn: 2026-06-01 }
                    expect: { state: start, tasks: { map: { due: 2026-10-23 } } }
                  - name: Unknown things
                    given: { fields: { releseDate: 2026-12-23 }, openedOn: 2026-06-01 }
                    expect: { state: strat, tasks: { mop: { due: 2026-10-23 } } }

                """
            let library = load(text)
            let found = errors(library)
            #expect(found.contains("30:24: Unknown field 'releseDate' in the example 'Unknown things' (did you mean 'releaseDate'?)."), "\(found)")
            #expect(found.contains("31:22: Unknown state 'strat' in the example 'Unknown things' (did you mean 'start'?)."), "\(found)")
            #expect(found.contains("31:38: Unknown task 'mop' in the example 'Unknown things' (did you mean 'map'?)."), "\(found)")
            // With the unknown names fixed, the first example fails on its expectation.
            let fixed = load(text.replacingOccurrences(of: "releseDate", with: "releaseDate").replacingOccurrences(of: "strat", with: "start").replacingOccurrences(of: "mop:", with: "map:"))
            #expect(errors(fixed) == ["23:5: The example 'Due two months before release' fails: task 'map': expected due 2026-10-22, got 2026-10-23."])
            #expect(fixed.exampleResults.map(\.passed) == [false, true, true])
        }
    }
}
