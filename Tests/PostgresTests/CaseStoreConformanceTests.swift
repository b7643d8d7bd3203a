import Foundation
import Testing
import WorkflowKit
import WorkflowSQLite
import WorkflowKitTesting
import WorkflowPostgres

/// The engine on each case store: the same commands in memory, on SQLite and on
/// PostgreSQL give the same cases, open tasks and reminder schedule, seal the same
/// personal values, and shred the same keys. What only PostgreSQL has (the master key it
/// must be given, many engines on one server) is at the end. Only what needs PostgreSQL
/// is skipped with `ASO_SKIP_POSTGRES=1`: the in-memory and SQLite stores are always held
/// to the same outcome.
@Suite("Case stores: the engine in memory, on SQLite and on PostgreSQL", .serialized)
struct CaseStoreConformanceTests {
    static let postgresGate = ConditionTrait.enabled(if: !PostgresTestServer.isSkipped, "ASO_SKIP_POSTGRES=1")

    static let masterKey = MasterKeySource.base64(Data(repeating: 7, count: 32).base64EncodedString())
    let anna = Acting("worker:anna", organisation: "prison", role: "responsible-worker")
    let chair = Acting("worker:chair", organisation: "community-sanctions-office", role: "chair")
    let calendar = FinnishCalendar()

    static func vatGeneric() throws -> ProcessDefinition {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let library = ProcessLoader().load(paths: [root.appendingPathComponent("processes/vat-generic.yaml").path])
        return try #require(library.definition(id: "vat-generic"), "\(library.diagnostics)")
    }

    func at(_ date: String) -> Int64 {
        Int64(calendar.instant(LocalDate(date)!, hour: 9, minute: 0).timeIntervalSince1970 * 1000)
    }

    /// What a store shows after the script: its projections and schedule as values.
    struct Snapshot: Equatable {
        var cases: [CaseSummary]
        var tasks: [OpenTaskSummary]
        var reminders: [Reminder]
        var accessLog: AccessLog? = nil
    }

    /// Two cases through the same commands: one far along (consent, disclosure, claims,
    /// a handover, a recorded read, a repeated command id), one closed and erased.
    func script(_ engine: Engine, _ time: ManualTime) async throws {
        let definition = try Self.vatGeneric()
        func step(_ day: String, _ command: CaseCommand, on id: StreamID = "vat-1", by actor: Acting? = nil, commandID: String? = nil)
            async throws -> CaseOutcome
        {
            time.set(milliseconds: at(day))
            return try await engine.execute(command, on: id, by: actor ?? anna, commandID: commandID)
        }
        time.set(milliseconds: at("2026-06-01"))
        try await engine.open(
            definition, caseID: "vat-1", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], responsibleWorker: "worker:anna",
            by: anna)
        try await engine.open(
            definition, caseID: "vat-2", fields: ["releaseDate": .date(LocalDate("2027-01-15")!)], responsibleWorker: "worker:anna",
            by: anna)
        _ = try await step("2026-06-10", .complete(task: "map-housing"))
        _ = try await step("2026-06-10", .claim(task: "ask-consent"))
        _ = try await step("2026-06-11", .record(values: ["housingWishes": .text("near the sea")]), commandID: "wishes-1")
        let again = try await step("2026-06-11", .record(values: ["housingWishes": .text("near the sea")]), commandID: "wishes-1")
        #expect(again.events.isEmpty && again.append.wasAlreadyApplied)
        _ = try await step("2026-06-12", .giveConsent(parties: ["prison", "adult-social-work"]))
        _ = try await step("2026-06-15", .disclose(party: "adult-social-work", purpose: "invitation"), by: chair)
        _ = try await step("2026-06-15", .complete(task: "notify-chair"))
        _ = try await step("2026-06-15", .claim(task: "contact-wellbeing-county"))
        _ = try await step("2026-06-16", .handOver(to: "worker:ben"))
        _ = try await engine.read("vat-1", purpose: "show", by: chair)
        _ = try await step("2026-06-20", .close(reason: "moved away"), on: "vat-2")
        _ = try await step("2026-06-21", .erase(reason: "asked by the client"), on: "vat-2")
    }

    /// The stores the engine runs on; every one is compared with SQLite's outcome.
    enum Kind: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case inMemory = "in memory", sqlite = "SQLite", postgres = "PostgreSQL"
        var testDescription: String { rawValue }
    }

    /// The script's outcome on SQLite, the reference the other stores are held to.
    func reference(in directory: TemporaryDirectory) async throws -> Snapshot {
        let sqlite = try WorkflowDatabase(path: directory.path("reference.sqlite"), masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        try await script(Engine(database: sqlite, now: time.provider), time)
        return try await snapshot(of: sqlite, withAccessLog: true)
    }

    func snapshot(of store: any ReminderQueue, withAccessLog: Bool = false) async throws -> Snapshot {
        Snapshot(
            cases: try await store.cases(process: nil, includeClosed: true), tasks: try await store.tasks(TaskQuery()),
            reminders: try await store.pendingReminders(), accessLog: withAccessLog ? try await store.accessLog(case: "vat-1") : nil)
    }

    @Test("the same commands give the same projections, schedule, sealed values and access log in memory and on SQLite",
        arguments: [Kind.inMemory, .sqlite])
    func sameOutcome(_ kind: Kind) async throws {
        try await sameOutcome(on: kind)
    }

    @Test("the same commands give the same projections, schedule, sealed values and access log on PostgreSQL", postgresGate)
    func sameOutcomeOnPostgres() async throws {
        try await sameOutcome(on: .postgres)
    }

    func sameOutcome(on kind: Kind) async throws {
        let directory = try TemporaryDirectory()
        let expected = try await reference(in: directory)
        #expect(expected.cases.count == 2 && !expected.tasks.isEmpty && !expected.reminders.isEmpty)
        #expect(expected.tasks.contains { $0.claimedBy == "worker:anna" } && expected.tasks.contains(where: \.suspended))
        #expect(expected.accessLog?.reads.count == 1 && expected.accessLog?.disclosures.count == 1)

        let time = ManualTime(milliseconds: at("2026-06-01"))
        let store: any ReminderQueue
        var postgres: PostgresCaseStore?
        switch kind {
        case .inMemory: store = InMemoryCaseStore(now: time.provider)
        case .sqlite: store = try WorkflowDatabase(path: directory.path("cases.sqlite"), masterKey: Self.masterKey)
        case .postgres:
            postgres = try await PostgresCaseStore.open(url: try PostgresTestServer.url(for: directory), masterKey: Self.masterKey)
            store = postgres!
        }
        do {
            let engine = Engine(store: store, now: time.provider)
            try await script(engine, time)
            let outcome = try await snapshot(of: store, withAccessLog: true)
            #expect(outcome.cases == expected.cases)
            #expect(outcome.tasks == expected.tasks)
            #expect(outcome.reminders == expected.reminders)
            // The access log (reads, disclosures, consent) reads the same; the times are
            // each store's clock's, not the engine's: left out.
            func timeless(_ log: AccessLog?) -> AccessLog? {
                guard var log else { return nil }
                for index in log.reads.indices { log.reads[index].at = 0 }
                for index in log.disclosures.indices { log.disclosures[index].at = 0 }
                return log
            }
            #expect(timeless(outcome.accessLog) == timeless(expected.accessLog))

            // Personal values are sealed in the log; the engine reads them back.
            let stored = try await store.eventLog.events(of: "vat-1", fromVersion: 1)
            #expect(!stored.contains { String(decoding: $0.payload, as: UTF8.self).contains("near the sea") })
            #expect(try await engine.load("vat-1").0.fields["housingWishes"] == .text("near the sea"))
            // The erased case's key is gone; its facts stay, its values read as absent.
            #expect(try await store.caseKey(for: "vat-2") == nil)
            #expect(try await store.caseKey(for: "vat-1") != nil)
            #expect(try await Engine(store: store).load("vat-2").0.fields["releaseDate"] == nil)
            // A recorded read moved the case's version on in the projection, as every event does.
            #expect(outcome.cases.first { $0.id == "vat-1" }?.version == (try await store.eventLog.version(of: "vat-1")))
            // Filters.
            #expect(try await store.tasks(TaskQuery(role: "chair")) == expected.tasks.filter { $0.role == "chair" })
            #expect(try await store.tasks(TaskQuery(caseID: "vat-2")) == [])
            #expect(try await store.cases(process: "vat-generic", includeClosed: false).map(\.id) == ["vat-1"])
            #expect(try await store.caseSummary("vat-2")?.erasedOn != nil)
            #expect(try await store.definitionHashes(process: "vat-generic") == [try Self.vatGeneric().contentHash])
            #expect(try await store.appliedCommand("wishes-1")?.stream == "vat-1")
            #expect(try await store.appliedCommandResults(prefixedBy: "wishes-", limit: 10).keys.sorted() == ["wishes-1"])
            #expect(try await store.versions(of: ["vat-1", "nobody"])["nobody"] == 0)

            // A rebuild from the log gives the same rows.
            #expect(try await store.rebuildProjections() == Int(try await store.eventLog.lastPosition()))
            #expect(try await snapshot(of: store) == snapshot(of: outcome))
            #expect(try await store.eventLog.verify().isIntact)

            if let postgres {
                // Every event is authenticated with the chain key kept under the master key, as
                // on SQLite; a store opened without the key can read the log but not append to it.
                #expect(stored.allSatisfy { $0.authentication != nil })
                #expect(try await postgres.verify().isIntact)
                let plain = try await PostgresEventStore.open(url: try PostgresTestServer.url(for: directory))
                let refused = await #expect(throws: EventStoreError.self) {
                    try await plain.append([try NewEvent(type: "Note", encoding: ["a": 1])], to: "vat-1", expected: .any)
                }
                await plain.close()
                #expect(refused?.code == .unauthenticated)
            }
        } catch {
            await postgres?.close()
            throw error
        }
        await postgres?.close()
    }

    func snapshot(of outcome: Snapshot) -> Snapshot {
        Snapshot(cases: outcome.cases, tasks: outcome.tasks, reminders: outcome.reminders)
    }

    @Test("PostgreSQL needs its master key named, and refuses the wrong one before writing anything", postgresGate)
    func masterKey() async throws {
        let directory = try TemporaryDirectory()
        let url = try PostgresTestServer.url(for: directory)
        let missing = await #expect(throws: PrivacyError.self) {
            _ = try await PostgresCaseStore.open(url: url, masterKey: .automatic(environment: [:]))
        }
        #expect(missing?.code == .missingMasterKey)
        #expect(missing?.message.contains(MasterKeySource.fileVariable) == true)

        let store = try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        try await Engine(store: store, now: time.provider).open(
            try Self.vatGeneric(), caseID: "vat-1", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: anna)
        await store.close()

        let other = MasterKeySource.base64(Data(repeating: 9, count: 32).base64EncodedString())
        let wrong = await #expect(throws: PrivacyError.self) { _ = try await PostgresCaseStore.open(url: url, masterKey: other) }
        #expect(wrong?.code == .wrongMasterKey)
    }

    @Test("two engines on one PostgreSQL schema: concurrent commands on one case all apply, in one order", postgresGate)
    func twoEngines() async throws {
        let directory = try TemporaryDirectory()
        let url = try PostgresTestServer.url(for: directory)
        let first = try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)
        let second = try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        let engines = [Engine(store: first, now: time.provider), Engine(store: second, now: time.provider)]
        try await engines[0].open(
            try Self.vatGeneric(), caseID: "vat-1", fields: ["releaseDate": .date(LocalDate("2026-12-23")!)], by: anna)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<16 {
                group.addTask {
                    try await engines[index % 2].execute(
                        .record(values: ["housingWishes": .text("wish \(index)")]), on: "vat-1", by: anna, commandID: "record-\(index)")
                }
            }
            try await group.waitForAll()
        }
        let events = try await first.events.events(of: "vat-1", fromVersion: 1)
        #expect(events.map(\.version) == Array(1...Int64(events.count)))
        #expect(Set(events.compactMap(\.metadata.commandID)).count == 16)
        let row = try await second.cases(process: nil, includeClosed: true).first
        #expect(row?.version == Int64(events.count))
        let folded = try await Engine(store: second).load("vat-1").0
        #expect(folded.version == Int64(events.count))
        await first.close()
        await second.close()
    }

    /// What the daemon delivered, what it left pending and how many deliveries it recorded.
    struct Delivered: Equatable {
        var delivered: [String]
        var pending: [Reminder]
        var recorded: Int
    }

    /// Days after the script, a daemon's tick on `store`.
    func deliver(_ store: any ReminderQueue, _ time: ManualTime) async throws -> Delivered {
        let sink = CollectingSink()
        // Days on: what fell due meanwhile goes out late; what is still ahead stays.
        time.set(milliseconds: at("2026-06-24"))
        let daemon = ReminderDaemon(store: store, sinks: [sink], id: "d1", now: time.provider)
        let delivered = try await daemon.tick()
        #expect(try await daemon.tick().isEmpty)  // everything due went out, once
        var recorded = 0
        for id in ["vat-1", "vat-2"] as [StreamID] {
            recorded += try await store.eventLog.events(of: id, fromVersion: 1).filter { $0.type == ReminderSent.typeName }.count
        }
        #expect(sink.deliveries.map(\.reminder.id) == delivered.map(\.reminder.id))
        return Delivered(
            delivered: delivered.map { "\($0.reminder.id) \($0.reminder.superseded) \($0.late)" },
            pending: try await store.pendingReminders(), recorded: recorded)
    }

    /// The script and the daemon's tick on SQLite, the reference the other stores are held to.
    func referenceDelivery(in directory: TemporaryDirectory) async throws -> Delivered {
        let sqlite = try WorkflowDatabase(path: directory.path("cases.sqlite"), masterKey: Self.masterKey)
        let sqliteTime = ManualTime(milliseconds: at("2026-06-01"))
        try await script(Engine(database: sqlite, now: sqliteTime.provider), sqliteTime)
        let expected = try await deliver(sqlite, sqliteTime)
        #expect(!expected.delivered.isEmpty && expected.recorded == expected.delivered.count && !expected.pending.isEmpty)
        return expected
    }

    @Test("the daemon delivers the same reminders in memory as on SQLite, and records each once")
    func daemonInMemory() async throws {
        let expected = try await referenceDelivery(in: try TemporaryDirectory())
        // The in-memory store, on the same script and the same clock.
        let memoryTime = ManualTime(milliseconds: at("2026-06-01"))
        let memory = InMemoryCaseStore(now: memoryTime.provider)
        try await script(Engine(store: memory, now: memoryTime.provider), memoryTime)
        #expect(try await deliver(memory, memoryTime) == expected)
        let memoryPending = try await memory.pendingReminders()
        try await memory.rebuildProjections()
        #expect(try await memory.pendingReminders() == memoryPending)
    }

    @Test("the daemon delivers the same reminders on PostgreSQL as on SQLite, and records each once", postgresGate)
    func daemonOnPostgres() async throws {
        let directory = try TemporaryDirectory()
        let expected = try await referenceDelivery(in: directory)
        let postgres = try await PostgresCaseStore.open(url: try PostgresTestServer.url(for: directory), masterKey: Self.masterKey)
        do {
            let time = ManualTime(milliseconds: at("2026-06-01"))
            try await script(Engine(store: postgres, now: time.provider), time)
            #expect(try await deliver(postgres, time) == expected)
            // The projection took every ReminderSent in; a rebuild agrees with it.
            let pending = try await postgres.pendingReminders()
            try await postgres.rebuildProjections()
            #expect(try await postgres.pendingReminders() == pending)
        } catch {
            await postgres.close()
            throw error
        }
        await postgres.close()
    }

    @Test("three daemons with stores of their own share one PostgreSQL queue: every due reminder delivered and recorded once", postgresGate)
    func threeDaemons() async throws {
        let directory = try TemporaryDirectory()
        let url = try PostgresTestServer.url(for: directory)
        let setup = try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)
        let time = ManualTime(milliseconds: at("2026-06-01"))
        let engine = Engine(store: setup, now: time.provider)
        let definition = try Self.vatGeneric()
        for index in 0..<12 {
            try await engine.open(
                definition, caseID: StreamID(rawValue: "vat-\(index)"), fields: ["releaseDate": .date(LocalDate("2026-12-23")!)],
                responsibleWorker: "worker:anna", by: anna)
        }
        let due = try await setup.pendingReminders().filter { $0.fireAt <= at("2026-11-30") }
        #expect(due.count >= 24)
        var stores: [PostgresCaseStore] = []
        for _ in 0..<3 { stores.append(try await PostgresCaseStore.open(url: url, masterKey: Self.masterKey)) }
        let sinks = [CollectingSink(), CollectingSink(), CollectingSink()]
        time.set(milliseconds: at("2026-11-30"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                var daemon = ReminderDaemon(store: stores[index], sinks: [sinks[index]], id: "d\(index)", now: time.provider)
                daemon.batchSize = 2  // many small claims, so that the three interleave
                daemon.collapsesLateReminders = false
                group.addTask { _ = try await daemon.tick() }
            }
            try await group.waitForAll()
        }
        let delivered = sinks.flatMap(\.deliveries).map(\.reminder.id)
        #expect(delivered.count == Set(delivered).count, "a reminder went out twice while its claimant was alive")
        #expect(Set(delivered) == Set(due.map(\.id)))
        let recorded = try await setup.events.readAll(after: 0).collect().filter { $0.type == ReminderSent.typeName }
        #expect(recorded.count == due.count)
        #expect(try await setup.pendingReminders().allSatisfy { $0.fireAt > at("2026-11-30") })
        for store in stores { await store.close() }
        await setup.close()
    }
}
