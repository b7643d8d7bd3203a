import Foundation
import GRDB
import Logging
import Synchronization
import Testing
@testable import WorkflowKit
@testable import WorkflowSQLite
import WorkflowKitTesting

/// Personal field values are encrypted at rest with a key per case, the case keys are
/// wrapped with a master key kept outside the database, and erasing a case shreds its key.
@Suite("Personal data")
struct PersonalDataTests {
    static let yaml = """
        process: privacy-test
        title: Privacy test
        calendar: fi
        fields:
          releaseDate: { type: date, required: true, personal: true }
          note: { type: text, personal: true }
          finding: { type: text, personal: true }
          housingForm: { type: choice, values: [independent, supported] }
        roles:
          worker: Worker
        events:
          done: Done
        states:
          mapping:
            initial: true
            tasks:
              map: { title: Map, role: worker, due: releaseDate - 2 months, remind: [on due], outcomes: [finding, housingForm] }
              call: { title: Call, role: worker, due: openedOn + 3 months, remind: [on due] }
            on:
              done: closed
          closed:
            final: true
        """

    /// The planted personal values: none of them may reach the file in plain text.
    static let note = "Velkaa ulosotossa 48213 euroa, Matti Meikäläinen"
    static let finding = "Päihdekuntoutus kesken, Hämeenlinnan vankila"
    static let releaseDate = "2027-03-17"
    static let planted = [note, finding, releaseDate]

    static let masterKey = Data((0..<32).map { UInt8($0 * 7 & 0xff) }).base64EncodedString()
    static let otherKey = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
    static let now = EngineFixtures.at("2026-06-01")

    static func definition() throws -> ProcessDefinition { try CaseScenario.definition(yaml: yaml) }

    static func open(_ path: String, key: String = masterKey) throws -> (WorkflowDatabase, Engine) {
        let database = try WorkflowDatabase(path: path, masterKey: .base64(key))
        return (database, Engine(database: database, now: { now }))
    }

    /// A case with every kind of personal value: opening fields, recorded fields, task outcomes.
    static func plantedCase(_ engine: Engine) async throws {
        let worker = Acting("anna")
        try await engine.open(
            try definition(), caseID: "c-1", fields: ["releaseDate": .date(LocalDate(releaseDate)!), "note": .text(note)],
            by: worker)
        try await engine.execute(.record(values: ["housingForm": .text("supported")]), on: "c-1", by: worker)
        try await engine.execute(
            .complete(task: "map", outcomes: ["finding": .text(finding), "housingForm": .text("independent")]), on: "c-1", by: worker)
    }

    /// The raw bytes of the database file and its WAL.
    static func rawFiles(_ path: String) throws -> [(String, Data)] {
        try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }.map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) }
    }

    static func leaks(_ path: String) throws -> [String] {
        var found: [String] = []
        for (file, bytes) in try rawFiles(path) {
            for value in planted where bytes.range(of: Data(value.utf8)) != nil { found.append("'\(value)' in \(file)") }
        }
        return found
    }

    @Test("planted personal values never reach the database file, its WAL, reminders or errors")
    func nothingPlainAtRest() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let (database, engine) = try Self.open(path)
        try await Self.plantedCase(engine)
        #expect(try await database.events.lastPosition() > 0)
        #expect(try Self.leaks(path) == [])
        // The non-personal value stays plain, for projections and reports.
        let bytes = try Self.rawFiles(path).map(\.1).reduce(Data(), +)
        #expect(bytes.range(of: Data("independent".utf8)) != nil)

        let reminders = try await database.pendingReminders(caseID: "c-1")
        #expect(!reminders.isEmpty)
        for reminder in reminders {
            let text = "\(reminder)"
            for value in Self.planted { #expect(!text.contains(value)) }
        }
        // A refused value of a personal field is not repeated in the refusal.
        do {
            try await engine.execute(.record(values: ["releaseDate": .text(Self.note)]), on: "c-1", by: Acting("anna"))
            Issue.record("a text for a date field was accepted")
        } catch {
            for value in Self.planted { #expect(!"\(error)".contains(value)) }
        }
    }

    @Test("the engine's and the database's log lines, at every level, carry no personal value")
    func nothingInLogs() async throws {
        let directory = try TemporaryDirectory()
        let lines = CapturedLines()
        var logger = Logger(label: "test", factory: { _ in CapturingHandler(lines: lines) })
        logger.logLevel = .trace
        let database = try WorkflowDatabase(path: directory.path("log.sqlite"), masterKey: .automatic(environment: [:]), logger: logger)
        let engine = Engine(database: database, now: { Self.now }, logger: logger)
        try await Self.plantedCase(engine)
        _ = try await engine.load("c-1")
        try await engine.execute(.erase(reason: "Retention period ended."), on: "c-1", by: Acting("archivist"))
        let all = lines.all
        #expect(all.contains { $0.contains("master key") })
        for line in all {
            for value in Self.planted { #expect(!line.contains(value), "\(line)") }
        }
    }

    @Test("with the master key, a fresh database object reads every value as before")
    func readsBackWithTheKey() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let written: CaseState
        do {
            let (_, engine) = try Self.open(path)
            try await Self.plantedCase(engine)
            written = try await engine.load("c-1").0
        }
        let (database, engine) = try Self.open(path)
        let (state, _) = try await engine.load("c-1")
        #expect(state == written)
        #expect(state.fields["note"] == .text(Self.note))
        #expect(state.fields["finding"] == .text(Self.finding))
        #expect(state.fields["releaseDate"] == .date(LocalDate(Self.releaseDate)!))
        #expect(state.fields["housingForm"] == .text("independent"))
        let history = try await database.caseHistory("c-1").compactMap(\.event)
        #expect(CaseState.fold("c-1", history) == state)
    }

    @Test("erasing a case shreds its key: values gone for good, log verified, the case still counted")
    func erase() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let wrapped: Data
        do {
            let (database, engine) = try Self.open(path)
            try await Self.plantedCase(engine)
            wrapped = try #require(
                try await database.events.pool.read { db in try Data.fetchOne(db, sql: "SELECT wrapped FROM case_keys") })
            let before = try await database.events.lastPosition()
            // Erased through another engine: the one that has the case in memory reads the erasure.
            let archivist = Engine(database: database)
            try await archivist.execute(.erase(reason: "Retention period ended."), on: "c-1", by: Acting("archivist"))
            #expect(try await database.events.lastPosition() == before + 1)
            await #expect(throws: CommandRefused.self) {
                try await archivist.execute(.erase(reason: "Again."), on: "c-1", by: Acting("archivist"))
            }
            // The engine that had the case in memory folds the erasure too.
            let (state, _) = try await engine.load("c-1")
            #expect(state.fields["note"] == nil && state.fields["finding"] == nil)
        }
        // No copy of the wrapped key is left in the file or the WAL.
        for (file, bytes) in try Self.rawFiles(path) { #expect(bytes.range(of: wrapped) == nil, "key left in \(file)") }

        let (database, engine) = try Self.open(path)
        let (state, _) = try await engine.load("c-1")
        #expect(state.erased?.reason == "Retention period ended.")
        #expect(state.erased?.fields == ["finding", "note", "releaseDate"])
        #expect(state.fields == ["housingForm": .text("independent")])
        #expect(state.completedTasks.map(\.task) == ["map"])
        let report = try await database.events.verify()
        #expect(report.firstBrokenPosition == nil, "\(report)")
        #expect(try await database.cases().map(\.id) == ["c-1"])
        #expect(try await database.cases().first?.erasedOn == state.erased?.on)
        #expect(try await database.tasks(TaskQuery(caseID: "c-1")).map(\.task) == ["call"])
        await #expect(throws: CommandRefused.self) {
            try await engine.execute(.fire(event: "done"), on: "c-1", by: Acting("anna"))
        }
        #expect(try Self.leaks(path) == [])
        // Opening the id again makes no new key (it would not open the old values).
        await #expect(throws: VersionConflict.self) {
            try await engine.open(
                try Self.definition(), caseID: "c-1", fields: ["releaseDate": .date(LocalDate(Self.releaseDate)!)], by: Acting("anna"))
        }
        #expect(try await Engine(database: database).load("c-1").0.fields == ["housingForm": .text("independent")])
    }

    @Test("a log whose cases were erased before the projection recorded it fills in the day when opened")
    func erasedDayFilledInOnOpen() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        do {
            let (_, engine) = try Self.open(path)
            try await Self.plantedCase(engine)
            try await engine.open(
                try Self.definition(), caseID: "c-2", fields: ["releaseDate": .date(LocalDate(Self.releaseDate)!)], by: Acting("anna"))
            try await engine.execute(.erase(reason: "Retention period ended."), on: "c-1", by: Acting("archivist"))
        }
        // The projection as it was before it had the column.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE cases DROP COLUMN erased_on")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [CaseProjection.erasedMigrationID])
        }
        try queue.close()
        let (database, _) = try Self.open(path)
        let engine = Engine(database: database)
        let day = try #require(try await engine.load("c-1").0.erased?.on)
        let erased = try await database.cases().map { "\($0.id) \($0.erasedOn?.description ?? "-")" }
        #expect(erased == ["c-1 \(day)", "c-2 -"])
        #expect(try await EngineFixtures.problems(database, "c-1") == [])
    }

    @Test("a case opened without personal values gets its key with the first one recorded")
    func keyOnFirstPersonalValue() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let plainRelease = try CaseScenario.definition(
            yaml: Self.yaml.replacingOccurrences(of: "required: true, personal: true", with: "required: true"))
        let (database, engine) = try Self.open(path)
        try await engine.open(plainRelease, caseID: "c-2", fields: ["releaseDate": .date(LocalDate("2027-01-15")!)], by: Acting("anna"))
        let keys = { try await database.events.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM case_keys") } }
        #expect(try await keys() == 0)
        try await engine.execute(.record(values: ["note": .text(Self.note)]), on: "c-2", by: Acting("anna"))
        #expect(try await keys() == 1)
        #expect(try Self.leaks(path) == [])
        let (_, fresh) = try Self.open(path)
        #expect(try await fresh.load("c-2").0.fields["note"] == .text(Self.note))
    }

    @Test("a wrong master key is refused with a clear error, and nothing is written")
    func wrongKey() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let position: Int64
        do {
            let (database, engine) = try Self.open(path)
            try await Self.plantedCase(engine)
            position = try await database.events.lastPosition()
        }
        do {
            _ = try Self.open(path, key: Self.otherKey)
            Issue.record("a wrong master key was accepted")
        } catch let error as PrivacyError {
            #expect(error.code == .wrongMasterKey)
            #expect(error.message.contains("cannot unwrap"))
            for value in Self.planted { #expect(!error.message.contains(value)) }
        }
        #expect(throws: PrivacyError.self) { try WorkflowDatabase(path: path, masterKey: .base64("bm90IGEga2V5")) }
        #expect(throws: PrivacyError.self) { try WorkflowDatabase(path: path, masterKey: .file(directory.path("missing.key"))) }
        // Nothing configured, and no key file beside a log that holds case keys: no new key is made.
        do {
            _ = try WorkflowDatabase(path: path, masterKey: .automatic(environment: [:]))
            Issue.record("a missing master key was accepted")
        } catch let error as PrivacyError {
            #expect(error.code == .missingMasterKey)
        }
        #expect(!FileManager.default.fileExists(atPath: MasterKeySource.defaultFile(besideDatabase: path)))
        let (database, _) = try Self.open(path)
        #expect(try await database.events.lastPosition() == position)
    }

    @Test("with no key configured, one is created beside the log, owner-only, and used again")
    func defaultKeyFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let keyFile = MasterKeySource.defaultFile(besideDatabase: path)
        do {
            let database = try WorkflowDatabase(path: path, masterKey: .automatic(environment: [:]))
            #expect(database.createdMasterKeyFile == keyFile)
            try await Self.plantedCase(Engine(database: database, now: { Self.now }))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let database = try WorkflowDatabase(path: path, masterKey: .automatic(environment: [:]))
        #expect(database.createdMasterKeyFile == nil)
        #expect(try await Engine(database: database).load("c-1").0.fields["note"] == .text(Self.note))
        // The variables name the key, before the file beside the log.
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        _ = try WorkflowDatabase(path: path, masterKey: .automatic(environment: [MasterKeySource.keyVariable: key]))
        #expect(throws: PrivacyError.self) {
            try WorkflowDatabase(path: path, masterKey: .automatic(environment: [MasterKeySource.keyVariable: Self.otherKey]))
        }
        #expect(throws: PrivacyError.self) {
            try WorkflowDatabase(path: path, masterKey: .automatic(environment: [MasterKeySource.fileVariable: directory.path("none")]))
        }
    }
}

/// Every line logged through ``CapturingHandler``, with its metadata.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
    }
}
