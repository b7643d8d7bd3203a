import Crypto
import Foundation
import GRDB
public import WorkflowKit

/// What a check of a database found: the log, and the case keys.
public struct DatabaseCheck: Sendable, Hashable {
    /// The log: positions, versions, the hash chain, the authentications and the triggers.
    public var log: VerificationReport
    /// The case keys: those gone without an erasure, and (with the master key) those that
    /// do not unwrap.
    public var caseKeys: CaseKeyCheck
    /// Whether the master key was at hand: the authentications and the case keys were
    /// checked with it, not only for presence.
    public var masterKeyUsed: Bool

    public var isIntact: Bool { log.isIntact && caseKeys.isIntact }

    public init(log: VerificationReport, caseKeys: CaseKeyCheck, masterKeyUsed: Bool) {
        self.log = log
        self.caseKeys = caseKeys
        self.masterKeyUsed = masterKeyUsed
    }
}

extension WorkflowDatabase {
    /// Walks the log (see ``verifyFile(at:masterKey:expecting:)``), checking each event's
    /// authentication with the log's chain key.
    ///
    /// - Parameter expected: A head recorded by an earlier check (`verify` prints it), which
    ///   the log must still hold: events removed from the end are found this way.
    public func verify(expecting expected: LogAnchor? = nil) async throws -> VerificationReport {
        let master = masterKey
        return try await SQLiteEventStore.storage("verifying the log") {
            try await events.pool.read { db in try Self.check(db, master: master, expected: expected, checksTimes: false).log }
        }
    }

    /// Checks the database at `path` without writing anything to it (not even a
    /// migration): the log's positions, versions, hash chain and append-only triggers; that
    /// it has a chain key and records from where its events are authenticated, and that
    /// every event from there on carries an authentication; and that no case lost its key
    /// without an erasure. With the master key, each authentication is checked with the
    /// log's key and each case key must unwrap.
    ///
    /// - Parameters:
    ///   - masterKey: Where the master key comes from; nil when none is at hand (nothing
    ///     is then created: the checks that need it are left out).
    ///   - expected: A head recorded by an earlier check, which the log must still hold.
    /// - Throws: ``EventStoreError`` when the file cannot be read; ``PrivacyError`` when
    ///   the master key cannot be read.
    public static func verifyFile(
        at path: String, masterKey: MasterKeySource?, expecting expected: LogAnchor? = nil
    ) throws -> DatabaseCheck {
        let master = try masterKey.map { try MasterKey.resolve($0, databasePath: path, mayCreate: false) }
        return try SQLiteEventStore.storageNow("checking the database at '\(path)'") {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(30)
            configuration.label = "verify"
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in try check(db, master: master, expected: expected, checksTimes: true) }
        }
    }

    /// How far an event's recorded time may be from the time it was written, in a log that
    /// is not a simulation (both are taken in one moment by the process that writes it).
    package static let recordedTimeTolerance: Int64 = 5 * 60 * 1000

    /// The checks of ``verifyFile(at:masterKey:expecting:)``, in one read transaction.
    ///
    /// - Parameter checksTimes: Also report the first event of a log not made as a
    ///   simulation whose recorded time is far from the time it was written.
    static func check(_ db: Database, master: MasterKey?, expected: LogAnchor?, checksTimes: Bool) throws -> DatabaseCheck {
        let caseKeys = try checkCaseKeys(db, master: master)
        let events = try EventLogSchema.lastPosition(in: db)
        let stored = try ChainKeyTable.stored(in: db)
        func broken(_ problem: String) -> DatabaseCheck {
            DatabaseCheck(
                log: VerificationReport(eventsChecked: 0, firstBrokenPosition: 1, problem: problem), caseKeys: caseKeys,
                masterKeyUsed: master != nil)
        }
        var chainKey: SymmetricKey?
        if let stored, let master {
            do {
                chainKey = try CaseKeys.unwrap(stored.wrapped, for: ChainKeyTable.wrappingID, with: master.key, origin: master.origin)
            } catch {
                return broken(
                    "the log's chain key does not unwrap with the master key from \(master.origin): it was damaged or replaced outside the engine, or the master key is not this log's.")
            }
        }
        if stored == nil && events > 0 {
            return broken(
                "the log holds \(events) event\(events == 1 ? "" : "s") but no chain key (the chain_key row is missing), so none of them can be authenticated: it was removed outside the engine. (A log last written before the engine authenticated its events gets its chain key the first time a command opens it.)")
        }
        if let stored, stored.start == nil, stored.recordsStart {
            return broken(
                "the log no longer records from which position its events are authenticated (the chain_key row lost it): the file was changed outside the engine.")
        }
        var walk = ChainWalk(chainKey: chainKey, expected: expected, start: stored?.start)
        // The walk checks the record's authentication, and so whether this is a simulation.
        let simulation = stored?.start.map { $0.simulation && $0.position == 1 } ?? false
        var misdated: RecordedEvent?
        var after: Int64 = 0
        while true {
            let page = try EventLogSchema.fetch(db, where: "position > ?", orderBy: "position", arguments: [after], limit: 2048)
            guard let last = page.last else { break }
            for event in page {
                if let report = walk.check(event) {
                    return DatabaseCheck(log: report, caseKeys: caseKeys, masterKeyUsed: master != nil)
                }
                if checksTimes, !simulation, misdated == nil, let written = event.writtenAt,
                    abs(event.recordedAt - written) > recordedTimeTolerance
                {
                    misdated = event
                }
            }
            after = last.position
        }
        var report = walk.report
        if report.isIntact, let stored, stored.start == nil, events > 0, report.authenticatedFrom == nil {
            // Written by a version that did not record the start: the presence rule of the
            // walk holds from the first authenticated event; a log with a key and no
            // authenticated event had them all removed.
            return broken(VerificationReport.authenticationsRemoved(events: events))
        }
        report = report.flagging(misdated: misdated, checked: walk.checked, authenticationChecked: chainKey != nil, why: "this log was not made as a simulation")
        let triggers = try EventLogSchema.triggerProblems(in: db)
        if report.isIntact && !triggers.isEmpty {
            report.firstBrokenPosition = max(1, walk.checked)
            report.problem = triggers.problem
        }
        return DatabaseCheck(log: report, caseKeys: caseKeys, masterKeyUsed: master != nil)
    }
}
