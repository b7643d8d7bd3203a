/// A value an expression produces or a field holds.
public enum ExpressionValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case date(LocalDate)
    case number(Double)
    case bool(Bool)
    case text(String)
    case duration(DateDuration)

    /// The value's type.
    public var type: ExpressionType {
        switch self {
        case .date: .date
        case .number: .number
        case .bool: .bool
        case .text: .text
        case .duration: .duration
        }
    }

    public var description: String {
        switch self {
        case .date(let date): date.description
        case .number(let value): Self.format(value)
        case .bool(let value): value ? "true" : "false"
        case .text(let text): text
        case .duration(let duration): duration.description
        }
    }

    /// The date, when this is one.
    public var date: LocalDate? {
        if case .date(let date) = self { return date }
        return nil
    }

    /// The truth value, when this is one.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A value typed by its form, as `aso-engine eval --set` and examples read
    /// them: `2026-12-23` is a date, `12` a number, `true`/`false` yes/no, else text.
    public init(inferringFrom text: String) {
        if let date = LocalDate(text) {
            self = .date(date)
        } else if let number = Double(text), number.isFinite,
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E") })
        {
            // Exponents too: a very large or small number prints as `1e+20`, which must read back as the number.
            self = .number(number)
        } else if text == "true" || text == "false" {
            self = .bool(text == "true")
        } else {
            self = .text(text)
        }
    }

    /// A number without a trailing ".0" when it is whole, and never with an exponent:
    /// the shortest digits that read back as the same number, written out in full
    /// (`0.00006661`, not `6.661e-05`), because the canonical text of an expression must
    /// parse again and the language has no exponents.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        let shortest = String(value)
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }),
            let exponent = Int(shortest[shortest.index(after: e)...])
        else { return shortest }
        var mantissa = shortest[..<e]
        let negative = mantissa.first == "-"
        if negative { mantissa = mantissa.dropFirst() }
        let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let position = point + exponent  // digits before the decimal point
        let text: String
        if position <= 0 {
            text = "0." + String(repeating: "0", count: -position) + String(digits)
        } else if position >= digits.count {
            text = String(digits) + String(repeating: "0", count: position - digits.count)
        } else {
            text = String(digits[..<position]) + "." + String(digits[position...])
        }
        return negative ? "-" + text : text
    }
}
