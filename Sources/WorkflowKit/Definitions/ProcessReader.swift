import Foundation

/// Reads a resolved (already merged) positioned tree into a ``ProcessDefinition``,
/// recording where everything was written and reporting malformed parts: wrong
/// shapes, unknown keys (with "did you mean …?"), bad ids, unparsable expressions.
///
/// Cross-references (unknown roles, states, …) are checked afterwards by
/// ``ProcessValidator``, which uses the ``SourceMap`` built here.
struct ProcessReader {
    var diagnostics: [Diagnostic] = []
    var map: SourceMap
    /// The kind of each field read so far, for typing the field values of examples.
    var fieldTypes: [String: FieldDefinition.Kind] = [:]

    init(file: String) { map = SourceMap(file: file) }

    mutating func error(_ message: String, at location: FileLocation) {
        diagnostics.append(.error(message.prefix(1).uppercased() + message.dropFirst(), at: location))
    }

    // MARK: Shapes

    /// The pairs of a mapping, reporting unknown keys; nil (and an error) when not a mapping.
    mutating func mapping(_ node: SourceNode, _ path: String, allowed: [String]? = nil, what: String) -> [(key: SourceNode.Key, value: SourceNode)]? {
        map.values[path] = node
        guard let pairs = node.pairs else {
            if node.isNull { return [] }
            error("\(what) must be a mapping of 'key: value' lines, not \(node.kindName).", at: node.location)
            return nil
        }
        for (key, value) in pairs {
            let childPath = path.isEmpty ? key.name : "\(path).\(key.name)"
            map.keys[childPath] = key.location
            map.values[childPath] = value
            if let allowed, !allowed.contains(key.name) {
                let hint = Spelling.suggestion(for: key.name, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                error("Unknown key '\(key.name)' in \(what)\(hint).", at: key.location)
            }
        }
        guard let allowed else { return pairs }
        return pairs.filter { allowed.contains($0.key.name) }
    }

    mutating func string(_ node: SourceNode?, what: String) -> String? {
        guard let node else { return nil }
        guard let text = node.scalar else {
            if !node.isNull { error("\(what) must be a single value, not \(node.kindName).", at: node.location) }
            return nil
        }
        return text
    }

    /// A title: a plain string, or a mapping of language codes to titles
    /// (`{ fi: Vapautuminen, sv: Frigivning, en: Release }`). Returns the title to use when
    /// no language is asked for (Finnish, else English, else Swedish, else the first
    /// given) and the translations (nil for a plain string, so that files written before
    /// translations existed keep their content hash).
    mutating func title(_ node: SourceNode?, what: String) -> (title: String?, translations: [String: String]?) {
        guard let node, let pairs = node.pairs else { return (string(node, what: what), nil) }
        var translations: [String: String] = [:]
        for (key, value) in pairs {
            let code = key.name
            guard (2...3).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isLowercase }) else {
                error("\(what) in several languages must be keyed by language codes such as fi, sv, en; '\(code)' is not one.", at: key.location)
                continue
            }
            guard let text = string(value, what: "\(what) in '\(code)'") else { continue }
            translations[code] = text
        }
        if translations.isEmpty {
            if !pairs.isEmpty { return (nil, nil) }
            error("\(what) needs at least one language, e.g. 'fi: …'.", at: node.location)
            return (nil, nil)
        }
        let chosen = translations["fi"] ?? translations["en"] ?? translations["sv"] ?? translations.sorted { $0.key < $1.key }.first?.value
        return (chosen, translations)
    }

    mutating func bool(_ node: SourceNode?, what: String) -> Bool? {
        guard let text = string(node, what: what), let node else { return nil }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            error("\(what) must be true or false, not '\(text)'.", at: node.location)
            return nil
        }
    }

    mutating func list(_ node: SourceNode?, what: String) -> [SourceNode] {
        guard let node else { return [] }
        if let items = node.items { return items }
        if node.isNull { return [] }
        error("\(what) must be a list, e.g. [a, b], not \(node.kindName).", at: node.location)
        return []
    }

    mutating func stringList(_ node: SourceNode?, _ path: String, what: String) -> [String] {
        var result: [String] = []
        for (index, item) in list(node, what: what).enumerated() {
            map.values["\(path).\(index)"] = item
            if let text = string(item, what: "Each item of \(what)") { result.append(text) }
        }
        return result
    }

    mutating func expression(_ node: SourceNode?, _ path: String, what: String) -> ProcessExpression? {
        guard let node else { return nil }
        map.values[path] = node
        guard let text = string(node, what: what) else { return nil }
        do {
            return try ProcessExpression(parsing: text)
        } catch {
            self.error("\(what) is not a valid expression: \(error.message)", at: node.location(ofOffset: error.offset))
            return nil
        }
    }

    mutating func duration(_ text: String, at node: SourceNode, what: String) -> DateDuration? {
        let trimmed = text.trimmedSpaces
        do {
            if let duration = try ProcessExpression(parsing: trimmed).durationLiteral, duration.amount >= 0 { return duration }
        } catch where error.message.hasPrefix("Unknown unit") {
            self.error("\(what) is not a duration: \(error.message)", at: node.location(ofOffset: error.offset))
            return nil
        } catch {}
        error("\(what) must be a duration such as '2 weeks' or '5 working days', not '\(trimmed)'.", at: node.location)
        return nil
    }

    /// Checks an id's form: ASCII letters, digits and hyphens, starting with a letter.
    mutating func checkID(_ key: SourceNode.Key, kind: String, allowHyphen: Bool = true) {
        if !Self.isValidID(key.name, allowHyphen: allowHyphen) {
            let rule = allowHyphen ? "ASCII letters a–z and A–Z, digits and '-'" : "ASCII letters a–z and A–Z and digits, without '-' because fields are used in expressions"
            let suggestion = Self.transliterated(key.name, allowHyphen: allowHyphen)
            let hint = suggestion.map { " (e.g. '\($0)'); titles may use any letters" } ?? ""
            error("The \(kind) id '\(key.name)' must start with a letter and contain only \(rule)\(hint).", at: key.location)
        } else if !allowHyphen, ExpressionParser.keywords.contains(key.name) || DurationUnit.unit(named: key.name) != nil {
            error("'\(key.name)' is a word of the expression language and cannot be a field id.", at: key.location)
        }
    }

    /// Whether `id` is a valid id: 1–64 ASCII letters, digits (and hyphens), starting with a letter.
    static func isValidID(_ id: String, allowHyphen: Bool = true) -> Bool {
        let scalars = Array(id.unicodeScalars)
        return !scalars.isEmpty && scalars.count <= 64
            && (("a"..."z").contains(scalars[0]) || ("A"..."Z").contains(scalars[0]))
            && scalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || (allowHyphen && $0 == "-") }
    }

    /// A valid id written like `id`: Finnish and other accented letters
    /// transliterated (ä → a, ö → o, å → a), spaces and '_' as '-' (in field ids,
    /// which have no '-', the next letter capitalised); nil when none.
    static func transliterated(_ id: String, allowHyphen: Bool) -> String? {
        let special: [Character: String] = ["ä": "a", "Ä": "A", "ö": "o", "Ö": "O", "å": "a", "Å": "A", "ß": "ss", "æ": "ae", "ø": "o"]
        var result = ""
        var capitalizeNext = false
        for character in id {
            var piece: String
            if let replacement = special[character] {
                piece = replacement
            } else if character == " " || character == "_" || character == "-" {
                if allowHyphen { result += "-" } else { capitalizeNext = true }
                continue
            } else {
                piece = String(character).folding(options: [.diacriticInsensitive], locale: nil)
            }
            if capitalizeNext {
                piece = piece.prefix(1).uppercased() + piece.dropFirst()
                capitalizeNext = false
            }
            result += piece
        }
        return result != id && isValidID(result, allowHyphen: allowHyphen) ? result : nil
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    var trimmedSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
