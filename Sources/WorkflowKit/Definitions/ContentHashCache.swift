import Synchronization

/// A definition's content hash, kept beside the definition it was computed from.
///
/// Copies of a definition share one cache; since a copy may since have been changed, the
/// hash is returned only for a definition equal to the one it was computed from (cheap
/// for an unchanged copy: its arrays and strings still share their storage).
final class ContentHashCache: Sendable, Hashable {
    private let entry = Mutex<(definition: ProcessDefinition, hash: String)?>(nil)

    func hash(of definition: ProcessDefinition) -> String? {
        entry.withLock { entry in
            guard let entry, entry.definition == definition else { return nil }
            return entry.hash
        }
    }

    func remember(_ hash: String, of definition: ProcessDefinition) {
        // The kept copy gets a cache of its own, so that it does not hold this one.
        var kept = definition
        kept.contentHashCache = ContentHashCache()
        entry.withLock { $0 = (kept, hash) }
    }

    /// Not part of a definition's value.
    static func == (lhs: ContentHashCache, rhs: ContentHashCache) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
