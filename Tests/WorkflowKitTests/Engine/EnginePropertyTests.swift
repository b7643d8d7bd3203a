import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Random command sequences over random small processes, run through the engine on a
/// real SQLite file. Seeded: a failure names its seed, and the same seed fails again.
@Suite("Engine properties")
struct EnginePropertyTests {
    typealias F = EngineFixtures

    static let seeds: [UInt64] = Array(1...40)
    static let casesPerProcess = 3
    static let commandsPerCase = 40

    static let parties = ["p1", "p2", "p3"]
    static let events = ["e1", "e2", "e3"]
    static let dueRules = [
        "d1 - 1 month", "openedOn + 3 working days", "d2 + 10 days", "event.e1 + 2 working days", "max(d1, d2) - 1 week",
        "d1 - 2 months + 5 working days",
    ]
    static let guards = ["flag == true", "known(d2)", "consent.includes('p1')", "d1 > openedOn + 3 months", "consent.given", "n > 2"]

    /// A random process that always loads: a chain of states to a final one, with extra
    /// transitions, guards, tasks, windows, consent, outcomes and repetitions drawn at random.
    static func process(_ random: inout SeededRandom, id: String) -> String {
        let count = Int.random(in: 2...4, using: &random)
        let states = (0..<count).map { "s\($0)" }
        var yaml = """
            process: \(id)
            title: Generated
            calendar: fi
            fields:
              d1: { type: date, required: true }
              d2: { type: date }
              flag: { type: bool }
              n: { type: number }
            parties: { p1: One, p2: Two, p3: Three }
            roles: { worker: Worker, chair: Chair }
            events: { e1: One, e2: Two, e3: Three }

            """
        if random.chance(0.5) {
            yaml += """
                fastTrack:
                  when: openedOn > d1 - 2 months
                  state: \(random.pick(Array(states.dropFirst())))
                  reason: Opened late.

                """
        }
        yaml += "states:\n"
        var taskNumber = 0
        for (index, state) in states.enumerated() {
            yaml += "  \(state):\n"
            if index == 0 { yaml += "    initial: true\n" }
            let taskCount = Int.random(in: 0...2, using: &random)
            if taskCount > 0 {
                yaml += "    tasks:\n"
                for _ in 0..<taskCount {
                    taskNumber += 1
                    var parts = ["title: Task \(taskNumber)", "role: \(random.pick(["worker", "chair"]))"]
                    let hasDue = random.chance(0.8)
                    if hasDue {
                        parts.append("due: \"\(random.pick(dueRules))\"")
                        parts.append("remind: [on due]")
                    }
                    if random.chance(0.3) { parts.append("earliest: d1 - 3 months") }
                    let involves = random.chance(0.4) ? random.subset(parties) : []
                    if !involves.isEmpty { parts.append("involves: [\(involves.joined(separator: ", "))]") }
                    let outcomes = random.chance(0.4) ? random.subset(["flag", "n", "d2"]) : []
                    if !outcomes.isEmpty { parts.append("outcomes: [\(outcomes.joined(separator: ", "))]") }
                    if hasDue && random.chance(0.3) {
                        parts.append("repeat: { every: \(random.pick(["1 month", "2 weeks"])), until: \(random.pick(["case closes", "flag == true"])) }")
                    }
                    yaml += "      t\(taskNumber): { \(parts.joined(separator: ", ")) }\n"
                }
            }
            yaml += "    on:\n"
            let next = index + 1 < count ? states[index + 1] : "end"
            var used: Set<String> = []
            let chainEvent = random.chance(0.2) && taskCount > 0 ? EventDefinition.allTasksDone : random.pick(events)
            used.insert(chainEvent)
            if random.chance(0.4) {
                yaml += "      \(chainEvent): [ { to: \(next), guard: \"\(random.pick(guards))\" }, { to: \(random.pick(states + ["end"])) } ]\n"
            } else {
                yaml += "      \(chainEvent): \(next)\n"
            }
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                let event = random.pick(events + [EventDefinition.allTasksDone])
                guard used.insert(event).inserted else { continue }
                let target = random.pick(states + ["end"])
                if random.chance(0.5) {
                    yaml += "      \(event): { to: \(target), guard: \"\(random.pick(guards))\" }\n"
                } else {
                    yaml += "      \(event): \(target)\n"
                }
            }
        }
        yaml += "  end:\n    final: true\n"
        return yaml
    }

    static func randomDate(_ random: inout SeededRandom, around day: LocalDate) -> LocalDate {
        day.adding(days: Int.random(in: -60...240, using: &random))
    }

    static func randomValue(_ random: inout SeededRandom, for field: String, around day: LocalDate) -> ExpressionValue {
        if random.chance(0.05) { return .text("not-a-value") }  // refused, whatever the field
        switch field {
        case "d1", "d2": return .date(randomDate(&random, around: day))
        case "flag": return .bool(random.chance(0.5))
        default: return .number(Double(Int.random(in: 0...5, using: &random)))
        }
    }

    static func command(_ random: inout SeededRandom, definition: ProcessDefinition, variant: ProcessDefinition, today: LocalDate)
        -> CaseCommand
    {
        let tasks = definition.states.flatMap(\.tasks)
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<15:
            let field = random.pick(["d1", "d2", "flag", "n"])
            if field == "d2" && random.chance(0.2) { return .record(values: [:], cleared: ["d2"]) }
            return .record(values: [field: randomValue(&random, for: field, around: today)])
        case 15..<40:
            guard !tasks.isEmpty else { return .fire(event: random.pick(events)) }
            let task = random.chance(0.05) ? "no-such-task" : random.pick(tasks).id
            var outcomes: [String: ExpressionValue] = [:]
            for field in random.subset(["flag", "n", "d2"]) where random.chance(0.5) {
                outcomes[field] = randomValue(&random, for: field, around: today)
            }
            return .complete(task: task, outcomes: outcomes)
        case 40..<60:
            return .fire(event: random.pick(events + [EventDefinition.allTasksDone, "no-such-event"]))
        case 60..<72:
            var named = random.subset(parties)
            if random.chance(0.05) { named.append("p9") }
            return .giveConsent(parties: named)
        case 72..<77:
            return .withdrawConsent
        case 77..<85:
            return .disclose(party: random.pick(parties), purpose: "advance information")
        case 85..<93:
            return .handOver(to: random.pick(["anna", "ben", "cecilia"]))
        case 93..<96:
            return .migrate(to: variant)
        default:
            return .close(reason: "The work ended.")
        }
    }

    @Test("random commands on random processes keep the invariants", arguments: seeds)
    func invariants(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let yaml = Self.process(&random, id: "generated-\(seed)")
        let definition = try CaseScenario.definition(yaml: yaml)
        // A second version of the same process: one due rule changed, for migrations.
        let variant = try CaseScenario.definition(yaml: yaml.replacingOccurrences(of: "remind: [on due]", with: "remind: [1 day before due]"))
        let directory = try TemporaryDirectory()
        var options = SQLiteEventStore.Options()
        options.synchronous = .normal
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"), options: options)
        let time = ManualTime(milliseconds: F.at("2026-03-02"))
        let engine = Engine(database: database, now: time.provider)
        let actor = Acting("worker:anna")
        var today = F.date("2026-03-02")
        var refusals = 0
        var applied = 0

        for caseNumber in 0..<Self.casesPerProcess {
            let id = StreamID("case-\(caseNumber)")
            var fields: [String: ExpressionValue] = ["d1": .date(Self.randomDate(&random, around: today))]
            if random.chance(0.5) { fields["d2"] = .date(Self.randomDate(&random, around: today)) }
            let opened = try await engine.open(definition, caseID: id, fields: fields, responsibleWorker: "anna", by: actor)
            #expect(opened.state == CaseState.fold(id, try await F.history(database, id)), "seed \(seed)")

            for step in 0..<Self.commandsPerCase {
                today = today.adding(days: Int.random(in: 0...12, using: &random))
                time.set(milliseconds: F.at(today.description))
                let command = Self.command(&random, definition: definition, variant: variant, today: today)
                let position = try await database.events.lastPosition()
                let label = "seed \(seed), \(id), step \(step), \(command)"
                do {
                    let outcome = try await engine.execute(command, on: id, by: actor)
                    applied += 1
                    let history = try await F.history(database, id)
                    let folded = CaseState.fold(id, history)
                    #expect(outcome.state == folded, "\(label)")
                    #expect(try await engine.load(id).0 == folded, "\(label)")
                    #expect(folded.version == Int64(history.count), "\(label)")
                    let expectedPosition = outcome.events.isEmpty ? position : position + Int64(outcome.events.count)
                    #expect(try await database.events.lastPosition() == expectedPosition, "\(label)")
                    // A suspended or open task is open in the projection exactly as in the state.
                    #expect(try await F.problems(database, id) == [], "\(label)")
                } catch is CommandRefused {
                    refusals += 1
                    #expect(try await database.events.lastPosition() == position, "refused and appended: \(label)")
                }
            }
        }
        #expect(applied > 0 && refusals > 0, "seed \(seed): \(applied) applied, \(refusals) refused")
        let live = try await database.projectionSnapshot()
        let replayed = try await database.rebuildProjections()
        #expect(replayed == Int(try await database.events.lastPosition()))
        #expect(try await database.projectionSnapshot() == live, "seed \(seed)")
        #expect(try await database.events.verify().isIntact)
    }

    @Test("the generator is reproducible")
    func reproducible() {
        var first = SeededRandom(seed: 42)
        var second = SeededRandom(seed: 42)
        #expect(Self.process(&first, id: "p") == Self.process(&second, id: "p"))
    }
}
