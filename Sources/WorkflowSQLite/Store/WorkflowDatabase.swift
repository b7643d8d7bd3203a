import Foundation
public import Crypto
import GRDB
public import WorkflowKit
public import Logging
import Synchronization

/// One SQLite file holding everything: the event log, the definitions cases are
/// pinned to, the projections (cases, open tasks) kept in step with the log, and the
/// case keys (wrapped with a master key kept outside the file).
public final class WorkflowDatabase: CaseStore {
    /// The event log.
    public let events: SQLiteEventStore
    /// The event log, as the engine sees it.
    public var eventLog: any EventStore { events }
    let reminders = ReminderProjection()
    /// The master key; a rotation swaps it (see `rotateMasterKey(to:)`).
    let masterKeys: MasterKeyLock
    var masterKey: MasterKey { masterKeys.current }
    /// Unwrapped case keys, so that each is unwrapped once per process.
    private let caseKeyCache = Mutex<[StreamID: SymmetricKey]>([:])
    private let appendingCaseEvents = AppendingCaseEvents()

    /// Opens (creating and migrating when needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: The database file; created when missing.
    ///   - options: How the event log is set up (durability, timeouts, the clock, upcasters).
    ///   - masterKey: Where the key that wraps the case keys comes from. When none is
    ///     configured, a key file is created beside a database that has no case keys
    ///     yet, and a warning names it.
    ///   - logger: Receives the warnings about the files and the master key.
    /// - Throws: ``EventStoreError`` when the file cannot be opened; ``PrivacyError``
    ///   when the master key is missing, malformed, or not the one the case keys were
    ///   wrapped with (nothing is appended then).
    public init(
        path: String, options: SQLiteEventStore.Options = SQLiteEventStore.Options(),
        masterKey: MasterKeySource = .automatic(), logger: Logger = Logger(label: "workflowkit.database")
    ) throws {
        events = try SQLiteEventStore(
            path: path, options: options,
            migrations: [
                (CaseProjection.migrationID, { @Sendable db in try CaseProjection.migrate(db) }),
                (ReminderProjection.migrationID, { @Sendable db in try ReminderProjection.migrate(db) }),
                (CaseKeyTable.migrationID, { @Sendable db in try CaseKeyTable.migrate(db) }),
                (CaseProjection.erasedMigrationID, { @Sendable db in try CaseProjection.migrateErased(db) }),
                (Self.settingsMigrationID, { @Sendable db in try Self.migrateSettings(db) }),
                (ChainKeyTable.migrationID, { @Sendable db in try ChainKeyTable.migrate(db) }),
                (ReminderProjection.supersededMigrationID, { @Sendable db in try ReminderProjection.migrateSuperseded(db) }),
                (CaseProjection.claimedByMigrationID, { @Sendable db in try CaseProjection.migrateClaimedBy(db) }),
                (ChainKeyTable.startMigrationID, { @Sendable db in try ChainKeyTable.migrateStart(db) }),
                (ChainKeyTable.simulationMigrationID, { @Sendable db in try ChainKeyTable.migrateSimulation(db) }),
            ])
        events.transactionHooks = [CaseProjections(reminders: reminders, appending: appendingCaseEvents)]
        for file in events.tightenedFiles {
            logger.warning(
                "others could read or write a file of the event log; it is now owner-only (0600)",
                metadata: ["file": "\(file.path)", "mode.before": "\(String(file.mode, radix: 8))"])
        }
        let sample = try events.pool.writeWithoutTransaction { db in
            // A deleted case key is overwritten, not just unlinked from its page.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            return try Row.fetchOne(db, sql: "SELECT case_id, wrapped FROM case_keys LIMIT 1")
        }
        let key = try MasterKey.resolve(masterKey, databasePath: path, mayCreate: sample == nil)
        if let sample {
            // A wrong key is found now, before anything is written with it.
            _ = try CaseKeys.unwrap(sample["wrapped"], for: StreamID(rawValue: sample["case_id"]), with: key.key, origin: key.origin)
        }
        if let created = key.createdFile {
            logger.warning(
                "created a new master key file beside the event log; it belongs somewhere safer (set \(MasterKeySource.fileVariable))",
                metadata: ["key.file": "\(created)"])
        }
        self.masterKeys = MasterKeyLock(key)
        events.chainKey = try ChainKeyTable.loadOrCreate(
            in: events.pool, master: key, appliedAtOpen: events.migrationsAppliedAtOpen, path: path)
    }

    /// The path of the master key file this object created when it opened, if it did.
    public var createdMasterKeyFile: String? { masterKey.createdFile }

    // MARK: Definitions

    /// Stores a resolved definition under its content hash (once; storing it again does nothing).
    public func store(_ definition: ProcessDefinition) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(definition)
        let now = events.options.now()
        try await SQLiteEventStore.storage("storing definition '\(definition.id)'") {
            try await events.pool.write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO definitions (hash, process, json, stored_at) VALUES (?, ?, ?, ?)",
                    arguments: [definition.contentHash, definition.id, json, now])
            }
        }
    }

    /// The definition stored under `hash`, exactly as it was stored.
    public func definition(hash: String) async throws -> ProcessDefinition? {
        let json = try await SQLiteEventStore.storage("reading definition '\(hash)'") {
            try await events.pool.read { db in
                try Data.fetchOne(db, sql: "SELECT json FROM definitions WHERE hash = ?", arguments: [hash])
            }
        }
        guard let json else { return nil }
        return try JSONDecoder().decode(ProcessDefinition.self, from: json)
    }

    /// The content hashes of every stored version of `process`, oldest first.
    public func definitionHashes(process: String) async throws -> [String] {
        try await SQLiteEventStore.storage("listing definitions of '\(process)'") {
            try await events.pool.read { db in
                try String.fetchAll(
                    db, sql: "SELECT hash FROM definitions WHERE process = ? ORDER BY stored_at, hash", arguments: [process])
            }
        }
    }

    /// The result of the append that carried `commandID`, or nil when none did.
    public func appliedCommand(_ commandID: String) async throws -> AppendResult? {
        try await SQLiteEventStore.storage("reading command '\(commandID)'") {
            try await events.pool.read { db in
                guard
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT stream, first_position, last_position, version FROM commands WHERE command_id = ?"),
                        arguments: [commandID])
                else { return nil }
                return AppendResult(
                    stream: StreamID(rawValue: row[0]), firstPosition: row[1], lastPosition: row[2], version: row[3],
                    wasAlreadyApplied: true)
            }
        }
    }

    // MARK: Case keys

    /// The key of case `id`, unwrapped; nil when the case has none (it never held a
    /// personal value, or it was erased).
    ///
    /// - Throws: ``PrivacyError`` when the master key cannot unwrap the stored key.
    public func caseKey(for id: StreamID) async throws -> SymmetricKey? {
        if let cached = caseKeyCache.withLock({ $0[id] }) { return cached }
        let masterKey = await masterKeys.acquire()  // a rotation waits until this key is unwrapped
        defer { masterKeys.release() }
        let wrapped = try await SQLiteEventStore.storage("reading the key of case '\(id)'") {
            try await events.pool.read { db in
                try Data.fetchOne(db.cachedStatement(sql: "SELECT wrapped FROM case_keys WHERE case_id = ?"), arguments: [id.rawValue])
            }
        }
        guard let wrapped else { return nil }
        let key = try CaseKeys.unwrap(wrapped, for: id, with: masterKey.key, origin: masterKey.origin)
        caseKeyCache.withLock { $0[id] = key }
        return key
    }

    /// Appends `events` (whose personal values `key` sealed) together with `key`,
    /// a new key for case `id`: both commit, or neither does.
    func append(
        _ events: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata, newKey key: SymmetricKey
    ) async throws -> AppendResult {
        let masterKey = await masterKeys.acquire()  // a rotation waits until this key is stored
        defer { masterKeys.release() }
        let wrapped = try CaseKeys.wrap(key, for: id, with: masterKey.key)
        let store = CaseKeyTable.insert(
            CaseKeyTable.NewKey(stream: id, wrapped: wrapped, createdAt: self.events.options.now(), master: masterKey))
        let result = try await self.events.append(events, to: id, expected: expected, metadata: metadata, alongside: [store])
        if !result.wasAlreadyApplied { caseKeyCache.withLock { $0[id] = key } }
        return result
    }

    /// Appends case events, `stored` being each in the form the log keeps (sealed where
    /// the case seals) and `encoded` their payloads, with what `key` says happens to the
    /// case's key in the same transaction. The projections take the events as they are,
    /// without decoding their payloads again.
    public func appendCaseEvents(
        _ stored: [CaseEvent], encoded: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        key: CaseKeyChange?
    ) async throws -> AppendResult {
        appendingCaseEvents.add(encoded, stored)
        defer { appendingCaseEvents.remove(encoded) }
        switch key {
        case .create(let newKey):
            return try await append(encoded, to: id, expected: expected, metadata: metadata, newKey: newKey)
        case .shred:
            return try await appendErasure(encoded, to: id, expected: expected, metadata: metadata)
        case nil:
            return try await events.append(encoded, to: id, expected: expected, metadata: metadata)
        }
    }

    /// Appends `events` (an erasure) and deletes the key of case `id` in the same
    /// transaction: both commit, or neither does. The log stays append-only and its hash
    /// chain valid; the case's sealed values can no longer be opened.
    private func appendErasure(
        _ events: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        let result = try await self.events.append(
            events, to: id, expected: expected, metadata: metadata, alongside: [CaseKeyTable.delete(id)])
        caseKeyCache.withLock { $0[id] = nil }
        // Moves the overwritten page into the file and empties the WAL, so that no copy
        // of the deleted key stays in it (best effort: a reader may hold the WAL open).
        _ = try? await self.events.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return result
    }

    // MARK: Projections

    /// Cases, optionally only open ones or one process's.
    public func cases(process: String? = nil, includeClosed: Bool = true) async throws -> [CaseSummary] {
        try await summaries(process: process, includeClosed: includeClosed, caseID: nil)
    }

    public func caseSummary(_ id: StreamID) async throws -> CaseSummary? {
        try await summaries(process: nil, includeClosed: true, caseID: id).first
    }

    private func summaries(process: String?, includeClosed: Bool, caseID: StreamID?) async throws -> [CaseSummary] {
        try await SQLiteEventStore.storage("reading cases") {
            try await events.pool.read { db in
                var conditions: [String] = []
                var arguments: StatementArguments = []
                if let process {
                    conditions.append("c.process = ?")
                    _ = arguments.append(contentsOf: [process])
                }
                if !includeClosed { conditions.append("c.closed_on IS NULL") }
                if let caseID {
                    conditions.append("c.case_id = ?")
                    _ = arguments.append(contentsOf: [caseID.rawValue])
                }
                let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT c.case_id, c.process, c.definition, c.state, c.responsible_worker, c.opened_on, c.fast_track,
                               c.closed_on, c.closed_reason, c.erased_on, c.version,
                               (SELECT MIN(due) FROM open_tasks t WHERE t.case_id = c.case_id) AS next_due,
                               (SELECT COUNT(*) FROM open_tasks t WHERE t.case_id = c.case_id) AS open_tasks
                        FROM cases c \(filter) ORDER BY c.opened_on, c.case_id
                        """, arguments: arguments)
                return rows.map { row in
                    CaseSummary(
                        id: StreamID(rawValue: row["case_id"]), process: row["process"], definition: row["definition"],
                        state: row["state"], responsibleWorker: row["responsible_worker"],
                        openedOn: LocalDate(row["opened_on"] as String) ?? LocalDate(daysSinceEpoch: 0),
                        fastTrack: row["fast_track"], closedOn: (row["closed_on"] as String?).flatMap(LocalDate.init),
                        closedReason: row["closed_reason"], erasedOn: (row["erased_on"] as String?).flatMap(LocalDate.init),
                        version: row["version"],
                        nextDue: (row["next_due"] as String?).flatMap(LocalDate.init), openTasks: row["open_tasks"])
                }
            }
        }
    }

    /// Open tasks, filtered, earliest due first (tasks without a due date last).
    public func tasks(_ query: TaskQuery = TaskQuery()) async throws -> [OpenTaskSummary] {
        try await SQLiteEventStore.storage("reading open tasks") {
            try await events.pool.read { db in
                var conditions: [String] = []
                var arguments: [any DatabaseValueConvertible] = []
                if let dueBefore = query.dueBefore {
                    conditions.append("due < ?")
                    arguments.append(dueBefore.description)
                }
                if let overdueOn = query.overdueOn {
                    conditions.append("due < ?")
                    arguments.append(overdueOn.description)
                }
                if let role = query.role {
                    conditions.append("role = ?")
                    arguments.append(role)
                }
                if let process = query.process {
                    conditions.append("process = ?")
                    arguments.append(process)
                }
                if let caseID = query.caseID {
                    conditions.append("case_id = ?")
                    arguments.append(caseID.rawValue)
                }
                let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                // Columns by index: a list of a thousand tasks is eight thousand lookups.
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT case_id, task, process, role, earliest, due, occurrence, suspended, claimed_by FROM open_tasks \(filter)
                        ORDER BY due IS NULL, due, case_id, task
                        """, arguments: StatementArguments(arguments))
                var tasks: [OpenTaskSummary] = []
                while let row = try rows.next() {
                    tasks.append(
                        OpenTaskSummary(
                            caseID: StreamID(rawValue: row[0]), task: row[1], process: row[2], role: row[3],
                            earliest: (row[4] as String?).flatMap(LocalDate.init), due: (row[5] as String?).flatMap(LocalDate.init),
                            occurrence: row[6], suspended: row[7], claimedBy: row[8]))
                }
                return tasks
            }
        }
    }

    /// Drops the projections and rebuilds them from the log, in one transaction.
    ///
    /// - Returns: How many events were replayed.
    @discardableResult
    public func rebuildProjections() async throws -> Int {
        try await SQLiteEventStore.storage("rebuilding the projections") {
            try await events.pool.write { db in
                try db.execute(sql: "DELETE FROM open_tasks; DELETE FROM cases; DELETE FROM reminders; DELETE FROM reminders_delivered;")
                var after: Int64 = 0
                var count = 0
                while true {
                    let page = try EventLogSchema.fetch(
                        db, where: "position > ?", orderBy: "position", arguments: [after], limit: 1024)
                    try CaseProjections(reminders: reminders).apply(page, in: db)
                    count += page.count
                    guard let last = page.last else { break }
                    after = last.position
                }
                return count
            }
        }
    }

    /// Both projections as plain rows, for comparing a live projection with a rebuilt one.
    public func projectionSnapshot() async throws -> [String] {
        try await SQLiteEventStore.storage("reading the projections") {
            try await events.pool.read { db in
                let cases = try Row.fetchAll(db, sql: "SELECT * FROM cases ORDER BY case_id").map { "cases \($0)" }
                let tasks = try Row.fetchAll(db, sql: "SELECT * FROM open_tasks ORDER BY case_id, task").map { "open_tasks \($0)" }
                return cases + tasks
            }
        }
    }
}
