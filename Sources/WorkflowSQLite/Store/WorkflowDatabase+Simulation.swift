import Foundation
import GRDB
import WorkflowKit

/// Whether a database holds a simulation (the demo, tests, a trial run), where commands
/// may be given a simulated time, or real casework, where time is the clock's.
///
/// A log is a simulation only when it was made as one, before its first event: the chain
/// key's record of where the authentication begins says so, authenticated under the chain
/// key (see ``AuthenticationStart``), so that nobody without the master key can turn real
/// casework into a simulation. Every event records the real time it was written beside its
/// (possibly simulated) recorded time, in either kind; the command line accepts `--now` on
/// commands that change data only in a simulation, and `verify` reports an event of real
/// casework whose recorded time is far from the time it was written.
extension WorkflowDatabase {
    /// The table of an earlier version's settings, where a row once said "simulation"; it
    /// says nothing now (a row anyone with the file could write).
    static let settingsMigrationID = "2026-11-30-log-settings"

    static func migrateSettings(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE log_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    }

    /// Whether this database was made as a simulation (the record says so and is authentic).
    public var isSimulation: Bool {
        get throws {
            guard let chainKey = events.chainKey else { return false }
            return try events.pool.read { db in
                guard let start = try ChainKeyTable.stored(in: db)?.start, start.position == 1, start.simulation else { return false }
                return start.isAuthentic(previousHash: EventHasher.genesis, key: chainKey)
            }
        }
    }

    /// Marks this database as a simulation: only while it holds no event yet, so that
    /// real casework can never be turned into a simulation afterwards.
    ///
    /// - Returns: Whether the database is (now) a simulation.
    @discardableResult
    public func markAsSimulation() throws -> Bool {
        if let chainKey = events.chainKey {
            try events.pool.write { db in
                guard try EventLogSchema.lastPosition(in: db) == 0, try ChainKeyTable.stored(in: db)?.start?.position == 1 else { return }
                try ChainKeyTable.record(from: 1, simulation: true, key: chainKey, in: db)
            }
        }
        return try isSimulation
    }
}
