import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The contract of ``EventStore``, written once and run against every store.
@Suite("Event store conformance")
struct EventStoreConformanceTests {
    static let stores = EventStoreKind.allCases + PostgresStoreKind.kinds

    private func events(_ count: Int, type: String = "Step") throws -> [NewEvent] {
        try (0..<count).map { try NewEvent(type: type, encoding: ["index": $0]) }
    }

    @Test("an append stores every field and reads back the same", arguments: stores)
    func appendAndReadBack(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let time = ManualTime(milliseconds: 1_800_000_000_123)
        let store = try await kind.makeStore(in: directory, now: time.provider)
        let metadata = EventMetadata(
            actor: "worker:anna", organisation: "community-sanctions-office", role: "responsible-worker",
            correlationID: "corr-1", causationID: "cause-1", commandID: "cmd-1")
        let appended = try events(3)
        let result = try await store.append(appended, to: "case-1", expected: .noStream, metadata: metadata)
        #expect(result == AppendResult(stream: "case-1", firstPosition: 1, lastPosition: 3, version: 3))

        let read = try await store.read(stream: "case-1").collect()
        #expect(read.map(\.position) == [1, 2, 3])
        #expect(read.map(\.version) == [1, 2, 3])
        #expect(read.map(\.id) == appended.map(\.id))
        #expect(read.map(\.payload) == appended.map(\.payload))
        #expect(read.allSatisfy { $0.type == "Step" && $0.schemaVersion == 1 })
        #expect(read.allSatisfy { $0.metadata == metadata && $0.recordedAt == 1_800_000_000_123 })
        #expect(Set(read.map(\.hash)).count == 3)
        #expect(try await store.version(of: "case-1") == 3)
        #expect(try await store.version(of: "no-such-case") == 0)
        #expect(try await store.lastPosition() == 3)
    }

    @Test("a wrong expected version is refused with a typed conflict and writes nothing", arguments: stores)
    func conflict(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        try await store.append(events(2), to: "case-1", expected: .noStream)

        let cases: [(ExpectedVersion, Int64)] = [(.noStream, 2), (.exact(1), 2), (.exact(5), 2)]
        for (expected, actual) in cases {
            let error = await #expect(throws: VersionConflict.self) {
                try await store.append(events(1), to: "case-1", expected: expected)
            }
            #expect(error == VersionConflict(stream: "case-1", expected: expected, actual: actual))
        }
        let missing = await #expect(throws: VersionConflict.self) {
            try await store.append(events(1), to: "case-2", expected: .exact(3))
        }
        #expect(missing?.actual == 0)
        #expect(missing?.description == "Version conflict on stream 'case-2': expected version 3, but the stream has no events.")
        #expect(try await store.lastPosition() == 2)
        #expect(try await store.version(of: "case-2") == 0)

        let next = try await store.append(events(1), to: "case-1", expected: .exact(2))
        #expect(next.version == 3 && next.firstPosition == 3)
        let any = try await store.append(events(2), to: "case-1", expected: .any)
        #expect(any.version == 5 && any.lastPosition == 5)
    }

    @Test("the same command id appended again returns the original result and writes nothing", arguments: stores)
    func idempotentAppend(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        let metadata = EventMetadata(commandID: "open-case-1")
        let first = try await store.append(events(2), to: "case-1", expected: .noStream, metadata: metadata)
        try await store.append(events(1), to: "case-9", expected: .noStream)

        // Same command, even with a now-stale expected version: the original result.
        let again = try await store.append(events(2), to: "case-1", expected: .noStream, metadata: metadata)
        #expect(again.wasAlreadyApplied)
        #expect(again.firstPosition == first.firstPosition && again.lastPosition == first.lastPosition)
        #expect(again.version == first.version)
        #expect(try await store.lastPosition() == 3)

        let reused = await #expect(throws: EventStoreError.self) {
            try await store.append(events(1), to: "case-2", expected: .any, metadata: metadata)
        }
        #expect(reused?.code == .commandReused)
        #expect(try await store.lastPosition() == 3)
    }

    @Test("refused appends write nothing: empty batch, duplicate event id", arguments: stores)
    func refusedAppends(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        let empty = await #expect(throws: EventStoreError.self) {
            try await store.append([], to: "case-1", expected: .any)
        }
        #expect(empty?.code == .emptyAppend)

        let original = try events(1)
        try await store.append(original, to: "case-1", expected: .noStream)
        let duplicate = await #expect(throws: EventStoreError.self) {
            try await store.append(events(2) + original, to: "case-2", expected: .noStream)
        }
        #expect(duplicate?.code == .duplicateEventID)
        #expect(try await store.lastPosition() == 1)
        #expect(try await store.version(of: "case-2") == 0)
        #expect(try await store.verify().isIntact)
    }

    @Test("reads page through streams and the whole log from any point", arguments: stores)
    func pagedReads(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory, pageSize: 7)
        for round in 0..<10 {
            for stream in ["a", "b", "c"] {
                try await store.append(events(round % 3 + 1), to: StreamID(stream), expected: .any)
            }
        }
        let all = try await store.readAll(after: 0).collect()
        #expect(all.map(\.position) == Array(1...Int64(all.count)))
        let fromMiddle = try await store.readAll(after: 20).collect()
        #expect(fromMiddle.map(\.position) == Array(21...Int64(all.count)))
        #expect(try await store.readAll(after: Int64(all.count)).collect().isEmpty)

        let streamB = try await store.read(stream: "b").collect()
        #expect(streamB.map(\.version) == Array(1...Int64(streamB.count)))
        #expect(streamB.allSatisfy { $0.stream == "b" })
        let tail = try await store.read(stream: "b", fromVersion: 15).collect()
        #expect(tail.map(\.version) == Array(15...Int64(streamB.count)))
        #expect(try await store.read(stream: "nothing").collect().isEmpty)
    }

    @Test("concurrent appends: each caller gets its own result; batches never interleave", arguments: stores)
    func concurrentAppends(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        try await store.append(events(1), to: "contended", expected: .noStream)

        // 40 batches to their own streams, and 20 racers for version 2 of one stream.
        let outcomes = try await withThrowingTaskGroup(of: (String, Result<AppendResult, VersionConflict>).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let result = try await store.append(self.events(10), to: StreamID("batch-\(index)"), expected: .noStream)
                    return ("batch", .success(result))
                }
            }
            for _ in 0..<20 {
                group.addTask {
                    do {
                        return ("race", .success(try await store.append(self.events(1), to: "contended", expected: .exact(1))))
                    } catch let conflict as VersionConflict {
                        return ("race", .failure(conflict))
                    }
                }
            }
            var outcomes: [(String, Result<AppendResult, VersionConflict>)] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let batches = outcomes.filter { $0.0 == "batch" }.compactMap { try? $0.1.get() }
        #expect(batches.count == 40)
        for batch in batches {
            #expect(batch.lastPosition - batch.firstPosition == 9)
            let stored = try await store.readAll(after: batch.firstPosition - 1).collect().prefix(10)
            #expect(stored.allSatisfy { $0.stream == batch.stream })
        }
        let races = outcomes.filter { $0.0 == "race" }
        #expect(races.filter { (try? $0.1.get()) != nil }.count == 1)
        #expect(races.filter { (try? $0.1.get()) == nil }.count == 19)
        #expect(try await store.version(of: "contended") == 2)
        #expect(try await store.lastPosition() == 1 + 400 + 1)
        #expect(try await store.verify().isIntact)
    }

    @Test("an append failing after its first inserts fails alone, even inside a group", arguments: stores)
    func failureInsideGroup(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        let existing = try events(1)
        try await store.append(existing, to: "existing", expected: .noStream)
        // Every third append ends with an event id already in the log: its first events
        // are inserted before the duplicate is found, and must be rolled back.
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<45 {
                group.addTask {
                    let batch = try self.events(4) + (index % 3 == 0 ? existing : [])
                    do {
                        try await store.append(batch, to: StreamID("s-\(index)"), expected: .noStream)
                        return (index, true)
                    } catch let error as EventStoreError where error.code == .duplicateEventID {
                        return (index, false)
                    }
                }
            }
            var outcomes: [Int: Bool] = [:]
            for try await (index, succeeded) in group { outcomes[index] = succeeded }
            return outcomes
        }
        for index in 0..<45 {
            #expect(outcomes[index] == (index % 3 != 0))
            let version = try await store.version(of: StreamID("s-\(index)"))
            #expect(version == (index % 3 == 0 ? 0 : 4))
        }
        let all = try await store.readAll(after: 0).collect()
        #expect(all.count == 1 + 30 * 4)
        #expect(all.map(\.position) == Array(1...Int64(all.count)))
        #expect(try await store.verify().isIntact)
    }

    @Test("a catch-up subscription delivers what is there, then new events as they commit", .timeLimit(.minutes(1)), arguments: stores)
    func followCatchesUp(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        try await store.append(events(5), to: "case-1", expected: .noStream)

        let received = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var positions: [Int64] = []
                for try await event in store.follow(after: 2) {
                    positions.append(event.position)
                    if positions.count == 6 { break }
                }
                return positions
            }
            group.addTask {
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(30))
                    try await store.append(self.events(1), to: "case-2", expected: .any)
                }
                return []
            }
            var all: [Int64] = []
            for try await positions in group { all += positions }
            return all
        }
        #expect(received == [3, 4, 5, 6, 7, 8])
    }

    @Test("a durable subscription resumes after its saved checkpoint", .timeLimit(.minutes(1)), arguments: stores)
    func durableCheckpoint(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        try await store.append(events(6), to: "case-1", expected: .noStream)
        #expect(try await store.checkpoint(named: "forwarder") == 0)

        let first = try await store.subscribe(named: "forwarder")
        var handled: [Int64] = []
        for try await event in first {
            handled.append(event.position)
            try await first.handled(event)
            if event.position == 4 { break }
        }
        #expect(try await store.checkpoint(named: "forwarder") == 4)

        let resumed = try await store.subscribe(named: "forwarder")
        #expect(resumed.start == 4)
        for try await event in resumed {
            handled.append(event.position)
            try await resumed.handled(event)
            if event.position == 6 { break }
        }
        #expect(handled == [1, 2, 3, 4, 5, 6])
        #expect(try await store.checkpoint(named: "other") == 0)
        // Every saved checkpoint is listed by name, at its latest position.
        try await store.saveCheckpoint(named: "exporter ä", position: 2)
        try await store.saveCheckpoint(named: "exporter ä", position: 3)
        #expect(try await store.checkpoints() == ["forwarder": 6, "exporter ä": 3])
    }

    @Test("upcasters lift old schema versions on read; the chain stays valid", arguments: stores)
    func upcasting(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        // Version 1 stored `name`; version 2 calls it `title`; version 3 adds `priority`.
        let old = try NewEvent(type: "TaskOpened", schemaVersion: 1, encoding: ["name": "map-housing"])
        let plain = try await kind.makeStore(in: directory)
        try await plain.append([old], to: "case-1", expected: .noStream)

        var upcasters = Upcasters()
        upcasters.register(type: "TaskOpened", from: 1) { data in
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["title"] = object.removeValue(forKey: "name")
            return try JSONSerialization.data(withJSONObject: object, options: .sortedKeys)
        }
        upcasters.register(type: "TaskOpened", from: 2) { data in
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["priority"] = "normal"
            return try JSONSerialization.data(withJSONObject: object, options: .sortedKeys)
        }
        let upcasting = try await kind.makeStore(in: directory, upcasters: upcasters)
        let read = try await upcasting.read(stream: "case-1").collect()
        #expect(read.count == 1)
        #expect(read[0].schemaVersion == 3)
        #expect(try read[0].decode([String: String].self) == ["title": "map-housing", "priority": "normal"])
        let fromLog = try await upcasting.readAll(after: 0).collect()
        #expect(fromLog[0].payload == read[0].payload)
        #expect(try await upcasting.verify().isIntact)
    }

    @Test("verify walks an intact log", arguments: stores)
    func verifyIntact(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        #expect(try await store.verify() == VerificationReport(eventsChecked: 0))
        for index in 0..<30 {
            try await store.append(events(index % 4 + 1), to: StreamID("case-\(index % 5)"), expected: .any)
        }
        let report = try await store.verify()
        #expect(report.isIntact)
        let expected: Int64 = (0..<30).map { Int64($0 % 4 + 1) }.reduce(0, +)
        #expect(report.eventsChecked == expected)
    }
}
