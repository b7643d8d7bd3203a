import Foundation

/// How sinks are named where people read them: logs, errors, the command line.
public enum SinkNames {
    /// `url` without the parts that carry secrets: the user-info (`user:password@`) is
    /// dropped and a query string is replaced by `?…`, since tokens travel in both.
    /// Text that is not a URL is returned with control characters escaped.
    public static func redacting(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.scheme != nil else {
            return Identifier.printable(url)
        }
        let hadQuery = components.percentEncodedQuery != nil
        components.user = nil
        components.password = nil
        components.percentEncodedQuery = nil
        components.fragment = nil
        guard let text = components.string else { return "(a URL that cannot be shown)" }
        return Identifier.printable(text + (hadQuery ? "?…" : ""))
    }

    /// A shell command line as a log may show it: its program (the first word) and `…`
    /// for the rest, which may carry a token or a password. A command that starts with a
    /// variable assignment (`TOKEN=… curl`) shows nothing of itself.
    public static func redacting(command: String) -> String {
        let words = command.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else { return "(an empty command)" }
        if first.contains("=") || first.contains("\"") || first.contains("'") { return "(a command, withheld)" }
        return Identifier.printable(String(first)) + (words.count > 1 ? " …" : "")
    }
}
