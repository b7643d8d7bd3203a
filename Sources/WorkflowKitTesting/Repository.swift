public import Foundation

/// The repository a test file lives in, and small helpers for running the commands
/// its documents show.
public enum Repository {
    /// The folder holding `Package.swift`, found upwards from `file` (pass `#filePath`).
    public static func root(of file: String) -> URL {
        var directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// The lines of the test file at `file` between `// <marker>-BEGIN <name>` and
    /// `// <marker>-END <name>`, unindented by the test body's eight spaces: the code a
    /// document must show exactly as a test runs it.
    public static func markedCode(_ name: String, marker: String = "DOCC", in file: String) throws -> String {
        let source = try String(contentsOfFile: file, encoding: .utf8)
        guard let begin = source.range(of: "// \(marker)-BEGIN \(name)\n"),
            let end = source.range(of: "        // \(marker)-END \(name)", range: begin.upperBound..<source.endIndex)
        else { throw CocoaError(.fileReadCorruptFile) }
        return source[begin.upperBound..<end.lowerBound]
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
            .joined(separator: "\n")
    }

    /// Splits a shell line into words, honouring single quotes and stopping at a comment.
    public static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var started = false
        for character in line {
            if character == "'" {
                quoted.toggle()
                started = true
            } else if character == "#" && !quoted && !started {
                break
            } else if character == " " && !quoted {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }
}
