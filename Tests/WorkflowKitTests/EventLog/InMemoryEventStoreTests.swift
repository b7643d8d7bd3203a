import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// What the in-memory store adds to the conformance suite: its clock, its shared logs,
/// and names compared as the SQLite store compares them.
@Suite("In-memory event store")
struct InMemoryEventStoreTests {
    private func events(_ count: Int) throws -> [NewEvent] {
        try (0..<count).map { try NewEvent(type: "Step", encoding: ["index": $0]) }
    }

    private static func realTime() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    @Test("events are recorded at the clock's time and written at the real time")
    func clock() async throws {
        let time = ManualTime(milliseconds: 1_700_000_000_000)
        let store = InMemoryEventStore(now: time.provider)
        let before = Self.realTime()
        try await store.append(events(2), to: "case-1", expected: .noStream)
        time.advance(byMilliseconds: 86_400_000)
        try await store.append(events(1), to: "case-1", expected: .exact(2))
        let after = Self.realTime()

        let read = try await store.readAll(after: 0).collect()
        #expect(read.map(\.recordedAt) == [1_700_000_000_000, 1_700_000_000_000, 1_700_086_400_000])
        #expect(read.allSatisfy { ($0.writtenAt ?? 0) >= before && ($0.writtenAt ?? 0) <= after })
        #expect(read.allSatisfy { $0.authentication == nil })
    }

    @Test("the storage article's example runs and matches the article")
    func articleExample() async throws {
        // DOCC-BEGIN in-memory
        let time = ManualTime()
        let store = InMemoryEventStore(now: time.provider)
        let event = try NewEvent(type: "CaseOpened", encoding: ["process": "vat-generic"])
        try await store.append([event], to: "case-1", expected: .noStream)
        time.advance(byMilliseconds: 24 * 60 * 60 * 1000)
        // DOCC-END in-memory
        #expect(try await store.events(of: "case-1", fromVersion: 1).map(\.recordedAt) == [time.now - 86_400_000])

        let code = try Repository.markedCode("in-memory", in: #filePath)
        let article = try String(
            contentsOf: Repository.root(of: #filePath).appendingPathComponent("Sources/WorkflowKit/WorkflowKit.docc/StorageBackends.md"),
            encoding: .utf8)
        #expect(article.contains("```swift\nimport WorkflowKit\nimport WorkflowKitTesting\n\n" + code + "```"))
    }

    @Test("without a clock, time stands still at ManualTime's start")
    func defaultClock() async throws {
        let store = InMemoryEventStore()
        try await store.append(events(1), to: "case-1", expected: .noStream)
        #expect(try await store.events(of: "case-1", fromVersion: 1).map(\.recordedAt) == [ManualTime().now])
    }

    @Test("each hash chains the event to its predecessor as EventHasher defines, and verify checks a recorded head")
    func hashChain() async throws {
        let store = InMemoryEventStore(pageSize: 3)
        for index in 0..<5 {
            try await store.append(events(index + 1), to: StreamID("case-\(index % 2)"), expected: .any)
        }
        var previous = EventHasher.genesis
        for event in try await store.readAll(after: 0).collect() {
            #expect(event.hash == EventHasher.hash(of: event, previous: previous))
            previous = event.hash
        }
        let report = try await store.verify()
        let head = try #require(report.headAnchor)
        #expect(head == LogAnchor(position: 15, hash: previous))
        #expect(try await store.verify(expecting: head).isIntact)
        let longer = try await store.verify(expecting: LogAnchor(position: 16, hash: previous))
        #expect(longer.firstBrokenPosition == 16)
    }

    @Test("a store sharing another's log sees its appends, and its subscriptions wake on them", .timeLimit(.minutes(1)))
    func sharedLog() async throws {
        let first = InMemoryEventStore()
        let second = InMemoryEventStore(sharingLogOf: first)
        try await first.append(events(2), to: "case-1", expected: .noStream)
        #expect(try await second.version(of: "case-1") == 2)

        let received = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var positions: [Int64] = []
                for try await event in second.follow(after: 2) {
                    positions.append(event.position)
                    if positions.count == 2 { break }
                }
                return positions
            }
            group.addTask {
                for _ in 0..<2 {
                    try await Task.sleep(for: .milliseconds(30))
                    try await first.append(self.events(1), to: "case-2", expected: .any)
                }
                return []
            }
            var all: [Int64] = []
            for try await positions in group { all += positions }
            return all
        }
        #expect(received == [3, 4])
        try await second.saveCheckpoint(named: "forwarder", position: 4)
        #expect(try await first.checkpoint(named: "forwarder") == 4)
    }

    @Test(
        "names compare by their bytes, as the SQLite store's do: two spellings of one name are two streams",
        arguments: [EventStoreKind.sqliteFull, .inMemory])
    func namesCompareByBytes(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        let composed = StreamID("caf\u{E9}")
        let decomposed = StreamID("cafe\u{301}")
        try await store.append(events(1), to: composed, expected: .noStream)
        try await store.append(events(2), to: decomposed, expected: .noStream)
        #expect(try await store.version(of: composed) == 1)
        #expect(try await store.version(of: decomposed) == 2)
        #expect(try await store.events(of: decomposed, fromVersion: 1).count == 2)

        try await store.saveCheckpoint(named: "caf\u{E9}", position: 1)
        #expect(try await store.checkpoint(named: "cafe\u{301}") == 0)
        #expect(try await store.verify().isIntact)
    }

    @Test("an id twice in one batch is a duplicate, and nothing of the batch is written", arguments: [EventStoreKind.sqliteFull, .inMemory])
    func duplicateInsideBatch(kind: EventStoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.makeStore(in: directory)
        let event = try NewEvent(type: "Step", encoding: ["index": 0])
        let error = await #expect(throws: EventStoreError.self) {
            try await store.append([event, event], to: "case-1", expected: .noStream)
        }
        #expect(error?.code == .duplicateEventID)
        #expect(error?.message == "An event appended to stream 'case-1' has an id that is already in the log.")
        #expect(try await store.lastPosition() == 0)
        try await store.append([event], to: "case-1", expected: .noStream)
        #expect(try await store.lastPosition() == 1)
    }
}
