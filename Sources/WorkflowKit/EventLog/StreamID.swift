/// The identity of one stream in the event log: in this project, one case.
public struct StreamID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Whether this is one of the log's own streams (`$tokens`, `$security`, …), never a
    /// case: a case id starts with a letter or a digit (``Identifier``).
    public var isSystemStream: Bool { rawValue.hasPrefix("$") }
}

/// What the writer believes the stream's current version to be.
///
/// Versions count the events of one stream, starting at 1; a stream that has no
/// event yet is at version 0.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have exactly this version.
    case exact(Int64)
    /// Append whatever the stream's version is.
    case any

    public var description: String {
        switch self {
        case .noStream: "no stream"
        case .exact(let version): "version \(version)"
        case .any: "any version"
        }
    }

    /// Whether a stream currently at `actual` (0 = no stream) satisfies the expectation.
    package func isSatisfied(byCurrentVersion actual: Int64) -> Bool {
        switch self {
        case .noStream: actual == 0
        case .exact(let version): actual == version
        case .any: true
        }
    }
}
