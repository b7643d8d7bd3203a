extension Identifier {
    /// Normalises `text` and checks it.
    ///
    /// - Parameters:
    ///   - text: The id as it was typed.
    ///   - kind: What the id names, for the message, e.g. `case id`.
    /// - Returns: The id in normal form C.
    /// - Throws: ``CommandRefused`` with code `.invalidIdentifier`, naming the rule broken.
    public static func validated(_ text: String, as kind: String) throws -> String {
        let id = normalized(text)
        try check(id, as: kind)
        return id
    }

    /// Checks `text` as it is (a decomposed spelling is refused, not composed).
    ///
    /// - Throws: ``CommandRefused`` with code `.invalidIdentifier`, naming the rule broken.
    public static func check(_ text: String, as kind: String) throws {
        if let problem = problem(with: text) {
            throw CommandRefused(.invalidIdentifier, "The \(kind) \(escaped(text, limit: 40)) \(problem).")
        }
    }
}
