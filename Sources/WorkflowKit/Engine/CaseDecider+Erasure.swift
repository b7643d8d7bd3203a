extension CaseDecider.Run {
    /// Erases the case's personal data: one `CaseErased` naming every field marked
    /// personal in the case's version or in any other version of its process (a migrated
    /// case may hold values of an older one). Open and closed cases alike; an erased one
    /// is refused. Deleting the case's key is the engine's part, in the same transaction.
    mutating func erase(reason: String) throws {
        if let erased = state.erased {
            throw CommandRefused(.erased, "Case '\(state.id)' was already erased (\(erased.reason)).")
        }
        var personal = definition.personalFields
        for other in otherVersions where other.id == definition.id {
            personal.formUnion(other.personalFields)
        }
        emit(.caseErased(CaseErased(reason: reason, fields: personal.sorted(), on: today)))
    }
}
