/// A YAML node that remembers where it was written: the positioned tree the
/// process reader works on, independent of Yams so that extends can merge trees
/// from several files while every node keeps its own file, line and column.
struct SourceNode: Sendable {
    /// A key of a mapping, with where the key itself was written.
    struct Key: Sendable {
        var name: String
        var location: FileLocation
    }

    /// How a scalar was written; needed to map an offset inside an expression
    /// back to a column of the file. `block` also stands for a plain or quoted scalar
    /// not written as it is on one line (folded over lines, or with escapes).
    enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, block
    }

    enum Kind: Sendable {
        case scalar(String, ScalarStyle)
        case null
        case mapping([(key: Key, value: SourceNode)])
        case sequence([SourceNode])
    }

    var kind: Kind
    var location: FileLocation

    /// The text of a scalar, nil for other nodes.
    var scalar: String? {
        if case .scalar(let text, _) = kind { return text }
        return nil
    }

    /// The pairs of a mapping, nil for other nodes.
    var pairs: [(key: Key, value: SourceNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The items of a sequence, nil for other nodes.
    var items: [SourceNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The value for `key` in a mapping.
    subscript(key: String) -> SourceNode? {
        pairs?.first { $0.key.name == key }?.value
    }

    /// The key entry for `key` in a mapping.
    func keyEntry(_ key: String) -> Key? {
        pairs?.first { $0.key.name == key }?.key
    }

    /// What the node is, for messages: "a mapping", "a list", "text".
    var kindName: String {
        switch kind {
        case .scalar: "a single value"
        case .null: "empty"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// Where character `offset` of this scalar's text is in the file (exact for
    /// one-line plain and quoted scalars, the scalar's start otherwise).
    func location(ofOffset offset: Int) -> FileLocation {
        guard case .scalar(let text, let style) = kind, !text.contains("\n") else { return location }
        switch style {
        case .plain: return location.advanced(by: offset)
        case .singleQuoted, .doubleQuoted: return location.advanced(by: offset + 1)
        case .block: return location
        }
    }
}
