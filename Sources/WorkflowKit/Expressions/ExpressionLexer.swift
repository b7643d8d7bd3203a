/// Splits expression text into tokens. Hand-written: the language is small and
/// every error must point at an exact offset.
struct ExpressionLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// All tokens, ending with `.end`, or the first lexical error.
    static func tokens(_ text: String) throws(ExpressionError) -> [ExpressionToken] {
        var lexer = ExpressionLexer(text)
        var tokens: [ExpressionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
            if tokens.count > 10_000 {
                throw ExpressionError("The expression is too long.", offset: token.offset)
            }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private static func isDigit(_ s: Unicode.Scalar?) -> Bool { s.map { ("0"..."9").contains($0) } ?? false }
    private static func isLetter(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_"
    }

    private mutating func next() throws(ExpressionError) -> ExpressionToken {
        while let s = peek(), s == " " || s == "\t" || s == "\n" || s == "\r" { index += 1 }
        let start = index
        guard let s = peek() else { return ExpressionToken(kind: .end, offset: start, length: 0) }
        if Self.isDigit(s) {
            // A date is exactly dddd-dd-dd; anything else made of digits is a number.
            if index + 10 <= scalars.count,
                (0..<10).allSatisfy({ [4, 7].contains($0) ? scalars[index + $0] == "-" : Self.isDigit(scalars[index + $0]) }),
                !Self.isDigit(peek(10)), !Self.isLetter(peek(10))
            {
                let text = String(String.UnicodeScalarView(scalars[index..<index + 10]))
                guard let date = LocalDate(text) else {
                    throw ExpressionError("'\(text)' is not a date in the calendar.", offset: start)
                }
                index += 10
                return ExpressionToken(kind: .date(date), offset: start, length: 10)
            }
            while Self.isDigit(peek()) { index += 1 }
            if peek() == ".", Self.isDigit(peek(1)) {
                index += 1
                while Self.isDigit(peek()) { index += 1 }
            }
            let text = String(String.UnicodeScalarView(scalars[start..<index]))
            guard let value = Double(text), text.count <= 15 else {
                throw ExpressionError("'\(text)' is not a number this language can use.", offset: start)
            }
            return ExpressionToken(kind: .number(value), offset: start, length: index - start)
        }
        if Self.isLetter(s) {
            while Self.isLetter(peek()) || Self.isDigit(peek()) { index += 1 }
            let text = String(String.UnicodeScalarView(scalars[start..<index]))
            return ExpressionToken(kind: .identifier(text), offset: start, length: index - start)
        }
        if s == "'" || s == "\"" {
            index += 1
            var text = String.UnicodeScalarView()
            while let c = peek(), c != s {
                text.append(c)
                index += 1
            }
            guard peek() == s else {
                throw ExpressionError("This text is not closed: add a \(s == "'" ? "'" : "\"") at its end.", offset: start)
            }
            index += 1
            return ExpressionToken(kind: .text(String(text)), offset: start, length: index - start)
        }
        let two = peek(1).map { String(s) + String($0) } ?? ""
        if ["<=", ">=", "==", "!="].contains(two) {
            index += 2
            return ExpressionToken(kind: .symbol(two), offset: start, length: 2)
        }
        if "+-(),.<>".unicodeScalars.contains(s) {
            index += 1
            return ExpressionToken(kind: .symbol(String(s)), offset: start, length: 1)
        }
        if s == "=" {
            throw ExpressionError("A single '=' is not an operator; to compare, write '=='.", offset: start)
        }
        if s == "&" || s == "|" || s == "!" {
            let word = s == "&" ? "and" : s == "|" ? "or" : "not"
            throw ExpressionError("'\(s)' is not an operator here; write '\(word)'.", offset: start)
        }
        throw ExpressionError("The character '\(s)' cannot be used in an expression.", offset: start)
    }
}
