import Crypto
import Foundation
import Logging
import PostgresNIO
public import WorkflowKit
public import WorkflowSQLite

extension PostgresCaseStore {
    /// Checks the store at `location` without writing anything to it: one connection, in a
    /// read-only transaction, that applies no migration and creates no chain key. It checks
    /// the log's positions, versions, hash chain, head row and append-only triggers; that a
    /// log holding events has a chain key and records from which position its events are
    /// authenticated, every event from there on carrying an authentication; that no case
    /// lost its key without a recorded erasure; and, with `checksTimes`, that no event's recorded time is more than five
    /// minutes from the time it was written (a PostgreSQL log is never a simulation). With
    /// the master key, each event's authentication is checked with the log's chain key and
    /// each case key must unwrap.
    ///
    /// - Parameters:
    ///   - masterKey: Where the master key comes from; nil when none is at hand (the checks
    ///     that need it are then left out).
    ///   - expected: A head recorded by an earlier check, which the log must still hold.
    ///   - checksTimes: Also report the first event whose recorded time is far from the
    ///     time it was written (the command line's `verify`; a program embedding the engine
    ///     may set the store's clock).
    /// - Throws: ``EventStoreError`` when the server cannot be reached or there is no log
    ///   at `location`; ``PrivacyError`` when the master key cannot be read.
    public static func verify(
        at location: PostgresLocation, masterKey: MasterKeySource?, expecting expected: LogAnchor? = nil, checksTimes: Bool = false
    ) async throws -> DatabaseCheck {
        var logger = Logger(label: "aso.postgres.verify")
        logger.logLevel = .error
        let master = try masterKey.map { try MasterKey.resolve($0, serverDatabase: location.description) }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: location.connectionConfiguration(startupParameters: [
                    ("application_name", location.applicationName ?? "aso-engine verify")
                ]), id: 0, logger: logger)
        } catch {
            throw EventStoreError(
                .storage, "Cannot open the event log at '\(location)'\(PostgresAppender.cause(of: error)).", underlying: error)
        }
        do {
            let result = try await PostgresEventStore.storage("checking the event log at '\(location)'") {
                // One snapshot for every read, and the server refuses any write in it.
                try await connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                return try await checkLog(
                    connection, location: location, master: master, expected: expected, checksTimes: checksTimes, logger: logger)
            }
            _ = try? await connection.query("ROLLBACK", logger: logger).collect()
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The checks of ``verify(at:masterKey:expecting:checksTimes:)``, inside its transaction.
    private static func checkLog(
        _ connection: PostgresConnection, location: PostgresLocation, master: MasterKey?, expected: LogAnchor?, checksTimes: Bool,
        logger: Logger
    ) async throws -> DatabaseCheck {
        let schema = PostgresEventLogSchema(schema: location.schema)
        let chainKeyTable = schema.table("chain_key")
        let caseKeysTable = schema.table("case_keys")
        let (eventsTable, chainTable, keysTable) = try await connection.query(
            "SELECT to_regclass(\(schema.events))::text, to_regclass(\(chainKeyTable))::text, to_regclass(\(caseKeysTable))::text",
            logger: logger
        ).collect()[0].decode((String?, String?, String?).self)
        guard eventsTable != nil else {
            throw EventStoreError(.invalidName, "There is no event log at '\(location)' (the table \(schema.events) does not exist).")
        }
        let events = try await connection.query("SELECT COALESCE(MAX(position), 0) FROM \(unescaped: schema.events)", logger: logger)
            .collect()[0].decode(Int64.self)
        let caseKeys = try await checkCaseKeys(
            connection, schema: schema, hasKeyTable: keysTable != nil, master: master, logger: logger)
        func broken(_ problem: String) -> DatabaseCheck {
            DatabaseCheck(
                log: VerificationReport(eventsChecked: 0, firstBrokenPosition: 1, problem: problem), caseKeys: caseKeys,
                masterKeyUsed: master != nil)
        }
        let stored = try await PostgresChainKeyRow.read(connection, schema: schema, logger: logger)
        if stored == nil && events > 0 {
            let missing = chainTable == nil ? "the table \(chainKeyTable) does not exist" : "the row of \(chainKeyTable) is missing"
            return broken(
                "the log holds \(events) event\(events == 1 ? "" : "s") but no chain key (\(missing)), so none of them can be authenticated: it was removed outside the engine, or the log was written without the engine's case store.")
        }
        if let stored, stored.start == nil, stored.recordsStart {
            return broken(
                "the log no longer records from which position its events are authenticated (the row of \(chainKeyTable) lost it): it was changed outside the engine.")
        }
        var chainKey: SymmetricKey?
        if let stored, let master {
            do {
                chainKey = try CaseKeys.unwrap(stored.wrapped, for: CaseKeys.chainKeyID, with: master.key, origin: master.origin)
            } catch {
                return broken(
                    "the log's chain key (\(chainKeyTable)) does not unwrap with the master key from \(master.origin): it was damaged or replaced outside the engine, or the master key is not this log's.")
            }
        }
        var walk = ChainWalk(chainKey: chainKey, expected: expected, start: stored?.start)
        var misdated: RecordedEvent?
        var last: RecordedEvent?
        var after: Int64 = 0
        while true {
            let rows = try await connection.query(
                """
                SELECT \(unescaped: PostgresEventLogSchema.columns) FROM \(unescaped: schema.events)
                WHERE position > \(after) ORDER BY position LIMIT 2048
                """, logger: logger
            ).collect()
            guard !rows.isEmpty else { break }
            for row in rows {
                let event: RecordedEvent
                do {
                    event = try PostgresEventLogSchema.event(from: row)
                } catch {
                    throw EventStoreError(.corruptRow, "An event row of the log after position \(after) could not be read: \(error).")
                }
                if let report = walk.check(event) {
                    return DatabaseCheck(log: report, caseKeys: caseKeys, masterKeyUsed: master != nil)
                }
                if checksTimes, misdated == nil, let written = event.writtenAt,
                    abs(event.recordedAt - written) > WorkflowDatabase.recordedTimeTolerance
                {
                    misdated = event
                }
                last = event
                after = event.position
            }
        }
        var report = walk.report
        if report.isIntact, let stored, stored.start == nil, events > 0, report.authenticatedFrom == nil {
            // Written by a version that did not record the start: the presence rule of the
            // walk holds from the first authenticated event; a log with a key and no
            // authenticated event had them all removed.
            return broken(VerificationReport.authenticationsRemoved(events: events))
        }
        report = report.flagging(misdated: misdated, checked: walk.checked, authenticationChecked: chainKey != nil, why: "a PostgreSQL log is never a simulation")
        if let row = try await connection.query("SELECT position, hash FROM \(unescaped: schema.head)", logger: logger).collect().first {
            let (position, hash) = try row.decode((Int64, Data).self)
            if report.isIntact, position != (last?.position ?? 0) || hash != (last?.hash ?? EventHasher.genesis) {
                report.firstBrokenPosition = walk.checked
                report.problem =
                    "the log head (\(schema.head)) records position \(position), but the last event is at \(last?.position ?? 0): events were removed or added outside the engine."
            }
        }
        let triggers = try await schema.triggerProblems(connection, logger: logger)
        if report.isIntact, !triggers.isEmpty {
            report.firstBrokenPosition = max(1, walk.checked)
            report.problem = "the append-only triggers are not the engine's (\(triggers.joined(separator: "; "))): the log was changed outside the engine."
        }
        return DatabaseCheck(log: report, caseKeys: caseKeys, masterKeyUsed: master != nil)
    }

    /// The case keys: those of cases holding sealed values that are gone with no
    /// `CaseErased` event, and (with the master key) those that do not unwrap.
    private static func checkCaseKeys(
        _ connection: PostgresConnection, schema: PostgresEventLogSchema, hasKeyTable: Bool, master: MasterKey?, logger: Logger
    ) async throws -> CaseKeyCheck {
        var check = CaseKeyCheck()
        var keyed: Set<String> = []
        if hasKeyTable {
            let rows = try await connection.query(
                "SELECT case_id, wrapped FROM \(unescaped: schema.table("case_keys")) ORDER BY case_id", logger: logger
            ).collect()
            for row in rows {
                let (caseID, wrapped) = try row.decode((String, Data?).self)
                let id = StreamID(rawValue: caseID)
                keyed.insert(caseID)
                check.checked += 1
                guard let master else { continue }
                if wrapped.flatMap({ try? CaseKeys.unwrap($0, for: id, with: master.key, origin: master.origin) }) == nil {
                    check.unreadable.append(id)
                }
            }
        }
        // Sealed values are stored under a "sealed" member of the payload.
        let sealed = try await connection.query(
            """
            SELECT DISTINCT stream FROM \(unescaped: schema.events)
            WHERE type IN ('CaseOpened', 'FieldsRecorded', 'TaskCompleted') AND position('"sealed"'::bytea IN payload) > 0
            ORDER BY stream
            """, logger: logger
        ).collect().map { try $0.decode(String.self) }
        let erased = Set(
            try await connection.query(
                "SELECT DISTINCT stream FROM \(unescaped: schema.events) WHERE type = 'CaseErased'", logger: logger
            ).collect().map { try $0.decode(String.self) })
        check.missing = sealed.filter { !keyed.contains($0) && !erased.contains($0) }.map { StreamID(rawValue: $0) }
        return check
    }
}
