import Foundation
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Reads of a case's personal data by people are recorded in the case's stream, and the
/// access log lists them with the disclosures, without a personal value.
@Suite("Access log")
struct AccessLogTests {
    @Test("Engine.read records who read which fields and why; Engine.load records nothing")
    func readsAreRecorded() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try PersonalDataTests.open(path)
        try await PersonalDataTests.plantedCase(engine)
        let before = try await database.events.lastPosition()
        _ = try await engine.load("c-1")
        #expect(try await database.events.lastPosition() == before)

        let (state, _) = try await engine.read("c-1", purpose: "client asked for a copy", by: Acting("ben", role: "worker"))
        #expect(state.fields["note"] == .text(PersonalDataTests.note))
        try await database.recordAccess(case: "c-1", purpose: "meeting agenda", fields: ["releaseDate"], by: Acting("carl"))

        let log = try await database.accessLog(case: "c-1")
        #expect(log.reads.map(\.purpose) == ["client asked for a copy", "meeting agenda"])
        #expect(log.reads.map(\.actor) == ["ben", "carl"])
        #expect(log.reads[0].role == "worker")
        #expect(log.reads[0].fields == ["finding", "housingForm", "note", "releaseDate"])
        #expect(log.reads[0].at > 0 && log.reads[0].at <= log.reads[1].at)
        #expect(log.legalBasis == nil)
        for value in PersonalDataTests.planted { #expect(!"\(log)".contains(value)) }

        // A command after a read still applies: the read moved the stream's version on.
        try await engine.execute(.record(values: ["housingForm": .text("supported")]), on: "c-1", by: Acting("anna"))
        #expect(try await database.events.verify().isIntact)
        #expect(try PersonalDataTests.leaks(path) == [])
    }

    @Test("a read of a case that does not exist is refused and writes nothing")
    func unknownCase() async throws {
        let directory = try TemporaryDirectory()
        let (database, engine) = try PersonalDataTests.open(directory.path("log.sqlite"))
        await #expect(throws: CommandRefused.self) { try await engine.read("nobody", purpose: "show", by: Acting("ben")) }
        await #expect(throws: CommandRefused.self) { try await database.recordAccess(case: "nobody", purpose: "show", by: Acting("ben")) }
        await #expect(throws: CommandRefused.self) { try await database.accessLog(case: "nobody") }
        #expect(try await database.events.lastPosition() == 0)
    }
}
