import Foundation

extension CaseStore {
    /// Records that `actor` read personal data of case `id` for `purpose` (a
    /// ``PersonalDataRead`` in the case's stream), made under `override` when the reader
    /// sees the case only through one: the access log marks it with the override's reason
    /// and basis (see ``AccessPolicy/readingUnderOverride(_:actor:)``).
    ///
    /// - Throws: ``CommandRefused`` with `.unknownCase` when there is no such case, and
    ///   `.invalidValue` when `override` is for another case.
    @discardableResult
    public func recordAccess(
        case id: StreamID, purpose: String, fields: some Sequence<String> = [String](), by actor: Acting,
        underOverride override: AccessOverride?
    ) async throws -> AppendResult {
        let record = try Self.accessRecord(case: id, purpose: purpose, fields: fields, underOverride: override)
        guard try await caseSummary(id) != nil else { throw CommandRefused(.unknownCase, "Case '\(id)' does not exist.") }
        return try await eventLog.append(
            [record], to: id, expected: .any, metadata: EventMetadata(actor: actor.id, organisation: actor.organisation, role: actor.role))
    }

    /// Records a read by right (not under an override); see
    /// ``recordAccess(case:purpose:fields:by:underOverride:)``.
    @discardableResult
    public func recordAccess(
        case id: StreamID, purpose: String, fields: some Sequence<String> = [String](), by actor: Acting
    ) async throws -> AppendResult {
        try await recordAccess(case: id, purpose: purpose, fields: fields, by: actor, underOverride: nil)
    }

    /// The payload of a ``PersonalDataRead``, checked against the case it is recorded in.
    ///
    /// - Throws: ``CommandRefused`` with `.invalidValue` when `override` is for another case.
    static func accessRecord(
        case id: StreamID, purpose: String, fields: some Sequence<String>, underOverride override: AccessOverride?
    ) throws -> NewEvent {
        if let override, override.caseID != id {
            throw CommandRefused(
                .invalidValue,
                "Override \(override.id) is for case \(Identifier.escaped(override.caseID.rawValue)), not \(Identifier.escaped(id.rawValue)).")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let read = PersonalDataRead(
            purpose: purpose, fields: Array(Set(fields)),
            override: override.map { PersonalDataRead.Override(id: $0.id, reason: $0.reason, basis: $0.basis) })
        return NewEvent(type: PersonalDataRead.typeName, payload: try encoder.encode(read))
    }
}
