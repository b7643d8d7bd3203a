/// One token of an expression, with its offset (in Unicode scalars) in the text.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case number(Double)
        case date(LocalDate)
        case text(String)
        case symbol(String)  // + - ( ) , . < <= > >= == !=
        case end
    }

    var kind: Kind
    var offset: Int
    var length: Int
}
