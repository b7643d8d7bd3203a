/// An expression of the process language: a date rule like
/// `releaseDate - 2 months` or a guard like `consent.given and openedOn < releaseDate`.
///
/// Parsed when created, type-checked against a process with ``check(in:)``, and
/// evaluated with ``evaluate(in:)``, which never executes anything but the
/// language's own arithmetic. Encodes as its canonical text, so that equal
/// meaning written with different spacing or parentheses encodes the same.
public struct ProcessExpression: Sendable, Hashable, Codable, CustomStringConvertible {
    let root: ExpressionNode.Located
    /// The canonical text: one space around operators, no redundant parentheses.
    public let text: String
    /// The case fields the value depends on, when nothing else of the case feeds it (only
    /// fields, constants and the calendar); nil when it also reads the opening date,
    /// today, an event's date or the consent.
    let onlyFields: Set<String>?

    /// Parses `source`.
    ///
    /// - Throws: ``ExpressionError`` with the offset of the first problem.
    public init(parsing source: String) throws(ExpressionError) {
        root = try ExpressionParser.parse(source)
        text = root.canonicalText
        var fields: Set<String> = []
        var readsMore = false
        root.visit { node in
            switch node {
            case .field(let id): fields.insert(id)
            case .date, .number, .text, .bool, .duration, .call, .not, .negate, .binary: break
            case .openedOn, .today, .eventDate, .consentGiven, .consentIncludes: readsMore = true
            }
        }
        onlyFields = readsMore ? nil : fields
    }

    /// Whether the value may differ once `fields` changed, the rest of the case and the
    /// day staying as they were: true when the expression reads one of them, or reads
    /// anything but fields.
    func mayChange(withFields fields: Set<String>) -> Bool {
        guard let onlyFields else { return true }
        return !onlyFields.isDisjoint(with: fields)
    }

    public var description: String { text }

    public static func == (lhs: ProcessExpression, rhs: ProcessExpression) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let source = try container.decode(String.self)
        do {
            try self.init(parsing: source)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Invalid expression '\(source)': \(error.message)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// The case fields the expression reads.
    public var referencedFields: Set<String> {
        var result: Set<String> = []
        root.visit { if case .field(let id) = $0 { result.insert(id) } }
        return result
    }

    /// The events whose dates the expression reads.
    public var referencedEvents: Set<String> {
        var result: Set<String> = []
        root.visit { if case .eventDate(let id) = $0 { result.insert(id) } }
        return result
    }

    /// Whether the expression is a bare duration literal, e.g. `2 weeks`.
    public var durationLiteral: DateDuration? {
        if case .duration(let duration) = root.node { return duration }
        return nil
    }
}

extension ExpressionNode.Located {
    /// Calls `body` on this located node and every located node below it.
    func visitLocated(_ body: (ExpressionNode.Located) -> Void) {
        body(self)
        switch node {
        case .call(_, let arguments): arguments.forEach { $0.visitLocated(body) }
        case .not(let operand), .negate(let operand): operand.visitLocated(body)
        case .binary(_, let lhs, let rhs):
            lhs.visitLocated(body)
            rhs.visitLocated(body)
        default: break
        }
    }

    /// Calls `body` on this node and every node below it.
    func visit(_ body: (ExpressionNode) -> Void) {
        body(node)
        switch node {
        case .call(_, let arguments): arguments.forEach { $0.visit(body) }
        case .not(let operand), .negate(let operand): operand.visit(body)
        case .binary(_, let lhs, let rhs):
            lhs.visit(body)
            rhs.visit(body)
        default: break
        }
    }
}
