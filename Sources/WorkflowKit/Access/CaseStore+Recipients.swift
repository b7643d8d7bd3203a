import Foundation

/// Reminders name people, not only roles: who holds a reminder's role for its case.
extension CaseStore {
    /// The actor ids holding `reminder`'s role for its case, sorted: the case's responsible
    /// worker for `responsible-worker`; for another role, the directory's holders of it in
    /// the case's process, of the role's party when the process file names one.
    ///
    /// - Returns: Empty when nobody holds the role (a vacancy), or the case is unknown.
    public func recipients(of reminder: Reminder, in directory: PrincipalDirectory) async throws -> [String] {
        guard let summary = try await caseSummary(reminder.caseID) else { return [] }
        if reminder.role == AccessPolicy.responsibleRole {
            return summary.responsibleWorker.map { [$0] } ?? []
        }
        let party = try await definition(hash: summary.definition)?.roles.first { $0.id == reminder.role }?.party
        return directory.holders(of: reminder.role, in: reminder.process, organisation: party)
    }
}
