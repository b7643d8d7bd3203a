extension ProcessExpression {
    /// Evaluates the expression.
    ///
    /// Absent values propagate: arithmetic or a comparison with an absent operand
    /// is absent; `and` is false when either side is false, `or` is true when
    /// either side is true, otherwise absent; `known(x)` tells whether `x` has a
    /// value. A guard whose value is absent counts as false (``Evaluation/isTrue``).
    public func evaluate(in context: EvaluationContext) -> Evaluation {
        var steps = Steps(explaining: true)
        let result = Self.evaluate(root, context, &steps)
        return Evaluation(value: result.value, steps: steps.lines)
    }

    /// The expression's value alone, as ``evaluate(in:)`` computes it, without writing
    /// the steps that explain it (the engine, deciding, needs only the value).
    public func value(in context: EvaluationContext) -> ExpressionValue? {
        var steps = Steps(explaining: false)
        return Self.evaluate(root, context, &steps).value
    }

    /// A value and how to name it in a step: a reference shows its value.
    private struct Evaluated {
        var value: ExpressionValue?
        var label: String
    }

    /// Where the steps go; when not explaining, neither steps nor labels are written.
    private struct Steps {
        let explaining: Bool
        var lines: [String] = []

        mutating func append(_ line: @autoclosure () -> String) {
            if explaining { lines.append(line()) }
        }

        /// `text` when explaining, else nothing (labels only ever appear in steps).
        func label(_ text: @autoclosure () -> String) -> String {
            explaining ? text() : ""
        }
    }

    private static func evaluate(_ located: ExpressionNode.Located, _ context: EvaluationContext, _ steps: inout Steps) -> Evaluated {
        func reference(_ name: String, _ value: ExpressionValue?) -> Evaluated {
            guard let value else {
                steps.append("\(name) has no value yet, so the result is not known")
                return Evaluated(value: nil, label: steps.label(name))
            }
            return Evaluated(value: value, label: steps.label("\(name) (\(value))"))
        }
        switch located.node {
        case .date(let date): return Evaluated(value: .date(date), label: steps.label(date.description))
        case .number(let value): return Evaluated(value: .number(value), label: steps.label(ExpressionValue.format(value)))
        case .text(let text): return Evaluated(value: .text(text), label: steps.label("'\(text)'"))
        case .bool(let value): return Evaluated(value: .bool(value), label: steps.label(value ? "true" : "false"))
        case .duration(let duration): return Evaluated(value: .duration(duration), label: steps.label(duration.description))
        case .field(let id): return reference(id, context.fields[id])
        case .openedOn: return reference("openedOn", context.openedOn.map { .date($0) })
        case .today: return reference("today", context.today.map { .date($0) })
        case .eventDate(let id): return reference("event.\(id)", context.eventDates[id].map { .date($0) })
        case .consentGiven:
            return Evaluated(value: .bool(context.consent != nil), label: steps.label("consent.given (\(context.consent != nil))"))
        case .consentIncludes(let party):
            let value = context.consent?.parties.contains(party) ?? false
            return Evaluated(value: .bool(value), label: steps.label("consent.includes('\(party)') (\(value))"))
        case .call(let name, let arguments):
            let values = arguments.map { evaluate($0, context, &steps) }
            let label = steps.label(located.canonicalText)
            if name == "known" { return Evaluated(value: .bool(values.first?.value != nil), label: label) }
            guard values.allSatisfy({ $0.value != nil }) else { return Evaluated(value: nil, label: label) }
            let picked: Evaluated?
            switch values.first?.value {
            case .date:
                let dates = values.compactMap { $0.value?.date }
                let chosen = name == "min" ? dates.min() : dates.max()
                picked = values.first { $0.value?.date == chosen }
            case .number:
                func number(_ e: Evaluated) -> Double { if case .number(let n)? = e.value { return n } else { return 0 } }
                picked = name == "min" ? values.min { number($0) < number($1) } : values.max { number($0) < number($1) }
            default: picked = nil
            }
            guard let picked, let value = picked.value else { return Evaluated(value: nil, label: label) }
            steps.append("\(value) = \(name == "min" ? "the earliest" : "the latest") of \(values.map(\.label).joined(separator: ", "))")
            return Evaluated(value: value, label: steps.label(value.description))
        case .not(let operand):
            let inner = evaluate(operand, context, &steps)
            guard let value = inner.value?.bool else { return Evaluated(value: nil, label: steps.label("not \(inner.label)")) }
            return Evaluated(value: .bool(!value), label: steps.label("not \(inner.label)"))
        case .negate(let operand):
            let inner = evaluate(operand, context, &steps)
            switch inner.value {
            case .number(let n)?: return Evaluated(value: .number(-n), label: steps.label(ExpressionValue.format(-n)))
            case .duration(let d)?: return Evaluated(value: .duration(DateDuration(-d.amount, d.unit)), label: steps.label("-\(d)"))
            default: return Evaluated(value: nil, label: steps.label("-\(inner.label)"))
            }
        case .binary(let op, let lhsNode, let rhsNode):
            let lhs = evaluate(lhsNode, context, &steps)
            let rhs = evaluate(rhsNode, context, &steps)
            return combine(op, lhs, rhs, context, &steps)
        }
    }

    private static func combine(_ op: BinaryOperator, _ lhs: Evaluated, _ rhs: Evaluated, _ context: EvaluationContext, _ steps: inout Steps) -> Evaluated {
        let label = steps.label("\(lhs.label) \(op.rawValue) \(rhs.label)")
        switch op {
        case .and, .or:
            let l = lhs.value?.bool, r = rhs.value?.bool
            let value: Bool?
            if op == .and {
                value = (l == false || r == false) ? false : (l == true && r == true) ? true : nil
            } else {
                value = (l == true || r == true) ? true : (l == false && r == false) ? false : nil
            }
            return Evaluated(value: value.map { .bool($0) }, label: label)
        default: break
        }
        guard let l = lhs.value, let r = rhs.value else { return Evaluated(value: nil, label: label) }
        let calendar = context.calendar
        switch (op, l, r) {
        case (.plus, .date(let date), .duration(let duration)), (.plus, .duration(let duration), .date(let date)),
            (.minus, .date(let date), .duration(let duration)):
            let result = duration.apply(to: date, negated: op == .minus, calendar: calendar)
            if steps.explaining {
                var step = "\(result) = \(lhs.label) \(op.rawValue) \(rhs.label)"
                if duration.unit == .workingDays {
                    step += ", counted in calendar \(calendar.id)"
                    let skipped = daysOff(between: date, and: result, calendar)
                    if !skipped.isEmpty { step += " (skipping \(skipped.joined(separator: ", ")))" }
                } else if duration.unit == .months || duration.unit == .years, result.day != date.day {
                    step += " (clamped to the end of the month)"
                }
                steps.append(step)
            }
            return Evaluated(value: .date(result), label: steps.label(result.description))
        case (.minus, .date(let a), .date(let b)):
            let days = b.days(until: a)
            steps.append("\(days) days = \(lhs.label) - \(rhs.label)")
            return Evaluated(value: .number(Double(days)), label: steps.label(String(days)))
        case (.plus, .number(let a), .number(let b)):
            return Evaluated(value: .number(a + b), label: steps.label(ExpressionValue.format(a + b)))
        case (.minus, .number(let a), .number(let b)):
            return Evaluated(value: .number(a - b), label: steps.label(ExpressionValue.format(a - b)))
        default:
            let result: Bool?
            switch (l, r) {
            case (.date(let a), .date(let b)): result = compare(op, a, b)
            case (.number(let a), .number(let b)): result = compare(op, a, b)
            default:
                switch op {
                case .equal: result = l == r
                case .notEqual: result = l != r
                default: result = nil
                }
            }
            if let result {
                steps.append("\(label) is \(result)")
                return Evaluated(value: .bool(result), label: steps.label("\(result)"))
            }
            return Evaluated(value: nil, label: label)
        }
    }

    private static func compare<T: Comparable>(_ op: BinaryOperator, _ a: T, _ b: T) -> Bool? {
        switch op {
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        case .equal: a == b
        case .notEqual: a != b
        default: nil
        }
    }

    /// The named days off on weekdays strictly between two dates (at most a few).
    private static func daysOff(between a: LocalDate, and b: LocalDate, _ calendar: any BusinessCalendar) -> [String] {
        let (start, end) = a < b ? (a, b) : (b, a)
        guard start.days(until: end) <= 4000 else { return [] }
        var names: [String] = []
        var day = start.adding(days: 1)
        while day < end, names.count < 12 {
            if let name = calendar.closure(on: day) { names.append("\(day) \(name)") }
            day = day.adding(days: 1)
        }
        return names
    }
}
