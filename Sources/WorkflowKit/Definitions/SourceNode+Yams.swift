import Yams

extension SourceNode {
    /// The deepest nesting a process file may have; deeper input is rejected
    /// rather than risking the stack.
    static let maximumDepth = 64

    /// Parses `text` as one YAML document into a positioned tree.
    ///
    /// - Returns: The root (nil for an empty document) or the diagnostics that
    ///   explain why the text is not YAML a process file can use.
    /// Text over the ``YAMLBudget`` (too large, aliases, too many values) is refused
    /// before Yams composes it.
    static func parse(_ text: String, file: String) -> (node: SourceNode?, diagnostics: [Diagnostic]) {
        if let refused = YAMLBudget().check(text, file: file) { return (nil, [refused]) }
        let source = SourceLines(text, file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [diagnostic(for: error, text: text, source: source)])
        } catch {
            return (nil, [.error("The file could not be read as YAML.", at: FileLocation(file: file, line: 1, column: 1))])
        }
        guard let root else { return (nil, []) }
        var diagnostics: [Diagnostic] = []
        let node = convert(root, source: source, depth: 0, diagnostics: &diagnostics)
        return (node, diagnostics)
    }

    /// The text's lines (as `String.yamlLines` counts them), for turning libyaml's marks
    /// into places inside the text.
    struct SourceLines {
        let file: String
        let lines: [Substring]

        init(_ text: String, file: String) {
            self.file = file
            self.lines = text.yamlLines
        }

        /// The place `mark` gives. At the end of a text without a final line break (an
        /// error there, or an empty value) libyaml counts one more line, which no editor
        /// shows: that place is the end of the last line.
        func location(_ mark: Mark?) -> FileLocation {
            let line = max(mark?.line ?? 1, 1)
            if line > lines.count {
                return FileLocation(file: file, line: lines.count, column: (lines.last?.unicodeScalars.count ?? 0) + 1)
            }
            return FileLocation(file: file, line: line, column: max(mark?.column ?? 1, 1))
        }

        /// Whether the scalar `value` is written as it is (in its quotes, for a quoted
        /// style) on one line from `location`, so that an offset in the value is a column
        /// of that line. Not so for a scalar folded over several lines, or one with escapes.
        func isWrittenAsIs(_ value: String, _ style: ScalarStyle, at location: FileLocation) -> Bool {
            guard location.line >= 1, location.line <= lines.count, location.column >= 1 else { return false }
            let written: String
            switch style {
            case .plain: written = value
            case .singleQuoted: written = "'\(value)'"
            case .doubleQuoted: written = "\"\(value)\""
            case .block: return false
            }
            let line = lines[location.line - 1].unicodeScalars
            guard let start = line.index(line.startIndex, offsetBy: location.column - 1, limitedBy: line.endIndex) else { return false }
            return line[start...].starts(with: written.unicodeScalars)
        }
    }

    private static func convert(_ node: Node, source: SourceLines, depth: Int, diagnostics: inout [Diagnostic]) -> SourceNode {
        let here = source.location(node.mark)
        if depth > maximumDepth {
            diagnostics.append(.error("This value is nested more than \(maximumDepth) levels deep.", at: here))
            return SourceNode(kind: .null, location: here)
        }
        switch node {
        case .scalar(let scalar):
            var style: ScalarStyle
            switch scalar.style {
            case .plain: style = .plain
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            default: style = .block
            }
            if style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return SourceNode(kind: .null, location: here)
            }
            // A scalar not written as it is on one line maps offsets to its start only.
            if style != .block && !source.isWrittenAsIs(scalar.string, style, at: here) { style = .block }
            return SourceNode(kind: .scalar(scalar.string, style), location: here)
        case .mapping(let mapping):
            var pairs: [(key: Key, value: SourceNode)] = []
            for (key, value) in mapping {
                let keyLocation = source.location(key.mark)
                guard case .scalar(let keyScalar) = key else {
                    diagnostics.append(.error("A key must be a plain name, not \(key.mapping != nil ? "a mapping" : "a list").", at: keyLocation))
                    continue
                }
                let converted = convert(value, source: source, depth: depth + 1, diagnostics: &diagnostics)
                pairs.append((Key(name: keyScalar.string, location: keyLocation), converted))
            }
            return SourceNode(kind: .mapping(pairs), location: here)
        case .sequence(let sequence):
            let items = sequence.map { convert($0, source: source, depth: depth + 1, diagnostics: &diagnostics) }
            return SourceNode(kind: .sequence(items), location: here)
        case .alias:
            diagnostics.append(.error("YAML aliases ('*name') are not supported in process files; write the value out.", at: here))
            return SourceNode(kind: .null, location: here)
        }
    }

    /// Turns a Yams error into a diagnostic with the place libyaml reported.
    private static func diagnostic(for error: YamlError, text: String, source: SourceLines) -> Diagnostic {
        let file = source.file
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if problem.contains("nesting level") {
                return .error("The file is nested too deeply to be a process file.", at: source.location(mark))
            }
            let during = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return .error("The file is not valid YAML: \(problem)\(during).", at: source.location(mark))
        case .reader(let problem, _, _, _):
            return .error("The file could not be read: \(problem).", at: FileLocation(file: file, line: 1, column: 1))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let name = duplicates.first ?? ""
            let first = source.location(context.mark)
            let second = secondOccurrence(ofKey: name, after: first, in: text) ?? first
            return .error(
                "The key '\(name)' appears more than once in the same mapping (first at line \(first.line)); each id must be unique.",
                at: second)
        default:
            return .error("The file could not be read as YAML: \(error).", at: FileLocation(file: file, line: 1, column: 1))
        }
    }

    /// Finds the line after `first` where `key` is written again at the same column.
    private static func secondOccurrence(ofKey key: String, after first: FileLocation, in text: String) -> FileLocation? {
        let lines = text.yamlLines
        guard first.line <= lines.count else { return nil }
        for index in first.line..<lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            let start = first.column - 1
            guard start >= 0, start < scalars.count else { continue }
            let rest = String(String.UnicodeScalarView(scalars[start...]))
            for candidate in [key, "'\(key)'", "\"\(key)\""] where rest.hasPrefix(candidate + ":") {
                let before = scalars[..<start]
                if before.allSatisfy({ $0 == " " || $0 == "-" }) || before.last == "{" || before.last == " " {
                    return FileLocation(file: first.file, line: index + 1, column: first.column)
                }
            }
        }
        return nil
    }
}
