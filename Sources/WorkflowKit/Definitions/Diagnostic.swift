/// A problem found in a process file, with the place it was found.
///
/// Its ``description`` is the form compilers use, so editors and terminals can jump
/// to the place: `processes/vat-turku.yaml:14:7: error: unknown role 'chiar' …`.
/// Messages name the thing (quoted) and never include personal data values.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a problem is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The file cannot be used until this is fixed.
        case error
        /// Legal, but probably not what the author meant.
        case warning
    }

    /// How serious the problem is.
    public var severity: Severity
    /// The file as it was given to the loader.
    public var file: String
    /// The line, from 1 (0 when the problem concerns the file as a whole).
    public var line: Int
    /// The column, from 1, counted in Unicode scalars.
    public var column: Int
    /// A full sentence saying what is wrong, and what to do when that is known.
    public var message: String

    /// A diagnostic at `location`.
    public init(_ severity: Severity, _ message: String, at location: FileLocation) {
        self.severity = severity
        self.file = location.file
        self.line = location.line
        self.column = location.column
        self.message = message
    }

    /// Where the problem is.
    public var location: FileLocation { FileLocation(file: file, line: line, column: column) }

    /// `file:line:column: severity: message` (just `file: …` for a problem with
    /// the file as a whole).
    public var description: String {
        line > 0 ? "\(location): \(severity.rawValue): \(message)" : "\(file): \(severity.rawValue): \(message)"
    }
}

extension Diagnostic {
    /// An error at `location`.
    static func error(_ message: String, at location: FileLocation) -> Diagnostic {
        Diagnostic(.error, message, at: location)
    }

    /// A warning at `location`.
    static func warning(_ message: String, at location: FileLocation) -> Diagnostic {
        Diagnostic(.warning, message, at: location)
    }
}

extension Array where Element == Diagnostic {
    /// Whether any of these is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, line and column, errors before warnings at the same place.
    public func sortedByLocation() -> [Diagnostic] {
        sorted {
            ($0.file, $0.line, $0.column, $0.severity == .error ? 0 : 1, $0.message)
                < ($1.file, $1.line, $1.column, $1.severity == .error ? 0 : 1, $1.message)
        }
    }
}
