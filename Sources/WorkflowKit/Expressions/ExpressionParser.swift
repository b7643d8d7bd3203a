/// A recursive-descent parser for the expression language.
///
/// Grammar, loosest first:
/// ```
/// or         := and ('or' and)*
/// and        := not ('and' not)*
/// not        := 'not' not | comparison
/// comparison := additive (('<'|'<='|'>'|'>='|'=='|'!=') additive)?
/// additive   := unary (('+'|'-') unary)*
/// unary      := '-' unary | primary
/// primary    := DATE | NUMBER unit? | TEXT | 'true' | 'false' | 'today' | 'openedOn'
///             | 'event' '.' NAME | 'eventDate' '(' TEXT ')'
///             | 'consent' '.' 'given' | 'consent' '.' 'includes' '(' TEXT ')'
///             | ('known'|'min'|'max') '(' or (',' or)* ')' | FIELD | '(' or ')'
/// unit       := 'day'|'days'|'week'|'weeks'|'month'|'months'|'year'|'years'|'working' ('day'|'days')
/// ```
struct ExpressionParser {
    private var tokens: [ExpressionToken]
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 48
    /// The largest number a duration may count (of days, weeks, months or years).
    static let maximumDurationAmount = 99_999

    static let keywords: Set<String> = ["and", "or", "not", "true", "false", "today", "openedOn", "event", "eventDate", "consent", "known", "min", "max", "working"]
    static let functions: Set<String> = ["known", "min", "max"]

    /// Parses `text` into a tree.
    static func parse(_ text: String) throws(ExpressionError) -> ExpressionNode.Located {
        var parser = ExpressionParser(tokens: try ExpressionLexer.tokens(text))
        if parser.current.kind == .end {
            throw ExpressionError("The expression is empty.", offset: 0)
        }
        let node = try parser.parseOr()
        if parser.current.kind != .end {
            throw ExpressionError("Unexpected \(parser.describe(parser.current)) after a complete expression; is an operator missing?", offset: parser.current.offset)
        }
        return node
    }

    private init(tokens: [ExpressionToken]) { self.tokens = tokens }

    private var current: ExpressionToken { tokens[position] }
    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .identifier(let name): "'\(name)'"
        case .number(let value): "the number \(ExpressionValue.format(value))"
        case .date(let date): "the date \(date)"
        case .text: "a text"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "the end of the expression"
        }
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    private func isWord(_ word: String) -> Bool { current.kind == .identifier(word) }

    private mutating func expect(_ symbol: String, _ what: String) throws(ExpressionError) {
        guard isSymbol(symbol) else {
            throw ExpressionError("Expected \(what), found \(describe(current)).", offset: current.offset)
        }
        advance()
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            throw ExpressionError("The expression is nested too deeply.", offset: current.offset)
        }
        return try body(&self)
    }

    private mutating func parseOr() throws(ExpressionError) -> ExpressionNode.Located {
        try nested { (p: inout ExpressionParser) throws(ExpressionError) in
            var lhs = try p.parseAnd()
            while p.isWord("or") {
                p.advance()
                let rhs = try p.parseAnd()
                lhs = .init(node: .binary(.or, lhs, rhs), offset: lhs.offset)
            }
            return lhs
        }
    }

    private mutating func parseAnd() throws(ExpressionError) -> ExpressionNode.Located {
        var lhs = try parseNot()
        while isWord("and") {
            advance()
            let rhs = try parseNot()
            lhs = .init(node: .binary(.and, lhs, rhs), offset: lhs.offset)
        }
        return lhs
    }

    private mutating func parseNot() throws(ExpressionError) -> ExpressionNode.Located {
        if isWord("not") {
            let offset = current.offset
            advance()
            let operand = try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseNot() }
            return .init(node: .not(operand), offset: offset)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(ExpressionError) -> ExpressionNode.Located {
        let lhs = try parseAdditive()
        if case .symbol(let symbol) = current.kind, let op = BinaryOperator(rawValue: symbol), op.isComparison {
            advance()
            let rhs = try parseAdditive()
            if case .symbol(let next) = current.kind, let again = BinaryOperator(rawValue: next), again.isComparison {
                throw ExpressionError("Comparisons cannot be chained; join them with 'and'.", offset: current.offset)
            }
            return .init(node: .binary(op, lhs, rhs), offset: lhs.offset)
        }
        return lhs
    }

    private mutating func parseAdditive() throws(ExpressionError) -> ExpressionNode.Located {
        var lhs = try parseUnary()
        while isSymbol("+") || isSymbol("-") {
            let op: BinaryOperator = isSymbol("+") ? .plus : .minus
            advance()
            let rhs = try parseUnary()
            lhs = .init(node: .binary(op, lhs, rhs), offset: lhs.offset)
        }
        return lhs
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode.Located {
        if isSymbol("-") {
            let offset = current.offset
            advance()
            let operand = try nested { (p: inout ExpressionParser) throws(ExpressionError) in try p.parseUnary() }
            return .init(node: .negate(operand), offset: offset)
        }
        return try parsePrimary()
    }

    private mutating func parseTextArgument(_ what: String) throws(ExpressionError) -> String {
        try expect("(", "'(' after \(what)")
        guard case .text(let text) = current.kind else {
            throw ExpressionError("Expected a quoted name in \(what)(…), e.g. \(what)('prison'); found \(describe(current)).", offset: current.offset)
        }
        advance()
        try expect(")", "')' to close \(what)(…)")
        return text
    }

    /// Reads a hyphenated name written without spaces, e.g. `consent-given`.
    private mutating func parseName(after what: String) throws(ExpressionError) -> String {
        guard case .identifier(var name) = current.kind else {
            throw ExpressionError("Expected an event name after '\(what)', found \(describe(current)).", offset: current.offset)
        }
        var end = current.offset + current.length
        advance()
        while isSymbol("-"), current.offset == end, case .identifier(let part) = tokens[position + 1].kind,
            tokens[position + 1].offset == end + 1
        {
            name += "-" + part
            advance()
            end = current.offset + current.length
            advance()
        }
        return name
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode.Located {
        let token = current
        let offset = token.offset
        switch token.kind {
        case .date(let date):
            advance()
            return .init(node: .date(date), offset: offset)
        case .text(let text):
            advance()
            return .init(node: .text(text), offset: offset)
        case .number(let value):
            advance()
            if let unit = try parseUnit() {
                guard value == value.rounded() else {
                    throw ExpressionError("A duration needs a whole number, e.g. '2 \(unit.spelled(for: 2))'.", offset: offset)
                }
                guard abs(value) <= Double(Self.maximumDurationAmount) else {
                    throw ExpressionError(
                        "A duration counts at most \(Self.maximumDurationAmount) \(unit.spelled(for: 2)); \(abs(value) < 1e15 ? "\(Int(value))" : "\(value)") is more.",
                        offset: offset)
                }
                if unit == .workingDays, value > 2500 {
                    throw ExpressionError("At most 2500 working days can be counted at once.", offset: offset)
                }
                return .init(node: .duration(DateDuration(Int(value), unit)), offset: offset)
            }
            return .init(node: .number(value), offset: offset)
        case .symbol("("):
            advance()
            let inner = try parseOr()
            try expect(")", "')' to close the '(' at column \(offset + 1)")
            return inner
        case .identifier(let word):
            advance()
            switch word {
            case "true", "false": return .init(node: .bool(word == "true"), offset: offset)
            case "today": return .init(node: .today, offset: offset)
            case "openedOn": return .init(node: .openedOn, offset: offset)
            case "event":
                try expect(".", "'.' and an event name after 'event', e.g. event.consent-given")
                return .init(node: .eventDate(try parseName(after: "event.")), offset: offset)
            case "eventDate":
                return .init(node: .eventDate(try parseTextArgument("eventDate")), offset: offset)
            case "consent":
                try expect(".", "'.given' or '.includes(…)' after 'consent'")
                if isWord("given") {
                    advance()
                    return .init(node: .consentGiven, offset: offset)
                }
                if isWord("includes") {
                    advance()
                    return .init(node: .consentIncludes(try parseTextArgument("consent.includes")), offset: offset)
                }
                throw ExpressionError("After 'consent.' write 'given' or 'includes('party')'.", offset: current.offset)
            case "and", "or", "not", "working":
                throw ExpressionError("'\(word)' cannot start a value here.", offset: offset)
            default:
                if Self.functions.contains(word), isSymbol("(") {
                    advance()
                    var arguments: [ExpressionNode.Located] = []
                    if !isSymbol(")") {
                        arguments.append(try parseOr())
                        while isSymbol(",") {
                            advance()
                            arguments.append(try parseOr())
                        }
                    }
                    try expect(")", "')' to close \(word)(…)")
                    return .init(node: .call(word, arguments), offset: offset)
                }
                if DurationUnit.unit(named: word) != nil {
                    throw ExpressionError("'\(word)' needs a number before it, e.g. '2 \(word)'.", offset: offset)
                }
                return .init(node: .field(word), offset: offset)
            }
        case .symbol, .end:
            throw ExpressionError("Expected a value, found \(describe(token)).", offset: offset)
        }
    }

    private mutating func parseUnit() throws(ExpressionError) -> DurationUnit? {
        guard case .identifier(let word) = current.kind else { return nil }
        if word == "working" {
            advance()
            guard case .identifier(let next) = current.kind, next == "day" || next == "days" else {
                throw ExpressionError("'working' must be followed by 'days', e.g. '2 working days'.", offset: current.offset)
            }
            advance()
            return .workingDays
        }
        guard let unit = DurationUnit.unit(named: word) else {
            // A word right after a number that is close to a unit is a misspelt unit.
            let units = ["day", "days", "week", "weeks", "month", "months", "year", "years", "working"]
            if !ExpressionParser.keywords.contains(word), let near = Spelling.suggestion(for: word, among: units) {
                let meant = near == "working" ? "working days" : near
                throw ExpressionError("Unknown unit '\(word)' (did you mean '\(meant)'?); durations are written e.g. '5 working days', '2 months'.", offset: current.offset)
            }
            return nil
        }
        advance()
        return unit
    }
}

extension DurationUnit {
    /// The unit for a word: "day", "days", "week", "months", …
    static func unit(named word: String) -> DurationUnit? {
        switch word {
        case "day", "days": .days
        case "week", "weeks": .weeks
        case "month", "months": .months
        case "year", "years": .years
        default: nil
        }
    }
}
