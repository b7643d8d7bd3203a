import Foundation
import GRDB
public import WorkflowKit

extension WorkflowDatabase {
    /// Records a read, as ``recordAccess(case:purpose:fields:by:)`` does, made under
    /// `override` when the reader sees the case only through one (see
    /// ``AccessPolicy/readingUnderOverride(_:actor:)``): the access log marks it with the
    /// override's reason and basis.
    ///
    /// - Throws: ``CommandRefused`` with `.unknownCase` when there is no such case, and
    ///   `.invalidValue` when `override` is for another case.
    @discardableResult
    public func recordAccess(
        case id: StreamID, purpose: String, fields: some Sequence<String> = [String](), by actor: Acting,
        underOverride override: AccessOverride?
    ) async throws -> AppendResult {
        let record = try Self.accessRecord(case: id, purpose: purpose, fields: fields, underOverride: override)
        let exists = try await SQLiteEventStore.storage("reading case '\(id)'") {
            try await events.pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM cases WHERE case_id = ?", arguments: [id.rawValue]) ?? false
            }
        }
        guard exists else { throw CommandRefused(.unknownCase, "Case '\(id)' does not exist.") }
        return try await events.append(
            [record], to: id, expected: .any,
            metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }
}
