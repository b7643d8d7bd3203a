public import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization
public import WorkflowKit

/// Everything the engine keeps, in one PostgreSQL schema: the event log
/// (``PostgresEventStore``), the definitions cases are pinned to, the case keys (wrapped
/// with a master key kept outside the database), and the cases and open-tasks projections
/// and the reminder schedule, updated in each append's own transaction.
///
/// ```swift
/// let store = try await PostgresCaseStore.open(url: "postgres://aso@db/cases", masterKey: .file("/etc/aso/master-key"))
/// let engine = Engine(store: store)
/// // … run commands …
/// await store.close()   // after the engine's last command
/// ```
///
/// Any number of engines in any number of processes may share the schema: appends
/// serialise on the log's head row, and the expected version of each keeps the cases
/// consistent.
public final class PostgresCaseStore: ReminderQueue {
    /// The event log.
    public let events: PostgresEventStore
    public var eventLog: any EventStore { events }
    /// The master key case keys are wrapped with; replaced by a rotation.
    private let currentMasterKey: Mutex<MasterKey>
    var masterKey: MasterKey { currentMasterKey.withLock { $0 } }

    /// Wraps new case keys with `key` from now on (after a rotation).
    func replaceMasterKey(with key: MasterKey) {
        currentMasterKey.withLock { $0 = key }
    }
    /// The key that authenticates every appended event, kept wrapped with the master key.
    private let chainKey: SymmetricKey
    let projection: PostgresCaseProjection
    /// Unwrapped case keys, so that each is unwrapped once per process.
    private let caseKeyCache = Mutex<[StreamID: SymmetricKey]>([:])

    private init(events: PostgresEventStore, masterKey: MasterKey, chainKey: SymmetricKey, projection: PostgresCaseProjection) {
        self.events = events
        self.currentMasterKey = Mutex(masterKey)
        self.chainKey = chainKey
        self.projection = projection
    }

    /// Opens the store at `url` (see ``PostgresLocation``), creating its tables on first use.
    ///
    /// - Parameters:
    ///   - url: A `postgres://` or `postgresql://` URL.
    ///   - options: How the event log is set up.
    ///   - masterKey: Where the key that wraps the case keys comes from: a file or text,
    ///     or (by default) `ASO_MASTER_KEY_FILE` / `ASO_MASTER_KEY`. A database on a
    ///     server has no file beside it, so one of them must be set.
    /// - Throws: ``EventStoreError`` when the server cannot be reached or the log is
    ///   damaged; ``PrivacyError`` when the master key is missing, malformed, or not the
    ///   one the stored case keys were wrapped with.
    public static func open(
        url: String, options: PostgresEventStore.Options = PostgresEventStore.Options(), masterKey: MasterKeySource = .automatic()
    ) async throws -> PostgresCaseStore {
        try await open(at: PostgresLocation(url: url), options: options, masterKey: masterKey)
    }

    /// Opens the store at `location`, creating its tables on first use (see ``open(url:options:masterKey:)``).
    public static func open(
        at location: PostgresLocation, options: PostgresEventStore.Options = PostgresEventStore.Options(),
        masterKey: MasterKeySource = .automatic()
    ) async throws -> PostgresCaseStore {
        try await open(at: location, options: options, key: try MasterKey.resolve(masterKey, serverDatabase: location.description))
    }

    /// Opens the store with a master key already resolved (a copy's, from the source).
    static func open(at location: PostgresLocation, options: PostgresEventStore.Options, key: MasterKey) async throws -> PostgresCaseStore {
        let events = try await PostgresEventStore.open(at: location, options: options)
        do {
            let projection = PostgresCaseProjection(schema: events.schema, appending: AppendingCaseEvents())
            let schema = events.schema
            let logger = events.logger
            // The chain key is made once, with the record of where the authentication
            // begins, for a log that holds no event yet; the migrations' lock makes the
            // opens of one store take turns. A log whose events were written under a key
            // that is gone gets no new one: it would pass a rewritten history as authentic.
            let (sample, chainKey) = try await PostgresEventStore.storage("preparing the case tables") {
                try await events.client.withConnection { connection in
                    try await schema.migrate(connection, steps: PostgresCaseProjection.steps(schema), logger: logger) {
                        connection, appliedNow in
                        // No append runs meanwhile.
                        let head = try await connection.query(
                            "SELECT position FROM \(unescaped: schema.head) FOR UPDATE", logger: logger
                        ).collect().first?.decode(Int64.self) ?? 0
                        let chainKeyTable = schema.table("chain_key")
                        let chainKey: SymmetricKey
                        if let stored = try await PostgresChainKeyRow.read(connection, schema: schema, logger: logger) {
                            // A wrong master key is found now, before anything is written with it.
                            chainKey = try CaseKeys.unwrap(stored.wrapped, for: Self.chainKeyID, with: key.key, origin: key.origin)
                            if stored.start == nil {
                                guard appliedNow.contains(PostgresCaseProjection.startMigrationID) else {
                                    throw EventStoreError(
                                        .tampered,
                                        "The event log at '\(location)' no longer records from which position its events are authenticated (the row of \(chainKeyTable) lost it): it was changed outside the engine. Run 'aso-engine verify' and restore the log from a backup.")
                                }
                                // Written by a version that did not record it: the authentication
                                // began with the first authenticated event, or begins after the last.
                                let first = try await connection.query(
                                    "SELECT MIN(position) FROM \(unescaped: schema.events) WHERE mac IS NOT NULL", logger: logger
                                ).collect()[0].decode(Int64?.self)
                                try await PostgresChainKeyRow.record(
                                    from: first ?? head + 1, key: chainKey, schema: schema, on: connection, logger: logger)
                            }
                        } else {
                            guard head == 0 else {
                                throw EventStoreError(
                                    .tampered,
                                    "The event log at '\(location)' holds \(head) event\(head == 1 ? "" : "s") but no chain key (the row of \(chainKeyTable) is missing): it was removed outside the engine, or the log was written without the engine's case store. A new key would pass a rewritten history as authentic, so none is made; restore the log from a backup.")
                            }
                            chainKey = SymmetricKey(size: .bits256)
                            let wrapped = try CaseKeys.wrap(chainKey, for: Self.chainKeyID, with: key.key)
                            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
                            try await connection.run(
                                "INSERT INTO \(unescaped: chainKeyTable) (id, wrapped, created_at) VALUES (1, \(ByteBuffer(bytes: wrapped)), \(now))",
                                logger: logger)
                            try await PostgresChainKeyRow.record(from: 1, key: chainKey, schema: schema, on: connection, logger: logger)
                        }
                        let sample = try await connection.query(
                            "SELECT case_id, wrapped FROM \(unescaped: schema.table("case_keys")) LIMIT 1", logger: logger
                        ).collect().first?.decode((String, Data).self)
                        return (sample, chainKey)
                    }
                }
            }
            if let (caseID, wrapped) = sample {
                _ = try CaseKeys.unwrap(wrapped, for: StreamID(rawValue: caseID), with: key.key, origin: key.origin)
            }
            events.setTransactionHook(projection)
            events.setChainKey(chainKey)
            return PostgresCaseStore(events: events, masterKey: key, chainKey: chainKey, projection: projection)
        } catch {
            await events.close()
            throw error
        }
    }

    /// The id the chain key's wrapping is bound to, so that it cannot pass for a case key
    /// (the SQLite store's, so that a copied log keeps its key).
    private static let chainKeyID = CaseKeys.chainKeyID

    /// Walks the log (see ``PostgresEventStore/verify(expecting:)``), checking each event's
    /// authentication with the log's chain key too.
    ///
    /// - Parameter expected: A head recorded by an earlier check, which the log must still hold.
    public func verify(expecting expected: LogAnchor? = nil) async throws -> VerificationReport {
        let schema = schema
        let logger = logger
        let stored = try await PostgresEventStore.storage("reading the chain key") {
            try await events.client.withConnection { try await PostgresChainKeyRow.read($0, schema: schema, logger: logger) }
        }
        if stored?.start == nil {
            return VerificationReport(
                eventsChecked: 0, firstBrokenPosition: 1,
                problem:
                    "the log no longer records from which position its events are authenticated (the row of \(schema.table("chain_key")) lost it, or the row is gone): it was changed outside the engine.")
        }
        return try await events.verify(chainKey: chainKey, start: stored?.start, expecting: expected)
    }

    /// Closes the connections; call it after the engines using the store have finished.
    public func close() async {
        await events.close()
    }

    private var schema: PostgresEventLogSchema { events.schema }
    private var logger: Logger { events.logger }

    // MARK: Definitions

    public func store(_ definition: ProcessDefinition) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(definition)
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        try await run("storing definition '\(definition.id)'") {
            """
            INSERT INTO \(unescaped: schema.table("definitions")) (hash, process, json, stored_at)
            VALUES (\(definition.contentHash), \(definition.id), \(ByteBuffer(bytes: json)), \(now)) ON CONFLICT (hash) DO NOTHING
            """
        }
    }

    public func definition(hash: String) async throws -> ProcessDefinition? {
        let rows = try await rows("reading definition '\(hash)'") {
            "SELECT json FROM \(unescaped: schema.table("definitions")) WHERE hash = \(hash)"
        }
        guard let row = rows.first else { return nil }
        return try JSONDecoder().decode(ProcessDefinition.self, from: try row.decode(Data.self))
    }

    public func definitionHashes(process: String) async throws -> [String] {
        try await rows("listing definitions of '\(process)'") {
            "SELECT hash FROM \(unescaped: schema.table("definitions")) WHERE process = \(process) ORDER BY stored_at, hash"
        }.map { try $0.decode(String.self) }
    }

    public func appliedCommand(_ commandID: String) async throws -> AppendResult? {
        let rows = try await rows("reading command '\(commandID)'") {
            "SELECT stream, first_position, last_position, version FROM \(unescaped: schema.commands) WHERE command_id = \(commandID)"
        }
        guard let row = rows.first else { return nil }
        let (stream, first, last, version) = try row.decode((String, Int64, Int64, Int64).self)
        return AppendResult(
            stream: StreamID(rawValue: stream), firstPosition: first, lastPosition: last, version: version, wasAlreadyApplied: true)
    }

    public func appliedCommandResults(prefixedBy prefix: String, limit: Int) async throws -> [String: AppendResult] {
        let upper = prefix + "\u{10FFFF}"
        let rows = try await rows("reading commands") {
            """
            SELECT command_id, stream, first_position, last_position, version FROM \(unescaped: schema.commands)
            WHERE command_id COLLATE "C" >= \(prefix) AND command_id COLLATE "C" < \(upper)
            ORDER BY command_id COLLATE "C" LIMIT \(Int64(limit))
            """
        }
        var results: [String: AppendResult] = [:]
        for row in rows {
            let (id, stream, first, last, version) = try row.decode((String, String, Int64, Int64, Int64).self)
            results[id] = AppendResult(
                stream: StreamID(rawValue: stream), firstPosition: first, lastPosition: last, version: version, wasAlreadyApplied: true)
        }
        return results
    }

    public func versions(of streams: [StreamID]) async throws -> [StreamID: Int64] {
        var versions: [StreamID: Int64] = [:]
        for stream in streams { versions[stream] = 0 }
        guard !streams.isEmpty else { return versions }
        let rows = try await rows("reading stream versions") {
            """
            SELECT stream, MAX(version) FROM \(unescaped: schema.events) WHERE stream = ANY(\(streams.map(\.rawValue))::text[]) GROUP BY stream
            """
        }
        for row in rows {
            let (stream, version) = try row.decode((String, Int64).self)
            versions[StreamID(rawValue: stream)] = version
        }
        return versions
    }

    // MARK: Case keys

    public func caseKey(for id: StreamID) async throws -> SymmetricKey? {
        if let cached = caseKeyCache.withLock({ $0[id] }) { return cached }
        let rows = try await rows("reading the key of case '\(id)'") {
            "SELECT wrapped FROM \(unescaped: schema.table("case_keys")) WHERE case_id = \(id.rawValue)"
        }
        guard let row = rows.first else { return nil }
        let key = try CaseKeys.unwrap(try row.decode(Data.self), for: id, with: masterKey.key, origin: masterKey.origin)
        caseKeyCache.withLock { $0[id] = key }
        return key
    }

    public func appendCaseEvents(
        _ stored: [CaseEvent], encoded: [NewEvent], to id: StreamID, expected: ExpectedVersion, metadata: EventMetadata,
        key: CaseKeyChange?
    ) async throws -> AppendResult {
        projection.appending.add(encoded, stored)
        defer { projection.appending.remove(encoded) }
        let keys = schema.table("case_keys")
        let masterKey = masterKey
        var alongside: PostgresExtraWrite?
        switch key {
        case .create(let newKey):
            let wrapped = try CaseKeys.wrap(newKey, for: id, with: masterKey.key)
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            alongside = PostgresExtraWrite(
                check: { connection, logger in
                    try await Self.checkStillCurrent(masterKey, besides: id, in: keys, on: connection, logger: logger)
                },
                write: { _, connection, logger in
                    try await connection.run(
                        "INSERT INTO \(unescaped: keys) (case_id, wrapped, created_at) VALUES (\(id.rawValue), \(ByteBuffer(bytes: wrapped)), \(now))",
                        logger: logger)
                })
        case .shred:
            alongside = PostgresExtraWrite(write: { _, connection, logger in
                try await connection.run("DELETE FROM \(unescaped: keys) WHERE case_id = \(id.rawValue)", logger: logger)
            })
        case nil:
            alongside = nil
        }
        let result = try await events.append(encoded, to: id, expected: expected, metadata: metadata, alongside: alongside)
        switch key {
        case .create(let newKey) where !result.wasAlreadyApplied:
            caseKeyCache.withLock { $0[id] = newKey }
        case .shred:
            caseKeyCache.withLock { $0[id] = nil }
            // The deleted row's old version stays readable to a vacuum-less scan of the pages
            // until a vacuum removes it (best effort; its bytes may stay in the file until
            // reused, and in the WAL and backups until they are recycled: docs/privacy.md).
            _ = try? await events.client.query("VACUUM \(unescaped: keys)", logger: logger).collect()
        default:
            break
        }
        return result
    }

    /// Refuses a key wrapped with a master key the stored keys are no longer wrapped
    /// with (another program rotated it after this one opened the log); checked inside
    /// the append's transaction against one stored key.
    private static func checkStillCurrent(
        _ master: MasterKey, besides caseID: StreamID, in keys: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard let row = try await connection.query(
            "SELECT case_id, wrapped FROM \(unescaped: keys) WHERE case_id <> \(caseID.rawValue) LIMIT 1", logger: logger
        ).collect().first
        else { return }
        let (other, wrapped) = try row.decode((String, Data).self)
        do {
            _ = try CaseKeys.unwrap(wrapped, for: StreamID(rawValue: other), with: master.key, origin: master.origin)
        } catch {
            throw PrivacyError(
                .wrongMasterKey,
                "The case keys of this event log are no longer wrapped with the master key from \(master.origin): another program rotated it after this one opened the log. Nothing was written; start this program again with the new master key.")
        }
    }

    // MARK: Projections

    public func cases(process: String?, includeClosed: Bool) async throws -> [CaseSummary] {
        try await summaries(process: process, includeClosed: includeClosed, caseID: nil)
    }

    public func caseSummary(_ id: StreamID) async throws -> CaseSummary? {
        try await summaries(process: nil, includeClosed: true, caseID: id).first
    }

    private func summaries(process: String?, includeClosed: Bool, caseID: StreamID?) async throws -> [CaseSummary] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        if let caseID {
            bindings.append(caseID.rawValue)
            conditions.append("c.case_id = $\(bindings.count)")
        }
        if let process {
            bindings.append(process)
            conditions.append("c.process = $\(bindings.count)")
        }
        if !includeClosed { conditions.append("c.closed_on IS NULL") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT c.case_id, c.process, c.definition, c.state, c.responsible_worker, c.opened_on, c.fast_track,
                   c.closed_on, c.closed_reason, c.erased_on, c.version,
                   (SELECT MIN(due) FROM \(projection.openTasks) t WHERE t.case_id = c.case_id),
                   (SELECT COUNT(*) FROM \(projection.openTasks) t WHERE t.case_id = c.case_id)
            FROM \(projection.cases) c \(filter) ORDER BY c.opened_on, c.case_id
            """
        return try await rows("reading cases") { PostgresQuery(unsafeSQL: sql, binds: bindings) }.map { row in
            let cells = row.makeRandomAccess()
            return CaseSummary(
                id: StreamID(rawValue: try cells[0].decode(String.self)), process: try cells[1].decode(String.self),
                definition: try cells[2].decode(String.self), state: try cells[3].decode(String.self),
                responsibleWorker: try cells[4].decode(String?.self),
                openedOn: LocalDate(try cells[5].decode(String.self)) ?? LocalDate(daysSinceEpoch: 0),
                fastTrack: try cells[6].decode(String?.self), closedOn: try cells[7].decode(String?.self).flatMap(LocalDate.init),
                closedReason: try cells[8].decode(String?.self), erasedOn: try cells[9].decode(String?.self).flatMap(LocalDate.init),
                version: try cells[10].decode(Int64.self), nextDue: try cells[11].decode(String?.self).flatMap(LocalDate.init),
                openTasks: Int(try cells[12].decode(Int64.self)))
        }
    }

    public func tasks(_ query: TaskQuery) async throws -> [OpenTaskSummary] {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func condition(_ column: String, _ operation: String, _ value: String?) {
            guard let value else { return }
            bindings.append(value)
            conditions.append("\(column) \(operation) $\(bindings.count)")
        }
        condition("due", "<", query.dueBefore?.description)
        condition("due", "<", query.overdueOn?.description)
        condition("role", "=", query.role)
        condition("process", "=", query.process)
        condition("case_id", "=", query.caseID?.rawValue)
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT case_id, task, process, role, earliest, due, occurrence, suspended, claimed_by FROM \(projection.openTasks) \(filter)
            ORDER BY due IS NULL, due, case_id, task
            """
        return try await rows("reading open tasks") { PostgresQuery(unsafeSQL: sql, binds: bindings) }.map { row in
            let cells = row.makeRandomAccess()
            return OpenTaskSummary(
                caseID: StreamID(rawValue: try cells[0].decode(String.self)), task: try cells[1].decode(String.self),
                process: try cells[2].decode(String.self), role: try cells[3].decode(String.self),
                earliest: try cells[4].decode(String?.self).flatMap(LocalDate.init),
                due: try cells[5].decode(String?.self).flatMap(LocalDate.init), occurrence: Int(try cells[6].decode(Int64.self)),
                suspended: try cells[7].decode(Bool.self), claimedBy: try cells[8].decode(String?.self))
        }
    }

    /// The pending reminders, optionally of one case, earliest first.
    public func pendingReminders(caseID: StreamID?) async throws -> [Reminder] {
        let reminders = projection.reminders
        let rows = try await rows("reading pending reminders") {
            if let caseID {
                return """
                    SELECT \(unescaped: PostgresCaseProjection.reminderColumns) FROM \(unescaped: reminders)
                    WHERE case_id = \(caseID.rawValue) ORDER BY fire_at, id
                    """
            }
            return "SELECT \(unescaped: PostgresCaseProjection.reminderColumns) FROM \(unescaped: reminders) ORDER BY fire_at, id"
        }
        return try rows.compactMap(PostgresCaseProjection.reminder(from:))
    }

    /// Drops the projections and the reminder schedule and rebuilds them from the log,
    /// in one transaction that holds the log's head (no append runs meanwhile).
    ///
    /// - Returns: How many events were replayed.
    @discardableResult
    public func rebuildProjections() async throws -> Int {
        let projection = projection
        let schema = schema
        return try await PostgresEventStore.storage("rebuilding the projections") {
            try await events.client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await connection.run("SELECT position FROM \(unescaped: schema.head) FOR UPDATE", logger: logger)
                    for table in [projection.openTasks, projection.cases, projection.reminders, projection.delivered] {
                        try await connection.run("DELETE FROM \(unescaped: table)", logger: logger)
                    }
                    var after: Int64 = 0
                    var count = 0
                    while true {
                        let rows = try await connection.query(
                            """
                            SELECT \(unescaped: PostgresEventLogSchema.columns) FROM \(unescaped: schema.events)
                            WHERE position > \(after) ORDER BY position LIMIT 1024
                            """, logger: logger
                        ).collect()
                        let page = try rows.map(PostgresEventLogSchema.event(from:))
                        guard let last = page.last else { break }
                        // The hook takes one stream's events at a time, as an append gives them.
                        var start = 0
                        while start < page.count {
                            var end = start + 1
                            while end < page.count && page[end].stream == page[start].stream { end += 1 }
                            try await projection.apply(Array(page[start..<end]), on: connection, logger: logger)
                            start = end
                        }
                        count += page.count
                        after = last.position
                    }
                    return count
                }
            }
        }
    }

    // MARK: Helpers

    func rows(_ what: String, _ query: () -> PostgresQuery) async throws -> [PostgresRow] {
        let query = query()
        return try await PostgresEventStore.storage(what) {
            try await events.client.query(query, logger: logger).collect()
        }
    }

    func run(_ what: String, _ query: () -> PostgresQuery) async throws {
        _ = try await rows(what, query)
    }
}
