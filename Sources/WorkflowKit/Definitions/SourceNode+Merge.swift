extension SourceNode {
    /// The tree of a process that `extends` another: `override` laid over `base`.
    ///
    /// Mappings merge key by key, recursively; a key whose value is `null` (or
    /// `~`, or empty) removes that key from the base; any other value (a single
    /// value or a list) replaces the base's. Every node keeps the file and
    /// position it came from.
    static func merge(base: SourceNode, override: SourceNode, warnings: inout [Diagnostic], path: String = "") -> SourceNode {
        guard let basePairs = base.pairs, let overridePairs = override.pairs else { return override }
        var result = basePairs
        for (key, value) in overridePairs {
            if path.isEmpty && key.name == "extends" { continue }
            let index = result.firstIndex { $0.key.name == key.name }
            if value.isNull {
                if let index {
                    result.remove(at: index)
                } else {
                    let where_ = path.isEmpty ? "" : " under '\(path)'"
                    warnings.append(.warning("'\(key.name)' is set to null to remove it, but the extended process has no '\(key.name)'\(where_).", at: key.location))
                }
                continue
            }
            if let index {
                let childPath = path.isEmpty ? key.name : "\(path).\(key.name)"
                result[index] = (key, merge(base: result[index].value, override: value, warnings: &warnings, path: childPath))
            } else {
                result.append((key, value))
            }
        }
        return SourceNode(kind: .mapping(result), location: override.location)
    }

    /// The tree without its top-level `extends` key.
    var removingExtends: SourceNode {
        guard let pairs else { return self }
        return SourceNode(kind: .mapping(pairs.filter { $0.key.name != "extends" }), location: location)
    }
}
