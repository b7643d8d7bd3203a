extension ProcessExpression {
    /// Type-checks the expression against a process's fields, events and parties.
    ///
    /// - Returns: The expression's type (nil when it has errors) and every error
    ///   found, each with its offset in the expression text.
    public func check(in environment: ExpressionEnvironment) -> (type: ExpressionType?, errors: [ExpressionError]) {
        var errors: [ExpressionError] = []
        let type = Self.type(of: root, environment, &errors)
        return (errors.isEmpty ? type : nil, errors)
    }

    private static func type(of located: ExpressionNode.Located, _ env: ExpressionEnvironment, _ errors: inout [ExpressionError]) -> ExpressionType? {
        let offset = located.offset
        switch located.node {
        case .date, .openedOn, .today: return .date
        case .number: return .number
        case .text: return .text
        case .bool, .consentGiven: return .bool
        case .duration: return .duration
        case .field(let id):
            guard let entry = env.fields[id] else {
                let hint = Spelling.suggestion(for: id, among: env.fields.keys).map { " (did you mean '\($0)'?)" } ?? ""
                errors.append(ExpressionError("Unknown field '\(id)'\(hint).", offset: offset))
                return nil
            }
            guard let type = entry else {
                errors.append(ExpressionError("The field '\(id)' is a list of parties and cannot be used in an expression.", offset: offset))
                return nil
            }
            return type
        case .eventDate(let id):
            if env.checksReferences, !env.events.contains(id) {
                let hint = Spelling.suggestion(for: id, among: env.events).map { " (did you mean '\($0)'?)" } ?? ""
                errors.append(ExpressionError("Unknown event '\(id)'\(hint).", offset: offset))
            }
            return .date
        case .consentIncludes(let party):
            if env.checksReferences, !env.parties.contains(party) {
                let hint = Spelling.suggestion(for: party, among: env.parties).map { " (did you mean '\($0)'?)" } ?? ""
                errors.append(ExpressionError("Unknown party '\(party)'\(hint).", offset: offset))
            }
            return .bool
        case .call(let name, let arguments):
            let types = arguments.map { type(of: $0, env, &errors) }
            if name == "known" {
                if arguments.count != 1 {
                    errors.append(ExpressionError("known(…) takes exactly one value, e.g. known(releaseDate).", offset: offset))
                }
                return .bool
            }
            guard arguments.count >= 2 else {
                errors.append(ExpressionError("\(name)(…) takes two or more values, e.g. \(name)(releaseDate - 2 months, openedOn).", offset: offset))
                return nil
            }
            let known = types.compactMap { $0 }
            guard known.count == types.count else { return nil }
            guard let first = known.first, known.allSatisfy({ $0 == first }), first == .date || first == .number else {
                errors.append(ExpressionError("\(name)(…) needs values that are all dates or all numbers.", offset: offset))
                return nil
            }
            return first
        case .not(let operand):
            guard let t = type(of: operand, env, &errors) else { return nil }
            if t != .bool {
                errors.append(ExpressionError("'not' needs yes/no (true or false), but this is \(t).", offset: operand.offset))
                return nil
            }
            return .bool
        case .negate(let operand):
            guard let t = type(of: operand, env, &errors) else { return nil }
            switch t {
            case .number: return .number
            case .duration: return .duration
            default:
                errors.append(ExpressionError("Only numbers and durations can be negated, but this is \(t).", offset: operand.offset))
                return nil
            }
        case .binary(let op, let lhs, let rhs):
            let l = type(of: lhs, env, &errors)
            let r = type(of: rhs, env, &errors)
            guard let l, let r else { return nil }
            switch op {
            case .and, .or:
                for (t, side) in [(l, lhs), (r, rhs)] where t != .bool {
                    errors.append(ExpressionError("'\(op.rawValue)' joins yes/no conditions, but this is \(t).", offset: side.offset))
                }
                return l == .bool && r == .bool ? .bool : nil
            case .plus:
                switch (l, r) {
                case (.date, .duration), (.duration, .date): return .date
                case (.number, .number): return .number
                case (.date, .date):
                    errors.append(ExpressionError("Two dates cannot be added; add a duration to a date, e.g. releaseDate + 2 weeks.", offset: rhs.offset))
                case (.date, .number), (.number, .date):
                    errors.append(ExpressionError("A number needs a unit to be added to a date, e.g. '+ 2 days' or '+ 2 working days'.", offset: l == .number ? lhs.offset : rhs.offset))
                default:
                    errors.append(ExpressionError("'+' cannot add \(r) to \(l).", offset: rhs.offset))
                }
                return nil
            case .minus:
                switch (l, r) {
                case (.date, .duration): return .date
                case (.date, .date), (.number, .number): return .number
                case (.date, .number):
                    errors.append(ExpressionError("A number needs a unit to be subtracted from a date, e.g. '- 2 months'.", offset: rhs.offset))
                default:
                    errors.append(ExpressionError("'-' cannot subtract \(r) from \(l).", offset: rhs.offset))
                }
                return nil
            case .equal, .notEqual:
                if l != r || l == .duration {
                    errors.append(ExpressionError("'\(op.rawValue)' compares \(l) with \(r); both sides must be of the same type.", offset: rhs.offset))
                    return nil
                }
                return .bool
            case .less, .lessOrEqual, .greater, .greaterOrEqual:
                if l != r || (l != .date && l != .number) {
                    let what = l == r ? "Only dates and numbers can be ordered with '\(op.rawValue)', but these are \(l)." : "'\(op.rawValue)' compares \(l) with \(r); both sides must be dates or both numbers."
                    errors.append(ExpressionError(what, offset: l == r ? lhs.offset : rhs.offset))
                    return nil
                }
                return .bool
            }
        }
    }
}
