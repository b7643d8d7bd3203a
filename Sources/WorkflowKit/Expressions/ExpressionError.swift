/// A problem in an expression: what is wrong and where in the expression text.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A full sentence saying what is wrong.
    public var message: String
    /// Where in the expression the problem starts, in Unicode scalars from 0.
    public var offset: Int

    /// Creates a value from its parts (see the properties for their meaning).
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "column \(offset + 1) of the expression: \(message)" }
}
