import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// Claims on a real SQLite file: the open-tasks projection records who claimed a task,
/// drops it with the task, and rebuilds the same from the log.
@Suite("Engine: claims")
struct EngineClaimTests {
    typealias F = EngineFixtures
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")
    let otherChair = Acting("worker:other-chair", organisation: "community-sanctions-office", role: "chair")

    @Test("tasks() returns who claimed a task, until it is unclaimed or completed; a rebuild says the same")
    func claimedByInTasks() async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let database = try WorkflowDatabase(path: directory.path("cases.sqlite"))
        let engine = Engine(database: database, now: time.provider)
        let id: StreamID = "vat-1"
        try await engine.open(
            try F.vatGeneric(), caseID: id, fields: ["releaseDate": .date(F.date("2026-12-23"))], responsibleWorker: "worker:anna",
            by: anna)
        time.set(milliseconds: F.at("2026-06-12"))
        try await engine.execute(.giveConsent(parties: ["prison", "adult-social-work"]), on: id, by: anna)
        func claimed() async throws -> [String: String] {
            var result: [String: String] = [:]
            for task in try await database.tasks(TaskQuery(caseID: id)) { result[task.task] = task.claimedBy }
            return result
        }
        #expect(try await claimed().isEmpty)

        let outcome = try await engine.execute(.claim(task: "invite-prison"), on: id, by: chair)
        #expect(outcome.events.map(\.typeName) == ["TaskClaimed"])
        #expect(try await claimed() == ["invite-prison": "worker:chair"])
        #expect(try await F.problems(database, id) == [])

        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.claim(task: "invite-prison"), on: id, by: otherChair)
        }
        try await engine.execute(.claim(task: "invite-adult-social-work"), on: id, by: otherChair)
        try await engine.execute(.unclaim(task: "invite-adult-social-work"), on: id, by: otherChair)
        #expect(try await claimed() == ["invite-prison": "worker:chair"])

        let live = try await database.projectionSnapshot()
        try await database.rebuildProjections()
        #expect(try await database.projectionSnapshot() == live)

        try await engine.execute(.complete(task: "invite-prison"), on: id, by: chair)
        #expect(try await claimed().isEmpty)
        #expect(try await F.problems(database, id) == [])
    }
}
