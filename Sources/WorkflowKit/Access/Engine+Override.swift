/// Reading a case for a person who sees it under an override.
extension Engine {
    /// The case `id` loaded for a person to see, as ``read(_:purpose:by:)`` does, the read
    /// recorded as made under `override` (nil: a read by right); see
    /// ``AccessPolicy/readingUnderOverride(_:actor:)``.
    ///
    /// - Throws: ``CommandRefused`` with code `.unknownCase` when there is no such case.
    public func read(
        _ id: StreamID, purpose: String, by actor: Acting, underOverride override: AccessOverride?
    ) async throws -> (CaseState, ProcessDefinition) {
        let (state, definition) = try await load(id)
        try await store.recordAccess(case: id, purpose: purpose, fields: state.fields.keys, by: actor, underOverride: override)
        return (state, definition)
    }
}
