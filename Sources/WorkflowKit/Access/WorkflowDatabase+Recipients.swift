import Foundation
import GRDB

/// Reminders name people, not only roles: who holds a reminder's role for its case.
extension WorkflowDatabase {
    /// The actor ids holding `reminder`'s role for its case, sorted: the case's responsible
    /// worker for `responsible-worker`; for another role, the directory's holders of it in
    /// the case's process, of the role's party when the process file names one.
    ///
    /// - Returns: Empty when nobody holds the role (a vacancy), or the case is unknown.
    public func recipients(of reminder: Reminder, in directory: PrincipalDirectory) async throws -> [String] {
        let found = try await SQLiteEventStore.storage("reading case '\(reminder.caseID)'") {
            try await events.pool.read { db -> (worker: String?, definition: String)? in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT responsible_worker, definition FROM cases WHERE case_id = ?",
                        arguments: [reminder.caseID.rawValue])
                else { return nil }
                return (row["responsible_worker"], row["definition"])
            }
        }
        guard let found else { return [] }
        if reminder.role == AccessPolicy.responsibleRole {
            return found.worker.map { [$0] } ?? []
        }
        let hash = found.definition
        let party = try await definition(hash: hash)?.roles.first { $0.id == reminder.role }?.party
        return directory.holders(of: reminder.role, in: reminder.process, organisation: party)
    }
}
