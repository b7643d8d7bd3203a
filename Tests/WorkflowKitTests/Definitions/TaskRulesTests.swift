import Foundation
import Testing

@testable import WorkflowKit

extension ProcessLanguageTests {
    /// Reminders, escalation, repeats and the case helpers the engine uses.
    @Suite struct TaskRulesTests {
        static let process = """
            process: rules
            fields:
              releaseDate: { type: date }
              urgent: { type: bool }
            roles: { worker: Worker, chair: Chair, head: Head of unit }
            events: { consent-given: Consent, done: Done }
            parties: { prison: Prison }
            fastTrack: { when: openedOn > releaseDate - 2 months, state: fast }
            states:
              start:
                initial: true
                tasks:
                  map:
                    title: Map
                    role: worker
                    earliest: releaseDate - 6 months
                    due: releaseDate - 2 months
                    dueOnDayOff: keep
                    remind: [at window start, 2 days after window start, 5 working days before due, on due, 1 day after due]
                    escalate:
                      - { to: chair, after: 0 working days overdue, every: 2 working days }
                      - { to: head, after: 10 working days }
                on:
                  consent-given:
                    - { to: fast, guard: urgent }
                    - { to: follow }
              fast:
                tasks:
                  now: { title: Now, role: worker, due: openedOn + 1 working day, remind: [on due] }
                on: { done: follow }
              follow:
                tasks:
                  check:
                    title: Check
                    role: worker
                    due: event.consent-given + 1 month
                    remind: [on due]
                    repeat: { every: 1 month, until: "known(event.done)" }
                on: { done: end }
              end: { final: true }

            """

        func definition() throws -> ProcessDefinition {
            let library = ProcessLanguageTests.load(Self.process)
            #expect(library.diagnostics.isEmpty, "\(library.diagnostics)")
            return try #require(library.definition(id: "rules"))
        }

        @Test func rulesAreReadIntoTypedValues() throws {
            let definition = try definition()
            let (map, _) = try #require(definition.task("map"))
            #expect(map.dueOnDayOff == .keep)
            #expect(map.reminders.map(\.description) == ["at window start", "2 days after window start", "5 working days before due", "on due", "1 day after due"])
            #expect(map.reminders[2] == ReminderRule(anchor: .due, offset: DateDuration(-5, .workingDays)))
            #expect(map.escalation == [
                EscalationRule(to: "chair", after: DateDuration(0, .workingDays), every: DateDuration(2, .workingDays)),
                EscalationRule(to: "head", after: DateDuration(10, .workingDays)),
            ])
            let (check, _) = try #require(definition.task("check"))
            #expect(check.repeatRule == RepeatRule(every: DateDuration(1, .months), until: try ProcessExpression(parsing: "known(event.done)")))
            #expect(definition.state("start")?.transitions.map(\.to) == ["fast", "follow"])
        }

        @Test func scheduleWithEscalationLadder() throws {
            let definition = try definition()
            let (map, _) = try #require(definition.task("map"))
            // Due 2026-12-24 (Christmas Eve), kept on the day off by 'dueOnDayOff: keep'.
            let context = EvaluationContext(fields: ["releaseDate": .date(date("2027-02-24"))], calendar: FinnishCalendar())
            let schedule = definition.schedule(of: map, in: context)
            #expect(schedule.due == date("2026-12-24"))
            #expect(schedule.earliest == date("2026-08-24"))
            #expect(schedule.reminders == [date("2026-08-24"), date("2026-08-26"), date("2026-12-17"), date("2026-12-24"), date("2026-12-25")])
            #expect(schedule.escalations.map(\.role) == ["chair", "head"])
            // The first working day after Christmas is Monday the 28th. Ten working days after the due date
            // is 2027-01-12 (1 and 6 January are holidays), so the head of unit is told the next working day.
            #expect(schedule.escalations.map(\.date) == [date("2026-12-28"), date("2027-01-13")])
            #expect(schedule.escalations[0].rule.nextDate(after: date("2026-12-28"), calendar: FinnishCalendar()) == date("2026-12-30"))
            #expect(schedule.escalations[1].rule.nextDate(after: date("2027-01-13"), calendar: FinnishCalendar()) == nil)
            #expect(schedule.explanation.contains { $0.hasPrefix("due: Thursday 2026-12-24 is not a working day") && $0.hasSuffix("The task keeps it (dueOnDayOff: keep).") })
        }

        @Test func startStateAndGuardedTransitions() throws {
            let definition = try definition()
            let calendar = FinnishCalendar()
            var context = EvaluationContext(fields: ["releaseDate": .date(date("2026-12-23"))], openedOn: date("2026-06-01"), calendar: calendar)
            #expect(definition.startState(in: context)?.state.id == "start")
            #expect(definition.startState(in: context)?.fastTracked == false)
            context.openedOn = date("2026-11-01")
            #expect(definition.startState(in: context)?.state.id == "fast")
            context.openedOn = nil
            #expect(definition.startState(in: context)?.state.id == "start", "an unknown opening date is not the fast track")
            let start = try #require(definition.state("start"))
            #expect(definition.transition(from: start, on: "consent-given", in: context)?.to == "follow", "absent 'urgent' is false")
            context.fields["urgent"] = .bool(true)
            #expect(definition.transition(from: start, on: "consent-given", in: context)?.to == "fast")
            #expect(definition.transition(from: start, on: "done", in: context) == nil)
        }

        @Test(arguments: [
            ("remind: [at window start, 2 days after window start, 5 working days before due, on due, 1 day after due]", "remind: [3 fortnights before due]",
             "19:18: The reminder '3 fortnights before due' is not understood; write e.g. 'at window start', '5 working days before due' or 'on due'."),
            ("dueOnDayOff: keep", "dueOnDayOff: move", "18:22: 'dueOnDayOff' must be 'next-working-day' or 'keep', not 'move'."),
            ("every: 2 working days }", "every: 0 days }", "21:64: 'every' must be more than zero."),
            ("{ to: head, after: 10 working days }", "{ to: haed, after: 10 working days }", "22:19: Unknown role 'haed' in the escalation of the task 'map' (did you mean 'head'?)."),
            ("until: \"known(event.done)\"", "until: \"event.done\"", "38:42: 'until' of the task 'check' must be yes/no (true or false), but 'event.done' is a date."),
            ("- { to: follow }", "- { to: folow }", "26:17: Unknown state 'folow' as the target of 'consent-given' in the state 'start' (did you mean 'follow'?)."),
        ])
        func ruleErrors(old: String, new: String, expected: String) {
            let library = ProcessLanguageTests.load(Self.process.replacingOccurrences(of: old, with: new))
            #expect(ProcessLanguageTests.errors(library).contains(expected), "\(ProcessLanguageTests.errors(library))")
        }
    }
}
