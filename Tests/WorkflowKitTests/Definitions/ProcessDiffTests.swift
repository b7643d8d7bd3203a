import Foundation
import Testing
import WorkflowKit

/// ``ProcessDiff`` and ``MigrationImpact``: what a new version changes, and for which cases.
@Suite struct ProcessDiffTests {
    static let base = """
        process: mini
        fields:
          releaseDate: { type: date, required: true }
          note: { type: text }
        parties: { prison: Prison, landlord: Landlord }
        roles: { worker: Worker, chair: Chair }
        events: { done: Done, met: Met }
        states:
          start:
            initial: true
            tasks:
              map: { title: Map, role: worker, earliest: releaseDate - 6 months, due: releaseDate - 2 months, remind: [on due] }
              ask: { title: Ask, role: worker, due: releaseDate - 2 months }
            on: { done: end }
          end: { final: true }

        """

    func definition(_ yaml: String) throws -> ProcessDefinition {
        let library = ProcessLoader().load(sources: [.init(file: "mini.yaml", text: yaml)])
        #expect(library.diagnostics.filter { $0.severity == .error }.isEmpty, "\(library.diagnostics)")
        return try #require(library.definition(id: "mini"))
    }

    /// A case of `definition` opened on 2026-06-01 with release on 2026-12-23.
    func openCase(_ definition: ProcessDefinition, calendar: any BusinessCalendar) throws -> CaseState {
        let events = try CaseDecider.decide(
            .open(fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], responsibleWorker: "anna"), state: CaseState(id: "c1"),
            definition: definition, today: LocalDate("2026-06-01")!, calendar: calendar)
        return CaseState.fold("c1", events)
    }

    @Test func identicalVersionsHaveNoChanges() throws {
        let old = try definition(Self.base)
        let diff = ProcessDiff(from: old, to: old)
        #expect(diff.isEmpty)
        #expect(diff.oldVersion == diff.newVersion)
    }

    @Test func listsAddedRemovedAndChangedElements() throws {
        let old = try definition(Self.base)
        let new = try definition(
            Self.base
                .replacingOccurrences(of: "due: releaseDate - 2 months, remind: [on due]", with: "due: releaseDate - 3 months, remind: [on due, 2 working days before due]")
                .replacingOccurrences(of: "ask: { title: Ask, role: worker,", with: "ask: { title: Ask, role: chair,")
                .replacingOccurrences(of: "  note: { type: text }\n", with: "  phone: { type: text }\n")
                .replacingOccurrences(of: "landlord: Landlord", with: "landlord: Non-profit landlord")
                .replacingOccurrences(of: "events: { done: Done, met: Met }", with: "events: { done: Done }"))
        let diff = ProcessDiff(from: old, to: new)
        let lines = diff.changes.map(\.description)
        #expect(lines.contains("added field 'phone'"), "\(lines)")
        #expect(lines.contains("removed field 'note'"), "\(lines)")
        #expect(lines.contains("changed party 'landlord': title: Landlord → Non-profit landlord"), "\(lines)")
        #expect(lines.contains("removed event 'met'"), "\(lines)")
        #expect(
            lines.contains(
                "changed task 'map': due: releaseDate - 2 months → releaseDate - 3 months; reminders: on due → on due, 2 working days before due"),
            "\(lines)")
        #expect(lines.contains("changed task 'ask': role: worker → chair"), "\(lines)")
        #expect(diff.tasksWithChangedSchedule == ["map", "ask"])
    }

    @Test func statesTransitionsAndMovedTasks() throws {
        let old = try definition(Self.base)
        let new = try definition(
            Self.base
                .replacingOccurrences(of: "    on: { done: end }\n", with: "    on: { done: end, met: middle }\n")
                .replacingOccurrences(of: "      ask: { title: Ask, role: worker, due: releaseDate - 2 months }\n", with: "")
                .replacingOccurrences(
                    of: "  end: { final: true }",
                    with: "  middle:\n    tasks:\n      ask: { title: Ask, role: worker, due: releaseDate - 2 months }\n    on: { done: end }\n  end: { final: true }"))
        let lines = ProcessDiff(from: old, to: new).changes.map(\.description)
        #expect(lines.contains("changed state 'start': transition added: met → middle"), "\(lines)")
        #expect(lines.contains("added state 'middle'"), "\(lines)")
        #expect(lines.contains("changed task 'ask': state: start → middle"), "\(lines)")
    }

    @Test func impactOnACaseIsWhatMigratingWouldDo() throws {
        let old = try definition(Self.base)
        let calendar = try #require(old.makeCalendar())
        let state = try openCase(old, calendar: calendar)
        let today = LocalDate("2026-06-03")!

        let later = try definition(Self.base.replacingOccurrences(of: "due: releaseDate - 2 months, remind", with: "due: releaseDate - 3 months, remind"))
        let impact = MigrationImpact(of: state, following: old, to: later, today: today, calendar: calendar)
        #expect(impact.canMigrate)
        #expect(impact.isAffected)
        #expect(impact.taskChanges.map(\.description) == ["map: due 2026-10-23 → 2026-09-23"])

        let retitled = try definition(Self.base.replacingOccurrences(of: "title: Ask", with: "title: Ask for consent"))
        let unaffected = MigrationImpact(of: state, following: old, to: retitled, today: today, calendar: calendar)
        #expect(unaffected.canMigrate && !unaffected.isAffected)

        let withoutAsk = try definition(Self.base.replacingOccurrences(of: "      ask: { title: Ask, role: worker, due: releaseDate - 2 months }\n", with: ""))
        let refused = MigrationImpact(of: state, following: old, to: withoutAsk, today: today, calendar: calendar)
        #expect(!refused.canMigrate)
        #expect(refused.refusal == "Case 'c1' cannot migrate: its open task 'ask' does not exist in state 'start' of the new version.")

        let withNewTask = try definition(
            Self.base.replacingOccurrences(of: "      ask: {", with: "      call: { title: Call, role: worker }\n      ask: {"))
        let notOpened = MigrationImpact(of: state, following: old, to: withNewTask, today: today, calendar: calendar)
        #expect(notOpened.tasksNotOpened == ["call"])
        #expect(notOpened.isAffected)
    }
    /// A repeating task whose cadence changes keeps its open occurrence's dates, but
    /// its next occurrence moves: the case is affected, and says how.
    @Test func aCadenceChangeMovesTheNextOccurrence() throws {
        let monthly = Self.base.replacingOccurrences(
            of: "ask: { title: Ask, role: worker, due: releaseDate - 2 months }",
            with: "ask: { title: Ask, role: worker, due: releaseDate - 2 months, repeat: { every: 1 month } }")
        let old = try definition(monthly)
        let calendar = try #require(old.makeCalendar())
        let state = try openCase(old, calendar: calendar)
        let today = LocalDate("2026-06-03")!

        let fortnightly = try definition(monthly.replacingOccurrences(of: "every: 1 month", with: "every: 2 weeks"))
        let impact = MigrationImpact(of: state, following: old, to: fortnightly, today: today, calendar: calendar)
        #expect(impact.canMigrate)
        #expect(impact.taskChanges.isEmpty)
        #expect(impact.isAffected)
        #expect(impact.cadenceChanges.map(\.description) == ["ask: next occurrence 2026-11-23 → 2026-11-06 (every 1 month → every 2 weeks)"])

        let once = try definition(Self.base)
        let stopped = MigrationImpact(of: state, following: old, to: once, today: today, calendar: calendar)
        #expect(stopped.cadenceChanges.map(\.description) == ["ask: next occurrence 2026-11-23 → none (every 1 month → no repetition)"])

        let same = MigrationImpact(of: state, following: old, to: try definition(monthly + "# a comment\n"), today: today, calendar: calendar)
        #expect(same.cadenceChanges.isEmpty)
    }
}
