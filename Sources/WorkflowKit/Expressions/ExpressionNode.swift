/// A parsed expression: the tree the parser builds, with the offset of each node
/// in the source text for error messages.
indirect enum ExpressionNode: Sendable {
    case date(LocalDate)
    case number(Double)
    case text(String)
    case bool(Bool)
    case duration(DateDuration)
    /// A case field, by id.
    case field(String)
    case openedOn
    case today
    /// The date the event last happened, by event id.
    case eventDate(String)
    case consentGiven
    case consentIncludes(String)
    /// `known(x)`, `min(a, b)`, `max(a, b)`.
    case call(String, [Located])
    case not(Located)
    case negate(Located)
    case binary(BinaryOperator, Located, Located)

    /// A node and where it starts in the text.
    struct Located: Sendable {
        var node: ExpressionNode
        var offset: Int
    }
}

/// The operators between two operands, loosest-binding first in ``precedence``.
enum BinaryOperator: String, Sendable, CaseIterable {
    case or, and
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
    case plus = "+", minus = "-"

    var isComparison: Bool {
        switch self {
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: true
        default: false
        }
    }

    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: 4
        case .plus, .minus: 5
        }
    }
}

extension ExpressionNode.Located {
    /// The canonical text of this node: one space around operators, no
    /// redundant parentheses. Equal meaning gives equal text, which the content
    /// hash relies on.
    var canonicalText: String { canonical(parentPrecedence: 0, rightOperand: false) }

    private func canonical(parentPrecedence: Int, rightOperand: Bool) -> String {
        switch node {
        case .date(let date): return date.description
        case .number(let value): return ExpressionValue.format(value)
        // The language has no escapes: a text holding a ' was written in "…" (a text
        // cannot hold both quotes), and its canonical form must parse back.
        case .text(let text): return text.unicodeScalars.contains("'") ? "\"\(text)\"" : "'\(text)'"
        case .bool(let value): return value ? "true" : "false"
        case .duration(let duration): return duration.description
        case .field(let id): return id
        case .openedOn: return "openedOn"
        case .today: return "today"
        case .eventDate(let id): return "event.\(id)"
        case .consentGiven: return "consent.given"
        case .consentIncludes(let party): return "consent.includes('\(party)')"
        case .call(let name, let arguments):
            return "\(name)(\(arguments.map(\.canonicalText).joined(separator: ", ")))"
        case .not(let operand): 
            let text = "not " + operand.canonical(parentPrecedence: 3, rightOperand: false)
            return parentPrecedence > 3 ? "(\(text))" : text
        case .negate(let operand): return "-" + operand.canonical(parentPrecedence: 6, rightOperand: false)
        case .binary(let op, let lhs, let rhs):
            let p = op.precedence
            let text = "\(lhs.canonical(parentPrecedence: p, rightOperand: false)) \(op.rawValue) \(rhs.canonical(parentPrecedence: p, rightOperand: true))"
            let needs = p < parentPrecedence || (p == parentPrecedence && rightOperand) || (op.isComparison && parentPrecedence == p)
            return needs ? "(\(text))" : text
        }
    }
}
