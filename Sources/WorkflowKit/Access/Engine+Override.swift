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

    /// Why `task` of case `id` is due when it is, as ``explain(task:of:)`` says, for a
    /// person to see: the anchor dates it shows can be personal values (a release date),
    /// so the read of the fields its rules name is recorded in the case's access log, for
    /// `purpose`, under `override` when the reader sees the case only through one. Every
    /// surface that explains a date to a person (the command line's `explain`, the API,
    /// the web page's "why this date?") goes through here.
    ///
    /// - Throws: as ``explain(task:of:)``; nothing is recorded when it throws.
    public func explain(
        task: String, of id: StreamID, purpose: String, by actor: Acting, underOverride override: AccessOverride?
    ) async throws -> TaskSchedule {
        let schedule = try await explain(task: task, of: id)
        let (state, definition) = try await load(id)
        let rule = definition.task(task)?.task
        let anchors = [rule?.earliest, rule?.due].compactMap { $0?.referencedFields }.reduce(into: Set<String>()) { $0.formUnion($1) }
        try await store.recordAccess(
            case: id, purpose: purpose, fields: anchors.filter { state.fields[$0] != nil }.sorted(), by: actor, underOverride: override)
        return schedule
    }
}
