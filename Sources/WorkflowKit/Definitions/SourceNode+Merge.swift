extension SourceNode {
    /// What a merge needs to know to warn about likely mistakes of an extending file.
    struct MergeContext {
        /// The id of the extended process, for messages.
        var baseID: String
        /// Whether the value of a key was left empty (nothing after the colon), as
        /// opposed to written `null` or `~`.
        var isWrittenEmpty: (Key) -> Bool = { _ in false }
        /// The state of each task of the base, to catch a misspelt task id written
        /// under another state.
        var baseTaskStates: [String: String] = [:]
    }

    /// A new id of an extending file close to one of its base's: probably a typo.
    struct NearMiss: Sendable {
        /// "task", "party", …
        var kind: String
        /// The new id.
        var id: String
        /// The base's id it is close to.
        var near: String
        /// Where the new id is written.
        var location: FileLocation
        /// " in the state 'x'" or "".
        var place: String
        /// The id of the extended process.
        var baseID: String
        /// Where the base's id is, when not in the same place: " (in the state 'x')".
        var nearPlace = ""

        /// The sentence saying so; `problem` is the first error of the new entry, if any.
        func message(problem: String? = nil) -> String {
            let incomplete = problem.map { ", which is incomplete (\($0.prefix(1).lowercased() + $0.dropFirst().trimmingSuffix("."))" + ")" } ?? ""
            return "This adds a new \(kind) '\(id)'\(place)\(incomplete); did you mean to change '\(near)' of '\(baseID)'\(nearPlace)?"
        }
    }

    /// The tree of a process that `extends` another: `override` laid over `base`.
    ///
    /// Mappings merge key by key, recursively; a key whose value is `null` (or
    /// `~`) removes that key from the base; any other value (a single value or a
    /// list) replaces the base's. A key left empty where the base has content is
    /// an error, since it would remove that content silently; a new id close to
    /// one of the base's is a warning (probably a typo). Every node keeps the
    /// file and position it came from.
    static func merge(
        base: SourceNode, override: SourceNode, context: MergeContext, diagnostics: inout [Diagnostic], nearMisses: inout [NearMiss], path: String = ""
    ) -> SourceNode {
        guard let basePairs = base.pairs, let overridePairs = override.pairs else { return override }
        var result = basePairs
        for (key, value) in overridePairs {
            if path.isEmpty && key.name == "extends" { continue }
            let index = result.firstIndex { $0.key.name == key.name }
            let childPath = path.isEmpty ? key.name : "\(path).\(key.name)"
            if value.isNull {
                if let index {
                    if context.isWrittenEmpty(key), let removed = describeContent(of: result[index].value, at: childPath) {
                        let them = removed.plural ? "them" : "it"
                        diagnostics.append(.error(
                            "'\(key.name):' is left empty, which would remove \(removed.text) that '\(context.baseID)' has\(describePlace(path)); write '\(key.name): null' to remove \(them), or delete this line to keep \(them).",
                            at: key.location))
                        // Keep the base's content, so that the error is not followed by
                        // errors about what the removal would have broken.
                        continue
                    }
                    result.remove(at: index)
                } else {
                    let where_ = path.isEmpty ? "" : " under '\(path)'"
                    diagnostics.append(.warning("'\(key.name)' is set to null to remove it, but the extended process has no '\(key.name)'\(where_).", at: key.location))
                }
                continue
            }
            if let index {
                result[index] = (key, merge(base: result[index].value, override: value, context: context, diagnostics: &diagnostics, nearMisses: &nearMisses, path: childPath))
            } else {
                if let kind = idKind(under: path) {
                    let existing = result.map(\.key.name)
                    if let near = Spelling.suggestion(for: key.name, among: existing) {
                        nearMisses.append(NearMiss(kind: kind, id: key.name, near: near, location: key.location, place: describePlace(path), baseID: context.baseID))
                    } else if kind == "task" {
                        checkTaskInAnotherState(key, path: path, context: context, nearMisses: &nearMisses)
                    }
                }
                if idKind(under: childPath) == "task" {
                    // A whole 'tasks:' the base's state does not have.
                    for (task, _) in value.pairs ?? [] { checkTaskInAnotherState(task, path: childPath, context: context, nearMisses: &nearMisses) }
                }
                result.append((key, value))
            }
        }
        return SourceNode(kind: .mapping(result), location: override.location)
    }

    /// Records a new task whose id is close to a task the base has in another state.
    private static func checkTaskInAnotherState(_ key: Key, path: String, context: MergeContext, nearMisses: inout [NearMiss]) {
        guard let near = Spelling.suggestion(for: key.name, among: context.baseTaskStates.keys), near != key.name,
            let state = context.baseTaskStates[near]
        else { return }
        nearMisses.append(NearMiss(
            kind: "task", id: key.name, near: near, location: key.location, place: describePlace(path), baseID: context.baseID,
            nearPlace: " (in the state '\(state)')"))
    }

    /// The kind of id the keys under `path` are: "task" under `states.x.tasks`.
    static func idKind(under path: String) -> String? {
        switch path {
        case "fields": return "field"
        case "parties": return "party"
        case "roles": return "role"
        case "events": return "event"
        case "states": return "state"
        case "documents": return "document"
        default:
            let parts = path.split(separator: ".")
            if parts.count == 3, parts[0] == "states", parts[2] == "tasks" { return "task" }
            return nil
        }
    }

    /// " to the state 'mapping'" for tasks, "" elsewhere.
    private static func describePlace(_ path: String) -> String {
        let parts = path.split(separator: ".")
        if parts.count == 3, parts[0] == "states", parts[2] == "tasks" { return " in the state '\(parts[1])'" }
        if parts.count == 2, parts[0] == "states" { return " in the state '\(parts[1])'" }
        return ""
    }

    /// What removing the base's `node` at `path` removes, e.g. "the 4 tasks
    /// agree-actions, write-memo, …"; nil when it removes nothing of substance.
    private static func describeContent(of node: SourceNode, at path: String) -> (text: String, plural: Bool)? {
        let name = path.split(separator: ".").last.map(String.init) ?? path
        if let pairs = node.pairs {
            guard !pairs.isEmpty else { return nil }
            let ids = pairs.map(\.key.name)
            let listed = ids.count > 4 ? ids.prefix(4).joined(separator: ", ") + ", …" : ids.joined(separator: ", ")
            if let kind = idKind(under: path) {
                let plural = ids.count == 1 ? kind : kind == "party" ? "parties" : kind + "s"
                return ("the \(ids.count) \(plural) (\(listed))", ids.count > 1)
            }
            return ("the \(ids.count) \(ids.count == 1 ? "entry" : "entries") of '\(name)' (\(listed))", ids.count > 1)
        }
        if let items = node.items {
            guard !items.isEmpty else { return nil }
            return ("the \(items.count) \(items.count == 1 ? "item" : "items") of '\(name)'", items.count > 1)
        }
        if node.scalar != nil { return ("the '\(name)'", false) }
        return nil
    }

    /// The tree without its top-level `extends` key.
    var removingExtends: SourceNode {
        guard let pairs else { return self }
        return SourceNode(kind: .mapping(pairs.filter { $0.key.name != "extends" }), location: location)
    }
}

extension StringProtocol {
    /// The text without `suffix` at its end.
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : String(self)
    }
}
