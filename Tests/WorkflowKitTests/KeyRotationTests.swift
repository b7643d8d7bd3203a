import Crypto
import Foundation
import GRDB
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Rotating the master key re-wraps every case key in one transaction: the values read
/// back with the new key, the old key is refused, and the events never change.
@Suite("Master key rotation")
struct KeyRotationTests {
    typealias Fixture = PersonalDataTests

    static let newKey = Data((0..<32).map { UInt8(($0 * 13 + 5) & 0xff) }).base64EncodedString()
    static let worker = Acting("anna")

    /// Opens case `id` with personal values through `engine`.
    static func openCase(_ id: StreamID, _ engine: Engine, note: String = Fixture.note) async throws {
        try await engine.open(
            try Fixture.definition(), caseID: id,
            fields: ["releaseDate": .date(LocalDate(Fixture.releaseDate)!), "note": .text(note)], by: worker)
    }

    /// Every stored event, exactly as stored.
    static func allEvents(_ database: WorkflowDatabase) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await event in database.events.readAll(after: 0) { events.append(event) }
        return events
    }

    struct CaseKeyRow: Sendable, Hashable {
        var caseID: String
        var wrapped: Data
        var createdAt: Int64
    }

    /// The `case_keys` rows, as stored.
    static func caseKeyRows(_ database: WorkflowDatabase) async throws -> [CaseKeyRow] {
        try await database.events.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT case_id, wrapped, created_at FROM case_keys ORDER BY case_id").map {
                CaseKeyRow(caseID: $0["case_id"], wrapped: $0["wrapped"], createdAt: $0["created_at"])
            }
        }
    }

    static func expectRefused(_ path: String, key: String) {
        do {
            _ = try WorkflowDatabase(path: path, masterKey: .base64(key))
            Issue.record("the database opened with a master key it was not wrapped with")
        } catch let error as PrivacyError {
            #expect(error.code == .wrongMasterKey)
            #expect(error.message.contains("cannot unwrap"))
        } catch {
            Issue.record("unexpected error: \(error)")
        }
    }

    @Test("after a rotation the values read back with the new key, the old key is refused, and the log is unchanged")
    func rotates() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let events: [RecordedEvent]
        let oldWrapped: [Data]
        let written: CaseState
        do {
            let (database, engine) = try Fixture.open(path)
            try await Fixture.plantedCase(engine)
            try await Self.openCase("c-2", engine, note: "Toinen muistiinpano")
            written = try await engine.load("c-1").0
            events = try await Self.allEvents(database)
            oldWrapped = try await Self.caseKeyRows(database).map(\.wrapped)
        }
        let rotation: MasterKeyRotation
        do {
            // A fresh object: nothing is in its cache of unwrapped case keys.
            let database = try WorkflowDatabase(path: path, masterKey: .base64(Fixture.masterKey))
            rotation = try await database.rotateMasterKey(to: .base64(Self.newKey))
            #expect(rotation.rewrappedCaseKeys == 2)
            #expect(try await Self.allEvents(database) == events)
            // This object unwraps with the new key now.
            #expect(try await Engine(database: database).load("c-1").0 == written)
        }

        let (database, engine) = try Fixture.open(path, key: Self.newKey)
        #expect(try await engine.load("c-1").0 == written)
        #expect(try await engine.load("c-2").0.fields["note"] == .text("Toinen muistiinpano"))
        #expect(try await Self.allEvents(database) == events)
        let report = try await database.events.verify()
        #expect(report.firstBrokenPosition == nil, "\(report)")
        Self.expectRefused(path, key: Fixture.masterKey)
        #expect(try Fixture.leaks(path) == [])
        // Once the write-ahead log was emptied, no key wrapped the old way is left in the files.
        #expect(rotation.clearedWriteAheadLog)
        for (file, bytes) in try Fixture.rawFiles(path) {
            for wrapped in oldWrapped { #expect(bytes.range(of: wrapped) == nil, "an old wrapping left in \(file)") }
        }
    }

    @Test("the same database object keeps working after a rotation: new case keys are wrapped with the new key")
    func sameObjectAfterRotation() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Fixture.open(path)
        try await Fixture.plantedCase(engine)
        #expect(try await database.rotateMasterKey(to: .base64(Self.newKey)).rewrappedCaseKeys == 1)

        try await Self.openCase("c-3", engine, note: "Uusi asiakas")
        try await engine.execute(.record(values: ["finding": .text("Löydös")]), on: "c-3", by: Self.worker)
        #expect(try await engine.load("c-1").0.fields["note"] == .text(Fixture.note))
        // A second rotation finds every key, the new case's too, wrapped with the current key.
        let third = Data(repeating: 42, count: 32).base64EncodedString()
        #expect(try await database.rotateMasterKey(to: .base64(third)).rewrappedCaseKeys == 2)
        try await Self.openCase("c-4", engine)

        let (fresh, freshEngine) = try Fixture.open(path, key: third)
        #expect(try await freshEngine.load("c-3").0.fields["note"] == .text("Uusi asiakas"))
        #expect(try await freshEngine.load("c-3").0.fields["finding"] == .text("Löydös"))
        #expect(try await freshEngine.load("c-4").0.fields["note"] == .text(Fixture.note))
        #expect(try await freshEngine.load("c-1").0.fields["finding"] == .text(Fixture.finding))
        #expect(try await fresh.events.verify().firstBrokenPosition == nil)
        Self.expectRefused(path, key: Fixture.masterKey)
        Self.expectRefused(path, key: Self.newKey)
    }

    @Test("cases opened while a rotation runs in the same process are all wrapped with the key that ends up current")
    func concurrentAppends() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Fixture.open(path)
        try await Fixture.plantedCase(engine)
        let count = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { try await Self.openCase(StreamID("p-\(index)"), engine, note: "muistiinpano \(index)") }
                if index == count / 4 {
                    group.addTask { _ = try await database.rotateMasterKey(to: .base64(Self.newKey)) }
                }
            }
            try await group.waitForAll()
        }
        let (_, fresh) = try Fixture.open(path, key: Self.newKey)
        for index in 0..<count {
            #expect(try await fresh.load(StreamID("p-\(index)")).0.fields["note"] == .text("muistiinpano \(index)"))
        }
        #expect(try await fresh.load("c-1").0.fields["note"] == .text(Fixture.note))
    }

    @Test("a rotation waits for every holder of the key, and those that come later wait for the rotation")
    func lockOrdering() async throws {
        let old = MasterKey(key: SymmetricKey(size: .bits256), origin: "the old key", createdFile: nil)
        let new = MasterKey(key: SymmetricKey(size: .bits256), origin: "the new key", createdFile: nil)
        let lock = MasterKeyLock(old)
        // An append that wrapped a case key with the old key and has not committed yet.
        #expect(await lock.acquire().key == old.key)
        let rotation = Task {
            try await lock.rotate { current in (new, (current.key == old.key, lock.holderCount)) }
        }
        while !lock.isRotating { await Task.yield() }
        let later = Task {
            let key = await lock.acquire()
            lock.release()
            return key
        }
        #expect(lock.current.key == old.key)
        lock.release()
        let (sawOldKey, holders) = try await rotation.value
        #expect(sawOldKey && holders == 0)
        #expect(await later.value.key == new.key)
        #expect(lock.current.key == new.key)

        // A rotation that fails keeps the key, and lets the others go on.
        await #expect(throws: PrivacyError.self) {
            try await lock.rotate { _ -> (MasterKey, Void) in throw PrivacyError(.sealingFailed, "Refused.") }
        }
        #expect(lock.current.key == new.key && !lock.isRotating)
        #expect(await lock.acquire().key == new.key)
        lock.release()
    }

    @Test("a rotation fails, naming the case and changing nothing, when a stored key does not open with the current key")
    func failedRotationChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Fixture.open(path)
        try await Fixture.plantedCase(engine)
        try await Self.openCase("c-2", engine)
        try await Self.openCase("c-3", engine)
        // c-2's wrapped key is damaged; c-3's was wrapped with some other master key.
        let stranger = SymmetricKey(size: .bits256)
        try await database.events.pool.write { db in
            try db.execute(sql: "UPDATE case_keys SET wrapped = randomblob(60) WHERE case_id = 'c-2'")
            try db.execute(
                sql: "UPDATE case_keys SET wrapped = ? WHERE case_id = 'c-3'",
                arguments: [try CaseKeys.wrap(SymmetricKey(size: .bits256), for: "c-3", with: stranger)])
        }
        let events = try await Self.allEvents(database)
        let rows = try await Self.caseKeyRows(database)

        do {
            try await database.rotateMasterKey(to: .base64(Self.newKey))
            Issue.record("a rotation over a damaged case key succeeded")
        } catch let error as PrivacyError {
            #expect(error.code == .wrongMasterKey)
            #expect(error.message.contains("'c-2'") && error.message.contains("and 1 other case"))
            #expect(error.message.contains("Nothing was changed"))
            for secret in Fixture.planted + [Fixture.masterKey, Self.newKey] { #expect(!error.message.contains(secret)) }
        }
        #expect(try await Self.caseKeyRows(database) == rows)
        #expect(try await Self.allEvents(database) == events)
        #expect(try await database.events.verify().firstBrokenPosition == nil)

        // The object still holds the old key: the case it opens next is wrapped with it.
        try await Self.openCase("c-4", engine)
        let (_, fresh) = try Fixture.open(path)
        #expect(try await fresh.load("c-1").0.fields["note"] == .text(Fixture.note))
        #expect(try await fresh.load("c-4").0.fields["note"] == .text(Fixture.note))
        Self.expectRefused(path, key: Self.newKey)
    }

    @Test("a new key that is the current one, malformed, missing or looked up automatically is refused")
    func refusedNewKeys() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Fixture.open(path)
        try await Fixture.plantedCase(engine)
        let rows = try await Self.caseKeyRows(database)

        let refusals: [(MasterKeySource, PrivacyError.Code)] = [
            (.base64(Fixture.masterKey), .invalidMasterKey),
            (.base64("bm90IGEga2V5"), .invalidMasterKey),
            (.file(directory.path("missing.key")), .missingMasterKey),
            (.automatic(environment: [MasterKeySource.keyVariable: Self.newKey]), .missingMasterKey),
        ]
        for (source, code) in refusals {
            do {
                try await database.rotateMasterKey(to: source)
                Issue.record("the new key \(source) was accepted")
            } catch let error as PrivacyError {
                #expect(error.code == code, "\(error)")
                #expect(!error.message.contains(Fixture.masterKey))
            }
        }
        #expect(try await Self.caseKeyRows(database) == rows)
        #expect(try await Fixture.open(path).1.load("c-1").0.fields["note"] == .text(Fixture.note))
    }

    @Test("a database without case keys rotates nothing and then opens only with the new key once it has some")
    func emptyDatabase() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Fixture.open(path)
        #expect(try await database.rotateMasterKey(to: .base64(Self.newKey)).rewrappedCaseKeys == 0)
        try await Self.openCase("c-1", engine)
        Self.expectRefused(path, key: Fixture.masterKey)
        #expect(try await Fixture.open(path, key: Self.newKey).1.load("c-1").0.fields["note"] == .text(Fixture.note))
    }

    @Test("a second program still holding the old key cannot store a case key after the rotation; nothing is written")
    func staleKeyInAnotherProgramIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (rotating, engine) = try Fixture.open(path)
        try await Self.openCase("before", engine)
        // Another program opened the log with the same (old) key.
        let (_, stale) = try Fixture.open(path)
        try await rotating.rotateMasterKey(to: .base64(Self.newKey))
        let before = try await Self.allEvents(rotating).count
        do {
            try await Self.openCase("after", stale)
            Issue.record("a case key wrapped with the old master key was stored after the rotation")
        } catch let error as PrivacyError {
            #expect(error.code == .wrongMasterKey)
            #expect(error.message.contains("another program rotated it"))
            #expect(!error.message.contains(Fixture.note))
        }
        #expect(try await Self.allEvents(rotating).count == before)
        #expect(try await Self.caseKeyRows(rotating).map(\.caseID) == ["before"])
        // The rotating program goes on, and the log opens with the new key only.
        try await Self.openCase("after", engine)
        let (_, fresh) = try Fixture.open(path, key: Self.newKey)
        #expect(try await fresh.load("after").0.fields["note"] == .text(Fixture.note))
    }
}
