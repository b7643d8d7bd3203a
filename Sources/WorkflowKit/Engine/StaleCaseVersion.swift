/// A command made for one revision of a case (``CaseState/revision``, an HTTP `If-Match`)
/// found the case at another: someone changed it since the caller last read it. Nothing
/// was appended.
public struct StaleCaseVersion: Error, Sendable, Hashable, CustomStringConvertible {
    public var caseID: StreamID
    /// The revision the caller saw.
    public var expected: Int64
    /// The revision the case is at.
    public var actual: Int64

    public init(case caseID: StreamID, expected: Int64, actual: Int64) {
        self.caseID = caseID
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "Case \(Identifier.escaped(caseID.rawValue)) is at revision \(actual), not \(expected): it changed since you read it; read it again and decide anew."
    }
}
