import Foundation
import GRDB
import WorkflowKit

/// Whether a database holds a simulation (the demo, tests, a trial run), where commands
/// may be given a simulated time, or real casework, where time is the clock's.
///
/// Every event records the real time it was written beside its (possibly simulated)
/// recorded time, in either kind; the command line accepts `--now` on commands that
/// change data only in a simulation.
extension WorkflowDatabase {
    static let settingsMigrationID = "2026-11-30-log-settings"

    static func migrateSettings(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE log_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    }

    /// Whether this database was made as a simulation.
    public var isSimulation: Bool {
        get throws {
            try events.pool.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM log_settings WHERE name = 'simulation'") == "yes"
            }
        }
    }

    /// Marks this database as a simulation: only while it holds no event yet, so that
    /// real casework can never be turned into a simulation afterwards.
    ///
    /// - Returns: Whether the database is (now) a simulation.
    @discardableResult
    public func markAsSimulation() throws -> Bool {
        try events.pool.write { db in
            let hasEvents = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events)") ?? false
            if !hasEvents {
                try db.execute(sql: "INSERT OR REPLACE INTO log_settings (name, value) VALUES ('simulation', 'yes')")
            }
            return try String.fetchOne(db, sql: "SELECT value FROM log_settings WHERE name = 'simulation'") == "yes"
        }
    }
}
