import Foundation
import GRDB
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Erasure is a command like the others: ``CaseDecider`` decides it, and the engine
/// appends it under its case lock, with its retry and its clock, deleting the case's key
/// in the same transaction.
@Suite("Erasure as a command")
struct ErasureTests {
    typealias Fixture = PersonalDataTests

    /// The case's process as another version has it: one more personal field.
    static func otherVersion() throws -> ProcessDefinition {
        try CaseScenario.definition(
            yaml: Fixture.yaml.replacingOccurrences(
                of: "  housingForm:", with: "  phone: { type: text, personal: true }\n  housingForm:"))
    }

    static func caseKeys(_ database: WorkflowDatabase) async throws -> [String] {
        try await database.events.pool.read { db in try String.fetchAll(db, sql: "SELECT case_id FROM case_keys ORDER BY case_id") }
    }

    @Test("the decider erases: the personal fields of every version of the process, on an open or a closed case")
    func decided() throws {
        let definition = try Fixture.definition()
        let today = LocalDate("2026-06-01")!
        var scenario = try CaseScenario(definition, id: "c-1", today: today)
        try scenario.run(.open(fields: ["releaseDate": .date(LocalDate(Fixture.releaseDate)!), "note": .text("n")], responsibleWorker: nil))
        let calendar = FinnishCalendar()
        let events = try CaseDecider.decide(
            .erase(reason: "Asked by the client."), state: scenario.state, definition: definition, today: today, calendar: calendar,
            otherVersions: [try Self.otherVersion()])
        #expect(events == [.caseErased(CaseErased(reason: "Asked by the client.", fields: ["finding", "note", "phone", "releaseDate"], on: today))])
        // Without other versions, the case's own; a closed case is erased like an open one.
        try scenario.run(.close(reason: "Done."))
        let closed = try CaseDecider.decide(.erase(reason: "r"), state: scenario.state, definition: definition, today: today, calendar: calendar)
        #expect(closed == [.caseErased(CaseErased(reason: "r", fields: ["finding", "note", "releaseDate"], on: today))])
    }

    @Test("the decider refuses an unknown case and an erased one")
    func refusedByTheDecider() throws {
        let definition = try Fixture.definition()
        let today = LocalDate("2026-06-01")!
        let unknown = #expect(throws: CommandRefused.self) {
            try CaseDecider.decide(.erase(reason: "r"), state: CaseState(id: "nobody"), definition: definition, today: today, calendar: FinnishCalendar())
        }
        #expect(unknown?.code == .unknownCase)
        var scenario = try CaseScenario(definition, id: "c-1", today: today)
        try scenario.run(.open(fields: ["releaseDate": .date(LocalDate(Fixture.releaseDate)!)], responsibleWorker: nil))
        try scenario.run(.erase(reason: "Retention period ended."))
        let again = #expect(throws: CommandRefused.self) { try scenario.run(.erase(reason: "Again.")) }
        #expect(again?.code == .erased)
        #expect(again?.message == "Case 'c-1' was already erased (Retention period ended.).")
    }

    @Test("a refusal from the decider appends nothing and deletes no key")
    func refusalWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        let (database, engine) = try Fixture.open(directory.path("log.sqlite"))
        try await Fixture.plantedCase(engine)
        try await KeyRotationTests.openCase("c-2", engine)
        try await engine.execute(.erase(reason: "Retention period ended."), on: "c-1", by: Acting("archivist"))
        #expect(try await Self.caseKeys(database) == ["c-2"])
        let position = try await database.events.lastPosition()

        let unknown = await #expect(throws: CommandRefused.self) {
            try await engine.execute(.erase(reason: "r"), on: "c-3", by: Acting("archivist"))
        }
        #expect(unknown?.code == .unknownCase)
        let again = await #expect(throws: CommandRefused.self) {
            try await Engine(database: database).execute(.erase(reason: "Again."), on: "c-1", by: Acting("archivist"))
        }
        #expect(again?.code == .erased)
        #expect(try await database.events.lastPosition() == position)
        #expect(try await Self.caseKeys(database) == ["c-2"])
        #expect(try await engine.load("c-2").0.fields["note"] == .text(Fixture.note))
    }

    @Test("an erasure is dated by the engine's clock, and a repeated command id reports the first erasure")
    func enginesClockAndCommandID() async throws {
        let directory = try TemporaryDirectory()
        // The log's own clock is the real one: only the engine's says 2030.
        let database = try WorkflowDatabase(path: directory.path("log.sqlite"), masterKey: .base64(Fixture.masterKey))
        let opener = Engine(database: database, now: { Fixture.now })
        try await Fixture.plantedCase(opener)
        let engine = Engine(database: database, now: { EngineFixtures.at("2030-01-15") })
        let first = try await engine.execute(.erase(reason: "Asked by the client."), on: "c-1", by: Acting("archivist"), commandID: "erase-1")
        #expect(first.events == [.caseErased(CaseErased(reason: "Asked by the client.", fields: ["finding", "note", "releaseDate"], on: LocalDate("2030-01-15")!))])
        #expect(first.state.erased?.on == LocalDate("2030-01-15"))
        let position = try await database.events.lastPosition()
        let again = try await Engine(database: database).execute(
            .erase(reason: "Asked by the client."), on: "c-1", by: Acting("archivist"), commandID: "erase-1")
        #expect(again.events.isEmpty && again.append.wasAlreadyApplied && again.append.version == first.append.version)
        #expect(try await database.events.lastPosition() == position)
        #expect(try await database.cases().first?.erasedOn == LocalDate("2030-01-15"))
    }

    @Test("an erasure racing commands on the engine and another engine's erasure: erased once, nothing after it")
    func concurrentErasures() async throws {
        let directory = try TemporaryDirectory()
        let (database, engine) = try Fixture.open(directory.path("log.sqlite"))
        try await Fixture.plantedCase(engine)
        let other = Engine(database: database, now: { Fixture.now })
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        switch index {
                        case 3: try await engine.execute(.erase(reason: "By the first engine."), on: "c-1", by: Acting("archivist"))
                        case 7: try await other.execute(.erase(reason: "By the other engine."), on: "c-1", by: Acting("archivist"))
                        default:
                            try await engine.execute(
                                .record(values: ["housingForm": .text(index % 2 == 0 ? "supported" : "independent")]), on: "c-1",
                                by: Acting("anna"))
                        }
                        return index == 3 || index == 7 ? "erased" : "recorded"
                    } catch let refused as CommandRefused where refused.code == .erased {
                        return "refused"
                    }
                }
            }
            var outcomes: [String] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0 == "erased" }.count == 1)
        let types = try await database.events.read(stream: "c-1", fromVersion: 1).collect().map(\.type)
        #expect(types.filter { $0 == "CaseErased" }.count == 1)
        #expect(types.last == "CaseErased")
        #expect(try await Self.caseKeys(database) == [])
        #expect(try await database.verify().isIntact)
        #expect(try await EngineFixtures.problems(database, "c-1") == [])
    }

    @Test("a case whose key is gone without an erasure is refused every command but the erasure")
    func missingKeyStillErased() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        do {
            let (database, engine) = try Fixture.open(path)
            try await Fixture.plantedCase(engine)
            try await database.events.pool.write { db in try db.execute(sql: "DELETE FROM case_keys WHERE case_id = 'c-1'") }
        }
        // A program started afterwards: no key of the case is left in its memory either.
        let (database, fresh) = try Fixture.open(path)
        await #expect(throws: PrivacyError.self) { try await fresh.load("c-1") }
        await #expect(throws: PrivacyError.self) {
            try await fresh.execute(.record(values: ["housingForm": .text("supported")]), on: "c-1", by: Acting("anna"))
        }
        try await fresh.execute(.erase(reason: "Asked by the client."), on: "c-1", by: Acting("archivist"))
        let (state, _) = try await Engine(database: database).load("c-1")
        #expect(state.erased?.fields == ["finding", "note", "releaseDate"])
        #expect(state.fields == ["housingForm": .text("independent")])
    }
}
