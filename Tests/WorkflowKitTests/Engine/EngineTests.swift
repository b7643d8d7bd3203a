import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// The engine on real SQLite files: commands in, events and projections out.
@Suite("Engine")
struct EngineTests {
    typealias F = EngineFixtures
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")

    @Test("a whole vat-generic case, with the projections checked after every step")
    func wholeCase() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try F.vatGeneric()
        let id: StreamID = "vat-1"

        func step(_ day: String, _ command: CaseCommand, by actor: Acting? = nil) async throws -> CaseOutcome {
            time.set(milliseconds: F.at(day))
            let outcome = try await engine.execute(command, on: id, by: actor ?? anna)
            #expect(try await F.problems(database, id) == [], "after \(command.name) on \(day)")
            #expect(try await engine.load(id).0 == outcome.state)
            return outcome
        }
        func tasks() async throws -> [String] {
            try await database.tasks(TaskQuery(caseID: id)).map { "\($0.task) \($0.role) \($0.due?.description ?? "-")" }
        }
        func summary() async throws -> CaseSummary {
            let rows = try await database.cases()
            let row = rows.first { $0.id == id }
            guard let row else { throw ScenarioError("The cases projection has no row for '\(id)'.") }
            return row
        }

        let opened = try await engine.open(
            definition, caseID: id, fields: ["releaseDate": .date(F.date("2026-12-23"))], responsibleWorker: "worker:anna", by: anna)
        #expect(opened.append.version == 4 && opened.state.version == 4)
        #expect(try await F.problems(database, id) == [])
        var row = try await summary()
        #expect(row.process == "vat-generic" && row.definition == definition.contentHash && row.state == "mapping")
        #expect(row.openedOn == F.date("2026-06-01") && row.fastTrack == nil && row.nextDue == F.date("2026-10-23"))
        #expect(try await tasks() == ["ask-consent responsible-worker 2026-10-23", "map-housing responsible-worker 2026-10-23"])

        _ = try await step("2026-06-10", .complete(task: "map-housing"))
        #expect(try await tasks() == ["ask-consent responsible-worker 2026-10-23"])

        let consent = try await step("2026-06-12", .giveConsent(parties: ["prison", "adult-social-work"]))
        #expect(consent.state.state == "notify")
        // One invitation per party; the six the consent does not name are suspended.
        // Midsummer Eve, 19 June 2026, is not a working day.
        let notifying = try await tasks()
        #expect(notifying.count == 12)
        #expect(
            Set(notifying).isSuperset(of: [
                "notify-chair responsible-worker 2026-06-16", "contact-wellbeing-county responsible-worker 2026-06-22",
                "collect-advance-information responsible-worker 2026-06-22", "invite-prison chair 2026-06-29",
                "invite-adult-social-work chair 2026-06-29", "prepare-client responsible-worker 2026-06-29",
            ]))
        _ = try await step("2026-06-15", .disclose(party: "adult-social-work", purpose: "invitation"), by: chair)
        _ = try await step("2026-06-15", .complete(task: "notify-chair"))
        _ = try await step("2026-06-16", .complete(task: "invite-adult-social-work"), by: chair)
        _ = try await step("2026-06-16", .complete(task: "invite-prison"), by: chair)
        _ = try await step("2026-06-16", .complete(task: "contact-wellbeing-county"))
        _ = try await step("2026-06-16", .complete(task: "collect-advance-information"))
        _ = try await step("2026-06-17", .complete(task: "prepare-client"))
        #expect(try await summary().state == "notify")
        // What is left are the six invitations the consent does not name, each suspended.
        let waiting = try await database.tasks(TaskQuery(caseID: id))
        #expect(waiting.count == 6 && waiting.allSatisfy { $0.suspended && $0.task.hasPrefix("invite-") }, "\(waiting)")

        let meeting = try await step("2026-08-03", .fire(event: "meeting-held"), by: chair)
        #expect(meeting.state.state == "meeting-done")
        #expect(Set(try await tasks()) == ["record-meeting chair 2026-08-04", "agree-actions chair 2026-08-05", "write-memo chair 2026-08-10"])
        _ = try await step(
            "2026-08-04", .complete(task: "agree-actions", outcomes: ["housingForm": .text("supported"), "supportLinked": .bool(true)]),
            by: chair)
        _ = try await step("2026-08-05", .handOver(to: "worker:ben"))
        #expect(try await summary().responsibleWorker == "worker:ben")
        let late = try await step("2026-08-11", .complete(task: "write-memo"), by: chair)
        guard case .taskCompleted(let memo) = late.events.first else {
            Issue.record("expected TaskCompleted, got \(late.events)")
            return
        }
        #expect(memo.late)
        _ = try await step("2026-08-11", .fire(event: "memo-sent"), by: chair)
        #expect(
            Set(try await tasks()) == [
                "follow-up-housing responsible-worker 2026-09-11", "service-need-assessment responsible-worker 2026-12-09",
                "id-card responsible-worker 2026-11-23", "strong-identification responsible-worker 2026-12-16",
            ])
        let follow = try await step("2026-09-10", .complete(task: "follow-up-housing", outcomes: ["housedBeforeRelease": .bool(true)]))
        #expect(follow.state.openTask("follow-up-housing")?.occurrence == 2)
        #expect(try await tasks().filter { $0.hasPrefix("follow-up-housing") } == ["follow-up-housing responsible-worker 2026-10-12"])  // 11 October 2026 is a Sunday

        let closed = try await step("2026-10-01", .fire(event: "case-closed"))
        #expect(closed.state.isClosed && closed.state.state == "closed")
        row = try await summary()
        #expect(row.closedOn == F.date("2026-10-01") && row.openTasks == 0 && row.nextDue == nil)
        #expect(try await database.cases(includeClosed: false).isEmpty)
        #expect(row.version == closed.append.version)

        // The state read back from the log is the fold of the stored history.
        #expect(CaseState.fold(id, try await F.history(database, id)) == closed.state)
        #expect(closed.state.fields["housingForm"] == .text("supported"))
        // Who did what is in the metadata of every event.
        let stored = try await database.events.read(stream: id).collect()
        #expect(stored.filter { $0.type == "InformationDisclosed" }.map(\.metadata.role) == ["chair"])
        #expect(try await database.events.verify().isIntact)
        let live = try await database.projectionSnapshot()
        try await database.rebuildProjections()
        #expect(try await database.projectionSnapshot() == live)
    }

    @Test("a refused command appends nothing and says why")
    func refusedAppendsNothing() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        let position = try await database.events.lastPosition()
        let snapshot = try await database.projectionSnapshot()
        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.fire(event: "meeting-held"), on: "c-1", by: anna)
        }
        do {
            try await engine.execute(.fire(event: "memo-sent"), on: "c-1", by: anna, commandID: "refused-1")
        } catch let refused as CommandRefused {
            #expect(refused.code == .notAllowedInState)
            #expect(refused.message.contains("'mapping'") && refused.message.contains("consent-given, client-declined"))
        }
        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.fire(event: "meeting-held"), on: "no-such-case", by: anna)
        }
        #expect(try await database.events.lastPosition() == position)
        #expect(try await database.projectionSnapshot() == snapshot)
        #expect(try await database.appliedCommand("refused-1") == nil)
        // A migration that is refused leaves no definition behind either.
        var other = try F.vatGeneric()
        other.states.removeAll { $0.id == "mapping" }
        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.migrate(to: other), on: "c-1", by: anna)
        }
        #expect(try await database.definitionHashes(process: "vat-generic").count == 1)
        #expect(try await database.events.lastPosition() == position)
    }

    @Test("a case keeps the definition it was opened with, even after the file changes")
    func pinnedDefinition() async throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("vat-generic.yaml")
        let original = try String(contentsOf: F.repositoryRoot.appendingPathComponent("processes/vat-generic.yaml"), encoding: .utf8)
        try original.write(toFile: file, atomically: true, encoding: .utf8)
        let first = try #require(ProcessLoader().load(paths: [file]).definition(id: "vat-generic"))
        let path = directory.path("cases.sqlite")
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        do {
            let engine = Engine(database: try WorkflowDatabase(path: path), now: time.provider)
            try await engine.open(first, caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        }
        // The coordinator edits the file: the mapping is now due three months before release.
        let withoutExamples = String(original[..<original.range(of: "\nexamples:")!.lowerBound]) + "\n"
        let edited = withoutExamples.replacingOccurrences(of: "due: releaseDate - 2 months\n", with: "due: releaseDate - 3 months\n")
        #expect(edited != original)
        try edited.write(toFile: file, atomically: true, encoding: .utf8)
        let second = try #require(ProcessLoader().load(paths: [file]).definition(id: "vat-generic"))
        #expect(second.contentHash != first.contentHash)

        // A new engine on the same file reads the stored definition back, exactly.
        let database = try WorkflowDatabase(path: path)
        let engine = Engine(database: database, now: time.provider)
        let stored = try #require(try await database.definition(hash: first.contentHash))
        #expect(stored.contentHash == first.contentHash)
        #expect(stored.states == first.states && stored.fields == first.fields && stored.fastTrack == first.fastTrack)
        let (state, definition) = try await engine.load("c-1")
        #expect(definition.contentHash == first.contentHash)
        // Recording a field reschedules by the stored rules, not the edited file.
        let outcome = try await engine.execute(.record(values: ["releaseDate": .date(F.date("2027-01-22"))]), on: "c-1", by: anna)
        #expect(state.openTask("map-housing")?.due == F.date("2026-10-23"))
        #expect(outcome.state.openTask("map-housing")?.due == F.date("2026-11-23"))
        // Moving the case to the edited version is explicit.
        let migrated = try await engine.execute(.migrate(to: second), on: "c-1", by: anna)
        #expect(migrated.state.definition == second.contentHash)
        #expect(migrated.state.openTask("map-housing")?.due == F.date("2026-10-22"))
        #expect(try await database.definitionHashes(process: "vat-generic").sorted() == [first.contentHash, second.contentHash].sorted())
        #expect(try await F.problems(database, "c-1") == [])
    }

    @Test("a command id makes a command idempotent, even when its decision is no longer possible")
    func idempotentCommands() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let definition = try F.vatGeneric()
        let fields: [String: ExpressionValue] = ["releaseDate": .date(F.date("2026-12-23"))]
        let opened = try await engine.open(definition, caseID: "c-1", fields: fields, by: anna, commandID: "open-1")
        let reopened = try await engine.open(definition, caseID: "c-1", fields: fields, by: anna, commandID: "open-1")
        #expect(reopened.append.wasAlreadyApplied && reopened.events.isEmpty)
        #expect(reopened.append.lastPosition == opened.append.lastPosition && reopened.state == opened.state)

        let done = try await engine.execute(.complete(task: "map-housing"), on: "c-1", by: anna, commandID: "done-1")
        let position = try await database.events.lastPosition()
        // The task is no longer open, but the same command id reports the first result.
        let again = try await engine.execute(.complete(task: "map-housing"), on: "c-1", by: anna, commandID: "done-1")
        #expect(again.append.wasAlreadyApplied && again.events.isEmpty)
        #expect(again.append.version == done.append.version && again.append.lastPosition == done.append.lastPosition)
        #expect(try await database.events.lastPosition() == position)
        // Without the id, the repeated command is refused.
        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.complete(task: "map-housing"), on: "c-1", by: anna)
        }
        // The id cannot be used for another case.
        try await engine.open(definition, caseID: "c-2", fields: fields, by: anna)
        await #expect(throws: EventStoreError.self) {
            try await engine.execute(.complete(task: "map-housing"), on: "c-2", by: anna, commandID: "done-1")
        }
        #expect(try await database.events.lastPosition() == position + 4)
    }

    @Test("many concurrent commands on one case: each succeeds or is refused cleanly, versions stay contiguous")
    func concurrentCommands() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let definition = try F.vatGeneric()
        // Three engines, each with its own connection pool, as three processes would have.
        let databases = try (0..<3).map { _ in try WorkflowDatabase(path: path) }
        let engines = databases.map { Engine(database: $0, now: time.provider) }
        let database = databases[0]
        try await engines[0].open(definition, caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        try await engines[0].execute(.giveConsent(parties: definition.parties.map(\.id)), on: "c-1", by: anna)
        let start = try await database.events.version(of: "c-1")

        // Disclosures are always allowed: every one must land, one event each.
        let parties = definition.parties.map(\.id)
        let disclosed = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<36 {
                group.addTask {
                    let outcome = try await engines[index % 3].execute(
                        .disclose(party: parties[index % parties.count], purpose: "memo \(index)"), on: "c-1", by: anna,
                        commandID: "disclose-\(index)")
                    return outcome.append.version
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(disclosed.sorted() == Array(start + 1...start + 36))

        // Completing one task many times at once: exactly one wins, the others are refused.
        let results = await withTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        try await engines[index % 3].execute(.complete(task: "notify-chair"), on: "c-1", by: anna)
                        return "done"
                    } catch let refused as CommandRefused {
                        return refused.code == .unknownTask ? "refused" : "refused \(refused.code)"
                    } catch {
                        return "failed \(error)"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == "done" }.count == 1)
        #expect(results.filter { $0 == "refused" }.count == 11)

        let history = try await F.history(database, "c-1")
        #expect(history.filter { $0.typeName == "InformationDisclosed" }.count == 36)
        #expect(history.filter { $0.typeName == "TaskCompleted" }.count == 1)
        #expect(try await database.events.verify().isIntact)
        #expect(try await F.problems(database, "c-1") == [])
        let live = try await database.projectionSnapshot()
        try await database.rebuildProjections()
        #expect(try await database.projectionSnapshot() == live)
    }

    @Test("an engine that last saw a case before another engine wrote it decides on the newer history")
    func staleEngine() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cases.sqlite")
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let first = Engine(database: try WorkflowDatabase(path: path), now: time.provider)
        let secondDatabase = try WorkflowDatabase(path: path)
        let second = Engine(database: secondDatabase, now: time.provider)
        try await first.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        _ = try await second.load("c-1")
        try await first.execute(.complete(task: "map-housing"), on: "c-1", by: anna)
        // The second engine still holds the case with map-housing open.
        await #expect(throws: CommandRefused.self) {
            try await second.execute(.complete(task: "map-housing"), on: "c-1", by: anna)
        }
        try await first.execute(.handOver(to: "worker:ben"), on: "c-1", by: anna)
        let outcome = try await second.execute(.complete(task: "ask-consent"), on: "c-1", by: anna)
        #expect(outcome.state.responsibleWorker == "worker:ben" && outcome.state.openTasks.isEmpty)
        #expect(outcome.state == CaseState.fold("c-1", try await F.history(secondDatabase, "c-1")))
        #expect(try await F.problems(secondDatabase, "c-1") == [])
    }

    @Test("explain says why a task is due when it is, for a first occurrence and a repetition")
    func explain() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let engine = Engine(database: try WorkflowDatabase(path: directory.path("cases.sqlite")), now: time.provider)
        try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        let first = try await engine.explain(task: "map-housing", of: "c-1")
        #expect(first.earliest == F.date("2026-06-23") && first.due == F.date("2026-10-23"))
        #expect(first.explanation.contains { $0.contains("releaseDate") })
        #expect(first.explanation.last == "calendar: fi")
        for (day, command) in [
            ("2026-06-05", CaseCommand.giveConsent(parties: ["prison", "adult-social-work"])),
            ("2026-06-20", .fire(event: "meeting-held")), ("2026-06-22", .fire(event: "memo-sent")),
            ("2026-07-22", .complete(task: "follow-up-housing")),
        ] {
            time.set(milliseconds: F.at(day))
            try await engine.execute(command, on: "c-1", by: chair)
        }
        let repeated = try await engine.explain(task: "follow-up-housing", of: "c-1")
        #expect(repeated.due == F.date("2026-08-24"))  // 22 August 2026 is a Saturday
        #expect(repeated.explanation.contains { $0.contains("occurrence 2") })
        await #expect(throws: CommandRefused.self) { try await engine.explain(task: "no-such-task", of: "c-1") }
    }

    @Test("reminder events in a case's stream move the projected version on")
    func foreignEventsKeepVersion() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        let note = try NewEvent(type: "NoteForOthers", encoding: ["about": "c-1"])
        try await database.events.append([note], to: "c-1", expected: .exact(4), metadata: EventMetadata(actor: "other"))
        #expect(try await database.cases().first?.version == 5)
        let outcome = try await engine.execute(.complete(task: "map-housing"), on: "c-1", by: anna)
        #expect(outcome.append.version == 6 && outcome.state.version == 6)
        #expect(try await database.cases().first?.version == 6)
        let live = try await database.projectionSnapshot()
        try await database.rebuildProjections()
        #expect(try await database.projectionSnapshot() == live)
    }
}
