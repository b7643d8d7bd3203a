import Foundation

extension Diagnostic {
    /// The YAML error an indentation slip produces, in libyaml's words.
    static let mappingValuesProblem = "mapping values are not allowed in this context"

    /// This diagnostic, rephrased when it is libyaml's "mapping values are not
    /// allowed" error caused by a slip of indentation: libyaml reports the line
    /// after the value it could not end, while the mistake is often the line
    /// before. Says which line to check, and places the diagnostic there.
    func explainingIndentation(in text: String) -> Diagnostic {
        guard severity == .error else { return self }
        if message.contains(Self.expectedKeyProblem) { return explainingMisalignedKey(in: text) }
        guard message.contains(Self.mappingValuesProblem) else { return self }
        let lines = text.yamlLines.map(String.init)
        func isContent(_ index: Int) -> Bool {
            let trimmed = lines[index].trimmedSpaces
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        func indent(_ index: Int) -> Int { lines[index].prefix { $0 == " " }.count }
        let errorLine = line - 1
        guard errorLine > 0, errorLine < lines.count, isContent(errorLine),
            let previous = (0..<errorLine).last(where: isContent), indent(errorLine) > indent(previous)
        else { return self }
        let above = (0..<previous).last(where: isContent)
        let previousKey = Self.key(of: lines[previous])
        if let above, Self.opensBlock(lines[above]), indent(previous) <= indent(above), let previousKey, let aboveKey = Self.key(of: lines[above]) {
            // The line before is not indented under the key that opens its block.
            return Diagnostic(
                .error,
                "Check the indentation of line \(previous + 1): '\(previousKey):' is not indented further than '\(aboveKey):' on line \(above + 1), so it does not belong to it, and line \(line), indented further, is read as part of the value of '\(previousKey)' (the YAML error: \(Self.mappingValuesProblem)).",
                at: FileLocation(file: file, line: previous + 1, column: indent(previous) + 1))
        }
        let owner = previousKey.map { " of '\($0)'" } ?? ""
        return Diagnostic(
            .error,
            "Check the indentation of line \(line): it is indented further than line \(previous + 1) above it, so it is read as part of the value\(owner) on that line (the YAML error: \(Self.mappingValuesProblem)).",
            at: FileLocation(file: file, line: line, column: indent(errorLine) + 1))
    }

    /// The YAML error a key indented unlike its neighbours produces.
    static let expectedKeyProblem = "did not find expected key"

    /// libyaml's "did not find expected key" at a key that lines up with no key
    /// above it: says so, naming the column of the key on the line before.
    private func explainingMisalignedKey(in text: String) -> Diagnostic {
        let lines = text.yamlLines.map(String.init)
        let errorLine = line - 1
        guard errorLine > 0, errorLine < lines.count, let key = Self.key(of: lines[errorLine]) else { return self }
        func isContent(_ index: Int) -> Bool {
            let trimmed = lines[index].trimmedSpaces
            return !trimmed.isEmpty && !trimmed.hasPrefix("#")
        }
        func indent(_ index: Int) -> Int { lines[index].prefix { $0 == " " }.count }
        guard let previous = (0..<errorLine).last(where: isContent), let previousKey = Self.key(of: lines[previous]),
            indent(previous) != indent(errorLine)
        else { return self }
        let keyColumns = Set((0..<errorLine).filter(isContent).map(indent))
        guard !keyColumns.contains(indent(errorLine)) else { return self }
        return Diagnostic(
            .error,
            "Check the indentation of line \(line): '\(key):' starts at column \(indent(errorLine) + 1), in line with no key above it ('\(previousKey):' on line \(previous + 1) starts at column \(indent(previous) + 1)); the keys of one mapping start in the same column (the YAML error: \(Self.expectedKeyProblem)).",
            at: FileLocation(file: file, line: line, column: indent(errorLine) + 1))
    }

    /// The key of a `key: value` or `key:` line (after any `- `).
    private static func key(of line: String) -> String? {
        var text = line.trimmedSpaces
        if text.hasPrefix("- ") { text = String(text.dropFirst(2)).trimmedSpaces }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let key = String(text[..<colon])
        return key.isEmpty || key.contains(" ") ? nil : key
    }

    /// Whether the line is a key with nothing after its colon (but a comment).
    private static func opensBlock(_ line: String) -> Bool {
        var text = line
        if let hash = text.range(of: " #") { text = String(text[..<hash.lowerBound]) }
        return text.trimmedSpaces.hasSuffix(":")
    }
}
