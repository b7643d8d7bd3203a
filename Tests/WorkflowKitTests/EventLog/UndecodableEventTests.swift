import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting

/// A stored event whose payload does not fit its type (corrupted, or written by a
/// version that no longer exists) fails with an error naming its stream, version and
/// position, never a bare `DecodingError`.
@Suite struct UndecodableEventTests {
    static func message(stream: String, version: Int, position: Int, type: String, reason: String) -> String {
        "The stored event at position \(position) (stream '\(stream)', version \(version), type '\(type)', schema version 1) could not be decoded: \(reason)."
    }

    /// A log with a good event on stream `other`, then two bad ones on `c-1`: written
    /// through a bare store, as a bug or a damaged file could have left them.
    static func damagedLog(at path: String) async throws {
        let store = try SQLiteEventStore(path: path)
        try await store.append([NewEvent(type: "Note", payload: Data("{}".utf8))], to: "other", expected: .noStream)
        try await store.append(
            [
                NewEvent(type: "CaseOpened", payload: Data(#"{"unexpected": true}"#.utf8)),
                NewEvent(type: "TaskOpened", payload: Data("not json".utf8)),
            ], to: "c-1", expected: .noStream)
    }

    @Test func decodingNamesStreamVersionAndPosition() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        try await Self.damagedLog(at: path)
        let records = try await SQLiteEventStore(path: path).read(stream: "c-1").collect()
        #expect(records.count == 2)
        do {
            _ = try CaseEvent(records[0])
            Issue.record("an undecodable CaseOpened was read")
        } catch let error as EventStoreError {
            #expect(error.code == .undecodable)
            #expect(error.message.hasPrefix("The stored event at position 2 (stream 'c-1', version 1, type 'CaseOpened', schema version 1) could not be decoded: the key '"))
            #expect(error.message.hasSuffix("' is missing."))
        }
        do {
            _ = try records[1].decode(TaskOpened.self)
            Issue.record("an undecodable TaskOpened was read")
        } catch let error as EventStoreError {
            #expect(error.description == Self.message(stream: "c-1", version: 2, position: 3, type: "TaskOpened", reason: "the payload is not JSON of this type"))
        }
    }

    @Test func loadingTheCaseFailsWithThePlace() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        try await Self.damagedLog(at: path)
        let engine = Engine(database: try WorkflowDatabase(path: path))
        do {
            _ = try await engine.load("c-1")
            Issue.record("a case with an undecodable event loaded")
        } catch let error as EventStoreError {
            #expect(error.code == .undecodable)
            #expect(error.message.contains("at position 2 (stream 'c-1', version 1, type 'CaseOpened'"), "\(error)")
        }
    }

    /// Through the projections, the append itself is refused, and nothing is written.
    @Test func anUndecodableAppendIsRefusedWhole() async throws {
        let directory = try TemporaryDirectory()
        let database = try WorkflowDatabase(path: directory.path("log.sqlite"))
        await #expect(throws: EventStoreError.self) {
            try await database.events.append(
                [NewEvent(type: "CaseOpened", payload: Data(#"{"unexpected": true}"#.utf8))], to: "c-9", expected: .noStream)
        }
        do {
            try await database.events.append(
                [NewEvent(type: "FieldsRecorded", payload: Data("[]".utf8))], to: "c-9", expected: .noStream)
            Issue.record("an undecodable FieldsRecorded was appended")
        } catch let error as EventStoreError {
            #expect(error.message.contains("(stream 'c-9', version 1, type 'FieldsRecorded'"), "\(error)")
        }
        #expect(try await database.events.lastPosition() == 0)
    }
}
