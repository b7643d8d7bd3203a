import Foundation
import Testing
import WorkflowKit
import WorkflowKitTesting

/// The in-memory case store on its own: the engine and the daemon run on it with no
/// database, its reminder claims are exclusive, and a refused append leaves nothing.
/// (That it gives SQLite's outcome is the case-store conformance suite's part.)
@Suite("In-memory case store")
struct InMemoryCaseStoreTests {
    typealias F = EngineFixtures
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")

    @Test("the engine and the daemon run on it: projections, schedule, delivery recorded once")
    func engineAndDaemon() async throws {
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let store = InMemoryCaseStore(now: time.provider)
        let engine = Engine(store: store, now: time.provider)
        try await engine.open(
            try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], responsibleWorker: "worker:anna",
            by: anna)
        #expect(try await store.cases(process: nil, includeClosed: true).map(\.id) == ["c-1"])
        #expect(try await store.tasks(TaskQuery(caseID: "c-1")).isEmpty == false)
        let pending = try await store.pendingReminders()
        #expect(!pending.isEmpty)

        time.set(milliseconds: try #require(pending.first).fireAt)
        let sink = CollectingSink()
        let daemon = ReminderDaemon(store: store, sinks: [sink], id: "d1", now: time.provider)
        let delivered = try await daemon.tick()
        #expect(!delivered.isEmpty)
        #expect(try await daemon.tick().isEmpty)
        let sent = try await store.log.events(of: "c-1", fromVersion: 1).filter { $0.type == ReminderSent.typeName }
        #expect(sent.count == delivered.count)
        #expect(try await store.pendingReminders().contains { $0.id == delivered[0].reminder.id } == false)
    }

    @Test("a claim is exclusive until its lease lapses, and only its daemon releases it")
    func claims() async throws {
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let store = InMemoryCaseStore(now: time.provider)
        try await Engine(store: store, now: time.provider).open(
            try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        let due = try #require(try await store.pendingReminders().first).fireAt
        time.set(milliseconds: due)
        let first = try await store.claimDueReminders(now: due, daemon: "d1", lease: 60_000, limit: 10)
        #expect(!first.isEmpty)
        #expect(try await store.claimDueReminders(now: due, daemon: "d2", lease: 60_000, limit: 10).isEmpty)
        #expect(try await store.nextReminderTime(now: due).map { $0 > due } ?? true)
        try await store.releaseClaims(first.map(\.id), daemon: "d2")  // not d2's: nothing changes
        #expect(try await store.claimDueReminders(now: due, daemon: "d2", lease: 60_000, limit: 10).isEmpty)
        try await store.releaseClaims(first.map(\.id), daemon: "d1")
        #expect(try await store.claimDueReminders(now: due, daemon: "d2", lease: 60_000, limit: 10).map(\.id) == first.map(\.id))
        time.advance(byMilliseconds: 60_001)  // d2's lease lapses
        #expect(try await store.claimDueReminders(now: due, daemon: "d3", lease: 60_000, limit: 10).map(\.id) == first.map(\.id))
    }

    @Test("a refused append leaves no event, no key and no projection row")
    func refusedAppend() async throws {
        let time = ManualTime(milliseconds: F.at("2026-06-01"))
        let store = InMemoryCaseStore(now: time.provider)
        let engine = Engine(store: store, now: time.provider)
        try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        let before = try await store.log.lastPosition()
        let key = try #require(try await store.caseKey(for: "c-1"))
        // A second key for a case that has one is refused inside the append's lock.
        await #expect(throws: EventStoreError.self) {
            try await store.appendCaseEvents(
                [], encoded: [try NewEvent(type: "Note", encoding: ["a": 1])], to: "c-1", expected: .any, metadata: EventMetadata(),
                key: .create(key))
        }
        #expect(try await store.log.lastPosition() == before)
        #expect(try await store.caseKey(for: "c-1") == key)
        // A version conflict opens nothing.
        await #expect(throws: VersionConflict.self) {
            try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        }
        #expect(try await store.cases(process: nil, includeClosed: true).count == 1)
        #expect(try await store.log.lastPosition() == before)
    }

    @Test("the storage article's example runs and matches the article")
    func articleExample() async throws {
        // DOCC-BEGIN in-memory-case-store
        let time = ManualTime()
        let store = InMemoryCaseStore(now: time.provider)
        let engine = Engine(store: store, now: time.provider)
        let daemon = ReminderDaemon(store: store, sinks: [CollectingSink()], now: time.provider)
        // DOCC-END in-memory-case-store
        try await engine.open(try F.vatGeneric(), caseID: "c-1", fields: ["releaseDate": .date(F.date("2026-12-23"))], by: anna)
        time.set(milliseconds: F.at("2026-12-01"))
        #expect(try await daemon.tick().isEmpty == false)

        let code = try Repository.markedCode("in-memory-case-store", in: #filePath)
        let article = try String(
            contentsOf: Repository.root(of: #filePath).appendingPathComponent("Sources/WorkflowKit/WorkflowKit.docc/StorageBackends.md"),
            encoding: .utf8)
        #expect(article.contains("```swift\n" + code + "```"))
    }
}
