import Foundation
import Processes
import Testing
@testable import WorkflowKit
import WorkflowKitTesting

/// After a record, the decider recomputes only the open tasks whose dates may read a field
/// that changed (or read today, the opening date, an event's date or the consent). Over
/// random cases of the shipped processes (and one whose dates read today), with records,
/// completions, events and consent in between, its events after each record equal those of
/// recomputing every open task's window. Seeded: a failure names its seed.
@Suite("Decider: a record reschedules only what it touches")
struct RescheduleTouchedTests {
    static let seeds: [UInt64] = Array(1...12)
    static let casesPerProcess = 4
    static let commandsPerCase = 40

    static func value(_ random: inout SeededRandom, for field: FieldDefinition, around day: LocalDate) -> ExpressionValue? {
        switch field.type {
        case .date: .date(day.adding(days: Int.random(in: -90...240, using: &random)))
        case .bool: .bool(random.chance(0.5))
        case .number: .number(Double(Int.random(in: 0...6, using: &random)))
        case .choice: field.values.isEmpty ? nil : .text(random.pick(field.values))
        case .text: .text("text-\(Int.random(in: 0...3, using: &random))")
        case .parties: nil
        }
    }

    /// A process whose dates read today and the opening date besides fields, which the
    /// shipped ones do not: a record of any field must move a date counted from today.
    static let dated = """
        process: dated
        title: Dated
        calendar: fi
        fields:
          d1: { type: date, required: true }
          d2: { type: date }
          n: { type: number }
          flag: { type: bool }
        roles: { worker: Worker }
        events: { e1: One }
        states:
          start:
            initial: true
            tasks:
              from-today: { title: From today, role: worker, due: today + 3 working days }
              before-d1: { title: Before d1, role: worker, due: d1 - 5 working days }
              around-d2: { title: Around d2, role: worker, earliest: d2 - 1 week, due: d2 + 2 days }
              either: { title: Either, role: worker, due: "max(d1, d2) - 1 week" }
              after-opening: { title: After opening, role: worker, due: openedOn + 1 month }
              undated: { title: Undated, role: worker }
            on:
              e1: end
          end:
            final: true
        """

    /// The events of recording `values` and `cleared` with every open task recomputed.
    static func recomputingAll(
        _ values: [String: ExpressionValue], cleared: [String], state: CaseState, definition: ProcessDefinition, today: LocalDate,
        calendar: any BusinessCalendar
    ) -> [CaseEvent] {
        let changed = values.filter { state.fields[$0.key] != $0.value }.map(\.key) + cleared.filter { state.fields[$0] != nil }
        if changed.isEmpty { return [] }
        var run = CaseDecider.Run(state: state, definition: definition, today: today, calendar: calendar)
        run.emit(.fieldsRecorded(FieldsRecorded(values: values, cleared: cleared, on: today)))
        run.reschedule(reason: "The field\(changed.count == 1 ? "" : "s") \(quoted(changed.sorted())) changed.")
        return run.events
    }

    @Test("random records over the shipped processes: the events equal recomputing every open task", arguments: seeds)
    func equalsRecomputingAll(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let definitions = ProcessCatalog(directory: SimulatedYearScheduleTests.processes).processes.map(\.definition)
            + [try CaseScenario.definition(yaml: Self.dated)]
        #expect(definitions.count > 3)
        var records = 0
        var rescheduled = 0
        var leftAsTheyWere = 0
        for definition in definitions {
            let calendar = try definition.calendar(in: .standard)
            for number in 0..<Self.casesPerProcess {
                var today = LocalDate(year: 2026, month: 1, day: 5)!.adding(days: Int.random(in: 0...300, using: &random))
                var fields: [String: ExpressionValue] = [:]
                for field in definition.fields where field.required || random.chance(0.5) {
                    fields[field.id] = Self.value(&random, for: field, around: today)
                }
                var state = CaseState(id: StreamID("case-\(number)"))
                guard
                    let opened = try? CaseDecider.decide(
                        .open(fields: fields, responsibleWorker: "anna"), state: state, definition: definition, today: today,
                        calendar: calendar)
                else { continue }
                opened.forEach { state.apply($0) }
                for step in 0..<Self.commandsPerCase {
                    today = today.adding(days: Int.random(in: 0...10, using: &random))
                    let label = "seed \(seed), \(definition.id), case \(number), step \(step)"
                    let command: CaseCommand
                    switch Int.random(in: 0..<100, using: &random) {
                    case 0..<55:
                        var values: [String: ExpressionValue] = [:]
                        for field in random.subset(definition.fields) {
                            values[field.id] = Self.value(&random, for: field, around: today)
                        }
                        let cleared = definition.fields.filter { !$0.required && values[$0.id] == nil && random.chance(0.1) }.map(\.id)
                        command = .record(values: values, cleared: cleared)
                    case 55..<80:
                        guard let open = state.openTasks.isEmpty ? nil : random.pick(state.openTasks) else { continue }
                        command = .complete(task: open.task)
                    case 80..<92:
                        guard !definition.events.isEmpty else { continue }
                        command = .fire(event: random.pick(definition.events).id)
                    default:
                        command = .giveConsent(parties: random.subset(definition.parties.map(\.id)))
                    }
                    guard
                        let events = try? CaseDecider.decide(
                            command, state: state, definition: definition, today: today, calendar: calendar)
                    else { continue }
                    if case .record(let values, let cleared) = command {
                        records += 1
                        let all = Self.recomputingAll(
                            values, cleared: cleared, state: state, definition: definition, today: today, calendar: calendar)
                        #expect(events == all, "\(label): \(values) cleared \(cleared)")
                        rescheduled += events.filter { if case .taskRescheduled = $0 { true } else { false } }.count
                        // Open tasks whose dates read only fields the record left alone.
                        let changed = Set(values.keys).union(cleared)
                        leftAsTheyWere += state.openTasks.filter { open in
                            guard open.occurrence == 1, let task = definition.task(open.task)?.task else { return false }
                            return [task.earliest, task.due].contains { $0 != nil }
                                && ![task.earliest, task.due].contains { $0?.mayChange(withFields: changed) ?? false }
                        }.count
                    }
                    events.forEach { state.apply($0) }
                    if state.isClosed { break }
                }
            }
        }
        #expect(records > 50, "seed \(seed)")
        #expect(rescheduled > 0, "seed \(seed): no record moved a date")
        #expect(leftAsTheyWere > 0, "seed \(seed): no record left a task alone")
    }
}
