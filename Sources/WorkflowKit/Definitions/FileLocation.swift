/// A place in a process file: file, line and column (both from 1).
public struct FileLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as it was given to the loader.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, counted in Unicode scalars.
    public var column: Int

    /// Creates a value from its parts (see the properties for their meaning).
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The same line, `count` columns further right.
    func advanced(by count: Int) -> FileLocation {
        FileLocation(file: file, line: line, column: column + count)
    }

    public var description: String { "\(file):\(line):\(column)" }
}
